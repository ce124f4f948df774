"""Which judge paths may carry the headline, and which Δ are findings.

A judge that gives one verdict (all pass, or all fail) on every item of a config that it scores on
a path cannot tell the conditions apart there: Δ under it is 0 by construction, and a lift built on
it measures the other config alone. Such a Δ is shown (greyed, marked), never presented as a
finding, and a path that routes any config's tasks to such a judge is not eligible as the headline.

The rule, per (path, config, scoring family the path routes to judge J):
- J gave at least `MIN_ITEMS` non-error verdicts on the config's tasks of that family (both
  conditions pooled), and all of them are the same verdict -> J does not discriminate there.
  Fewer items than that cannot show it either way (10 identical verdicts from a judge that passes
  half the time happen with probability 0.2%), so they are not flagged.
A path is eligible when it yields at least one Δ and no judge of it fails to discriminate on any
config. The headline is the requested path when eligible, else the first eligible path (complete
paths before partial ones, in the paths' order), else none, said plainly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from engine.analysis.inputs import Inputs
from engine.analysis.paths import JudgePath

MIN_ITEMS = 10
WHY = "a judge with one verdict on all of a config's items cannot tell the conditions apart: Δ under it is 0"


def caveat_parts(caveats: Sequence[str | None]) -> list[str]:
    """The distinct constant-judge statements inside one or more caveats (each a '; '-joined list)."""
    return list(dict.fromkeys(p for c in caveats if c for p in c.split("; ")))


@dataclass(frozen=True)
class ConstantJudge:
    """Judge `judge` gave `verdict` on all `n` items of `config` it scores on `path` (tasks of `scoring`)."""

    path: str
    config: str
    judge: str
    scoring: str  # answer_line | llm
    verdict: str  # pass | fail
    n: int

    def describe(self) -> str:
        return f"judge {self.judge} gave '{self.verdict}' on all {self.n} {self.scoring}-scored items of {self.config}"

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "config": self.config,
            "judge": self.judge,
            "scoring": self.scoring,
            "verdict": self.verdict,
            "n": self.n,
        }


@dataclass(frozen=True)
class PathEligibility:
    """Whether a path may carry the headline, and why not."""

    path: str
    eligible: bool
    partial: bool
    reasons: tuple[str, ...] = ()
    constant: tuple[ConstantJudge, ...] = field(default=())

    def configs_not_findings(self) -> set[str]:
        return {c.config for c in self.constant}

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "eligible": self.eligible,
            "partial": self.partial,
            "reasons": list(self.reasons),
            "constant_judges": [c.to_dict() for c in self.constant],
        }


@dataclass(frozen=True)
class HeadlineChoice:
    path: str | None
    requested: str | None
    reason: str  # one sentence for the report and the cockpit


def constant_judges(inp: Inputs, paths: Sequence[JudgePath], min_items: int = MIN_ITEMS) -> list[ConstantJudge]:
    """Every (path, config, family) whose judge gives one verdict on all (>= min_items) of its items."""
    t = inp.task
    if t.n == 0:
        return []
    jidx = {j.label: i for i, j in enumerate(inp.judges)}
    C = len(inp.configs)
    n_all = t.num["ns_n"] + t.num["cu_n"]
    passes = t.num["ns_pass"] + t.num["cu_pass"]
    out = []
    for p in paths:
        for fam in ("answer_line", "llm"):
            judge, fc = p.judge_for(fam), t.code("scoring", fam)
            if judge not in jidx or fc < 0:
                continue
            m = (t.codes["scoring"] == fc) & (t.num["judge"] == jidx[judge]) & (t.num["cfg"] >= 0)
            n = np.bincount(t.num["cfg"][m], weights=n_all[m], minlength=C).astype(np.int64)
            k = np.bincount(t.num["cfg"][m], weights=passes[m], minlength=C).astype(np.int64)
            for ci in np.flatnonzero((n >= min_items) & ((k == 0) | (k == n))).tolist():
                verdict = "pass" if k[ci] else "fail"
                out.append(ConstantJudge(p.name, inp.configs[ci].label, judge, fam, verdict, int(n[ci])))
    return out


def eligibility(
    paths: Sequence[JudgePath], constant: Sequence[ConstantJudge], with_delta: set[str]
) -> list[PathEligibility]:
    """One PathEligibility per path: `with_delta` names the paths that produced at least one Δ."""
    out = []
    for p in paths:
        cs = tuple(c for c in constant if c.path == p.name)
        reasons = [c.describe() for c in cs]
        if p.name not in with_delta:
            reasons.append("no Δ on this path (no config has non-error verdicts in both conditions)")
        out.append(PathEligibility(p.name, not reasons, p.partial, tuple(reasons), cs))
    return out


def pick_headline(
    paths: Sequence[JudgePath],
    elig: Sequence[PathEligibility],
    preferred: str | None,
    *,
    explicit_request: bool = False,
) -> HeadlineChoice:
    """The preferred path when eligible; else the first eligible complete path, then partial, in the
    paths' order; else none. `preferred` is the path asked for (`explicit_request`) or the default
    preference (`engine.analysis.paths.choose_headline`); only an explicit request is reported as
    refused when it is not eligible."""
    ok = {e.path: e for e in elig if e.eligible}
    by = {e.path: e for e in elig}
    requested = preferred if explicit_request else None
    if preferred is not None and preferred in ok:
        partial = " (partial: it scores only one scoring family's tasks)" if ok[preferred].partial else ""
        how = "requested" if explicit_request else "default"
        return HeadlineChoice(preferred, requested, f"headline path '{preferred}' ({how}){partial}")
    pick = next((p.name for p in paths if p.name in ok and not p.partial), None)
    pick = pick or next((p.name for p in paths if p.name in ok), None)
    why_not = ""
    if requested is not None:
        reasons = by[requested].reasons if requested in by else ("it is not one of the paths",)
        why_not = f"the requested headline path '{requested}' is not eligible ({'; '.join(reasons)}). "
    if pick is None:
        if not paths:
            return HeadlineChoice(None, requested, why_not + "No judge path, so no headline")
        return HeadlineChoice(
            None,
            requested,
            why_not + "No judge path is eligible as the headline: every path uses a judge that gives one "
            "verdict on all of a config's items (Δ under it is 0 by construction), or has no Δ. Δ and lift "
            "are shown greyed and marked †, not as findings",
        )
    partial = " (partial: it scores only one scoring family's tasks)" if ok[pick].partial else ""
    return HeadlineChoice(pick, requested, why_not + f"Headline path '{pick}'{partial}: its judges discriminate")
