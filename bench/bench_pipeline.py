"""The pipelined run against its components and the sequential schedule, measured in one run.

Workload: the embedded SmolLM2 config, one API config and one API LLM judge, the last two on the
loopback server answering after a fixed latency L (default 0.5 s), on the mini suite. Measured:

  1. each component alone: embedded generation; API generation; the LLM judge over all episodes;
  2. the whole run on the sequential schedule (configs one after another, the judge after them);
  3. the whole run pipelined (the default).

Prints each wall time, pipelined / longest component (target <= 1.15) and sequential / pipelined.
Each whole run and each generation component loads the embedded model itself, as a run does.

By default the two generation components take about the same time here (about 11 s each) and the
judge, at concurrency 8, a quarter of that. With `--judge-concurrency 2` the judge alone takes as
long as either generator; then no schedule can meet the target: the embedded model's last batch
arrives at the end and still has to be judged (10 episodes at 4 a second here). The timeline line
shows where the time went. One untimed embedded run first warms the caches.

    python bench/bench_pipeline.py                      # L = 0.5 s, API concurrency 1, judge 8
    python bench/bench_pipeline.py --judge-concurrency 2 --json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.config import load_experiment  # noqa: E402
from engine.runner import Runner, RunRequest  # noqa: E402
from engine.store import journal as jr  # noqa: E402

TARGET = 1.15
MINI = ROOT / "tests" / "fixtures" / "mini"


def start_server(latency: float) -> tuple[subprocess.Popen[str], str]:
    cmd = [sys.executable, "-m", "tests.servers.fault_server", "--port", "0", "--latency", str(latency)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, f"http://127.0.0.1:{int(proc.stdout.readline())}"


def smol_head(name: str, args: argparse.Namespace, samples: int = 1) -> str:
    """An experiment on the mini suite opening with the embedded SmolLM2 config `smol` (the benches
    that time the embedded model: this one and bench_ray.py)."""
    return f"""
name = "{name}"
seed = 0
samples = {samples}
[holdout]
skills = "{MINI / "skills.jsonl"}"
tasks = "{MINI / "tasks.jsonl"}"

[[configs]]
id = "smol"
backend = "embedded"
model = "smollm2-135m-instruct"
batch_size = {args.batch_size}
[configs.sampling]
max_tokens = {args.max_tokens}
"""


def experiment(tmp: Path, base: str, args: argparse.Namespace) -> Path:
    text = (
        smol_head("bench-pipeline", args)
        + f"""
[[configs]]
id = "api"
backend = "openai"
base_url = "{base}/v1"
model = "toy-student"
api_key_env = "SKC_BENCH_KEY"
concurrency = {args.api_concurrency}

[[judges]]
id = "gpt"
kind = "llm"
[judges.model]
backend = "openai"
base_url = "{base}/v1"
model = "toy-judge"
api_key_env = "SKC_BENCH_KEY"
concurrency = {args.judge_concurrency}
"""
    )
    p = tmp / "bench.toml"
    p.write_text(text)
    return p


def timeline(runs: Path, t0: float) -> dict[str, float]:
    """When (seconds after the run began) each config's last episode and the judge's last verdict
    were journaled: where the pipelined run's time goes."""
    out: dict[str, float] = {}
    for d in jr.run_dirs(runs):
        for rec in jr.iter_records(d / "episodes.jsonl"):
            k = f"last {rec['config_id']} episode"
            out[k] = max(out.get(k, 0.0), rec["created_at"] - t0)
        for rec in jr.iter_records(d / "judgments.jsonl"):
            k = f"first {rec['judge_id']} verdict"
            out[k] = min(out.get(k, 1e9), rec["created_at"] - t0)
            k = f"last {rec['judge_id']} verdict"
            out[k] = max(out.get(k, 0.0), rec["created_at"] - t0)
    return {k: round(v, 2) for k, v in sorted(out.items(), key=lambda kv: kv[1])}


def timed(exp_path: Path, runs: Path, **opts: object) -> float:
    exp = load_experiment(exp_path)
    t0 = time.perf_counter()
    res = Runner(exp, RunRequest(runs_dir=runs, ingest=False, **opts)).run()  # type: ignore[arg-type]
    wall = time.perf_counter() - t0
    if res.status != "finished" or res.errors:
        raise SystemExit(f"bench run {opts} ended {res.status} with {res.errors} errors: {res.error}")
    return wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--latency", type=float, default=0.5, help="the server's answer latency L, seconds")
    ap.add_argument("--api-concurrency", type=int, default=1)
    ap.add_argument("--judge-concurrency", type=int, default=8)
    ap.add_argument("--batch-size", type=int, default=10)
    ap.add_argument("--max-tokens", type=int, default=32)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    os.environ["SKC_BENCH_KEY"] = "sk-bench-pipeline"
    server, base = start_server(args.latency)
    try:
        with tempfile.TemporaryDirectory() as tmp_s:
            tmp = Path(tmp_s)
            exp = experiment(tmp, base, args)
            timed(exp, tmp / "warmup", config_ids=["smol"], judge_ids=[])  # the model's first load: untimed
            comp = tmp / "components"
            walls = {
                "embedded generation": timed(exp, comp, config_ids=["smol"], judge_ids=[]),
                "API generation": timed(exp, comp, config_ids=["api"], judge_ids=[]),
            }
            # the judge alone: every episode the components stored, nothing generated
            walls["LLM judging"] = timed(exp, comp, judge_ids=["gpt"], generate=False, kind="judge")
            walls["sequential"] = timed(exp, tmp / "sequential", schedule="sequential")
            start = time.time()
            walls["pipelined"] = timed(exp, tmp / "pipelined", schedule="pipelined")
            marks = timeline(tmp / "pipelined", start)
    finally:
        server.terminate()
        server.wait()
    longest = max(walls[k] for k in ("embedded generation", "API generation", "LLM judging"))
    ratio = walls["pipelined"] / longest
    out = {
        "latency_s": args.latency,
        "walls_s": {k: round(v, 2) for k, v in walls.items()},
        "pipelined_over_longest_component": round(ratio, 3),
        "target": TARGET,
        "sequential_over_pipelined": round(walls["sequential"] / walls["pipelined"], 3),
        "pipelined_timeline_s": marks,
        "load_avg": [round(x, 2) for x in os.getloadavg()],
        "ok": ratio <= TARGET,
    }
    if args.json:
        print(json.dumps(out))
        return
    for k, v in walls.items():
        print(f"{k:<22} {v:7.2f} s")
    print(f"pipelined / longest component: {ratio:.3f} (target <= {TARGET}) {'ok' if out['ok'] else 'MISSED'}")
    print(f"sequential / pipelined:        {out['sequential_over_pipelined']:.3f}")
    print("pipelined run, seconds after it began: " + ", ".join(f"{k} {v}" for k, v in marks.items()))
    print(f"load average: {out['load_avg']}")


if __name__ == "__main__":
    main()
