#!/usr/bin/env bash
# One-shot check of the study's real path on a GPU machine: vLLM + LoRA adapters + the Qwen3.5
# architecture + bf16 LoRA training + NVML telemetry. Sized for under 8 minutes on one H100/H200
# (vLLM already installed: add ~2 min for `scripts/setup.sh --vllm` on a fresh machine).
#
#   bash scripts/gpu-check.sh [--dry-run] [--out DIR] [--skip-setup]
#
#   --dry-run     the CPU-capable parts, here (vLLM's CPU build, small sizes): the same steps and the
#                 same results file, so the script itself is tested before a GPU is spent on it
#   --out DIR     where results go (default: gpu-check-<UTC time>/)
#   --skip-setup  use .venv-vllm as it is
#
# Steps (each timed, logged to DIR/<step>.log, recorded in DIR/results.json, and never fatal to
# the rest): env (driver, GPU, versions) · setup · nvml (readings through engine.telemetry) ·
# train (a bf16 LoRA SFT of the embedded SmolLM2 with the paper recipe's LoRA shape: step rate) ·
# tests (`pytest -m vllm`: the vllm backend, multi-LoRA in one engine incl. base and adapter
# requests in one batch, logprob judging, `engine run`, `vllm serve` with a LoRA module, the tiny
# Qwen3.5 trained and served with its adapter) · bench (engine ÷ raw `LLM.chat`, base + adapter).
set -uo pipefail
cd "$(dirname "$0")/.."

DRY=0 SETUP=1 OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY=1 ;;
    --skip-setup) SETUP=0 ;;
    --out) OUT="$2"; shift ;;
    *) echo "usage: bash scripts/gpu-check.sh [--dry-run] [--out DIR] [--skip-setup]" >&2; exit 2 ;;
  esac
  shift
done
OUT=${OUT:-gpu-check-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
RESULTS="$OUT/results.jsonl"
: >"$RESULTS"
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false HF_HUB_OFFLINE=1
export SKILL_COCKPIT_CACHE="${SKILL_COCKPIT_CACHE:-$PWD/.cache/skill-cockpit}"
export SKILL_COCKPIT_RUNS="$OUT/runs"
export VLLM_CPU_KVCACHE_SPACE="${VLLM_CPU_KVCACHE_SPACE:-2}"
VPY=.venv-vllm/bin/python

if [ "$DRY" = 1 ]; then
  TRAIN_SET=(--max-steps 3 --set precision=fp32 --set batch_size=2 --set grad_accum=1 --set max_length=512
    --set gradient_checkpointing=false)
  BENCH_ARGS=(--prompts 24 --max-tokens 32 --rounds 1)
else
  TRAIN_SET=(--max-steps 40 --set precision=bf16 --set device=cuda)
  BENCH_ARGS=(--prompts 512 --max-tokens 256 --rounds 3)
fi

# step NAME TIMEOUT_S CMD...: run, time and record one step (its output in $OUT/NAME.log)
step() {
  local name=$1 limit=$2 t0 rc
  shift 2
  echo "== $name"
  t0=$(date +%s.%N)
  timeout "$limit" "$@" >"$OUT/$name.log" 2>&1
  rc=$?
  python3 - "$name" "$rc" "$t0" "$OUT/$name.log" >>"$RESULTS" <<'PY'
import json, sys, time
name, rc, t0, log = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
tail = open(log, errors="replace").read()[-1500:]
print(json.dumps({"step": name, "ok": rc == 0, "rc": rc, "seconds": round(time.time() - t0, 1), "tail": tail}))
PY
  echo "   rc=$rc ($(tail -n 1 "$OUT/$name.log" | cut -c1-150))"
  return 0
}

step env 60 bash -c 'nvidia-smi || echo "no nvidia-smi"; uname -a; python3 --version;
  [ -x .venv-vllm/bin/python ] && .venv-vllm/bin/python -c "import torch, vllm, transformers;
print(\"torch\", torch.__version__, \"cuda\", torch.cuda.is_available(), \"vllm\", vllm.__version__, \"transformers\", transformers.__version__)"'

if [ "$SETUP" = 1 ]; then
  step setup 900 bash scripts/setup.sh --vllm
fi

step nvml 60 "$VPY" -c '
import json
from engine.telemetry import snapshot
s = snapshot("gpu-check")
print(json.dumps({"host": s.host, "gpu_status": s.gpu_status, "gpus": [g.__dict__ for g in s.gpus]}))
'

# the paper recipe as it is (r16, alpha 32, all-linear, bf16, gradient checkpointing, batch 8 x 2)
# on the embedded SmolLM2 and the offline corpus: no hub download, the step rate of the real settings
step train 600 "$VPY" -m engine.cli train data/recipes/paper.toml --run-id gpu-check-train --events none \
  --base-model embedded:smollm2-135m-instruct --corpus data/corpus/offline-corpus.jsonl \
  --set save_steps=1000 "${TRAIN_SET[@]}"

step tests 1200 "$VPY" -m pytest tests/vllm tests/test_adapters.py -q -p no:cacheprovider -x \
  --junitxml="$OUT/tests.xml"

ADAPTER="$OUT/runs/gpu-check-train/adapter"
LORA_ARGS=()
[ -d "$ADAPTER" ] && LORA_ARGS=(--lora "$ADAPTER")
step bench 600 "$VPY" bench/bench_vllm.py "${BENCH_ARGS[@]}" "${LORA_ARGS[@]}"

# the numbers worth reading, next to the per-step records
python3 - "$OUT" <<'PY'
import json, pathlib, re, sys
out = pathlib.Path(sys.argv[1])
steps = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
summary = {"steps": {s["step"]: {"ok": s["ok"], "seconds": s["seconds"]} for s in steps}}
bench = (out / "bench.log").read_text(errors="replace") if (out / "bench.log").exists() else ""
m = re.search(r"engine ([\d.]+) tok/s vs raw LLM.chat ([\d.]+) tok/s: ratio ([\d.]+)", bench)
if m:
    summary["bench"] = {"engine_tok_s": float(m[1]), "raw_tok_s": float(m[2]), "ratio": float(m[3])}
result = out / "runs" / "gpu-check-train" / "result.json"
if result.exists():
    r = json.loads(result.read_text())
    if r.get("train_runtime_s"):
        summary["train"] = {"steps": r["step"], "seconds": r["train_runtime_s"], "steps_per_s": round(r["step"] / r["train_runtime_s"], 3)}
nvml = (out / "nvml.log").read_text(errors="replace").strip().splitlines() if (out / "nvml.log").exists() else []
if nvml:
    try:
        summary["nvml"] = json.loads(nvml[-1])
    except ValueError:
        pass
(out / "results.json").write_text(json.dumps(summary, indent=1) + "\n")
print(json.dumps(summary, indent=1))
PY
echo "results: $OUT/results.json (per step: $OUT/results.jsonl, logs beside them)"
