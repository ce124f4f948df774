"""A run's own files beside its journal, written through `engine.store.manifest`: what it was asked
(experiment.json, options.json, the spec tables) and run.json; read back for `engine resume`. And the
completions other runs stored."""

from __future__ import annotations

import os
from pathlib import Path

from engine.config import ConfigSpec, Experiment
from engine.judges.base import Judge
from engine.plan import PlannedEpisode, Selection, config_row, skill_row, task_row
from engine.store import journal as jr
from engine.store import manifest
from engine.store.manifest import RunInfo
from engine.store.request import RunRequest


def write_specs(
    journal: jr.RunJournal,
    exp: Experiment,
    opts: RunRequest,
    configs: list[ConfigSpec],
    judges: list[Judge],
    sel: Selection,
) -> None:
    journal.write_specs("configs", [config_row(c) for c in configs])
    journal.write_specs("skills", [skill_row(s) for s in sel.skills.values()])
    journal.write_specs("tasks", [task_row(t) for t in sel.tasks])
    rows = []
    for j in judges:
        spec = j.spec
        rows.append(
            {
                "judge_id": spec.id,
                "judge_fp": j.fingerprint(),
                "kind": spec.kind,
                "backend": spec.model.backend if spec.model else None,
                "model": spec.model.model if spec.model else None,
                "spec_json": spec.model_dump_json(),
            }
        )
    journal.write_specs("judges", rows)
    manifest.write_experiment(journal.dir, exp)
    manifest.write_request(journal.dir, opts)


def write_run_info(
    journal: jr.RunJournal, exp: Experiment, opts: RunRequest, t0: float, total_eps: int, total_jdg: int
) -> None:
    info = RunInfo(
        run_id=journal.run_id,
        kind=opts.kind,
        experiment=exp.name,
        experiment_path=exp.source,
        pid=os.getpid(),
        total_episodes=total_eps,
        total_judgments=total_jdg,
        executor=opts.placement,  # the cockpit's Runs column
    )
    manifest.start_info(journal.dir, info, t0)


def stored_episodes(
    runs_dir: Path, planned: list[PlannedEpisode], done: set[str], finish_reasons: dict[str, str | None]
) -> dict[str, str]:
    """Completions of planned episodes already journaled (by this run or any other); their finish
    reasons go into `finish_reasons`."""
    want = {p.episode_id for p in planned} & done
    out: dict[str, str] = {}
    if not want:
        return out
    for d in jr.run_dirs(runs_dir):
        for rec in jr.iter_records(d / "episodes.jsonl"):
            eid = rec.get("episode_id")
            if eid in want and rec.get("error") is None:
                out[eid] = rec.get("completion", "")
                finish_reasons[eid] = rec.get("finish_reason")
    return out


def load_run_experiment(runs_dir: Path, run_id: str) -> tuple[Experiment, RunRequest]:
    """The experiment and request a run was started with (for `engine resume`)."""
    d = Path(runs_dir) / run_id
    info = manifest.read_info(d)
    if info is not None and info.kind in ("import", "human"):
        what = "imported (engine import)" if info.kind == "import" else "the human adjudication journal"
        raise ValueError(f"{d} is not a resumable run: it is {what}, there is nothing to resume")
    return manifest.read_experiment(d), manifest.read_request(d)
