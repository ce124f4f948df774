"""Rich tables of `engine report` for what Δ leaves out: each judge's coverage (abstentions apart
from errors) and the bounds of Δ over the excluded verdicts. Shown only when there is something to
show (an abstention; an excluded verdict). Store text is never parsed as markup."""

from __future__ import annotations

from rich.table import Table

from engine.analysis.render_cells import literal, pct, signed
from engine.analysis.report import Report


def _table(title: str, headers: list[str], right_from: int) -> Table:
    t = Table(title=literal(title), title_justify="left", header_style="bold")
    for i, h in enumerate(headers):
        t.add_column(literal(h), justify="right" if i >= right_from else "left", no_wrap=i < right_from)
    return t


def coverage_table(r: Report) -> Table:
    """Per config and judge: decided verdicts, abstentions, errors, coverage (overall and by condition);
    no rows when no judge abstained."""
    t = _table(
        "Judge coverage (abstain: the judge could not tell; coverage = decided / (decided + abstained), errors apart)",
        ["config", "judge", "decided", "abstained", "errors", "coverage", "no_skill", "curated"],
        2,
    )
    if not any(c.abstentions for c in r.coverage):
        return t
    for c in r.coverage:
        cells: tuple[object, ...] = (c.config, c.judge, c.decided, c.abstentions, c.errors)
        cells += (pct(c.coverage), pct(c.coverage_no_skill), pct(c.coverage_curated))
        t.add_row(*(literal(x) for x in cells))
    return t


def bounds_table(r: Report) -> Table:
    """Δ beside its bounds over the excluded verdicts, for the Δs that excluded any."""
    t = _table(
        "Bounds of Δ over the excluded verdicts (errors and abstentions counted no_skill pass / curated fail, "
        "then the opposite; dropped tasks back in)",
        ["config", "path", "tasks", "Δ", "errors", "abstained", "dropped", "Δ low", "Δ high"],
        2,
    )
    order = sorted(r.paths, key=lambda p: p.name != r.headline)
    for p in order:
        for d in (d for d in r.deltas if d.path == p.name and d.delta_low_bound is not None):
            cells: tuple[object, ...] = (d.config, d.path, d.n_tasks, signed(d.delta), d.errors, d.abstentions)
            cells += (d.tasks_dropped,)
            cells += (signed(d.delta_low_bound), signed(d.delta_high_bound))
            t.add_row(*(literal(x) for x in cells))
    return t


def coverage_tables(r: Report) -> list[Table]:
    return [coverage_table(r), bounds_table(r)]
