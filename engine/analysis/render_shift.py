"""Rich table of `engine report` for what SFT moved (`engine.analysis.format_shift`): per SFT config
and condition, the ANSWER:-line share and the headline path's pass rate, SFT − base on the same
episodes, each with Tango's interval. Store text is never parsed as markup."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from engine.analysis.format_shift import Shift
from engine.analysis.report import Report
from engine.untrusted import show


def _cell(value: object, style: str = "") -> Text:
    return Text(show("" if value is None else str(value)), style=style)


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


def _move(s: Shift) -> str:
    if s.diff is None or s.ci_low is None or s.ci_high is None:
        return "—"
    return f"{s.diff * 100:+.1f} pp [{s.ci_low * 100:+.1f}, {s.ci_high * 100:+.1f}]"


def shift_table(r: Report) -> Table:
    """One row per SFT config x condition; the reading says whether the format, the answers, or both moved."""
    t = Table(
        title=_cell("What SFT moved: SFT − base on the same episodes (95% CI: Tango), headline path"),
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
        t.add_column(_cell(h), justify="right" if 3 <= i < 7 else "left", no_wrap=i < 7)
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
            _cell(x.config),
            _cell(x.base),
            _cell(x.condition),
            _cell(f"{_pct(a.base)} → {_pct(a.sft)} ({a.n})"),
            _cell(_move(a)),
            _cell(f"{_pct(p.base)} → {_pct(p.sft)} ({p.n})"),
            _cell(_move(p)),
            _cell(reading, "bold yellow" if x.format_only else ""),
        )
    return t
