"""Training throughput with the project's telemetry vs plain TRL, measured in one run.

One trainer of the demo recipe (TRL's SFTTrainer as `engine.train.sft.build_trainer` makes it) is
built once; `trainer.train()` then runs short segments that replay the same batches, alternately
plain (no extra callback) and with the project's telemetry attached: `TelemetryCallback` logging
every step into a real run journal (train_steps.jsonl + events.jsonl, as `engine train` does) and
the 1 Hz machine `TelemetrySampler`. Segments go in ABBA order (plain+telemetry,
telemetry+plain, ...). One trainer for both arms: no difference of model copy or memory layout.

Throughput = training tokens / `train()` wall time of a segment. The ratio is the median over
pairs of telemetry/plain throughput: the two segments of a pair run back to back, so a slow drift
of the machine's load cancels, and the median discards pairs where a burst of other work hit one
arm only (this machine is shared). Printed beside it, as cross-checks: the ratio of each arm's
fastest time per step over all segments (timeit's rule; both arms carry the same tiny step timer),
the CPU-time ratio (process CPU seconds per token, sampler thread included), and the telemetry's
own cost measured directly: wall time inside the callback plus the sampler thread's CPU time, as a
share of training time. Pass: median pair ratio >= 0.97.

    python bench/bench_train_callback.py [PAIRS] [STEPS]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from transformers import TrainerCallback  # noqa: E402

from engine.events import ListReporter  # noqa: E402
from engine.store.journal import RunJournal  # noqa: E402
from engine.telemetry import TelemetrySampler  # noqa: E402
from engine.train.callback import TelemetryCallback  # noqa: E402
from engine.train.run import TrainSink  # noqa: E402
from engine.train.sft import build_trainer  # noqa: E402
from engine.train.specs import load_recipe  # noqa: E402

THRESHOLD = 0.97


class StepTimer(TrainerCallback):
    """Stamps the start of every step and the end of training (present in both arms)."""

    def __init__(self) -> None:
        self.stamps: list[float] = []

    def on_train_begin(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
        self.stamps = []

    def on_step_begin(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
        self.stamps.append(time.perf_counter())

    def on_train_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
        self.stamps.append(time.perf_counter())

    def durations(self) -> list[float]:
        return [b - a for a, b in zip(self.stamps, self.stamps[1:], strict=False)]


class TimedTelemetry(TelemetryCallback):
    """The project's callback, with the wall time spent inside it accounted."""

    spent = 0.0

    def on_log(self, *a: Any, **kw: Any) -> None:
        t = time.perf_counter()
        super().on_log(*a, **kw)
        TimedTelemetry.spent += time.perf_counter() - t

    def on_step_end(self, *a: Any, **kw: Any) -> None:
        t = time.perf_counter()
        super().on_step_end(*a, **kw)
        TimedTelemetry.spent += time.perf_counter() - t


class TimedSampler(TelemetrySampler):
    """The project's sampler, with its thread's CPU time accounted."""

    spent = 0.0

    def run(self) -> None:
        super().run()
        TimedSampler.spent += time.thread_time()


class Bench:
    """One trainer; telemetry (callback + sampler + journal) is attached for a segment or not."""

    def __init__(self, steps: int, tmp: Path) -> None:
        recipe = load_recipe(
            ROOT / "data" / "recipes" / "demo.toml",
            {
                "max_steps": steps,
                "save_steps": 10_000,
                "logging_steps": 1,
                "corpus": str(ROOT / "data" / "corpus" / "offline-corpus.jsonl"),
            },
        )
        self.timer = StepTimer()
        self.journal = RunJournal(tmp / "runs", "bench")
        self.sink = TrainSink(self.journal, ListReporter(), 0)
        self.callback = TimedTelemetry(self.journal.run_id, self.sink.step, log=self.sink.emit)
        self.trainer = build_trainer(recipe, tmp / "out", [self.timer])
        self.batch_tokens: list[int] = []
        collate = self.trainer.data_collator

        def counting(features: list[Any]) -> Any:
            batch = collate(features)
            mask = batch.get("attention_mask")
            self.batch_tokens.append(int(mask.sum()) if mask is not None else int(batch["input_ids"].numel()))
            return batch

        self.trainer.data_collator = counting
        self.best: dict[bool, list[float]] = {False: [], True: []}  # fastest time seen for step k

    def run(self, telemetry: bool) -> tuple[float, float, int]:
        """(wall s, process CPU s, tokens) of one `train()` call; keeps each step's best time."""
        self.batch_tokens = []
        self.trainer._total_train_tokens = 0  # TRL's running count, as a fresh `engine train` has it
        sampler = None
        if telemetry:
            self.trainer.add_callback(self.callback)
            self.sink.journaled_step = 0  # journal every step of every segment
            sampler = TimedSampler("bench", self.sink.telemetry, 1.0)
            sampler.start()
        t0, c0 = time.perf_counter(), time.process_time()
        self.trainer.train()
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        if sampler is not None:
            sampler.stop()
            self.trainer.remove_callback(self.callback)
        steps = self.timer.durations()
        best = self.best[telemetry]
        self.best[telemetry] = [min(a, b) for a, b in zip(best, steps, strict=True)] if best else steps
        return dt, cpu, sum(self.batch_tokens)


def main() -> int:
    pairs = int(sys.argv[1]) if len(sys.argv) > 1 else 12
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    tps: dict[bool, list[float]] = {False: [], True: []}
    cpu_per_token: dict[bool, list[float]] = {False: [], True: []}
    pair_ratios: list[float] = []
    tel_wall = 0.0
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        bench = Bench(steps, tmp)
        for telemetry in (False, True):  # warm-up: first-call overheads, allocator
            bench.run(telemetry)
        bench.best = {False: [], True: []}
        TimedTelemetry.spent = TimedSampler.spent = 0.0
        tokens = 0
        for i in range(pairs):
            for telemetry in (False, True) if i % 2 == 0 else (True, False):
                dt, cpu, tokens = bench.run(telemetry)
                tps[telemetry].append(tokens / dt)
                cpu_per_token[telemetry].append(cpu / tokens)
                tel_wall += dt if telemetry else 0.0
                name = "telemetry" if telemetry else "plain    "
                rate = f"{tokens / dt:7.1f} tok/s"
                print(f"pair {i:2d} {name}: {tokens} tokens in {dt:6.2f}s = {rate}, cpu {cpu:6.1f}s")
            pair_ratios.append(tps[True][-1] / tps[False][-1])
            print(f"pair {i:2d} ratio {pair_ratios[-1]:.3f}")
        bench.journal.close()
        rows = sum(1 for _ in open(bench.journal.dir / "train_steps.jsonl", encoding="utf-8"))
        print(f"telemetry segments journaled {rows} train steps (+ events, + telemetry samples)")
        best = {k: tokens / sum(v) for k, v in bench.best.items()}
    ratio = statistics.median(pair_ratios)
    print(f"median plain {statistics.median(tps[False]):.1f} tok/s, with telemetry {statistics.median(tps[True]):.1f}")
    print(f"best-step ratio {best[True] / best[False]:.3f} ({best[False]:.1f} vs {best[True]:.1f} tok/s)")
    print(f"CPU-time ratio {statistics.median(cpu_per_token[False]) / statistics.median(cpu_per_token[True]):.3f}")
    own = TimedTelemetry.spent + TimedSampler.spent
    print(
        f"telemetry's own cost: callback {TimedTelemetry.spent * 1e3:.1f} ms + sampler thread CPU "
        f"{TimedSampler.spent * 1e3:.1f} ms over {tel_wall:.1f}s of training = {own / tel_wall * 100:.3f}%"
    )
    verdict = "PASS" if ratio >= THRESHOLD else "FAIL"
    print(f"RATIO (median of {pairs} pair ratios) {ratio:.3f}, threshold {THRESHOLD}: {verdict}")
    return 0 if ratio >= THRESHOLD else 1


if __name__ == "__main__":
    raise SystemExit(main())
