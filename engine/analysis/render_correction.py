"""The report's judge-correction tables: each judge's error rates per condition (and per config ×
condition where the audit allows), and Δ corrected two ways (Rogan–Gladen per condition with its
bootstrap CI; prediction-powered inference with its CI). Numbers from `engine.analysis.correction`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.table import Table
from rich.text import Text

from engine.analysis.audit_sample import Rate
from engine.analysis.report import Report
from engine.untrusted import show


def _lit(value: object) -> Text:
    return Text(show("" if value is None else str(value)))


def _table(title: str, headers: Iterable[str], right_from: int) -> Table:
    t = Table(title=_lit(title), title_justify="left", header_style="bold")
    for i, h in enumerate(headers):
        t.add_column(_lit(h), justify="right" if i >= right_from else "left", no_wrap=i < right_from)
    return t


def _pct(r: Rate) -> str:
    if r.value is None or r.low is None or r.high is None:
        return "—"
    return f"{r.value * 100:.0f}% [{r.low * 100:.0f}, {r.high * 100:.0f}] ({r.k}/{r.n})"


def _est(value: float | None, lo: float | None, hi: float | None) -> str:
    if value is None:
        return "—"
    ci = "" if lo is None or hi is None else f" [{lo:+.3f}, {hi:+.3f}]"
    return f"{value:+.3f}{ci}"


def rates_table(r: Report) -> Table:
    weighted = bool(r.audit_weights) and r.audit_weights.get("method") == "horvitz-thompson"
    t = _table(
        "Judge error rates per condition (config —: pooled over configs; "
        + ("HT-weighted by audit stratum" if weighted else "unweighted")
        + "; Kish–Wilson 95% CI)",
        ["judge", "condition", "config", "n", "sensitivity", "specificity", "precision", "Se + Sp − 1"],
        3,
    )
    for e in r.error_rates:
        j = "—" if e.youden is None else f"{e.youden:.2f}"
        cells: list[Any] = [e.judge, e.condition, e.config or "—", e.n, _pct(e.sensitivity)]
        t.add_row(*(_lit(c) for c in [*cells, _pct(e.specificity), _pct(e.precision), j]))
    return t


def corrected_table(r: Report) -> Table:
    t = _table(
        "Δ corrected for each judge's measured errors, per condition "
        "(Rogan–Gladen with a bootstrap CI over tasks and audit items; PPI++ with its CI)",
        ["config", "path", "Δ", "Rogan–Gladen [95% CI]", "PPI [95% CI]", "Se + Sp − 1 (no_skill / curated)", "note"],
        2,
    )
    for x in r.corrected:
        js = ", ".join(
            f"{j} " + " / ".join("—" if y is None else f"{y:.2f}" for y in by.values()) for j, by in x.youden.items()
        )
        ppi = x.ppi
        notes = "; ".join(n for n in (x.note, ppi.note if ppi else None) if n)
        cells = [
            x.config,
            x.path,
            _est(x.delta, None, None),
            _est(x.corrected, x.ci_low, x.ci_high),
            _est(ppi.value, ppi.ci_low, ppi.ci_high) if ppi else "—",
            js,
            notes,
        ]
        t.add_row(*(_lit(c) for c in cells))
    return t


def correction_tables(r: Report) -> list[Table]:
    return [rates_table(r), corrected_table(r)]
