"""The pre-registration a report headlines: the judge paths and the `headline_path` of the
experiment file given (`engine report --experiment`), else of the experiments the runs were started
with (each run's `experiment.json`, read through the typed `engine.config.PathSpec`). `engine
report`, the cockpit (its Judges and Δ screens and its paper export) and so the paper writer all
build their report through `declared_report`, so one store has one headline wherever it is shown.

Every run's declaration is read; the first declaration of a path name wins (one experiment's paths
are the same in all its runs). A headline is pre-registered only when the runs that declare one
agree on it: runs naming different headline paths leave none (with a warning), so the report
falls back to the default choice, labelled "default, not pre-registered". A declared headline is
the headline whether or not the experiment lists its paths (it may name a derived one, such as
`extractor`); when it is not one of the paths, or not eligible, the report has no headline and says
why (`engine.analysis.headline`: no other path is promoted).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationError

from engine.config import PathSpec
from engine.store import journal as jr
from engine.store.manifest import EXPERIMENT_FILE, read_json_object

if TYPE_CHECKING:
    from engine.analysis.report import Report
    from engine.config import Experiment


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
    warnings: tuple[str, ...] = ()


def from_runs(runs_dir: Path) -> Preregistration:
    """The paths and headline the runs' experiments declare (unreadable experiment.json files are skipped)."""
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
        return Preregistration(list(paths.values()), None, (), (msg,))
    head, runs = next(iter(heads.items()), (None, []))
    return Preregistration(list(paths.values()), head, tuple(runs))


def declared(runs_dir: Path, experiment: Experiment | None = None) -> Preregistration:
    """The experiment file's declaration when one is given, else the runs' (`from_runs`)."""
    if experiment is not None:
        return Preregistration(list(experiment.paths), experiment.headline_path)
    return from_runs(runs_dir)


def declared_report(
    con: Any,
    pre: Preregistration,
    *,
    requested: str | None = None,
    n_boot: int = 2000,
    seed: int = 0,
    run_ids: list[str] | None = None,
    configs: Sequence[str] | None = None,
) -> Report:
    """`build_report` on what `pre` declares: its paths (derived from the judges present when it lists
    none) and its headline, pre-registered; or `requested` (`engine report --path`, the cockpit's
    export of the path on screen), labelled requested unless it is the declared one. A requested name
    that is not a path raises ValueError. The report carries `pre`'s warnings."""
    from engine.analysis.report import build_report

    headline = requested if requested is not None else pre.headline
    rep = build_report(
        con,
        paths=pre.paths or None,
        headline=headline,
        n_boot=n_boot,
        seed=seed,
        run_ids=run_ids,
        configs=list(configs) if configs is not None else None,
        preregistered=headline is not None and headline == pre.headline,
    )
    rep.warnings.extend(w for w in pre.warnings if w not in rep.warnings)
    return rep
