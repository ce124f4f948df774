"""Typed journal records: one dataclass per journal table, fields in the store's column order.

Every writer of a journal line (the runner, human adjudication, training, the test fixtures and
`bench/synth.py`) builds one of these instead of a dict, so a field cannot be misspelt or forgotten
and the columns are listed once. `row()` is exactly the dict written before the records existed:
the id first (resume reads it without parsing the line), then the columns in `store/schema.py`
order, so journals on disk are unchanged. A test checks every record against `TABLES`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, ClassVar

from engine.events import LatencyKind, VerdictKind

if TYPE_CHECKING:
    from engine.events import TelemetrySampled


@dataclass(frozen=True, kw_only=True)
class Record:
    table: ClassVar[str]

    def row(self) -> dict[str, Any]:
        """The journal line's fields, in order (JSON-ready: str, int, float, bool or None)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, kw_only=True)
class EpisodeRecord(Record):
    """One (config, task, condition, sample) generation; `error` set when it failed after retries."""

    table: ClassVar[str] = "episodes"
    episode_id: str
    run_id: str
    config_id: str
    config_fp: str
    task_id: str
    task_hash: str
    skill_id: str
    condition: str
    sample: int
    prompt: str
    completion: str
    tokens_in: int
    tokens_out: int
    latency_s: float
    cost_usd: float
    finish_reason: str | None
    error: str | None
    has_answer_line: bool
    created_at: float
    tokens_estimated: bool = False
    latency_kind: LatencyKind | None = None  # None: not said
    flags: str | None = None  # what the completion aims at the judge, comma-separated; None: not checked


@dataclass(frozen=True, kw_only=True)
class JudgmentRecord(Record):
    """One judge's verdict on one episode (pass | fail | error), with the episode's keys denormalised."""

    table: ClassVar[str] = "judgments"
    judgment_id: str
    episode_id: str
    judge_id: str
    judge_fp: str
    config_id: str
    config_fp: str
    task_id: str
    skill_id: str
    condition: str
    sample: int
    scoring: str | None
    verdict: VerdictKind
    rationale: str | None
    extracted: str | None
    tokens_in: int = 0
    tokens_out: int = 0
    latency_s: float = 0.0
    cost_usd: float = 0.0
    run_id: str
    created_at: float


@dataclass(frozen=True, kw_only=True)
class HumanJudgmentRecord(JudgmentRecord):
    """A person's verdict; `revises` is the verdict of the revision it replaces (journal only)."""

    revises: str | None = None


@dataclass(frozen=True, kw_only=True)
class TelemetryRecord(Record):
    """One machine sample of a run (gpu_json: the per-GPU samples as a JSON list; host: the machine
    sampled, the driver's or a Ray worker node's)."""

    table: ClassVar[str] = "telemetry"
    run_id: str
    t: float
    cpu_pct: float
    ram_used_gb: float
    ram_total_gb: float
    gpu_json: str = "[]"
    host: str | None = None

    @classmethod
    def of(cls, sample: TelemetrySampled) -> TelemetryRecord:
        return cls(
            run_id=sample.run_id,
            t=sample.t,
            cpu_pct=sample.cpu_pct,
            ram_used_gb=sample.ram_used_gb,
            ram_total_gb=sample.ram_total_gb,
            gpu_json=cls.gpus_json(sample.gpus),
            host=sample.host or None,
        )

    @staticmethod
    def gpus_json(gpus: Sequence[Any]) -> str:
        return json.dumps([g.__dict__ for g in gpus])


@dataclass(frozen=True, kw_only=True)
class TrainStepRecord(Record):
    """One logging step of `engine train`."""

    table: ClassVar[str] = "train_steps"
    run_id: str
    t: float
    step: int
    max_steps: int
    epoch: float
    loss: float | None
    lr: float | None
    grad_norm: float | None
    tokens_per_s: float | None
    gpu_mem_gb: float | None


RECORDS: tuple[type[Record], ...] = (EpisodeRecord, JudgmentRecord, TelemetryRecord, TrainStepRecord)


def columns(record: type[Record]) -> tuple[str, ...]:
    return tuple(f.name for f in fields(record))
