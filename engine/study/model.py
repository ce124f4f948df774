"""A study's plan as data: its jobs and where it lives (`runs/studies/<id>/study.json`)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from engine.data.loader import DataError

STUDIES = "studies"
PLAN_FILE = "study.json"
EVENTS_FILE = "events.jsonl"
REPORT_FILE = "report.txt"
SFT_SUFFIX = "-sft"
KINDS = ("eval", "corpus", "train", "report")


@dataclass
class Job:
    id: str  # base-eval | corpus | train-<config> | sft-eval | report
    kind: str  # eval | corpus | train | report
    needs: list[str]
    args: list[str] = field(default_factory=list)  # `engine` arguments (eval jobs: built at start)
    run_id: str | None = None  # the journal run the job writes (eval, train)
    output: str | None = None  # the file the job leaves (corpus JSONL, report)
    base: str | None = None  # train: the config id it trains


@dataclass
class Study:
    study_id: str
    runs_dir: str
    experiment: str
    recipe: str | None
    limit: int | None
    full: bool
    jobs: list[Job]
    exp_json: dict[str, Any]  # the base eval's experiment, resolved (holdout limit applied)

    def job(self, job_id: str) -> Job:
        return next(j for j in self.jobs if j.id == job_id)

    @property
    def dir(self) -> Path:
        return Path(self.runs_dir) / STUDIES / self.study_id

    def adapters(self) -> list[Path]:
        return [Path(self.runs_dir) / j.run_id / "adapter" for j in self.jobs if j.kind == "train" and j.run_id]

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Study:
        jobs = [Job(**j) for j in d.pop("jobs")]
        return cls(jobs=jobs, **d)


# ------------------------------------------------------------------------------------ planning


def save_plan(study: Study) -> None:
    study.dir.mkdir(parents=True, exist_ok=True)
    tmp = study.dir / (PLAN_FILE + ".tmp")
    tmp.write_text(json.dumps(study.to_json(), indent=1), encoding="utf-8")
    os.replace(tmp, study.dir / PLAN_FILE)


def load_study(runs_dir: str | Path, study_id: str) -> Study:
    p = Path(runs_dir) / STUDIES / study_id / PLAN_FILE
    try:
        return Study.from_json(json.loads(p.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise ValueError(f"no study {study_id} in {Path(runs_dir) / STUDIES}") from None
    except (json.JSONDecodeError, TypeError, KeyError) as exc:
        raise DataError(str(p), None, None, f"unreadable study plan: {exc}") from None


def list_studies(runs_dir: Path) -> list[Study]:
    out = []
    for p in sorted((Path(runs_dir) / STUDIES).glob(f"*/{PLAN_FILE}")):
        try:
            out.append(Study.from_json(json.loads(p.read_text(encoding="utf-8"))))
        except (OSError, json.JSONDecodeError, TypeError, KeyError):
            continue
    return out
