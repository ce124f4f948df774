"""The Judges screen's correction panels: each judge's error rates per condition (and per config ×
condition where the audit allows; HT-weighted by audit stratum), and Δ corrected two ways —
Rogan–Gladen per condition with its bootstrap CI, prediction-powered inference with its CI.
Numbers from `engine.analysis.human.error_rates` and `engine.analysis.correction`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text

from cockpit import safe
from cockpit.widgets.table import ci, fmt

if TYPE_CHECKING:
    from engine.analysis.audit_sample import Rate
    from engine.analysis.correction import CorrectedDelta
    from engine.analysis.human import ErrorRates

RATES_COLS = ("judge", "condition", "config", "n", "sensitivity", "specificity", "precision", "Se + Sp − 1")
CORRECTED_COLS = ("config", "path", "Δ", "RG corrected", "RG 95% CI", "PPI", "PPI 95% CI", "Se + Sp − 1", "note")
RATES_CAPTION = (
    "judge error rates per condition (config –: pooled over configs; a config's own only with ≥ 20 human "
    "verdicts, ≥ 5 of each class) · HT-weighted by audit stratum · Kish–Wilson 95% CI"
)
CORRECTED_CAPTION = (
    "Δ corrected per condition: Rogan–Gladen with each condition's Se/Sp (bootstrap CI over tasks and audit "
    "items) · PPI++ (human verdicts rectify the judge's)"
)


def rate_cell(r: Rate | None) -> Text:
    """A proportion with its CI and raw counts: `80% [49, 94] 8/10`."""
    if r is None or r.value is None or r.low is None or r.high is None:
        return Text("–", style="dim", justify="right")
    return Text(f"{r.value * 100:.0f}% [{r.low * 100:.0f}, {r.high * 100:.0f}] {r.k}/{r.n}", justify="right")


def rates_rows(rates: list[ErrorRates], config: str | None) -> list[tuple[tuple[str, str, str | None], list[Any]]]:
    """Rows of the per-condition table: the pooled rows always, a config's rows when it is picked (or all)."""
    out = []
    for e in rates:
        if e.config is not None and config not in (None, e.config):
            continue
        out.append(
            (
                (e.judge, e.condition, e.config),
                [
                    e.judge,
                    e.condition,
                    e.config or "–",
                    fmt(e.n),
                    rate_cell(e.sensitivity),
                    rate_cell(e.specificity),
                    rate_cell(e.precision),
                    fmt(e.youden, 2),
                ],
            )
        )
    return out


def corrected_row(c: CorrectedDelta) -> list[Any]:
    """A config's Δ on a path and its two corrections (each condition's Youden J shown)."""
    youden = ", ".join(
        f"{j} " + "/".join("–" if y is None else f"{y:.2f}" for y in by.values()) for j, by in c.youden.items()
    )
    p = c.ppi
    note = "; ".join(n for n in (c.note, p.note if p else None) if n)
    return [
        c.config,
        c.path,
        fmt(c.delta, signed=True),
        fmt(c.corrected, signed=True),
        ci(c.ci_low, c.ci_high),
        fmt(p.value if p else None, signed=True),
        ci(p.ci_low, p.ci_high) if p else ci(None, None),
        safe.cell(youden, limit=40),
        safe.cell(note, "dim", limit=60),
    ]
