"""A run's own files beside its journal: what it was asked (experiment.json, options.json, the spec
tables) and run.json; read back for `engine resume`. And the completions other runs stored."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from engine.config import ConfigSpec, Experiment
from engine.data.loader import DataError, loads_json
from engine.judges.base import Judge
from engine.plan import PlannedEpisode, Selection, config_row, skill_row, task_row
from engine.runner.options import RunOptions
from engine.store import journal as jr


def write_specs(
    journal: jr.RunJournal,
    exp: Experiment,
    opts: RunOptions,
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
    exp_json = exp.model_dump(mode="json")
    exp_json["source"] = exp.source
    (journal.dir / "experiment.json").write_text(json.dumps(exp_json, indent=1), encoding="utf-8")
    (journal.dir / "options.json").write_text(json.dumps(opts.to_json()), encoding="utf-8")


def write_run_info(
    journal: jr.RunJournal, exp: Experiment, opts: RunOptions, t0: float, total_eps: int, total_jdg: int
) -> None:
    info = jr.read_run_info(journal.dir)
    journal.write_run_info(
        {
            "run_id": journal.run_id,
            "kind": opts.kind,
            "experiment": exp.name,
            "experiment_path": exp.source,
            "started_at": info.get("started_at", t0),
            "resumed_at": t0 if info else None,
            "pid": os.getpid(),
            "total_episodes": total_eps,
            "total_judgments": total_jdg,
            "executor": opts.executor_label or opts.executor,  # the cockpit's Runs column
        }
    )


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


def load_run_experiment(runs_dir: Path, run_id: str) -> tuple[Experiment, dict[str, Any]]:
    """The experiment and options a run was started with (for `engine resume`)."""
    d = Path(runs_dir) / run_id
    parsed = []
    for name in ("experiment.json", "options.json"):
        try:
            parsed.append(loads_json((d / name).read_bytes()))
        except FileNotFoundError:
            raise FileNotFoundError(f"{d} is not a resumable run (no experiment.json/options.json)") from None
        except ValueError as exc:  # invalid JSON or nesting too deep
            raise DataError(str(d / name), None, None, f"invalid JSON: {exc}") from None
    exp_json, options = parsed
    source = exp_json.pop("source", None)
    exp = Experiment.model_validate(exp_json)
    exp.source = source
    return exp, options
