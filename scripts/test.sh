#!/usr/bin/env bash
# The whole test suite on a fresh machine (what .ci/run calls): set up both venvs, then
#   .venv       ruff check, ruff format --check, mypy (engine and cockpit, configured in pyproject),
#               lint-imports (the import contracts in pyproject: layers, headless engine, no cycles)
#   .venv       every test (the vLLM ones skip there: vLLM is not installed in it)
#   .venv-vllm  the tests marked `vllm` (vLLM's CPU build without a GPU, its CUDA build with one)
# Extra arguments go to both pytest runs (e.g. -x, -k NAME).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# lint, format, types and import contracts first (versions pinned in the dev extra): drift fails before the long run
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/lint-imports --no-cache
.venv/bin/python -m pytest "$@"
bash scripts/setup.sh --vllm
.venv-vllm/bin/python -m pytest -m vllm "$@"
