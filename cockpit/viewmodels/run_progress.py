"""What the UI renders of one run, as `RunTail.progress()` computes it from the run's journal."""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.events import TelemetrySampled
from engine.store.manifest import RunStatus
from engine.tally import CorpusProgress, EvalProgress, JobProgress, JudgeProgress


@dataclass(frozen=True)
class WorkerProgress:
    """One worker of a run (`--executor ray`: "<actor>@<node host>", untrusted text): a replica that
    generates episodes, or one of an LLM judge's pool, which records judgments."""

    worker: str
    episodes: int
    tokens_out: int
    tokens_per_s: float | None
    last_t: float
    judgments: int = 0


@dataclass(frozen=True)
class Pace:
    """How fast a generating or judging run goes, measured on its events' timestamps (the tail's
    sliding window): episodes and tokens per second, the ETA, the throughput series, judgments/s."""

    episodes_per_s: float | None = None
    tokens_per_s: float | None = None
    eta_s: float | None = None
    throughput: tuple[tuple[float, float, float], ...] = ()  # (t since start, episodes/s, tokens/s)
    judgments_per_s: float | None = None


@dataclass(frozen=True)
class Training:
    """A training's series and pace beside its counts: loss and lr per step, the trainer's tokens/s,
    the step rate's ETA, GPU memory, the checkpoints on disk."""

    loss: tuple[tuple[int, float], ...] = ()  # (step, loss)
    lr: tuple[tuple[int, float], ...] = ()
    tokens_per_s: float | None = None
    eta_s: float | None = None
    gpu_mem_gb: float | None = None
    checkpoints: int = 0
    last_checkpoint: int | None = None


@dataclass(frozen=True)
class RunProgress:
    """A common header (the run, its status, phase, machine and workers) and the counts of its kind
    of job (`job`: `engine.tally`'s typed record, from the one tally the runner and the CLI keep)."""

    run_id: str
    kind: str = "?"
    experiment: str = "?"
    status: RunStatus = "running"
    pid: int | None = None
    started_at: float | None = None
    finished_at: float | None = None
    error: str | None = None
    configs: tuple[str, ...] = ()
    judges: tuple[str, ...] = ()
    job: JobProgress = field(default_factory=EvalProgress)
    phase: str = ""
    phase_detail: str = ""
    pace: Pace = field(default_factory=Pace)
    training: Training | None = None  # a train run's
    telemetry: TelemetrySampled | None = None
    log: tuple[str, ...] = ()
    remote_host: str | None = None  # the run's process is on this other machine (a shared runs directory)
    # where local models generated (`engine.store.manifest.placement`); per worker when the
    # episodes name one; the latest telemetry of each host that journals it, the run's own host first
    executor: str = "local"
    workers: tuple[WorkerProgress, ...] = ()
    hosts: tuple[TelemetrySampled, ...] = ()

    @property
    def fraction(self) -> float:
        return self.job.fraction(self.status == "finished")

    @property
    def errors(self) -> int:
        return self.job.errors

    @property
    def cost_usd(self) -> float:
        return self.job.cost_usd


def counts(job: JobProgress) -> tuple[int, int, int, int]:
    """(episodes done, of total, judgments done, of total) of any kind of job: a training has
    none, a re-judge's episodes are the stored ones it judges (all done)."""
    if isinstance(job, EvalProgress):
        return job.episodes_done, job.episodes_total, job.judgments_done, job.judgments_total
    if isinstance(job, CorpusProgress):
        return job.answers_done, job.answers_total, job.judgments_done, job.judgments_total
    if isinstance(job, JudgeProgress):
        return job.episodes, job.episodes, job.judgments_done, job.judgments_total
    return 0, 0, 0, 0


def tokens(job: JobProgress) -> tuple[int, int]:
    """Tokens in and out of the episodes a job generated (none for a re-judge or a training)."""
    return (job.tokens_in, job.tokens_out) if isinstance(job, EvalProgress | CorpusProgress) else (0, 0)
