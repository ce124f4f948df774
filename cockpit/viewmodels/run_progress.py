"""What the UI renders of one run, as `RunTail.progress()` computes it from the run's journal."""

from __future__ import annotations

from dataclasses import dataclass

from engine.events import TelemetrySampled
from engine.store.manifest import RunStatus


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
class RunProgress:
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
    total_episodes: int = 0
    done_episodes: int = 0
    total_judgments: int = 0
    done_judgments: int = 0
    errors: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    phase: str = ""
    phase_detail: str = ""
    episodes_per_s: float | None = None
    tokens_per_s: float | None = None
    eta_s: float | None = None
    throughput: tuple[tuple[float, float, float], ...] = ()  # (t since start, episodes/s, tokens/s)
    train: tuple[tuple[int, float], ...] = ()  # (step, loss)
    train_step: int = 0
    train_max_steps: int = 0
    telemetry: TelemetrySampled | None = None
    log: tuple[str, ...] = ()
    remote_host: str | None = None  # the run's process is on this other machine (a shared runs directory)
    rows_kept: int | None = None  # a corpus run, once finished: rows written, of `teacher_answers`
    teacher_answers: int | None = None
    # training: the lr schedule, the trainer's tokens/s, the step rate's ETA, checkpoints, GPU memory
    train_lr: tuple[tuple[int, float], ...] = ()
    train_tokens_per_s: float | None = None
    train_eta_s: float | None = None
    train_gpu_mem_gb: float | None = None
    checkpoints: int = 0
    last_checkpoint: int | None = None
    # judging (re-judge runs, a corpus build's judges): verdict counts, rate, the cost projected at the start
    verdicts: tuple[tuple[str, int], ...] = ()
    judgments_per_s: float | None = None
    projected_cost_usd: float | None = None
    # where local models generated (`engine.store.manifest.placement`); per worker when the
    # episodes name one; the latest telemetry of each host that journals it, the run's own host first
    executor: str = "local"
    workers: tuple[WorkerProgress, ...] = ()
    hosts: tuple[TelemetrySampled, ...] = ()

    @property
    def fraction(self) -> float:
        if self.total_episodes:
            return min(1.0, self.done_episodes / self.total_episodes)
        if self.train_max_steps:
            return min(1.0, self.train_step / self.train_max_steps)
        if self.total_judgments:
            return min(1.0, self.done_judgments / self.total_judgments)
        return 1.0 if self.status == "finished" else 0.0
