"""Run control from the cockpit: each action the user can take on a run (launch one, start a job
from the launch form's other tabs, cancel, resume) as one blocking call that returns the message
the app shows. The app runs it in a worker; a refused action raises and becomes a `WorkFailed`."""

from __future__ import annotations

from pathlib import Path

from cockpit import launcher
from cockpit.messages import RunControlled
from engine.store.request import RunRequest


def control(op: str, arg: object, runs_dir: Path) -> RunControlled:
    if op == "launch":
        assert isinstance(arg, RunRequest)
        run_id, pid = launcher.launch(arg)
        return RunControlled(op, run_id, f"started run {run_id} (pid {pid})")
    if op == "job":  # the launch form's other tabs: study, train, corpus, re-judge, sweep
        from cockpit.forms import JobRequest
        from cockpit.screens.jobs import start_job

        assert isinstance(arg, JobRequest)
        pid = start_job(arg, runs_dir)
        name = arg.log_dir.rsplit("/", 1)[-1]
        return RunControlled("launch", name, f"started {arg.label} (pid {pid})")
    if op == "cancel":
        pid = launcher.cancel(runs_dir, str(arg))
        return RunControlled(op, str(arg), f"sent SIGTERM to run {arg} (pid {pid})")
    if op == "resume":
        pid = launcher.resume(runs_dir, str(arg))
        return RunControlled(op, str(arg), f"resuming run {arg} (pid {pid})")
    raise ValueError(f"unknown run control {op!r}")
