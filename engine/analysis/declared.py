"""One headline resolution: the report `engine report`, the cockpit (its Judges and Δ screens and its
paper export) and so the paper writer all build, from what the experiment file or the runs declare
(`engine.analysis.preregistration`), so one store has one headline wherever it is shown."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.analysis.preregistration import Preregistration, from_runs
from engine.analysis.report import Report, build_report
from engine.store.reader import Con

if TYPE_CHECKING:
    from engine.config import Experiment


def declared(runs_dir: Path, experiment: Experiment | None = None, run_ids: list[str] | None = None) -> Preregistration:
    """The experiment file's declaration when one is given, else the runs' (`from_runs`); the journal's
    record of the analysis plan comes from the runs either way."""
    pre = from_runs(runs_dir, run_ids)
    if experiment is None:
        return pre
    return Preregistration(
        list(experiment.paths),
        experiment.headline_path,
        record=pre.record,
        recorded_by=pre.recorded_by,
        record_notices=pre.record_notices,
    )


def declared_report(
    con: Con,
    pre: Preregistration,
    *,
    requested: str | None = None,
    n_boot: int = 2000,
    seed: int = 0,
    run_ids: list[str] | None = None,
    configs: Sequence[str] | None = None,
    **options: Any,
) -> Report:
    """`build_report` on what `pre` declares: its paths (derived from the judges present when it lists
    none) and its headline, pre-registered; or `requested` (`engine report --path`, the cockpit's
    export of the path on screen), labelled requested unless it is the declared one. A requested name
    that is not a path raises ValueError. The report carries `pre`'s notices. `options` go to
    `build_report` as they are (cluster, alpha, effect)."""
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
        **options,
    )
    rep.add_notices(pre.notices)
    return rep


def plan(
    pre: Preregistration,
    experiment: Experiment | None = None,
    *,
    headline: str | None = None,
    cluster: str | None = None,
    alpha: float | None = None,
) -> dict[str, Any]:
    """The analysis a report runs, in the fields of the journal's record (`preregistration.PLAN`):
    the options given, else the experiment file's, else the record's, else the defaults. `engine
    report` passes its flags; the cockpit none, so both run the recorded analysis on one store."""
    rec = pre.record or {}
    src = experiment.preregistration() if experiment is not None else rec
    return {
        "headline_path": headline or pre.headline,
        "effect_of_interest": src.get("effect_of_interest") or "delta",
        "minimum_effect": src.get("minimum_effect"),
        "alpha": alpha if alpha is not None else src.get("alpha") or 0.05,
        "cluster": cluster or src.get("cluster") or "task",
    }
