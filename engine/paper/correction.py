"""The paper's threat on judge errors: how the headline Δ moves when each condition is corrected for
the judges' measured errors (Rogan–Gladen per condition with its bootstrap CI; prediction-powered
inference with its CI), and which judges err differently by condition (their sensitivity or
specificity intervals do not overlap), the signature of the format artifact. The numbers are the
report's (`Report.corrected`, `Report.error_rates`), never recomputed here."""

from __future__ import annotations

from engine.analysis.human import ErrorRates
from engine.analysis.report import Report
from engine.paper.fmt import ci, pct, signed
from engine.paper.model import Threat, code, escape


def _disjoint(a: ErrorRates, b: ErrorRates, what: str) -> bool:
    ra, rb = getattr(a, what), getattr(b, what)
    if None in (ra.low, ra.high, rb.low, rb.high):
        return False
    return bool(ra.high < rb.low or rb.high < ra.low)


def _differs(rep: Report) -> list[str]:
    pooled = {(e.judge, e.condition): e for e in rep.error_rates if e.config is None}
    out = []
    for judge in dict.fromkeys(e.judge for e in rep.error_rates):
        ns, cu = pooled.get((judge, "no_skill")), pooled.get((judge, "curated"))
        if ns is None or cu is None:
            continue
        for what in ("sensitivity", "specificity"):
            if _disjoint(ns, cu, what):
                a, b = getattr(ns, what), getattr(cu, what)
                out.append(
                    f"Judge {code(judge)} errs differently by condition: {what} {pct(a.value, 0)} "
                    f"{ci(a.low, a.high, 'plain')} on no_skill, {pct(b.value, 0)} {ci(b.low, b.high, 'plain')} "
                    "on curated; a correction with pooled rates would be biased."
                )
    return out


def correction_threat(rep: Report) -> Threat | None:
    """None when no Δ on the headline path could be measured against people."""
    rows = [c for c in rep.corrected if c.path == rep.headline]
    basis = rep.human_basis
    if not rows or basis is None:
        return None
    src = (
        "the audit sample, each verdict weighted by its stratum (Horvitz–Thompson)"
        if basis.source == "audit"
        else "all human verdicts, which were not drawn as a sample"
    )
    items = [
        f"Judge error rates come from {src}. Each condition's pass rate is corrected with that condition's "
        "sensitivity and specificity (Rogan–Gladen; bootstrap CI over tasks and audit items); "
        "prediction-powered inference (PPI++) is the second estimate."
    ]
    for c in rows:
        p = c.ppi
        ppi = f"PPI {signed(p.value)} {ci(p.ci_low, p.ci_high)}" if p and p.value is not None else "PPI —"
        note = "; ".join(n for n in (c.note, p.note if p else None) if n)
        items.append(
            f"{code(c.config)}: Δ {signed(c.delta)}; corrected: Rogan–Gladen {signed(c.corrected)} "
            f"{ci(c.ci_low, c.ci_high)}, {ppi}" + (f" ({escape(note)})" if note else "") + "."
        )
    items += _differs(rep)
    return Threat("correction", "Judge errors and the corrected Δ", tuple(items))
