"""Which numbers of a report are findings: the one place the write-up decides it.

A judge that gives one verdict on every item of a config carries no information there: Δ under
it is 0 by construction and κ with it is 0 (the analysis warns about it,
`engine.analysis.report._constant_judges`, with the same rule). A Δ on a path that routes any of
a config's tasks to such a judge is shown marked, not as a finding; so is a lift built on one.

This is the seam for headline eligibility computed by the analysis itself: when the `Report`
carries per-path eligibility, `validity()` should read it instead of recomputing from pass rates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.analysis.paths import JudgePath
from engine.analysis.report import Report

MIN_ITEMS = 20  # as engine.analysis.report._constant_judges: fewer items prove nothing either way


@dataclass(frozen=True)
class Validity:
    constant: dict[tuple[str, str], tuple[str, int]] = field(default_factory=dict)  # (config, judge) -> verdict, n
    paths: dict[str, JudgePath] = field(default_factory=dict)
    pooled: dict[str, tuple[str, int]] = field(default_factory=dict)  # judge -> verdict, n over every config

    def pooled_reason(self, judge: str) -> str | None:
        """A judge with one verdict on every item of every config (at least MIN_ITEMS in all): numbers
        that rest on it pooled (κ, the format gap) carry no information, even when no single config
        has enough items for the per-config check."""
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
        return f"judge {judge} gave '{verdict}' on all {n} items of {config}: it does not discriminate there"

    def delta_reason(self, config: str, path: str) -> str | None:
        """Why Δ of `config` on `path` is not a finding (None: it is one)."""
        p = self.paths.get(path)
        if p is None:
            return None
        reasons = [r for j in dict.fromkeys(p.route) if (r := self.judge_reason(config, j))]
        return "; ".join(reasons) or None

    def lift_reason(self, sft: str, base: str, path: str) -> str | None:
        reasons = [r for c in (sft, base) if (r := self.delta_reason(c, path))]
        return "; ".join(reasons) or None

    def path_eligible(self, path: str, configs: list[str]) -> bool:
        return all(self.delta_reason(c, path) is None for c in configs)


def validity(report: Report) -> Validity:
    pooled: dict[tuple[str, str], list[int]] = {}
    for r in report.pass_rates:
        acc = pooled.setdefault((r.config, r.judge), [0, 0])
        acc[0] += r.n
        acc[1] += r.passes
    constant = {
        key: ("pass" if passes else "fail", n)
        for key, (n, passes) in pooled.items()
        if n >= MIN_ITEMS and passes in (0, n)
    }
    whole: dict[str, list[int]] = {}
    for (_, judge), (n, passes) in pooled.items():
        acc = whole.setdefault(judge, [0, 0])
        acc[0] += n
        acc[1] += passes
    everywhere = {
        judge: ("pass" if passes else "fail", n)
        for judge, (n, passes) in whole.items()
        if n >= MIN_ITEMS and passes in (0, n)
    }
    return Validity(constant, {p.name: p for p in report.paths}, everywhere)
