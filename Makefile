# Shortcuts for a set-up checkout (bash scripts/setup.sh). CI runs scripts/test.sh, which runs the same
# ruff, mypy and lint-imports checks. Benchmarks: see the README's Benchmarks table (each takes its own arguments).
PY ?= .venv/bin/python
BIN ?= .venv/bin

.PHONY: check test

check:  ## lint, format, types, import contracts (fast: no model is loaded)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(PY) -m pytest -q tests/test_layers.py tests/test_import_hygiene.py tests/cockpit/test_import_hygiene.py

test: check  ## the .venv suite (the vLLM tests: bash scripts/test.sh)
	$(PY) -m pytest -x -q
