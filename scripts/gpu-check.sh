#!/usr/bin/env bash
# One-shot check of the study's real path on a GPU machine: vLLM + LoRA adapters + the Qwen3.5
# architecture + bf16 LoRA training + NVML telemetry. Sized for under 8 minutes on one H100/H200
# (vLLM already installed: add ~2 min for `scripts/setup.sh --vllm` on a fresh machine).
#
#   bash scripts/gpu-check.sh [--dry-run] [--out DIR] [--skip-setup] [--image]
#
#   --dry-run     the CPU-capable parts, here (vLLM's CPU build, small sizes): the same steps and the
#                 same results file, so the script itself is tested before a GPU is spent on it
#   --out DIR     where results go (default: gpu-check-<UTC time>/)
#   --skip-setup  use .venv-vllm as it is
#   --image       a GPU machine with no package registry (the device machines this project is lent):
#                 its own python3 and CUDA torch, plus the few packages it lacks as wheels carried
#                 in .gpucheck/whl (`bash scripts/gpu-check.sh --prepare` makes them, with the
#                 tokenizer, in .gpucheck/). A GPU vLLM cannot be carried (its wheel is hundreds of
#                 MB), so this mode checks the hf path: a Qwen3.5 at the 2B student's widths
#                 (random weights, built there), the paper recipe's bf16 LoRA SFT on it, then
#                 `engine run` of base + adapter on the GPU, with NVML telemetry journaled.
#   --prepare     (here, with network to the package index) fill .gpucheck/ for --image, then exit
#
# On a device machine (carry .gpucheck; at most 8 files come back, so pack the logs):
#   bash scripts/gpu-check.sh --image --out /tmp/gc >$OUT/console.log 2>&1; cp /tmp/gc/results.json $OUT/
#   tar czf $OUT/gc.tgz --exclude='*.safetensors' --exclude='*.pt' --exclude='*.duckdb*' -C /tmp gc
#
# Steps (each timed, logged to DIR/<step>.log, recorded in DIR/results.json, and never fatal to
# the rest): env (driver, GPU, versions) · setup · nvml (readings through engine.telemetry) ·
# train (a bf16 LoRA SFT of the embedded SmolLM2 with the paper recipe's LoRA shape: step rate) ·
# tests (`pytest -m vllm`: the vllm backend, multi-LoRA in one engine incl. base and adapter
# requests in one batch, logprob judging, `engine run`, `vllm serve` with a LoRA module, the tiny
# Qwen3.5 trained and served with its adapter) · bench (engine ÷ raw `LLM.chat`, base + adapter).
set -uo pipefail
cd "$(dirname "$0")/.."

DRY=0 SETUP=1 OUT="" IMAGE=0 PREPARE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY=1 ;;
    --skip-setup) SETUP=0 ;;
    --image) IMAGE=1 ;;
    --prepare) PREPARE=1 ;;
    --out) OUT="$2"; shift ;;
    *) echo "usage: bash scripts/gpu-check.sh [--dry-run] [--out DIR] [--skip-setup] [--image] [--prepare]" >&2; exit 2 ;;
  esac
  shift
done

# the packages a CUDA image with torch/transformers/peft/accelerate lacks, at the versions the
# project is tested with (.venv), for CPython 3.12; fla = flash-linear-attention, the Gated DeltaNet
# kernels transformers uses for Qwen3.5 when present (without it: a slow torch fallback)
CARRIED="trl==1.16.0 datasets==5.2.0 dill==0.4.1 multiprocess==0.70.19 duckdb==2.0.1 pydantic==2.14.4
  pydantic_core==2.50.5 annotated-types==0.8.0 typing-inspection==0.4.5"
FLA="flash-linear-attention==0.6.0 fla-core==0.6.0"
if [ "$PREPARE" = 1 ]; then
  set -e
  mkdir -p .gpucheck/whl .gpucheck/fla .gpucheck/tokenizer
  grep -qx '/.gpucheck/' .git/info/exclude 2>/dev/null || echo '/.gpucheck/' >>.git/info/exclude
  plat=(--only-binary=:all: --python-version 3.12 --implementation cp --platform manylinux_2_28_x86_64
    --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64)
  # shellcheck disable=SC2086
  python3 -m pip download -q --no-deps "${plat[@]}" -d .gpucheck/whl $CARRIED
  # shellcheck disable=SC2086
  python3 -m pip download -q --no-deps "${plat[@]}" -d .gpucheck/fla $FLA
  tokdir=$(.venv/bin/python -c 'from engine.models.embedded import ensure_converted; print(ensure_converted())')
  cp "$tokdir"/tokenizer.json "$tokdir"/tokenizer_config.json "$tokdir"/chat_template.jinja .gpucheck/tokenizer/
  du -sh .gpucheck
  exit 0
fi
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
if [ "$IMAGE" = 1 ]; then
  VPY=${GPU_CHECK_PYTHON:-python3}
  SITE=${GPU_CHECK_SITE:-/tmp/gpu-check-site}
  WHL=${GPU_CHECK_WHL:-.gpucheck/whl} WHL_FLA=${GPU_CHECK_WHL_FLA:-.gpucheck/fla}
  export PYTHONPATH="$SITE:$PWD${PYTHONPATH:+:$PYTHONPATH}"
fi

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

if [ "$IMAGE" = 1 ]; then
  MODEL=/tmp/gpu-check-qwen35
  if [ "$DRY" = 1 ]; then
    MODEL_ARGS=(--preset tiny --device cpu)
    TRAIN_SET=(--max-steps 3 --set precision=fp32 --set batch_size=2 --set grad_accum=1 --set max_length=512 --set logging_steps=1)
    RUN_LIMIT=4 RUN_TOKENS=16 RUN_BATCH=8
  else
    MODEL_ARGS=(--preset 2b --device cuda)
    TRAIN_SET=(--max-steps 12 --set precision=bf16 --set device=cuda --set logging_steps=1)
    RUN_LIMIT=40 RUN_TOKENS=128 RUN_BATCH=80
  fi
  step env 60 bash -c 'nvidia-smi || echo "no nvidia-smi"; uname -a; '"$VPY"' --version; '"$VPY"' -c "import torch, transformers, peft, accelerate;
print(\"torch\", torch.__version__, \"cuda\", torch.cuda.is_available(), \"transformers\", transformers.__version__, \"peft\", peft.__version__)"'
  SITE=$SITE WHL=$WHL WHL_FLA=$WHL_FLA VPY=$VPY step deps 120 bash -c 'rm -rf "$SITE" "$SITE-fla" &&
    "$VPY" -m pip install -q --no-index --no-deps --no-compile --target "$SITE" "$WHL"/*.whl &&
    "$VPY" -m pip install -q --no-index --no-deps --no-compile --target "$SITE-fla" "$WHL_FLA"/*.whl &&
    "$VPY" -c "import engine.cli, trl, duckdb; print(\"engine imports\")"'
  step nvml 60 "$VPY" -c '
import json
from engine.telemetry import snapshot
s = snapshot("gpu-check")
print(json.dumps({"host": s.host, "gpu_status": s.gpu_status, "gpus": [g.__dict__ for g in s.gpus]}))
'
  # fla 0.6 refuses to train Gated DeltaNet on Hopper with Triton >= 3.4, < 3.7.1 (wrong gradients in
  # chunk_bwd_dqkwg, fla issue #640; seen on an H200 with Triton 3.6): then train on the torch fallback
  FLA_PATH=""
  if "$VPY" -c 'import sys, torch, triton
from packaging.version import Version
cap = torch.cuda.get_device_capability() if torch.cuda.is_available() else (0, 0)
bad = cap[0] == 9 and Version("3.4.0") <= Version(triton.__version__.split("+")[0]) < Version("3.7.1")
sys.exit(1 if bad or not torch.cuda.is_available() else 0)' >"$OUT/fla.log" 2>&1; then
    FLA_PATH="$SITE-fla:"
    echo "fla: on the path" >>"$OUT/fla.log"
  else
    echo "fla: off (no CUDA, no triton, or Triton < 3.7.1 on Hopper)" >>"$OUT/fla.log"
  fi
  step model 150 "$VPY" scripts/tiny_qwen35.py "$MODEL" --tokenizer .gpucheck/tokenizer "${MODEL_ARGS[@]}"
  # the paper recipe as it is (r16, alpha 32, all-linear, bf16, gradient checkpointing, batch 8 x 2,
  # max_length 2048) on the 2B-shaped Qwen3.5, with the Gated DeltaNet kernels (fla) where they work
  PYTHONPATH="$FLA_PATH$PYTHONPATH" step train 240 "$VPY" -m engine.cli train data/recipes/paper.toml \
    --run-id gpu-check-train --events jsonl --base-model "$MODEL" --corpus data/corpus/offline-corpus.jsonl \
    --set save_steps=1000 "${TRAIN_SET[@]}"
  ADAPTER="$OUT/runs/gpu-check-train/adapter"
  SUITE=$PWD/data/suite
  SFT_CONFIG=""
  [ -d "$ADAPTER" ] && SFT_CONFIG="[[configs]]
id = \"q2b-sft\"
base = \"q2b\"
backend = \"hf\"
model = \"$MODEL\"
adapter = \"$ADAPTER\"
size = \"2B\"
batch_size = $RUN_BATCH
chat_template_kwargs = { enable_thinking = false }
sampling = { temperature = 0.0, max_tokens = $RUN_TOKENS }"
  cat >"$OUT/gpu-exp.toml" <<TOML
name = "gpu-check"
seed = 0
conditions = ["no_skill", "curated"]
headline_path = "lenient"
[holdout]
skills = "$SUITE/skills.jsonl"
tasks = "$SUITE/tasks.jsonl"
split = "holdout"
limit = $RUN_LIMIT
[[configs]]
id = "q2b"
backend = "hf"
model = "$MODEL"
size = "2B"
batch_size = $RUN_BATCH
chat_template_kwargs = { enable_thinking = false }
sampling = { temperature = 0.0, max_tokens = $RUN_TOKENS }
$SFT_CONFIG
[[judges]]
id = "extractor"
kind = "answer_line"
[[judges]]
id = "lenient"
kind = "final_answer"
[[paths]]
name = "lenient"
answer_line = "lenient"
TOML
  PYTHONPATH="$FLA_PATH$PYTHONPATH" step run 180 "$VPY" -m engine.cli run "$OUT/gpu-exp.toml" --run-id gpu-check-run \
    --events jsonl
  step report 60 "$VPY" -m engine.cli report -e "$OUT/gpu-exp.toml" --run gpu-check-run
  step tests 90 "$VPY" -m pytest tests/test_telemetry.py tests/test_adapters.py -q -p no:cacheprovider \
    --junitxml="$OUT/tests.xml"
else
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
fi

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
def events(name):
    path = out / f"{name}.log"
    rows = []
    for line in (path.read_text(errors="replace").splitlines() if path.exists() else []):
        if line.startswith("{"):
            try:
                rows.append(json.loads(line))
            except ValueError:
                pass
    return rows
def gpu_peak(rows):
    gpus = [g for e in rows if e.get("type") == "TelemetrySampled" for g in e.get("gpus") or []]
    if not gpus:
        return None
    return {"samples": len(gpus), "util_pct_max": max(g["util_pct"] or 0 for g in gpus),
            "mem_used_gb_max": max(g["mem_used_gb"] or 0 for g in gpus),
            "power_w_max": max(g["power_w"] or 0 for g in gpus),
            "host": next(e.get("host", "") for e in rows if e.get("type") == "TelemetrySampled")}
train = events("train")
steps = [e for e in train if e.get("type") == "TrainStepLogged"]
if steps:
    tps = [e["tokens_per_s"] for e in steps if e.get("tokens_per_s")]
    summary.setdefault("train", {})["tokens_per_s_last"] = tps[-1] if tps else None
    summary["train"]["gpu"] = gpu_peak(train)
if (out / "train.log").exists():
    summary.setdefault("train", {})["gated_deltanet_fast_path"] = not any(m in (out / "train.log").read_text(errors="replace") for m in ("fast path is not available", "flash-linear-attention` is not installed"))
run = events("run")
eps = [e for e in run if e.get("type") == "EpisodeFinished"]
if eps:
    t0 = min(e["t"] for e in run if e.get("type") in ("RunStarted", "PhaseChanged"))
    t1 = max(e["t"] for e in eps)
    by = {}
    for e in eps:
        by.setdefault(e["config_id"], []).append(e)
    summary["run"] = {"episodes": len(eps), "errors": sum(1 for e in eps if e.get("error")),
        "tokens_out": sum(e["tokens_out"] for e in eps), "seconds": round(t1 - t0, 1),
        "tok_s_incl_load": round(sum(e["tokens_out"] for e in eps) / max(t1 - t0, 1e-9), 1),
        "per_config": {k: {"episodes": len(v), "tokens_out": sum(e["tokens_out"] for e in v),
            "tok_s": round(sum(e["tokens_out"] for e in v) / max(max(e["t"] for e in v) - min(e["t"] - e["latency_s"] for e in v), 1e-9), 1)}
            for k, v in by.items()},
        "gpu": gpu_peak(run)}
if (out / "fla.log").exists():
    summary["fla"] = (out / "fla.log").read_text(errors="replace").strip().splitlines()[-1]
(out / "results.json").write_text(json.dumps(summary, indent=1) + "\n")
print(json.dumps(summary, indent=1))
PY
echo "results: $OUT/results.json (per step: $OUT/results.jsonl, logs beside them)"
