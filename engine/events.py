"""Typed progress events and the Reporter protocol.

The engine never prints from its internals: it emits these dataclasses to a Reporter. The CLI
uses the rich reporter (`engine.progress`); every run also writes events to its journal
(`events.jsonl`), which the cockpit follows.
"""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

# the closed sets events carry (the records, the manifest and the cockpit use the same names)
RunKind = Literal["eval", "judge", "train", "corpus", "human", "import"]
Phase = Literal["loading", "generating", "judging", "training", "saving"]
VerdictKind = Literal["pass", "fail", "error", "abstain"]
Level = Literal["info", "warning", "error"]
StopCause = Literal["signal", "cost_limit"]  # a cancel (SIGTERM, the cockpit) or the run's --cost-limit
LatencyKind = Literal["request", "batch"]  # per request, or a batch's latency shared by its episodes


@dataclass(frozen=True)
class Event:
    run_id: str
    t: float = field(default_factory=time.time, kw_only=True)

    def to_json(self) -> str:
        d = dataclasses.asdict(self)
        d["type"] = type(self).__name__
        return json.dumps(d, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class RunStarted(Event):
    kind: RunKind
    experiment: str
    total_episodes: int = 0
    total_judgments: int = 0
    done_episodes: int = 0  # already in journals (resume): not regenerated
    done_judgments: int = 0
    configs: tuple[str, ...] = ()
    judges: tuple[str, ...] = ()
    pid: int = 0
    projected_cost_usd: float | None = None
    # the experiment's pre-registered analysis (`Experiment.preregistration`); None: not an eval run
    preregistration: dict[str, Any] | None = None


@dataclass(frozen=True)
class PhaseChanged(Event):
    phase: Phase
    detail: str = ""
    total: int = 0


@dataclass(frozen=True)
class EpisodeFinished(Event):
    episode_id: str
    config_id: str
    task_id: str
    condition: str
    sample: int
    tokens_in: int
    tokens_out: int
    latency_s: float
    cost_usd: float
    error: str | None = None
    latency_kind: LatencyKind | None = None  # see engine.models.base.GenResult
    worker: str = ""  # "" here; under --executor ray the replica that generated it ("<pool>-<n>@<host>")


@dataclass(frozen=True)
class JudgmentRecorded(Event):
    episode_id: str
    judge_id: str
    verdict: VerdictKind
    cost_usd: float = 0.0
    latency_s: float = 0.0
    worker: str = ""  # "" in the driver; under --executor ray, an LLM judge's replica ("<pool>-<n>@<host>")


@dataclass(frozen=True)
class GpuSample:
    index: int
    name: str
    util_pct: float | None
    mem_used_gb: float | None
    mem_total_gb: float | None
    temp_c: float | None
    power_w: float | None


@dataclass(frozen=True)
class TelemetrySampled(Event):
    cpu_pct: float
    ram_used_gb: float
    ram_total_gb: float
    gpus: tuple[GpuSample, ...] = ()
    gpu_status: str = "no GPU"  # "ok" | "no GPU" | an NVML error
    host: str = ""  # the machine sampled (the cockpit shows a run's own readings when it runs elsewhere)


@dataclass(frozen=True)
class TrainStepLogged(Event):
    step: int
    max_steps: int
    epoch: float
    loss: float | None = None
    lr: float | None = None
    grad_norm: float | None = None
    tokens_per_s: float | None = None
    gpu_mem_gb: float | None = None


@dataclass(frozen=True)
class LogMessage(Event):
    level: Level
    message: str


@dataclass(frozen=True)
class RunFinished(Event):
    episodes: int = 0
    judgments: int = 0
    errors: int = 0
    wall_s: float = 0.0
    cost_usd: float = 0.0


@dataclass(frozen=True)
class RunFailed(Event):
    error: str
    detail: str = ""


@dataclass(frozen=True)
class RunCancelled(Event):
    reason: str = "cancelled"
    cause: StopCause = "signal"  # what stopped it; either way `engine resume` continues it
    cost_usd: float = 0.0  # spent by this start (or resume) when it stopped
    cost_limit_usd: float | None = None  # the limit it stopped at (cause "cost_limit")


EVENT_TYPES: dict[str, type[Event]] = {
    cls.__name__: cls
    for cls in (
        RunStarted,
        PhaseChanged,
        EpisodeFinished,
        JudgmentRecorded,
        TelemetrySampled,
        TrainStepLogged,
        LogMessage,
        RunFinished,
        RunFailed,
        RunCancelled,
    )
}
TERMINAL = ("RunFinished", "RunFailed", "RunCancelled")


def event_from_json(line: str) -> Event | None:
    """Parse one events.jsonl line; None for unknown types or torn lines."""
    try:
        d: dict[str, Any] = json.loads(line)
    except (json.JSONDecodeError, TypeError, RecursionError):
        return None
    cls = EVENT_TYPES.get(str(d.pop("type", "")))
    if cls is None:
        return None
    if cls is TelemetrySampled:
        d["gpus"] = tuple(GpuSample(**g) for g in d.get("gpus", ()))
    for k in ("configs", "judges"):
        if k in d and isinstance(d[k], list):
            d[k] = tuple(d[k])
    names = {f.name for f in dataclasses.fields(cls)}
    try:
        return cls(**{k: v for k, v in d.items() if k in names})
    except TypeError:
        return None


class Reporter(Protocol):
    def emit(self, event: Event) -> None: ...


class NullReporter:
    def emit(self, event: Event) -> None:
        pass


class ListReporter:
    """Keeps every event (tests, benchmarks)."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def emit(self, event: Event) -> None:
        self.events.append(event)


class TeeReporter:
    """Every event to each reporter given (None: left out)."""

    def __init__(self, *reporters: Reporter | None) -> None:
        self.reporters = [r for r in reporters if r is not None]

    def emit(self, event: Event) -> None:
        for r in self.reporters:
            r.emit(event)


_JOURNALED = "_skill_cockpit_journaled_failure"


def mark_journaled(exc: BaseException, run_id: str, journal: str) -> None:
    """Mark an exception whose run already journaled it as RunFailed (traceback in `detail`): the CLI
    then prints one line naming the run and its journal instead of the traceback."""
    setattr(exc, _JOURNALED, (run_id, journal))


def journaled_failure(exc: BaseException) -> tuple[str, str] | None:
    """(run id, journal path) when `exc` was journaled by its run as RunFailed, else None."""
    found = getattr(exc, _JOURNALED, None)
    return found if isinstance(found, tuple) else None
