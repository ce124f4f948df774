"""Messages workers post to the UI. High-rate ones can replace a pending one of their kind, so a
flood of samples collapses to the latest instead of queueing (toolong's `messages.py` idiom)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from textual.message import Message

from cockpit.services.launcher import PendingLaunch
from cockpit.services.machine import MachineState
from cockpit.viewmodels.report import ReportView
from cockpit.viewmodels.run_progress import RunProgress


@dataclass
class Ingested(Message):
    rows: int
    seconds: float
    version: int
    store: str


@dataclass
class RunsPolled(Message):
    runs: tuple[RunProgress, ...]
    pending: tuple[PendingLaunch, ...]

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RunsPolled)


@dataclass
class LiveSampled(Message):
    run_id: str | None
    progress: RunProgress | None
    machine: MachineState

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, LiveSampled)


@dataclass
class ReportReady(Message):
    view: ReportView


@dataclass
class OptionsReady(Message):
    options: Any  # cockpit.viewmodels.queries.Options


@dataclass
class WorkFailed(Message):
    """A worker's error, shown to the user literally (never parsed as markup)."""

    what: str
    error: str


@dataclass
class ReportExported(Message):
    """The paper report (ctrl+e) is written: its directory, and the figure of the screen it came from."""

    out: Path
    figure: str | None


@dataclass
class RunControlled(Message):
    op: Literal["launch", "cancel", "resume"]
    run_id: str
    text: str
