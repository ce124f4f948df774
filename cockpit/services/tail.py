"""Following run journals: `events.jsonl` (and `train_steps.jsonl`) read incrementally by byte offset.

A `RunTail` folds the events appended since the last poll into the run's `engine.tally.Tally` (the
counts the runner and the CLI reporter keep of the same events) and keeps what only the display
needs beside it (rates, throughput, workers, hosts, the training's series); `progress()` turns them
into a `RunProgress` value the UI renders: a header and the typed record of the run's kind of job.
Only complete lines are read (a torn last line waits for the next poll). Rates are measured on the
event timestamps over a sliding window, so a finished run shows its own pace, not the wall clock's.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cockpit.services.train_tail import TrainTail, checkpoints
from cockpit.viewmodels.run_progress import Pace, RunProgress, Training, WorkerProgress, counts
from engine.events import (
    EpisodeFinished,
    JudgmentRecorded,
    LogMessage,
    RunStarted,
    TelemetrySampled,
    TrainStepLogged,
    event_from_json,
)
from engine.runs import run_status
from engine.store import journal as jr
from engine.store import manifest
from engine.store.manifest import RunInfo
from engine.tally import JobProgress, Tally, TrainProgress

WINDOW_S = 30.0
BUCKET_S = 2.0


@dataclass
class RunTail:
    run_dir: Path
    _offsets: dict[str, int] = field(default_factory=dict)
    tally: Tally = field(default_factory=Tally)  # the counts: the fold the runner and the CLI make
    _started: RunStarted | None = None
    _started_t: float | None = None  # the session's start (a resume starts a new one)
    last_t: float | None = None
    _finish_times: deque[tuple[float, int]] = field(default_factory=lambda: deque(maxlen=50_000))
    _buckets: dict[int, list[float]] = field(default_factory=dict)  # throughput per BUCKET_S, kept as events arrive
    _training: TrainTail = field(default_factory=TrainTail)
    _judge_times: deque[float] = field(default_factory=lambda: deque(maxlen=50_000))
    _telemetry: TelemetrySampled | None = None
    _hosts: dict[str, TelemetrySampled] = field(default_factory=dict)
    _workers: dict[str, deque[tuple[float, int]]] = field(default_factory=dict)
    # worker -> [episodes, tokens out, judgments] (a Ray replica of a config, or of an LLM judge)
    _worker_totals: dict[str, list[int]] = field(default_factory=dict)
    _executor: str | None = None
    _log: deque[str] = field(default_factory=lambda: deque(maxlen=50))

    # -- reading --------------------------------------------------------------------------------
    def poll(self) -> bool:
        """Read what was appended since the last poll; True when something new arrived."""
        changed = self._read("events", self._on_event_line)
        changed |= self._read("train_steps", self._on_step_line)
        return changed

    def _on_step_line(self, line: bytes) -> None:
        step = self._training.on_line(line)
        if step is not None:
            self.tally.train(*step)

    def _read(self, name: str, handle: Callable[[bytes], None]) -> bool:
        path = self.run_dir / f"{name}.jsonl"
        off = self._offsets.get(name, 0)
        try:
            if path.stat().st_size <= off:
                return False
        except FileNotFoundError:
            return False
        data, end = jr.read_complete(path, off)
        if not data:
            return False
        self._offsets[name] = end
        for line in data.splitlines():
            if line.strip():
                handle(line)
        return True

    def _judge_rate(self, now: float, running: bool) -> float | None:
        times = self._judge_times
        if len(times) < 2:
            return None
        end = now if running else times[-1]
        lo = max(times[0], end - WINDOW_S)
        span = end - lo
        if span <= 0.5:
            return None
        return sum(1 for t in times if t >= lo) / span

    def _on_event_line(self, line: bytes) -> None:
        ev = event_from_json(line.decode("utf-8", "replace"))
        if ev is None:
            return
        self.last_t = ev.t
        self.tally.apply(ev)
        if isinstance(ev, EpisodeFinished):
            self._on_episode(ev)
        elif isinstance(ev, JudgmentRecorded):
            self._on_judgment(ev)
        elif isinstance(ev, TelemetrySampled):
            self._telemetry = ev
            self._hosts[ev.host] = ev
        elif isinstance(ev, TrainStepLogged):
            self._training.on_step(ev)
        elif isinstance(ev, RunStarted):
            self._on_started(ev)
        elif isinstance(ev, LogMessage):
            self._log.append(f"{ev.level}: {ev.message}")

    def _on_episode(self, ev: EpisodeFinished) -> None:
        """The throughput buckets and each worker's pace (the tally counts it)."""
        self._finish_times.append((ev.t, ev.tokens_out))
        t0 = self._started_t if self._started_t is not None else ev.t
        self._started_t = t0
        b = self._buckets.setdefault(int((ev.t - t0) // BUCKET_S), [0.0, 0.0])
        b[0] += 1
        b[1] += ev.tokens_out
        if ev.worker:
            tot = self._worker(ev.worker, ev.t, ev.tokens_out)
            tot[0] += 1
            tot[1] += ev.tokens_out

    def _on_judgment(self, ev: JudgmentRecorded) -> None:
        self._judge_times.append(ev.t)
        if ev.worker:  # an LLM judge's replica on a Ray cluster
            self._worker(ev.worker, ev.t, 0)[2] += 1

    def _worker(self, name: str, t: float, tokens_out: int) -> list[int]:
        """Note a worker's activity at `t` (its pace); its totals [episodes, tokens out, judgments]."""
        self._workers.setdefault(name, deque(maxlen=10_000)).append((t, tokens_out))
        return self._worker_totals.setdefault(name, [0, 0, 0])

    def _on_started(self, ev: RunStarted) -> None:
        """A (re)started run: a new session, its paces measured afresh."""
        self._started = ev
        self._started_t = ev.t
        self._finish_times.clear()
        self._buckets.clear()
        self._judge_times.clear()
        self._training.step_t.clear()  # a resumed training's pace is its own
        self._workers.clear()  # a resumed run's replicas are new ones
        self._worker_totals.clear()

    # -- summarising ---------------------------------------------------------------------------
    def _rates(self, now: float, running: bool) -> tuple[float | None, float | None]:
        times = self._finish_times
        if not times:
            return None, None
        start = self._started_t or times[0][0]
        end = now if running else times[-1][0]
        lo = max(start, end - WINDOW_S)
        span = end - lo
        if span <= 0.5:
            return None, None
        n = tok = 0
        for t, k in reversed(times):
            if t < lo:
                break
            n += 1
            tok += k
        return n / span, tok / span

    def _worker_progress(self, now: float, running: bool) -> tuple[WorkerProgress, ...]:
        out = []
        for name, times in self._workers.items():
            end = now if running else times[-1][0]
            lo = max(self._started_t or times[0][0], end - WINDOW_S)
            span = end - lo
            tok = sum(k for t, k in times if t >= lo)
            n, total, judged = self._worker_totals[name]
            tps = tok / span if span > 0.5 and n else None  # a judge's replica generates no episode
            out.append(WorkerProgress(name, n, total, tps, times[-1][0], judgments=judged))
        return tuple(sorted(out, key=lambda w: w.worker))

    def _host_telemetry(self, own_host: str | None) -> tuple[tuple[TelemetrySampled, ...], TelemetrySampled | None]:
        """Each named host's latest reading, the run's own host first (then by name), and the run's
        own reading (the latest of any host when the run's host is not known)."""
        own = self._hosts.get(own_host or "") if own_host else None
        if own is None and "" in self._hosts:
            own = self._hosts[""]
        named = [ev for ev in self._hosts.values() if ev.host]  # "" : journals from before hosts were named
        ordered = sorted(named, key=lambda ev: (ev is not own, ev.host))
        return tuple(ordered), own if own is not None else self._telemetry

    def _read_executor(self, info: RunInfo | None) -> str:
        if self._executor is None:
            self._executor = manifest.placement(self.run_dir, info)
        return self._executor or "local"

    def _series(self) -> tuple[tuple[float, float, float], ...]:
        buckets = self._buckets
        if not buckets:
            return ()
        last = max(buckets)
        return tuple(
            (
                (i + 1) * BUCKET_S,
                buckets.get(i, (0.0, 0.0))[0] / BUCKET_S,
                buckets.get(i, (0.0, 0.0))[1] / BUCKET_S,
            )
            for i in range(max(0, last - 299), last + 1)
        )

    def progress(self, now: float | None = None) -> RunProgress:
        st = run_status(self.run_dir)
        info = manifest.read_info(self.run_dir)
        now = time.time() if now is None else now
        running = st.status == "running"
        kind = st.kind or self.tally.kind or "?"
        job = self.tally.record(
            kind,
            total_episodes=info.total_episodes if info else 0,
            total_judgments=info.total_judgments if info else 0,
            rows_kept=info.rows_kept if info else None,
            teacher_answers=info.teacher_answers if info else None,
        )
        started = self._started
        hosts, own_tel = self._host_telemetry(st.host)
        return RunProgress(
            run_id=self.run_dir.name,
            kind=st.kind or "?",
            experiment=st.experiment,
            status=st.status,
            pid=st.pid,
            remote_host=st.host if st.remote else None,
            started_at=st.started_at,
            finished_at=st.finished_at,
            error=st.error or self.tally.error,
            configs=started.configs if started else (),
            judges=started.judges if started else (),
            job=job,
            phase=self.tally.phase,
            phase_detail=self.tally.phase_detail,
            pace=self._pace(job, now, running),
            training=self._train_view(running) if isinstance(job, TrainProgress) else None,
            telemetry=own_tel,
            log=tuple(self._log),
            executor=self._read_executor(info),
            workers=self._worker_progress(now, running),
            hosts=hosts,
        )

    def _pace(self, job: JobProgress, now: float, running: bool) -> Pace:
        eps, toks = self._rates(now, running)
        done, total, _, _ = counts(job)
        eta = (total - done) / eps if running and eps and total > done else None
        return Pace(eps, toks, eta, self._series(), self._judge_rate(now, running))

    def _train_view(self, running: bool) -> Training:
        train = self._training
        ckpts, last_ckpt = checkpoints(self.run_dir)
        return Training(
            loss=tuple(sorted(train.loss.items())),
            lr=tuple(sorted(train.lr.items())),
            tokens_per_s=train.tokens_per_s,
            eta_s=train.eta(running, self.tally.train_max_steps),
            gpu_mem_gb=train.gpu_mem_gb,
            checkpoints=ckpts,
            last_checkpoint=last_ckpt,
        )


class Tails:
    """One RunTail per run directory, created as runs appear; safe to call from several workers."""

    def __init__(self, runs_dir: Path) -> None:
        self.runs_dir = Path(runs_dir)
        self._tails: dict[str, RunTail] = {}
        self._lock = threading.Lock()

    def _get(self, run_id: str) -> RunTail:
        t = self._tails.get(run_id)
        if t is None:
            t = self._tails[run_id] = RunTail(self.runs_dir / run_id)
        return t

    def poll(self, run_id: str) -> RunProgress | None:
        if not (self.runs_dir / run_id / jr.RUN_FILE).exists():
            return None
        with self._lock:
            tail = self._get(run_id)
            tail.poll()
            return tail.progress()

    def poll_all(self) -> list[RunProgress]:
        out = []
        with self._lock:
            for d in jr.run_dirs(self.runs_dir):
                tail = self._get(d.name)
                tail.poll()
                out.append(tail.progress())
        return out
