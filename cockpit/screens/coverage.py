"""The Judges screen's Coverage tab, and the Δ screen's bounds columns: what each judge left
undecided. Per config and judge: decided verdicts (pass, fail), abstentions ("cannot tell":
excluded like errors, counted apart), errors, and coverage = decided / (decided + abstained),
overall and per condition (`engine.analysis.coverage`); per Δ, its bounds with the excluded
verdicts counted as fail and as pass (`engine.analysis.bounds`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text

from cockpit import safe
from cockpit.widgets.table import ci, fmt

if TYPE_CHECKING:
    from engine.analysis.coverage import JudgeCoverage
    from engine.analysis.delta import Delta

COVERAGE_COLS = ("config", "judge", "decided", "abstained", "errors", "coverage", "no_skill", "curated")
LOW_COVERAGE = 0.85  # the lenient judge's target: abstention ≤ 15% (issue 19)
BOUND_COLS = ("abstained", "Δ bounds")
BOUNDS_NOTE = (
    "Δ bounds: Δ with every excluded verdict (error or abstention) counted no_skill pass / curated fail, "
    "then the opposite; tasks dropped for want of a decided verdict are back in"
)


def coverage_cell(x: float | None) -> Text:
    """A coverage share, in yellow below LOW_COVERAGE."""
    cell = fmt(x, 3, pct=True)
    if x is not None and x < LOW_COVERAGE:
        cell.stylize("yellow")
    return cell


def coverage_rows(items: list[JudgeCoverage], config: str | None) -> list[tuple[tuple[str, str], list[Any]]]:
    """The tab's rows (all configs when `config` is None)."""
    return [
        (
            (c.config, c.judge),
            [
                c.config,
                c.judge,
                fmt(c.decided),
                fmt(c.abstentions),
                fmt(c.errors),
                coverage_cell(c.coverage),
                coverage_cell(c.coverage_no_skill),
                coverage_cell(c.coverage_curated),
            ],
        )
        for c in items
        if config in (None, c.config)
    ]


def coverage_status(items: list[JudgeCoverage]) -> Text:
    """Which judges abstained, or that none did."""
    judges = list(dict.fromkeys(c.judge for c in items if c.abstentions))
    head = (f"abstained: {', '.join(judges)}", "bold yellow") if judges else ("no judge abstained", "bold")
    return safe.join(
        head,
        ("   coverage = decided / (decided + abstained); errors apart; yellow: below 85%", "dim"),
    )


def bounded(deltas: list[Delta]) -> bool:
    """Whether any Δ excluded a verdict (then the Δ table shows the bounds columns)."""
    return any(d.delta_low_bound is not None for d in deltas)


def bound_cells(d: Delta) -> list[Any]:
    return [fmt(d.abstentions), ci(d.delta_low_bound, d.delta_high_bound)]
