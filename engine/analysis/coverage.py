"""Judge coverage: how often each judge reached a verdict, per config (from the pass rates).

A judge may abstain (verdict `abstain`: the rules cannot settle the case) instead of guessing. An
abstention is excluded from every rate like an error, and counted apart from errors: an error is a
failure to judge (API failure, unparseable output), an abstention is a judgement that the answer
cannot be graded. coverage = decided / (decided + abstentions), with decided the pass and fail
verdicts; errors are in neither term. Coverage that differs between the conditions is a judge
artifact of its own (the curated procedure writes in a style the judge may abstain on more often).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from engine.analysis.notices import Notice
from engine.analysis.passrates import PassRate


@dataclass(frozen=True)
class JudgeCoverage:
    config: str
    judge: str
    decided: int  # pass + fail verdicts, both conditions
    abstentions: int
    errors: int
    coverage: float | None  # decided / (decided + abstentions); None when both are 0
    coverage_no_skill: float | None
    coverage_curated: float | None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _share(decided: int, abstained: int) -> float | None:
    return decided / (decided + abstained) if decided + abstained else None


def judge_coverage(rates: Sequence[PassRate]) -> list[JudgeCoverage]:
    """One row per (config, judge) of the pass rates, in their order."""
    by: dict[tuple[str, str], dict[str, PassRate]] = {}
    for r in rates:
        by.setdefault((r.config, r.judge), {})[r.condition] = r
    out = []
    for (config, judge), conds in by.items():
        d = sum(r.n for r in conds.values())
        a = sum(r.abstentions for r in conds.values())
        ns, cu = conds.get("no_skill"), conds.get("curated")
        out.append(
            JudgeCoverage(
                config,
                judge,
                d,
                a,
                sum(r.errors for r in conds.values()),
                _share(d, a),
                None if ns is None else ns.coverage,
                None if cu is None else cu.coverage,
            )
        )
    return out


def abstention_notices(rates: Sequence[PassRate], found: list[Notice]) -> None:
    """One finding naming each judge that abstained, its abstentions and its coverage."""
    per: dict[str, list[int]] = {}
    for r in rates:
        acc = per.setdefault(r.judge, [0, 0])
        acc[0] += r.n
        acc[1] += r.abstentions
    listed = ", ".join(f"{j} {a} (coverage {100 * d / (d + a):.1f}%)" for j, (d, a) in per.items() if a)
    if listed:
        msg = (
            "abstentions (the judge could not tell) are excluded from every rate, never counted as fail, "
            f"and counted apart from errors: {listed}"
        )
        found.append(Notice("abstention", msg))
