"""Study chains as the cockpit shows them: each chain, its state and its jobs' states (engine.study)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine import study as st


@dataclass(frozen=True)
class JobView:
    job_id: str
    kind: str
    state: str  # done | running | failed | cancelled | interrupted | waiting
    run_id: str | None  # the journal run it writes (Live follows it)


@dataclass(frozen=True)
class StudyView:
    study_id: str
    status: str  # planned | running | finished | failed | cancelled | interrupted
    started_at: float
    jobs: tuple[JobView, ...]

    def job_of(self, run_id: str | None) -> JobView | None:
        return next((j for j in self.jobs if run_id and j.run_id == run_id), None)


def poll(runs_dir: Path) -> list[StudyView]:
    """Every chain in the runs directory, newest first."""
    out = []
    for study in st.list_studies(Path(runs_dir)):
        evs = st.events(study)
        states = st.job_states(study, evs)
        runs = st.job_runs(study, evs)
        jobs = tuple(JobView(j.id, j.kind, states[j.id], runs.get(j.id)) for j in study.jobs)
        t0 = float(evs[0].get("t", 0.0)) if evs else 0.0
        out.append(StudyView(study.study_id, st.chain_status(study, evs), t0, jobs))
    return sorted(out, key=lambda s: s.started_at, reverse=True)


def chain_of(studies: list[StudyView], run_id: str | None) -> StudyView | None:
    """The chain the run belongs to; else the newest running chain; else the newest chain."""
    for s in studies:
        if s.job_of(run_id):
            return s
    return next((s for s in studies if s.status == "running"), studies[0] if studies else None)


def next_job_run(study: StudyView, current: str | None) -> str | None:
    """The run of the chain's next job after `current` that has one (running jobs first), wrapping."""
    runs = [j.run_id for j in study.jobs if j.run_id]
    running = [j.run_id for j in study.jobs if j.run_id and j.state == "running"]
    pool = running if running and current not in running or len(running) > 1 else runs
    if not pool:
        return None
    if current in pool:
        return pool[(pool.index(current) + 1) % len(pool)]
    return pool[0]
