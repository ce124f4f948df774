"""Rich table of `engine report` for what SFT moved (`engine.analysis.format_shift`): per SFT config
and condition, the ANSWER:-line share and the headline path's pass rate, SFT − base on the same
episodes, each with Tango's interval. Store text is never parsed as markup."""

from __future__ import annotations

from rich.table import Table

from engine.analysis.format_shift import Shift
from engine.analysis.render_cells import literal, pct
from engine.analysis.report import Report


def _move(s: Shift) -> str:
    if s.diff is None or s.ci_low is None or s.ci_high is None:
        return "—"
    return f"{s.diff * 100:+.1f} pp [{s.ci_low * 100:+.1f}, {s.ci_high * 100:+.1f}]"


def shift_table(r: Report) -> Table:
    """One row per SFT config x condition; the reading says whether the format, the answers, or both moved."""
    t = Table(
        title=literal("What SFT moved: SFT − base on the same episodes (95% CI: Tango), headline path"),
        title_justify="left",
        header_style="bold",
    )
    heads = [
        "config",
        "base",
        "condition",
        "ANSWER: base → SFT (n)",
        "Δ share",
        "pass base → SFT (n)",
        "Δ pass",
        "reading",
    ]
    for i, h in enumerate(heads):
        t.add_column(literal(h), justify="right" if 3 <= i < 7 else "left", no_wrap=i < 7)
    for x in r.format_shifts:
        a, p = x.answer_line, x.answers
        reading = (
            "format only (format artifact)"
            if x.format_only
            else "format and answers"
            if a.moved and p.moved
            else "answers only"
            if p.moved
            else "neither CI excludes 0"
        )
        t.add_row(
            literal(x.config),
            literal(x.base),
            literal(x.condition),
            literal(f"{pct(a.base)} → {pct(a.sft)} ({a.n})"),
            literal(_move(a)),
            literal(f"{pct(p.base)} → {pct(p.sft)} ({p.n})"),
            literal(_move(p)),
            literal(reading, "bold yellow" if x.format_only else ""),
        )
    return t
