"""What a run is asked to do (`RunOptions`) and what it did (`RunResult`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.events import RunKind


@dataclass
class RunOptions:
    runs_dir: Path
    limit: int | None = None
    config_ids: list[str] | None = None
    judge_ids: list[str] | None = None
    run_id: str | None = None  # resume into this run's journal
    kind: RunKind = "eval"
    generate: bool = True  # False: `engine judge` (score stored episodes only)
    ingest: bool = True
    telemetry_interval: float = 1.0
    # "pipelined": API configs generate while local models do, and API judges score each episode as
    # it arrives; "sequential": one config after another, every LLM judge after all generation
    # (the schedule before pipelining, kept for the bench that measures the difference)
    schedule: str = "pipelined"
    # where local models (embedded, hf, vLLM) generate and LLM judges on local models judge:
    # "local" (this process) or "ray" (replica actors on the Ray cluster at `address`; None: Ray's
    # default). API calls stay in this process.
    executor: str = "local"
    address: str | None = None
    # what run.json (and the cockpit's Runs column) calls the executor, when not `executor`: "ray task"
    # for a run that is itself a task on a Ray cluster (a sweep's evaluation), generating where it runs
    executor_label: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "limit": self.limit,
            "config_ids": self.config_ids,
            "judge_ids": self.judge_ids,
            "kind": self.kind,
            "generate": self.generate,
            "executor": self.executor,
            "address": self.address,
        }


@dataclass
class RunResult:
    run_id: str
    status: str  # finished | cancelled | failed
    episodes: int = 0
    judgments: int = 0
    errors: int = 0
    skipped: int = 0
    cost_usd: float = 0.0
    wall_s: float = 0.0
    error: str | None = None
    run_dir: Path = field(default_factory=Path)
