"""Telemetry sampling cost: CPU time of the Live screen's sampler over N seconds, as % of one core.

The Live screen samples twice a second: one machine snapshot (psutil CPU + RAM, NVML per GPU or the
cached "no GPU") and one poll of the followed run's journal. This runs exactly that loop in a thread
for N seconds against a run that keeps appending events, and reports the thread's CPU time / N.
Baseline, measured in the same run: the same loop with the sampling removed (sleep + wake only).

    python bench/bench_telemetry.py [--seconds 20] [--hz 2]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

from engine.store.manifest import RunInfo, write_info

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cockpit.services.machine import Machine  # noqa: E402
from cockpit.services.tail import Tails  # noqa: E402
from engine.events import EpisodeFinished, RunStarted  # noqa: E402
from engine.store import journal as jr  # noqa: E402


def _writer(runs: Path, stop: threading.Event, rate: float = 20.0) -> None:
    """A streaming run: RunStarted, then EpisodeFinished events at `rate` per second."""
    j = jr.RunJournal(runs, "bench-run")
    write_info(
        j.dir,
        RunInfo(
            run_id="bench-run", kind="eval", experiment="bench", pid=None, started_at=time.time(), total_episodes=10**6
        ),
    )
    j.emit(RunStarted("bench-run", kind="eval", experiment="bench", total_episodes=10**6))
    i = 0
    while not stop.wait(1.0 / rate):
        j.emit(
            EpisodeFinished(
                "bench-run",
                episode_id=f"e{i}",
                config_id="c",
                task_id="t",
                condition="no_skill",
                sample=0,
                tokens_in=100,
                tokens_out=50,
                latency_s=0.1,
                cost_usd=0.0,
            )
        )
        i += 1
    j.close()


def measure(seconds: float, hz: float, work: bool, runs: Path) -> tuple[float, int]:
    machine = Machine()
    tails = Tails(runs)
    out: dict[str, float] = {}

    def loop() -> None:
        n = 0
        c0 = time.thread_time()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if work:
                machine.sample()
                tails.poll("bench-run")
            n += 1
            time.sleep(1.0 / hz)
        out["cpu"] = time.thread_time() - c0
        out["n"] = n

    t = threading.Thread(target=loop)
    t.start()
    t.join()
    return out["cpu"], int(out["n"])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--hz", type=float, default=2.0)
    args = ap.parse_args()
    runs = Path(tempfile.mkdtemp()) / "runs"
    stop = threading.Event()
    w = threading.Thread(target=_writer, args=(runs, stop), daemon=True)
    w.start()
    time.sleep(0.5)
    try:
        base_cpu, base_n = measure(args.seconds, args.hz, False, runs)
        cpu, n = measure(args.seconds, args.hz, True, runs)
    finally:
        stop.set()
        w.join()
    pct = 100.0 * cpu / args.seconds
    base_pct = 100.0 * base_cpu / args.seconds
    print(f"telemetry sampler: {n} ticks at {args.hz:g} Hz over {args.seconds:g} s (machine snapshot + journal poll)")
    print(f"  CPU time {cpu * 1000:.1f} ms -> {pct:.3f}% of one core ({cpu / max(n, 1) * 1000:.2f} ms per tick)")
    print(f"  baseline (same loop, no sampling): {base_cpu * 1000:.1f} ms -> {base_pct:.3f}% of one core")
    print(f"  ratio sampler/baseline: {cpu / base_cpu if base_cpu else float('inf'):.1f}x")
    print(f"  target < 2% of one core: {'PASS' if pct < 2.0 else 'FAIL'}")


if __name__ == "__main__":
    main()
