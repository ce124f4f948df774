# Shortcuts for a set-up checkout (bash scripts/setup.sh). CI runs scripts/test.sh, which runs the same
# ruff and mypy checks. Benchmarks: see the README's Benchmarks table (each takes its own arguments).
PY ?= .venv/bin/python
BIN ?= .venv/bin

.PHONY: check test

check:  ## lint, format, types, layers (fast: no model is loaded)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(PY) -m pytest -q tests/test_layers.py tests/test_import_hygiene.py tests/cockpit/test_import_hygiene.py

test: check  ## the .venv suite (the vLLM tests: bash scripts/test.sh)
	$(PY) -m pytest -x -q
