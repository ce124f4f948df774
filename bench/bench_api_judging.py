"""API judging throughput: LLMJudge on the openai / anthropic backends against the loopback fault server.

The server runs in its own process with a fixed answer latency L; a judge at concurrency C can at
best finish C/L items a second. For each backend and C this prints the measured items/s (median of
--repeat batches through one judge, after one untimed warm-up item), that ideal, their ratio
(target >= 0.9), and the rate relative to a bare httpx thread pool posting the same body at the
same C: the baseline measured in the same run, i.e. what the loopback server and this machine
allow without the SDK and the judge (the machine's load average is printed too: on a shared
2-core box other processes move every number). Every verdict is checked against the toy judge.

    python bench/bench_api_judging.py                       # C = 16 and 64, L = 0.1 s, 10*C items
    python bench/bench_api_judging.py --concurrency 64 --latency 0.05 --items 600 --backends openai
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.config import JudgeSpec, ModelSpec, RetryPolicy  # noqa: E402
from engine.data.schemas import Task  # noqa: E402
from engine.judges.base import JudgeItem  # noqa: E402
from engine.judges.llm import LLMJudge, judge_messages  # noqa: E402
from engine.models.api import httpx_module  # noqa: E402

TARGET = 0.9
TASK = Task(
    id="bench-task",
    skill_id="bench-skill",
    split="holdout",
    prompt="A warehouse ships 17 crates a day for 23 days. How many crates does it ship? " * 4,
    answer="391",
    answer_type="integer",
)


def start_server(latency: float) -> tuple[subprocess.Popen[str], str]:
    cmd = [sys.executable, "-m", "tests.servers.fault_server", "--port", "0", "--latency", str(latency)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    port = int(proc.stdout.readline())
    return proc, f"http://127.0.0.1:{port}"


def items(n: int, tag: str) -> list[JudgeItem]:
    out = []
    for i in range(n):
        answer = "391" if i % 2 == 0 else "392"
        completion = f"17 * 23 = {answer}. Checked twice.\nANSWER: {answer}"
        out.append(JudgeItem(f"{tag}-{i}", f"ep-{tag}-{i}", TASK, completion))
    return out


def run_judge(backend: str, base: str, concurrency: int, n: int, repeat: int) -> list[tuple[float, int, float]]:
    """(items/s, wrong verdicts, client CPU s/item) for each of `repeat` batches through one judge."""
    url = f"{base}/v1" if backend == "openai" else base
    model = ModelSpec(
        backend=backend,  # type: ignore[arg-type]
        model="bench-judge",
        base_url=url,
        concurrency=concurrency,
        retry=RetryPolicy(timeout_s=30),
    )
    judge = LLMJudge(JudgeSpec(id=f"bench-{backend}", kind="llm", model=model))
    runs = []
    try:
        list(judge.judge(items(1, "warmup")))  # client creation and the first connection: not timed
        for r in range(repeat):
            batch = items(n, f"{backend}{concurrency}r{r}")
            t0, cpu0 = time.perf_counter(), time.process_time()
            verdicts = list(judge.judge(batch))
            elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
            expected = {it.key: "pass" if int(it.key.rsplit("-", 1)[1]) % 2 == 0 else "fail" for it in batch}
            wrong = sum(1 for v in verdicts if v.verdict != expected[v.key]) + (n - len(verdicts))
            runs.append((n / elapsed, wrong, cpu / n))
    finally:
        judge.close()
    return runs


def run_raw(base: str, concurrency: int, n: int, repeat: int) -> list[tuple[float, int, float]]:
    """Baseline: the same chat body from a bare httpx client on a thread pool (no SDK, no judge)."""
    httpx = httpx_module()
    limits = httpx.Limits(max_connections=concurrency + 4, max_keepalive_connections=concurrency + 4)
    body = {"model": "bench-judge", "messages": judge_messages(TASK, "ANSWER: 391"), "max_tokens": 256}
    payload = json.dumps(body).encode()
    headers = {"content-type": "application/json", "authorization": "Bearer EMPTY"}
    runs = []
    with httpx.Client(base_url=f"{base}/v1", limits=limits, timeout=30) as client:

        def one(_: int) -> None:
            client.post("/chat/completions", content=payload, headers=headers).raise_for_status()

        one(0)
        with ThreadPoolExecutor(concurrency) as pool:
            for _ in range(repeat):
                t0, cpu0 = time.perf_counter(), time.process_time()
                list(pool.map(one, range(n)))
                runs.append((n / (time.perf_counter() - t0), 0, (time.process_time() - cpu0) / n))
    return runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[16, 64])
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--items", type=int, default=0, help="items per batch (default 10 x concurrency)")
    parser.add_argument("--repeat", type=int, default=3, help="batches per row; the median is reported")
    parser.add_argument("--backends", nargs="+", default=["openai", "anthropic"])
    parser.add_argument("--no-baseline", action="store_true", help="skip the bare-httpx baseline")
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    proc, base = start_server(args.latency)
    rows = []
    try:
        for c in args.concurrency:
            n = args.items or 10 * c
            if not args.no_baseline:
                rows.append(("httpx (baseline)", c, n, run_raw(base, c, n, args.repeat)))
            for backend in args.backends:
                rows.append((f"LLMJudge/{backend}", c, n, run_judge(backend, base, c, n, args.repeat)))
    finally:
        proc.terminate()
        proc.wait(10)

    print(
        f"\nAPI judging throughput: loopback fault server, latency L = {args.latency:g} s, "
        f"{os.cpu_count()} CPUs, load average {load_before:.2f} before / {os.getloadavg()[0]:.2f} after; "
        f"median of {args.repeat} batches (target ratio >= {TARGET})"
    )
    print(
        f"{'client':<20} {'C':>4} {'items':>6} {'items/s':>9} {'ideal C/L':>10} {'ratio':>6} "
        f"{'(min-max)':>11} {'vs httpx':>8}  {'wrong':>5}  {'client CPU ms/item':>18}"
    )
    failed = False
    baseline = {c: statistics.median(r[0] for r in runs) for name, c, _, runs in rows if name.startswith("httpx")}
    for name, c, n, runs in rows:
        ideal = c / args.latency
        rate = statistics.median(r[0] for r in runs)
        lo, hi = min(r[0] for r in runs) / ideal, max(r[0] for r in runs) / ideal
        wrong = sum(r[1] for r in runs)
        cpu = statistics.median(r[2] for r in runs)
        ratio = rate / ideal
        vs_raw = f"{rate / baseline[c]:.2f}" if c in baseline else "-"
        flag = "" if ratio >= TARGET or name.startswith("httpx") else "  < target"
        failed |= bool(flag) or wrong > 0
        print(
            f"{name:<20} {c:>4} {n:>6} {rate:>9.1f} {ideal:>10.0f} {ratio:>6.2f} {f'({lo:.2f}-{hi:.2f})':>11}"
            f" {vs_raw:>8}  {wrong:>5}  {cpu * 1e3:>18.2f}{flag}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
