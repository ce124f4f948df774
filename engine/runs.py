"""Run control: is a run alive, and may it be cancelled or resumed? (the CLI and the cockpit alike)

A run's status comes from its journal (`run.json`, the last lifecycle event in `events.jsonl`) and
its process: a local pid that is alive, or, for a run on another machine sharing the runs
directory, a journal that still grows (runs write telemetry every second). Before the engine has
written `run.json`, a run started by the cockpit is known by `launch.json` (the spawned pid).
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from engine.events import RunKind
from engine.host import pid_alive, this_host
from engine.store.journal import RUN_FILE, last_terminal_event
from engine.store.manifest import EXPERIMENT_FILE, RunStatus, read_info, read_launch

REMOTE_STALE_S = 60.0  # a remote run whose journal has not grown for this long counts as interrupted


@dataclass
class RunState:
    """A run as run control sees it: its header and where its lifecycle stands."""

    run_id: str
    kind: RunKind | None  # None: run.json is unreadable
    experiment: str  # what it runs: the experiment, the recipe or the corpus spec's name ("?" when unknown)
    status: RunStatus
    started_at: float | None
    finished_at: float | None
    pid: int | None
    error: str | None
    host: str | None = None  # where the run's process runs (None: journals written before hosts were recorded)

    @property
    def remote(self) -> bool:
        """The run's process is on another machine (a shared runs directory): its pid means nothing here."""
        return bool(self.host) and self.host != this_host()

    def refuse_remote(self, action: str) -> None:
        if self.remote:
            raise ValueError(f"run {self.run_id} runs on host {self.host!r}, not this machine; {action} it there")


def last_write(run_dir: Path) -> float:
    """The newest modification time of the run's journal files (runs write telemetry every second)."""
    newest = 0.0
    for p in run_dir.glob("*.jsonl"):
        try:
            newest = max(newest, p.stat().st_mtime)
        except FileNotFoundError:
            continue
    return newest


def run_status(run_dir: Path) -> RunState:
    info = read_info(run_dir)
    last = last_terminal_event(run_dir)
    pid = info.pid if info else None
    host = info.host if info else None
    status: RunStatus = "running"
    finished, error = None, None
    kind = last.get("type") if last else None
    if kind == "RunFinished":
        status, finished = "finished", last.get("t") if last else None
    elif kind == "RunFailed":
        status, finished, error = "failed", last.get("t") if last else None, (last or {}).get("error")
    elif kind == "RunCancelled":
        status, finished = "cancelled", last.get("t") if last else None
    elif host and host != this_host():
        # another machine's process: liveness from the journal's heartbeat (telemetry every second)
        status = "running" if time.time() - last_write(run_dir) < REMOTE_STALE_S else "interrupted"
    elif not pid_alive(pid):
        status = "interrupted"
    return RunState(
        run_id=run_dir.name,
        kind=info.kind if info else None,
        experiment=info.title if info else "?",
        status=status,
        started_at=info.started_at if info else None,
        finished_at=finished,
        pid=pid,
        error=error,
        host=host,
    )


def ensure_not_running(run_dir: Path) -> None:
    """ValueError when the run is alive here, or has a fresh heartbeat from another host."""
    st = run_status(Path(run_dir))
    if st.status == "running":
        where = f"on host {st.host!r}" if st.remote else f"pid {st.pid}"
        raise ValueError(f"run {st.run_id} is still running ({where})")


def check_resumable(run_dir: Path) -> None:
    """ValueError unless `engine resume` can continue the run (stopped, an eval or train run, its spec kept)."""
    run_dir = Path(run_dir)
    ensure_not_running(run_dir)
    kind = run_status(run_dir).kind
    if kind == "human":
        raise ValueError("the human adjudication journal is not a resumable run")
    if kind == "import":
        raise ValueError(f"run {run_dir.name} was imported (engine import): there is nothing to resume")
    if not (run_dir / EXPERIMENT_FILE).exists():
        raise ValueError(f"run {run_dir.name} has no {EXPERIMENT_FILE}: it cannot be resumed")


def running_pid(run_dir: Path) -> int:
    """The local pid to signal to stop the run: from run.json, or launch.json while the run is starting.

    ValueError when the run runs on another machine, or nothing of it is running here.
    """
    run_dir = Path(run_dir)
    if (run_dir / RUN_FILE).exists():
        st = run_status(run_dir)
        st.refuse_remote("cancel")  # a pid of another machine: never signal a process here
        pid = st.pid if st.status == "running" else None
    else:
        launch = read_launch(run_dir)
        pid = launch.pid if launch else None
    if not pid or not pid_alive(int(pid)):
        raise ValueError(f"run {run_dir.name} is not running")
    return int(pid)


def cancel(run_dir: Path) -> int:
    """SIGTERM to the run's process (the engine stops cleanly after the call in flight); returns the pid."""
    pid = running_pid(run_dir)
    os.kill(pid, signal.SIGTERM)
    return pid
