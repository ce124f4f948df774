# Shortcuts for a set-up checkout (bash scripts/setup.sh). CI runs scripts/test.sh, which runs the same
# ruff, mypy and lint-imports checks. Benchmarks: the README's Benchmarks table says what each measures
# and its target; each prints its ratio against a baseline measured in the same run.
PY ?= .venv/bin/python
BIN ?= .venv/bin

.PHONY: check test bench bench-all

check:  ## lint, format, types, import contracts (fast: no model is loaded)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(PY) -m pytest -q tests/test_layers.py tests/test_import_hygiene.py tests/cockpit/test_import_hygiene.py

test: check  ## the .venv suite (the vLLM tests: bash scripts/test.sh)
	$(PY) -m pytest -x -q

bench:  ## the quick CPU benches (a few minutes on 2 cores): driver journal, API judging, report, ingest
	$(PY) bench/bench_journal.py
	$(PY) bench/bench_api_judging.py --concurrency 16 64 --latency 0.5
	$(PY) bench/bench_report.py
	$(PY) bench/bench_ingest.py 400000

bench-all: bench  ## every bench of the README's table that runs without a GPU (tens of minutes)
	$(PY) bench/bench_generation.py 64 16 64 3
	$(PY) bench/bench_report_out.py --runs 3
	$(PY) bench/bench_pipeline.py
	$(PY) bench/bench_ray.py
	$(PY) bench/bench_telemetry.py --seconds 30
	$(PY) bench/bench_train_callback.py
	$(PY) bench/bench_cockpit_startup.py --repeat 7
	$(PY) bench/bench_cockpit_repaint.py --rounds 5
	.venv-vllm/bin/python bench/bench_vllm.py --prompts 64 --max-tokens 64 --rounds 3
