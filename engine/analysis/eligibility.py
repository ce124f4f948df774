"""Which judge paths may carry the headline, and which Δ are findings: the one definition of a
"constant judge" (one threshold, `MIN_ITEMS`), used by the report, the paper writer and the cockpit.

A judge is *constant* on a config when it gives one verdict (all pass, or all fail) on every one
of at least `MIN_ITEMS` non-error items of that config it scores on a path (the tasks of one
scoring family, both conditions pooled): `constant_verdict`. Fewer items cannot show it either way
(10 identical verdicts from a judge that passes half the time happen with probability 0.2%).

A constant judge is either right (the model is at floor or ceiling there: Δ = 0 is then a real
result) or blind (it cannot tell the conditions apart: Δ under it is 0 by construction). Its own
verdicts cannot tell which; other verdicts on the same items can. Every other verdict source that
judged the same episodes (another judge, or the human verdicts) is checked (`Check`):

- *blind* (`status == "blind"`): some source gives the opposite verdict on more of the shared items
  than its own errors would explain. Test: one-sided exact binomial test of H0 "the source's
  opposite-verdict rate is at most `TOLERANCE`" (a source that is itself wrong on up to 5% of the
  items), rejected when P(X >= d | m, TOLERANCE) < `ALPHA`, X ~ Binomial(m, TOLERANCE), m the
  shared items, d the opposite verdicts (Clopper & Pearson 1934; the exact test of a binomial
  proportion, e.g. Agresti, Categorical Data Analysis, 3rd ed., §1.4.1). It takes at least 2
  opposite verdicts (one never rejects at 5%). Each source is tested on its own. Then Δ is not a
  finding and no path routing those tasks to the judge may carry the headline.
- *agreed* (floor/ceiling): every source that shares items agrees within that tolerance (none
  rejects). Δ = 0 is a finding, with its CI; the report says "at floor/ceiling (all judges agree)".
- A machine judge that gives the opposite verdict on *every* shared item is itself constant there,
  with the other verdict: the two contradict each other and at least one is blind, but neither
  says which (SmolLM2 passing everything while the extractor fails everything). Such a check is
  `contested`: no evidence of blindness and no agreement. Human verdicts are the reference, so a
  human source is never contested.
- *unverified*: no other verdict shares an item, or only contested ones do (the description then
  names them).
- Blindness is a property of the judge on the config, not of one scoring family: a judge shown blind
  on a config's tasks of one family, and constant with the same verdict on its tasks of the other
  family, is blind on those too (`blind_in`), though no other judge scores them (the embedded LLM
  judge passes every prose-scored item, which no deterministic judge scores, and every ANSWER-line
  item, where the lenient judge shows it wrong). The Δ stays a finding (the rule needs evidence of
  blindness, and a constant judge on a model at floor or ceiling is what a correct judge does) but
  it carries the caveat `UNVERIFIED` in the report's warnings, the Δ's `floor_ceiling` note, the
  paper's threats and the cockpit, so it is never read as checked.

A path is eligible when it yields at least one Δ and no judge of it is blind on any config. The
headline is chosen in `engine.analysis.headline`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from engine.analysis.inputs import Inputs
from engine.analysis.notices import Notice, NoticeKind
from engine.analysis.paths import JudgePath

MIN_ITEMS = 10  # the one threshold: a judge with one verdict on at least this many items is constant
TOLERANCE = 0.05  # the opposite-verdict rate another source may show from its own errors
ALPHA = 0.05  # the one-sided level of the binomial test
WHY = "a judge with one verdict on all of a config's items cannot tell the conditions apart: Δ under it is 0"
UNVERIFIED = "constant, unverified: cannot tell floor/ceiling from a blind judge; adjudicate a sample"


def constant_verdict(n: int, passes: int, min_items: int = MIN_ITEMS) -> str | None:
    """'pass' or 'fail' when all `n` (>= MIN_ITEMS) non-error verdicts are that one; else None."""
    if n < min_items or passes not in (0, n):
        return None
    return "pass" if passes else "fail"


def binom_sf(d: int, m: int, p: float) -> float:
    """P(X >= d) for X ~ Binomial(m, p), summed exactly (the one-sided exact binomial p-value)."""
    if d <= 0:
        return 1.0
    return float(min(1.0, sum(math.comb(m, k) * p**k * (1 - p) ** (m - k) for k in range(d, m + 1))))


def caveat_parts(caveats: Sequence[str | None]) -> list[str]:
    """The distinct constant-judge statements inside one or more caveats (each a '; '-joined list)."""
    return list(dict.fromkeys(p for c in caveats if c for p in c.split("; ")))


@dataclass(frozen=True)
class Check:
    """Another verdict source on a constant judge's items: `opposite` of the `shared` items differ."""

    source: str  # judge label (a human-kind judge for the human verdicts)
    shared: int
    opposite: int
    human: bool = False

    @property
    def contested(self) -> bool:
        """A machine source constant with the other verdict on these items: no evidence either way."""
        return not self.human and self.shared > 0 and self.opposite == self.shared

    @property
    def p(self) -> float:
        return binom_sf(self.opposite, self.shared, TOLERANCE)

    @property
    def blind(self) -> bool:
        return self.p < ALPHA and not self.contested

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "shared": self.shared,
            "opposite": self.opposite,
            "p": self.p,
            "contested": self.contested,
        }


@dataclass(frozen=True)
class ConstantJudge:
    """Judge `judge` gave `verdict` on all `n` items of `config` it scores on `path` (tasks of `scoring`)."""

    path: str
    config: str
    judge: str
    scoring: str  # answer_line | llm
    verdict: str  # pass | fail
    n: int
    checks: tuple[Check, ...] = ()  # the other verdict sources on the same items
    blind_in: str | None = None  # shown blind on this config's items of that other scoring family

    @property
    def status(self) -> str:
        """blind | agreed | unverified (see the module docstring)."""
        if any(c.blind for c in self.checks) or self.blind_in:
            return "blind"
        return "agreed" if any(c.shared and not c.contested for c in self.checks) else "unverified"

    @property
    def level(self) -> str:
        return "ceiling" if self.verdict == "pass" else "floor"

    def _what(self) -> str:
        return f"judge {self.judge} gave '{self.verdict}' on all {self.n} {self.scoring}-scored items of {self.config}"

    def describe(self) -> str:
        """One sentence: why the Δ is not a finding (blind), or what kind of constant it is."""
        if self.status == "blind" and not any(c.blind for c in self.checks):
            return (
                f"{self._what()}, and with the same verdict it is shown blind on this config's {self.blind_in}-scored "
                "items: it does not discriminate there"
            )
        if self.status == "blind":
            ev = ", ".join(
                f"{c.source} gave the opposite verdict on {c.opposite} of the {c.shared} it also judged "
                f"(exact binomial p = {c.p:.2g} against a {TOLERANCE:.0%} error rate)"
                for c in self.checks
                if c.blind
            )
            return f"{self._what()}, but {ev}: it does not discriminate there"
        if self.status == "agreed":
            ev = ", ".join(f"{c.source} {c.shared - c.opposite} of {c.shared}" for c in self.checks if c.shared)
            return f"at {self.level} (all judges agree): {self._what()}; the others agree ({ev}); Δ = 0 is a finding"
        contested = [c.source for c in self.checks if c.contested]
        if contested:
            return (
                f"{self._what()}: {UNVERIFIED} ({', '.join(contested)} gave the opposite verdict on every shared "
                "item but is itself constant there: one of them is blind, and only human verdicts can tell which)"
            )
        return f"{self._what()}: {UNVERIFIED}"

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "config": self.config,
            "judge": self.judge,
            "scoring": self.scoring,
            "verdict": self.verdict,
            "n": self.n,
            "status": self.status,
            "checks": [c.to_dict() for c in self.checks],
        }


@dataclass(frozen=True)
class PathEligibility:
    """Whether a path may carry the headline, and why not."""

    path: str
    eligible: bool
    partial: bool
    reasons: tuple[str, ...] = ()
    constant: tuple[ConstantJudge, ...] = field(default=())  # every constant judge of the path, any status

    @property
    def blind(self) -> tuple[ConstantJudge, ...]:
        return tuple(c for c in self.constant if c.status == "blind")

    def configs_not_findings(self) -> set[str]:
        return {c.config for c in self.blind}

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "eligible": self.eligible,
            "partial": self.partial,
            "reasons": list(self.reasons),
            "constant_judges": [c.to_dict() for c in self.constant],
        }


def _checks(inp: Inputs, ci: int, judge: int, fam: str, verdict: str) -> tuple[Check, ...]:
    """Per other judge: the items of config `ci` (scoring `fam`) it shares with `judge`, and how many
    it gives the opposite of `verdict` on (from the pair 2x2s, oriented a < b by judge index)."""
    pr = inp.pair
    if pr.n == 0:
        return ()
    fc = pr.code("scoring", fam)
    m = (pr.num["cfg"] == ci) & (pr.codes["scoring"] == fc) & ((pr.num["ja"] == judge) | (pr.num["jb"] == judge))
    other = np.where(pr.num["ja"][m] == judge, pr.num["jb"][m], pr.num["ja"][m])
    is_a = pr.num["ja"][m] == judge
    n10, n01 = pr.num["n10"][m], pr.num["n01"][m]
    # the judge says pass: the other says fail where (a pass, b fail) when the judge is a, else (a fail, b pass)
    opp = np.where(is_a, n10, n01) if verdict == "pass" else np.where(is_a, n01, n10)
    shared = pr.num["n11"][m] + n10 + n01 + pr.num["n00"][m]
    out = []
    for k in np.unique(other).tolist():
        if k < 0:
            continue
        sel = other == k
        human = inp.judges[k].kind == "human"
        out.append(Check(inp.judges[k].label, int(shared[sel].sum()), int(opp[sel].sum()), human))
    return tuple(c for c in out if c.shared)


def constant_judges(inp: Inputs, paths: Sequence[JudgePath], min_items: int = MIN_ITEMS) -> list[ConstantJudge]:
    """Every (path, config, family) whose judge is constant there, with the other sources' checks."""
    cells = _constant_cells(inp, min_items)
    # shown blind on a config's items of a family, whether or not a path routes that family to it
    shown = {(ci, j, v): fam for (ci, j, fam), (v, _, checks) in cells.items() if any(k.blind for k in checks)}
    out = []
    for p in paths:
        for fam in ("answer_line", "llm"):
            judge = p.judge_for(fam)
            for ci, cfg in enumerate(inp.configs):
                cell = cells.get((ci, str(judge), fam))
                if judge is None or cell is None:
                    continue
                verdict, n, checks = cell
                c = ConstantJudge(p.name, cfg.label, judge, fam, verdict, n, checks)
                other = shown.get((ci, judge, verdict))
                if other and other != fam and c.status != "blind":
                    c = replace(c, blind_in=other)
                out.append(c)
    return out


def _constant_cells(inp: Inputs, min_items: int) -> dict[tuple[int, str, str], tuple[str, int, tuple[Check, ...]]]:
    """(config index, judge label, family) -> (verdict, items, checks) for every machine judge that is
    constant on a config's items of a scoring family."""
    t = inp.task
    out: dict[tuple[int, str, str], tuple[str, int, tuple[Check, ...]]] = {}
    if t.n == 0:
        return out
    C = len(inp.configs)
    n_all = t.num["ns_n"] + t.num["cu_n"]
    passes = t.num["ns_pass"] + t.num["cu_pass"]
    for ji, j in enumerate(inp.judges):
        if j.kind == "human":
            continue
        for fam in ("answer_line", "llm"):
            fc = t.code("scoring", fam)
            if fc < 0:
                continue
            m = (t.codes["scoring"] == fc) & (t.num["judge"] == ji) & (t.num["cfg"] >= 0)
            n = np.bincount(t.num["cfg"][m], weights=n_all[m], minlength=C).astype(np.int64)
            k = np.bincount(t.num["cfg"][m], weights=passes[m], minlength=C).astype(np.int64)
            for ci in range(C):
                verdict = constant_verdict(int(n[ci]), int(k[ci]), min_items)
                if verdict is not None:
                    out[(ci, j.label, fam)] = (verdict, int(n[ci]), _checks(inp, ci, ji, fam, verdict))
    return out


def eligibility(
    paths: Sequence[JudgePath], constant: Sequence[ConstantJudge], with_delta: set[str]
) -> list[PathEligibility]:
    """One PathEligibility per path: `with_delta` names the paths that produced at least one Δ."""
    out = []
    for p in paths:
        cs = tuple(c for c in constant if c.path == p.name)
        reasons = [c.describe() for c in cs if c.status == "blind"]
        if p.name not in with_delta:
            reasons.append("no Δ on this path (no config has non-error verdicts in both conditions)")
        out.append(PathEligibility(p.name, not reasons, p.partial, tuple(reasons), cs))
    return out


def constant_notices(constant: Sequence[ConstantJudge]) -> list[Notice]:
    """One finding per distinct (config, judge, scoring family) constant judge, its kind and wording
    by its status (blind_judge, floor_ceiling, unverified_judge); the subject is the scoring family."""
    seen: dict[tuple[str, str, str], ConstantJudge] = {}
    for c in constant:
        seen.setdefault((c.config, c.judge, c.scoring), c)
    out = []
    for c in seen.values():
        text = c.describe()
        if c.status == "blind":
            text += ", so κ with it is undefined and Δ under it is 0 by construction: not a finding"
        out.append(Notice(_KIND[c.status], text, subject=c.scoring, config=c.config, judge=c.judge))
    return out


_KIND: dict[str, NoticeKind] = {"blind": "blind_judge", "agreed": "floor_ceiling", "unverified": "unverified_judge"}
