"""Which numbers of a report are findings: the one place the write-up decides it.

A judge that gives one verdict on every item of a config carries no information there: Δ under
it is 0 by construction and κ with it is undefined. A Δ on a path that routes any of a config's tasks to
such a judge is shown marked, not as a finding; so is a lift built on one.

Two sources, one seam:
- when the analysis marks its own numbers (`Delta.finding` / `Delta.caveat`, the same on each lift
  `Comparison`, and `Report.eligibility` per path), those marks are the authority and are used
  as they are;
- otherwise the rule is applied here from the pass rates: a (config, judge) with at least MIN_ITEMS
  verdicts, all the same (`engine.analysis.eligibility.constant_verdict`, the one definition and
  threshold). The analysis' statuses (blind, agreed: at floor/ceiling, unverified) word each one.
Pooled over every config (`pooled_reason`), the same rule also catches a judge whose configs are
each too small for the per-config check; κ and the format gap, which pool, use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from engine.analysis.delta import Comparison, Delta
from engine.analysis.eligibility import MIN_ITEMS, UNVERIFIED, constant_verdict
from engine.analysis.paths import JudgePath
from engine.analysis.report import Report

__all__ = ["MIN_ITEMS", "Validity", "validity"]
BY_CONSTRUCTION = "Δ under it is 0 by construction"
_WORST = ("blind", "unverified", "agreed")


def _constant(n: int, passes: int) -> tuple[str, int] | None:
    verdict = constant_verdict(n, passes)
    return None if verdict is None else (verdict, n)


@dataclass(frozen=True)
class Validity:
    constant: dict[tuple[str, str], tuple[str, int]] = field(default_factory=dict)  # (config, judge) -> verdict, n
    paths: dict[str, JudgePath] = field(default_factory=dict)
    pooled: dict[str, tuple[str, int]] = field(default_factory=dict)  # judge -> verdict, n over every config
    # the analysis' own marks, when it makes them: (config, path) and (sft, base, path) -> caveat
    marked_deltas: dict[tuple[str, str], str] | None = None
    marked_lifts: dict[tuple[str, str, str], str] | None = None
    eligible: dict[str, bool] | None = None  # path -> may carry the headline
    # the analysis' verdict on each constant (config, judge): blind | agreed | unverified (worst of its
    # paths and scoring families), and that constant's own sentence; None when it gives none
    status: dict[tuple[str, str], str] | None = None
    described: dict[tuple[str, str], str] = field(default_factory=dict)

    def pooled_reason(self, judge: str) -> str | None:
        got = self.pooled.get(judge)
        if got is None:
            return None
        verdict, n = got
        return f"judge {judge} gave '{verdict}' on all {n} items it judged: it does not discriminate"

    def judge_reason(self, config: str, judge: str | None) -> str | None:
        got = self.constant.get((config, judge or ""))
        if got is None:
            return None
        verdict, n = got
        status = (self.status or {}).get((config, judge or ""))
        tail = {
            "agreed": f"at {'ceiling' if verdict == 'pass' else 'floor'} (all judges agree), so κ with it is undefined",
            "unverified": UNVERIFIED,
        }.get(status or "", "it does not discriminate there")
        return f"judge {judge} gave '{verdict}' on all {n} items of {config}: {tail}"

    def threat_reason(self, config: str, judge: str) -> str | None:
        """The threat a constant (config, judge) poses: blind or unverified (None: at floor/ceiling, agreed)."""
        status = (self.status or {}).get((config, judge))
        if status == "agreed":
            return None
        return self.described.get((config, judge)) or self.judge_reason(config, judge)

    def delta_reason(self, config: str, path: str) -> str | None:
        """Why Δ of `config` on `path` is not a finding (None: it is one)."""
        if self.marked_deltas is not None:
            return self.marked_deltas.get((config, path))
        p = self.paths.get(path)
        if p is None:
            return None
        reasons = [r for j in dict.fromkeys(p.route) if (r := self.judge_reason(config, j))]
        return "; ".join(reasons) or None

    def lift_reason(self, sft: str, base: str, path: str) -> str | None:
        if self.marked_lifts is not None:
            return self.marked_lifts.get((sft, base, path))
        reasons = [r for c in (sft, base) if (r := self.delta_reason(c, path))]
        return "; ".join(reasons) or None

    def path_eligible(self, path: str, configs: list[str]) -> bool:
        if self.eligible is not None and path in self.eligible:
            return self.eligible[path]
        return all(self.delta_reason(c, path) is None for c in configs)


def _caveat(x: object) -> str:
    return str(getattr(x, "caveat", None) or "the analysis marks it as not a finding")


def _delta_marks(ds: Sequence[Delta]) -> dict[tuple[str, str], str] | None:
    """The analysis' own marks on Δ (`Delta.finding`, `Delta.caveat`); None when it makes none."""
    if not ds or not all(hasattr(d, "finding") for d in ds):
        return None
    return {(d.config, d.path): _caveat(d) for d in ds if not getattr(d, "finding")}  # noqa: B009


def _lift_marks(cs: Sequence[Comparison]) -> dict[tuple[str, str, str], str] | None:
    if not cs or not all(hasattr(c, "finding") for c in cs):
        return None
    return {(c.a, c.b, c.path): _caveat(c) for c in cs if not getattr(c, "finding")}  # noqa: B009


def validity(report: Report) -> Validity:
    per: dict[tuple[str, str], list[int]] = {}
    for r in report.pass_rates:
        acc = per.setdefault((r.config, r.judge), [0, 0])
        acc[0] += r.n
        acc[1] += r.passes
    whole: dict[str, list[int]] = {}
    for (_, judge), (n, passes) in per.items():
        acc = whole.setdefault(judge, [0, 0])
        acc[0] += n
        acc[1] += passes
    elig = getattr(report, "eligibility", None)
    status, described = _statuses(elig)
    return Validity(
        constant={k: c for k, (n, p) in per.items() if (c := _constant(n, p))},
        paths={p.name: p for p in report.paths},
        pooled={j: c for j, (n, p) in whole.items() if (c := _constant(n, p))},
        marked_deltas=_delta_marks(report.deltas),
        marked_lifts=_lift_marks(report.lifts),
        eligible={e.path: bool(e.eligible) for e in elig} if elig else None,
        status=status,
        described=described,
    )


def _statuses(elig: Sequence[object] | None) -> tuple[dict[tuple[str, str], str] | None, dict[tuple[str, str], str]]:
    """Per constant (config, judge) of the analysis: its worst status over paths and families, and
    the sentence of that worst one (None, {} when the analysis gives no statuses)."""
    cs = [c for e in elig or () for c in getattr(e, "constant", ()) if hasattr(c, "status")]
    if not elig or not all(hasattr(e, "constant") for e in elig):
        return None, {}
    status: dict[tuple[str, str], str] = {}
    described: dict[tuple[str, str], str] = {}
    for c in sorted(cs, key=lambda c: _WORST.index(c.status)):
        key = (c.config, c.judge)
        if key not in status:
            status[key], described[key] = c.status, c.describe()
    return status, described
