"""The pre-registration a report headlines: the judge paths and the `headline_path` of the
experiment file given (`engine report --experiment`), else of the experiments the runs were started
with (each run's `experiment.json`, read through the typed `engine.config.PathSpec`). `engine
report`, the cockpit (its Judges and Δ screens and its paper export) and so the paper writer all
build their report through `engine.analysis.declared.declared_report`, so one store has one
headline wherever it is shown.

Every run's declaration is read; the first declaration of a path name wins (one experiment's paths
are the same in all its runs). A headline is pre-registered only when the runs that declare one
agree on it: runs naming different headline paths leave none (with a notice), so the report
falls back to the default choice, labelled "default, not pre-registered". A declared headline is
the headline whether or not the experiment lists its paths (it may name a derived one, such as
`extractor`); when it is not one of the paths, or not eligible, the report has no headline and says
why (`engine.analysis.headline`: no other path is promoted).

The run journal's record: when a run starts, its `RunStarted` event carries the experiment's
analysis plan (`engine.config.Experiment.preregistration`: headline_path, effect_of_interest,
minimum_effect, alpha, cluster). experiment.json is rewritten on every resume; the first `RunStarted`
of a run's events.jsonl is appended once and never rewritten, so it is what was declared before any
episode of the run existed. `check` compares the analysis a report runs with that record: any
difference (a headline path picked with --path, an α or resampling unit changed, the experiment file
edited since) makes the report exploratory, and the report says which field differs and how
(pre-registration of the analysis in the sense of Nosek et al. 2018, PNAS 115:2600-2606).
Runs whose records differ (runs of several experiments in one directory) leave no record.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationError

from engine.analysis.notices import Notice, messages
from engine.config import PathSpec
from engine.store import journal as jr
from engine.store.manifest import EXPERIMENT_FILE, read_json_object

if TYPE_CHECKING:
    pass


class _Declared(BaseModel):
    """The part of a run's experiment.json that pre-registers the analysis (the rest is ignored)."""

    model_config = ConfigDict(extra="ignore")
    paths: list[PathSpec] = []
    headline_path: str | None = None


@dataclass(frozen=True)
class Preregistration:
    paths: list[PathSpec] = field(default_factory=list)
    headline: str | None = None  # the agreed headline_path; None when no run declares one, or they differ
    declared_by: tuple[str, ...] = ()  # the runs whose experiment declares the headline
    notices: tuple[Notice, ...] = ()  # e.g. the runs declare different headline paths
    record: dict[str, Any] | None = None  # the analysis plan the runs' journals recorded at start (all agree)
    recorded_by: tuple[str, ...] = ()
    record_notices: tuple[Notice, ...] = ()  # e.g. the runs' records differ

    @property
    def warnings(self) -> list[str]:
        return messages(self.notices)

    @property
    def record_warnings(self) -> list[str]:
        return messages(self.record_notices)


# the fields of the record an analysis is checked against (the record's `experiment` is only named)
PLAN = ("headline_path", "effect_of_interest", "minimum_effect", "alpha", "cluster")
_LABEL = {
    "headline_path": "headline path",
    "effect_of_interest": "effect of interest",
    "minimum_effect": "minimum effect",
    "alpha": "α",
    "cluster": "resampling unit",
}


def first_record(run_dir: Path) -> dict[str, Any] | None:
    """The analysis plan of a run's first `RunStarted` event (None: no such event, or it has none)."""
    try:
        with open(Path(run_dir) / jr.EVENTS_FILE, "rb") as f:
            for line in f:
                if b'"RunStarted"' not in line:
                    continue
                try:
                    rec = json.loads(line)
                except (json.JSONDecodeError, RecursionError):
                    return None
                if not isinstance(rec, dict) or rec.get("type") != "RunStarted":
                    continue
                plan = rec.get("preregistration")
                return {k: plan.get(k) for k in ("experiment", *PLAN)} if isinstance(plan, dict) else None
    except OSError:
        return None
    return None


def _records(runs_dir: Path, run_ids: list[str] | None) -> tuple[dict[str, Any] | None, tuple[str, ...], list[Notice]]:
    got: dict[str, list[str]] = {}
    plans: dict[str, dict[str, Any]] = {}
    for d in jr.run_dirs(Path(runs_dir)):
        if run_ids and d.name not in run_ids:
            continue
        plan = first_record(d)
        if plan is not None:
            key = json.dumps(plan, sort_keys=True)
            plans[key] = plan
            got.setdefault(key, []).append(d.name)
    if len(got) > 1:
        listed = "; ".join(f"{', '.join(r)}: {_plan_words(plans[k])}" for k, r in got.items())
        msg = f"the runs' journals record different analysis plans at start ({listed}): none is taken"
        return None, (), [Notice("plan_conflict", msg)]
    key, runs = next(iter(got.items()), ("", []))
    return plans.get(key), tuple(runs), []


def _plan_words(plan: dict[str, Any]) -> str:
    return ", ".join(f"{_LABEL[k]} {plan.get(k)!r}" for k in PLAN)


@dataclass(frozen=True)
class PlanCheck:
    """The analysis a report runs against the journal's record: pre-registered, exploratory or
    not recorded."""

    status: str  # pre-registered | exploratory | not recorded
    analysis: dict[str, Any]
    record: dict[str, Any] | None
    recorded_by: tuple[str, ...]
    differences: tuple[str, ...] = ()

    @property
    def exploratory(self) -> bool:
        return self.status == "exploratory"

    def line(self) -> str:
        runs = ", ".join(self.recorded_by[:3]) + (
            f" and {len(self.recorded_by) - 3} more" if len(self.recorded_by) > 3 else ""
        )
        if self.status == "exploratory":
            return (
                f"EXPLORATORY: this analysis differs from the plan the run journal recorded at start ({runs}): "
                + "; ".join(self.differences)
            )
        if self.status == "pre-registered":
            return f"Pre-registered: the analysis is the plan recorded when the runs started ({runs}): " + _plan_words(
                self.analysis
            )
        return "Not pre-registered: no run journal here records an analysis plan at its start"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"line": self.line()}


def check(pre: Preregistration, analysis: dict[str, Any]) -> PlanCheck:
    """Compare `analysis` (the PLAN fields the report runs with) with the journal's record."""
    if pre.record is None:
        return PlanCheck("not recorded", dict(analysis), None, ())
    diff = tuple(
        f"{_LABEL[k]} {analysis.get(k)!r} (recorded {pre.record.get(k)!r})"
        for k in PLAN
        if analysis.get(k) != pre.record.get(k)
    )
    return PlanCheck(
        "exploratory" if diff else "pre-registered", dict(analysis), dict(pre.record), pre.recorded_by, diff
    )


def from_runs(runs_dir: Path, run_ids: list[str] | None = None) -> Preregistration:
    """The paths and headline the runs' experiments declare (unreadable experiment.json files are skipped),
    and the analysis plan their journals recorded at start (of `run_ids` only, when given)."""
    record, recorded_by, notes = _records(Path(runs_dir), run_ids)
    paths: dict[str, PathSpec] = {}
    heads: dict[str, list[str]] = {}
    for d in jr.run_dirs(Path(runs_dir)):
        raw = read_json_object(d / EXPERIMENT_FILE)
        try:
            got = _Declared.model_validate(raw)
        except ValidationError:
            continue
        for p in got.paths:
            paths.setdefault(p.name, p)
        if got.headline_path:
            heads.setdefault(got.headline_path, []).append(d.name)
    if len(heads) > 1:
        listed = "; ".join(f"'{h}' ({', '.join(r)})" for h, r in heads.items())
        msg = f"the runs' experiments pre-register different headline paths ({listed}): none is taken as pre-registered"
        note = Notice("headline_conflict", msg, subject=", ".join(heads))
        return Preregistration(list(paths.values()), None, (), (note,), record, recorded_by, tuple(notes))
    head, runs = next(iter(heads.items()), (None, []))
    return Preregistration(list(paths.values()), head, tuple(runs), (), record, recorded_by, tuple(notes))
