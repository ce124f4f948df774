"""Reporters for the CLI: a rich progress display, and JSON lines on stdout for machines.

Thread-safe (telemetry arrives from a sampler thread). Shows episodes and judgments done/total,
episodes/s, tokens/s, ETA, errors, and cost so far and projected; the counts are this process's
session of the run's `engine.tally.Tally`, the one the runner's result and the cockpit keep.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
from rich.text import Text

from engine.events import (
    EpisodeFinished,
    Event,
    JudgmentRecorded,
    LogMessage,
    PhaseChanged,
    RunCancelled,
    RunFailed,
    RunFinished,
    RunStarted,
    TelemetrySampled,
    TrainStepLogged,
)
from engine.tally import Tally


class RichReporter:
    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self._lock = threading.Lock()
        self.progress = Progress(
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}", markup=False),
            TimeRemainingColumn(),
            TextColumn("{task.fields[extra]}", markup=False),
            console=self.console,
            transient=False,
        )
        self._episodes: TaskID | None = None
        self._judgments: TaskID | None = None
        self._train: TaskID | None = None
        self._started = False
        self._t0 = time.time()
        self._total = 0
        self.tally = Tally()  # this process's counts: its session (`tally.session`)
        self._telemetry = ""

    def _start(self) -> None:
        if not self._started:
            self.progress.start()
            self._started = True

    def stop(self) -> None:
        with self._lock:
            if self._started:
                self.progress.stop()
                self._started = False

    def emit(self, event: Event) -> None:
        with self._lock:
            self._emit(event)

    def _emit(self, event: Event) -> None:  # noqa: C901 - one branch per event type
        p = self.progress
        self.tally.apply(event)
        n = self.tally.session
        if isinstance(event, RunStarted):
            self._start()
            self._t0 = event.t
            todo = event.total_episodes - event.done_episodes
            self._total = todo
            if event.total_episodes:
                self._episodes = p.add_task(
                    f"episodes ({event.done_episodes} already stored)", total=max(todo, 0), rate="", extra=""
                )
            if event.total_judgments:
                self._judgments = p.add_task(
                    "judgments", total=max(event.total_judgments - event.done_judgments, 0), rate="", extra=""
                )
        elif isinstance(event, EpisodeFinished) and self._episodes is not None:
            dt = max(time.time() - self._t0, 1e-6)
            projected = n.cost_usd / n.episodes * self._total if n.episodes else 0.0
            cost = f" ${n.cost_usd:.4f}/${projected:.4f}" if n.cost_usd else ""
            p.update(
                self._episodes,
                completed=n.episodes,
                rate=f"{n.episodes / dt:.2f} ep/s {n.tokens_out / dt:.0f} tok/s",
                extra=f"errors {n.episode_errors}{cost}{self._telemetry}",
            )
        elif isinstance(event, JudgmentRecorded) and self._judgments is not None:
            p.update(self._judgments, completed=n.judgments, extra=f"errors {n.judgment_errors}")
        elif isinstance(event, TelemetrySampled):
            gpu = ""
            if event.gpus:
                g = event.gpus[0]
                gpu = f" GPU {g.util_pct or 0:.0f}% {g.mem_used_gb or 0:.1f}GB"
            self._telemetry = f"  CPU {event.cpu_pct:.0f}% RAM {event.ram_used_gb:.1f}GB{gpu}"
        elif isinstance(event, PhaseChanged):
            self._start()
            self._log(f"{event.phase}: {event.detail}")
        elif isinstance(event, TrainStepLogged):
            self._start()
            t = self.tally
            if self._train is None:
                self._train = p.add_task("training steps", total=t.train_max_steps, rate="", extra="")
            loss = f"loss {event.loss:.4f}" if event.loss is not None else ""
            tps = f"{event.tokens_per_s:.0f} tok/s" if event.tokens_per_s else ""
            p.update(self._train, completed=t.train_step, total=t.train_max_steps, rate=tps, extra=loss)
        elif isinstance(event, LogMessage):
            self._log(event.message, {"warning": "yellow", "error": "red"}.get(event.level, ""))
        elif isinstance(event, RunFinished | RunFailed | RunCancelled):
            self.progress.refresh()
            if isinstance(event, RunFailed):
                self._log(f"run failed: {event.error}", "red")
            elif isinstance(event, RunCancelled):
                self._log(f"run cancelled: {event.reason}", "yellow")

    def _log(self, message: str, style: str = "") -> None:
        stamp = time.strftime("%H:%M:%S")
        self.console.print(Text(f"[{stamp}] {message}", style=style))


class JsonLinesReporter:
    """One JSON event per line on stdout (`--events jsonl`)."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream or sys.stdout
        self._lock = threading.Lock()

    def emit(self, event: Event) -> None:
        with self._lock:
            self.stream.write(event.to_json() + "\n")
            self.stream.flush()
