"""What a run did (`RunResult`). What it is asked to do is `engine.store.request.RunRequest`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from engine.events import StopCause
from engine.store.manifest import RunStatus


@dataclass
class RunResult:
    run_id: str
    status: RunStatus  # running until it ends: finished | cancelled | failed
    episodes: int = 0
    judgments: int = 0
    errors: int = 0
    skipped: int = 0
    cost_usd: float = 0.0
    wall_s: float = 0.0
    error: str | None = None
    run_dir: Path = field(default_factory=Path)
    stopped_by: StopCause | None = None  # why a cancelled run stopped: a signal or its cost limit
