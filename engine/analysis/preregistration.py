"""The pre-registration a runs directory declares: the judge paths and the `headline_path` of the
experiments its runs were started with (each run's `experiment.json`), read through the typed
`engine.config.PathSpec`, for `engine report` without `--experiment` and for the cockpit.

Every run's declaration is read; the first declaration of a path name wins (one experiment's paths
are the same in all its runs). A headline is pre-registered only when the runs that declare one
agree on it: runs naming different headline paths leave none (with a warning), so the report
falls back to the default choice, labelled "default, not pre-registered".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from engine.config import PathSpec
from engine.store import journal as jr
from engine.store.manifest import EXPERIMENT_FILE, read_json_object


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
