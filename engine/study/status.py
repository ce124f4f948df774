"""A study's state, read from its journal (`events.jsonl`) and from what each job left behind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.host import pid_alive
from engine.runs import run_status
from engine.store import journal as jr
from engine.store import manifest
from engine.study.model import EVENTS_FILE, Job, Study


def events(study: Study) -> list[dict[str, Any]]:
    return list(jr.iter_records(study.dir / EVENTS_FILE))


def job_done(study: Study, job: Job) -> bool:
    rd = Path(study.runs_dir)
    if job.kind == "eval":
        return bool(job.run_id) and run_status(rd / str(job.run_id)).status == "finished"
    if job.kind == "train":
        d = rd / str(job.run_id)
        return (d / "adapter").is_dir() and run_status(d).status == "finished"
    return bool(job.output) and Path(str(job.output)).exists()


def chain_pid(evs: list[dict[str, Any]]) -> int | None:
    starts = [e for e in evs if e.get("event") == "chain_started"]
    return int(starts[-1]["pid"]) if starts else None


def chain_status(study: Study, evs: list[dict[str, Any]] | None = None) -> str:
    """planned | running | finished | failed | cancelled | interrupted (killed: resume it)."""
    evs = events(study) if evs is None else evs
    if not evs:
        return "planned"
    pid = chain_pid(evs)
    last = evs[-1]
    if last.get("event") == "chain_ended":
        return str(last.get("status", "failed"))
    if pid is not None and pid_alive(pid):
        return "running"
    return "interrupted"


def job_states(study: Study, evs: list[dict[str, Any]] | None = None) -> dict[str, str]:
    """Each job's state: done | running | failed | cancelled | waiting."""
    evs = events(study) if evs is None else evs
    out: dict[str, str] = {}
    for j in study.jobs:
        mine = [e for e in evs if e.get("job") == j.id]
        if job_done(study, j):
            out[j.id] = "done"
        elif mine and mine[-1].get("event") == "job_started" and pid_alive(mine[-1].get("pid")):
            out[j.id] = "running"
        elif mine and mine[-1].get("event") == "job_ended":
            out[j.id] = "cancelled" if mine[-1].get("cancelled") else "failed"
        elif mine:
            out[j.id] = "interrupted"
        else:
            out[j.id] = "waiting"
    return out


# ------------------------------------------------------------------------------------ running


def job_runs(study: Study, evs: list[dict[str, Any]] | None = None) -> dict[str, str]:
    """The journal run of each job that has one: its planned run id, else (corpus) the run its process wrote."""
    evs = events(study) if evs is None else evs
    rd = Path(study.runs_dir)
    out = {j.id: str(j.run_id) for j in study.jobs if j.run_id and (rd / str(j.run_id)).is_dir()}
    pids = {int(e["pid"]): str(e["job"]) for e in evs if e.get("event") == "job_started" and e.get("pid")}
    wanted = {j.id for j in study.jobs if not j.run_id and j.kind == "corpus"}
    if wanted and pids:
        for d in jr.run_dirs(rd):
            info = manifest.read_info(d)
            job = pids.get(info.pid or 0) if info else None
            if info is not None and job in wanted and info.kind == "corpus":
                out[job] = d.name
    return out
