"""Running a study's plan as a chain of child processes, journaled in `events.jsonl`; a killed chain
re-run continues where it stopped, and a cancel stops the job in flight and the rest."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine import paths
from engine.config import Experiment
from engine.host import pid_alive
from engine.store import manifest
from engine.study.model import EVENTS_FILE, SFT_SUFFIX, Job, Study, load_study, save_plan
from engine.study.status import chain_pid, chain_status, events, job_done


def _append(study: Study, event: str, **data: Any) -> None:
    study.dir.mkdir(parents=True, exist_ok=True)
    with open(study.dir / EVENTS_FILE, "a", encoding="utf-8") as f:
        f.write(json.dumps({"t": time.time(), "event": event, **data}) + "\n")


def _prepare_eval(study: Study, job: Job) -> list[str]:
    """Write the eval's experiment into its run dir; the child continues it with `engine resume`."""
    from engine.train.student import sft_config

    d = Path(study.runs_dir) / str(job.run_id)
    data = json.loads(json.dumps(study.exp_json))
    opts = data.pop("_options")
    source = data.pop("source", None)
    if job.id == "sft-eval":
        exp = Experiment.model_validate(data)
        bases, students = [], []
        for t in study.jobs:
            if t.kind == "train" and t.base:
                base = exp.config(t.base)
                bases.append(base.model_dump(mode="json"))
                adapter = Path(study.runs_dir) / str(t.run_id) / "adapter"
                students.append(sft_config(base, adapter, base.id + SFT_SUFFIX).model_dump(mode="json"))
        data["configs"] = bases + students
    if not (d / manifest.EXPERIMENT_FILE).exists():
        d.mkdir(parents=True, exist_ok=True)
        manifest.write_request(d, opts)
        manifest.write_experiment(d, data, source)
    return ["resume", str(job.run_id), "--runs-dir", study.runs_dir]


def child_env() -> dict[str, str]:
    """The children import this checkout's engine, whatever the caller's sys.path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(paths.ROOT), env.get("PYTHONPATH", "")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_study(study: Study, *, events_mode: str = "none", say: Callable[[str], None] | None = None) -> str:
    """Run (or continue) the chain in this process; returns its final status."""
    say = say or (lambda line: print(line, file=sys.stderr, flush=True))
    evs = events(study)
    if chain_status(study, evs) == "running" and chain_pid(evs) != os.getpid():
        raise ValueError(f"study {study.study_id} is already running (pid {chain_pid(evs)})")
    save_plan(study)
    _append(study, "chain_started", pid=os.getpid())
    state: dict[str, Any] = {"cancel": False, "proc": None}

    def stop(*_: Any) -> None:
        state["cancel"] = True
        proc = state["proc"]
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    status, error = "finished", None
    try:
        for job in study.jobs:
            if job_done(study, job):
                continue
            _wait_orphan(study, job, evs, state)
            if state["cancel"]:
                status = "cancelled"
                break
            if job_done(study, job):
                continue
            missing = [n for n in job.needs if not job_done(study, study.job(n))]
            if missing:
                status, error = "failed", f"{job.id}: its inputs are missing ({', '.join(missing)})"
                break
            args = _prepare_eval(study, job) if job.kind == "eval" else list(job.args)
            rc = _run_job(study, job, args, events_mode, state, say)
            if state["cancel"]:
                _append(study, "job_ended", job=job.id, rc=rc, cancelled=True)
                status = "cancelled"
                break
            _append(study, "job_ended", job=job.id, rc=rc)
            if rc != 0 or not job_done(study, job):
                status, error = "failed", f"{job.id} exited with status {rc}"
                break
            say(f"study {study.study_id}: {job.id} done")
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
    _append(study, "chain_ended", status=status, error=error)
    say(f"study {study.study_id}: {status}" + (f" ({error})" if error else ""))
    return status


def _run_job(study: Study, job: Job, args: list[str], events_mode: str, state: dict[str, Any], say: Any) -> int:
    cmd = [sys.executable, "-m", "engine.cli", *args]
    if job.kind in ("eval", "corpus", "train"):
        cmd += ["--events", events_mode]
    say(f"study {study.study_id}: {job.id} starting: engine {' '.join(args)}")
    if job.kind == "report":
        tmp = Path(str(job.output) + ".tmp")
        with open(tmp, "wb") as out:
            proc = subprocess.Popen(cmd, stdout=out, cwd=str(paths.ROOT), env=child_env())  # noqa: S603
            state["proc"] = proc
            _append(study, "job_started", job=job.id, pid=proc.pid)
            rc = proc.wait()
        if rc == 0:
            os.replace(tmp, str(job.output))
    else:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, cwd=str(paths.ROOT), env=child_env())  # noqa: S603
        state["proc"] = proc
        _append(study, "job_started", job=job.id, pid=proc.pid, run_id=job.run_id)
        rc = proc.wait()
    state["proc"] = None
    return rc


def _wait_orphan(study: Study, job: Job, evs: list[dict[str, Any]], state: dict[str, Any]) -> None:
    """A killed chain may have left its job running: wait for it rather than start a second one."""
    mine = [e for e in evs if e.get("job") == job.id]
    if not mine or mine[-1].get("event") != "job_started":
        return
    pid = int(mine[-1].get("pid") or 0)
    while pid_alive(pid):
        if state["cancel"]:
            os.kill(pid, signal.SIGTERM)
        time.sleep(0.5)


def cancel_study(runs_dir: str | Path, study_id: str) -> int:
    """SIGTERM to the chain: it stops the job in flight and runs nothing more."""
    study = load_study(runs_dir, study_id)
    evs = events(study)
    pid = chain_pid(evs)
    if chain_status(study, evs) != "running" or pid is None:
        raise ValueError(f"study {study_id} is not running")
    os.kill(pid, signal.SIGTERM)
    return pid
