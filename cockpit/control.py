"""Run control from the cockpit: each action the user can take on a run (launch one, start a job
from the launch form's other tabs, cancel, resume) is one typed command, carried out by one
blocking call that returns the message the app shows. The app runs it in a worker; a refused
action raises and becomes a `WorkFailed`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, assert_never

from cockpit.messages import RunControlled
from cockpit.services import launcher
from engine.store.request import RunRequest

if TYPE_CHECKING:
    from cockpit.viewmodels.forms import JobRequest


@dataclass(frozen=True)
class LaunchRun:
    """Start an eval run (the launch form's Eval tab)."""

    what: ClassVar[str] = "launch"  # how a refusal names the action
    request: RunRequest


@dataclass(frozen=True)
class StartJob:
    """Start a job of the launch form's other tabs: study, train, corpus, re-judge, sweep."""

    what: ClassVar[str] = "job"
    request: JobRequest


@dataclass(frozen=True)
class CancelRun:
    what: ClassVar[str] = "cancel"
    run_id: str


@dataclass(frozen=True)
class ResumeRun:
    what: ClassVar[str] = "resume"
    run_id: str


Control = LaunchRun | StartJob | CancelRun | ResumeRun


def control(cmd: Control, runs_dir: Path) -> RunControlled:
    if isinstance(cmd, LaunchRun):
        run_id, pid = launcher.launch(cmd.request)
        return RunControlled("launch", run_id, f"started run {run_id} (pid {pid})")
    if isinstance(cmd, StartJob):
        from cockpit.screens.jobs import start_job

        pid = start_job(cmd.request, runs_dir)
        name = cmd.request.log_dir.rsplit("/", 1)[-1]
        return RunControlled("launch", name, f"started {cmd.request.label} (pid {pid})")
    if isinstance(cmd, CancelRun):
        pid = launcher.cancel(runs_dir, cmd.run_id)
        return RunControlled("cancel", cmd.run_id, f"sent SIGTERM to run {cmd.run_id} (pid {pid})")
    if isinstance(cmd, ResumeRun):
        pid = launcher.resume(runs_dir, cmd.run_id)
        return RunControlled("resume", cmd.run_id, f"resuming run {cmd.run_id} (pid {pid})")
    assert_never(cmd)
