"""A runs directory shared between machines: a run records its host, its liveness there comes from
the journal's heartbeat (telemetry every second), and no command signals a pid of another machine."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import asdict
from pathlib import Path

import pytest

from cockpit.services import launcher
from engine.host import this_host
from engine.runs import REMOTE_STALE_S, run_status
from engine.store import journal as jr
from engine.store.manifest import RunInfo, read_info, write_info
from tests.conftest import engine_cmd

RUN = "20260101-000000-remote-c0de"


def _remote_run(runs: Path, pid: int, host: str = "gpu-box-7") -> Path:
    j = jr.RunJournal(runs, RUN)
    try:
        write_info(j.dir, RunInfo(run_id=RUN, kind="eval", experiment="x", started_at=time.time(), pid=pid))
        j.append("telemetry", {"run_id": RUN, "t": time.time(), "cpu_pct": 1.0})
    finally:
        j.close()
    d = runs / RUN
    info = read_info(d)
    assert info is not None and info.host == this_host()  # the writer records its own host
    (d / jr.RUN_FILE).write_text(jr.dumps({**asdict(info), "host": host}) + "\n")  # as if written over there
    return d


def test_a_remote_run_is_never_signalled_here(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    # a live process here with the same pid number as the remote run: it must survive every command
    bystander = subprocess.Popen(["sleep", "60"])
    try:
        d = _remote_run(runs, bystander.pid)
        st = run_status(d)
        assert st.status == "running"
        assert st.remote
        assert st.host == "gpu-box-7"

        cancel = subprocess.run(
            engine_cmd("cancel", RUN, "--runs-dir", str(runs)), capture_output=True, text=True, timeout=60
        )
        assert cancel.returncode != 0
        assert "gpu-box-7" in cancel.stdout + cancel.stderr
        with pytest.raises(ValueError, match="gpu-box-7"):
            launcher.cancel(runs, RUN)
        resume = subprocess.run(
            engine_cmd("resume", RUN, "--runs-dir", str(runs), "--events", "none"),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert resume.returncode != 0
        assert "still running" in resume.stdout + resume.stderr
        with pytest.raises(ValueError, match="still running"):
            launcher.resume(runs, RUN)
        assert bystander.poll() is None  # nothing signalled the local process

        # the heartbeat stops (the other machine died): interrupted, and resumable here
        old = time.time() - REMOTE_STALE_S - 5
        for p in d.glob("*.jsonl"):
            os.utime(p, (old, old))
        assert run_status(d).status == "interrupted"
    finally:
        bystander.kill()
        bystander.wait()


def test_a_local_run_keeps_pid_semantics(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    j = jr.RunJournal(runs, RUN)
    try:
        write_info(j.dir, RunInfo(run_id=RUN, kind="eval", experiment="x", pid=os.getpid()))
    finally:
        j.close()
    st = run_status(runs / RUN)
    assert st.host == this_host()
    assert not st.remote
    assert st.status == "running"
    st.refuse_remote("cancel")  # a local run: allowed
    dead = subprocess.Popen(["true"])
    dead.wait()
    j = jr.RunJournal(runs, RUN)
    try:
        write_info(j.dir, RunInfo(run_id=RUN, kind="eval", experiment="x", pid=dead.pid))
    finally:
        j.close()
    assert run_status(runs / RUN).status == "interrupted"
