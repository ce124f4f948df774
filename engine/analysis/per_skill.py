"""Per-skill Δ on the headline path: does a skill's curated block help or hurt, skill by skill, and does
anything survive the correction for testing every skill?

For each config × skill: Δ is the mean over the skill's tasks of curated − no_skill (the per-task
differences of the config's Δ, `engine.analysis.delta.deltas`). Its test is exact: b and c are the
skill's tasks whose difference is < 0 and > 0, p = 2 · P(Binom(b + c, ½) ≤ min(b, c)) (statsmodels'
`mcnemar(exact=True)` arithmetic, `exact_p`). With one sample per task that is exact
McNemar on the skill's (task, sample) pairs. With k > 1 samples it is the exact sign test over the
skill's tasks, the task the unit as in the clustered McNemar of Durkalski et al. (2003), exact where
their χ² needs many clusters (5 tasks a skill is few). The CI is Tango's score interval (one sample;
over tasks with more, as `engine.analysis.delta_ci.score_ci`).

Multiplicity: the skills of one config are one family of m tests.
- Holm (1979), "A simple sequentially rejective multiple test procedure", Scand J Stat 6:65-70,
  step-down: with p_(1) ≤ … ≤ p_(m), p̃_(i) = max_{j ≤ i} min(1, (m − j + 1) p_(j)); controls the
  family-wise error rate.
- Benjamini & Hochberg (1995), "Controlling the false discovery rate", JRSS B 57:289-300, step-up:
  p̃_(i) = min_{j ≥ i} min(1, m p_(j) / j); controls the false discovery rate.
A skill survives when its adjusted p ≤ α.

What a skill of n tasks can show: its smallest possible p is 2 · 2^(−n) (every task discordant, all one
way); 5 tasks give 0.0625 > 0.05, so no skill can be significant before or after adjustment. Holm over m
skills needs 2^(1−n) ≤ α/m, n ≥ 1 + log2(m/α) tasks (11 for 40 skills at 0.05); unadjusted, and BH at
best, n ≥ 1 + log2(1/α) (6).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from engine.analysis.delta import Delta
from engine.analysis.intervals import tango
from engine.analysis.stats import json_float
from engine.store.reader import Con

NO_SKILL = "(no skill id)"
METHOD = (
    "exact McNemar per skill (one sample a task; the exact sign test over tasks with more), "
    "Holm (1979) and Benjamini–Hochberg (1995) adjusted across the skills of a config"
)


def holm(p: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values (Holm 1979), in the input's order."""
    x = np.asarray(p, dtype=float)
    m = x.size
    if m == 0:
        return x
    order = np.argsort(x, kind="stable")
    adj = np.maximum.accumulate(np.minimum(1.0, (m - np.arange(m)) * x[order]))
    out = np.empty(m)
    out[order] = adj
    return out


def bh(p: Sequence[float] | np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg step-up adjusted p-values (Benjamini & Hochberg 1995), in the input's order."""
    x = np.asarray(p, dtype=float)
    m = x.size
    if m == 0:
        return x
    order = np.argsort(x, kind="stable")
    scaled = m * x[order] / np.arange(1, m + 1)
    adj = np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])
    out = np.empty(m)
    out[order] = adj
    return out


def smallest_p(n_tasks: int) -> float:
    """The smallest exact two-sided p a skill of n tasks can reach: 2 · 2^(−n), at most 1."""
    return min(1.0, 2.0 * 0.5**n_tasks) if n_tasks > 0 else 1.0


def tasks_for(alpha: float, m: int = 1) -> int:
    """Tasks a skill needs before its smallest p can pass α/m (Holm's first step; m = 1: unadjusted)."""
    return max(1, math.ceil(1 + math.log2(m / alpha) - 1e-12))


@dataclass(frozen=True)
class SkillDelta:
    config: str
    path: str
    skill: str
    n_tasks: int
    pass_no_skill: float
    pass_curated: float
    delta: float
    ci_low: float | None
    ci_high: float | None
    worse: int  # tasks where curated did worse than no_skill
    better: int  # tasks where curated did better
    p: float  # exact McNemar / sign test
    p_holm: float
    p_bh: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SkillFamily:
    """The skills of one config: one family of tests."""

    config: str
    path: str
    n_skills: int
    tasks_min: int
    tasks_max: int
    smallest_possible_p: float  # for the skill with the most tasks
    hurt: tuple[str, ...]  # skills with Δ < 0, worst first
    helped: tuple[str, ...]  # skills with Δ > 0, best first
    survive_holm: tuple[str, ...]  # skills whose Holm-adjusted p ≤ α
    survive_bh: tuple[str, ...]
    hurt_survive_holm: tuple[str, ...]
    hurt_survive_bh: tuple[str, ...]
    alpha: float = 0.05

    @property
    def can_survive(self) -> bool:
        """Whether any skill here could be significant at α at all (before adjustment)."""
        return self.smallest_possible_p <= self.alpha

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"can_survive": self.can_survive}


@dataclass
class PerSkill:
    path: str | None
    alpha: float = 0.05
    rows: list[SkillDelta] = field(default_factory=list)  # by config, then Δ ascending (worst first)
    families: list[SkillFamily] = field(default_factory=list)
    note: str | None = None  # why there are no rows

    def of(self, config: str) -> list[SkillDelta]:
        return [r for r in self.rows if r.config == config]

    def family(self, config: str) -> SkillFamily | None:
        return next((f for f in self.families if f.config == config), None)

    def plain_words(self) -> str:
        """The sentence a reader needs first: can anything survive here at all, and what does."""
        if not self.families:
            return self.note or "No per-skill Δ."
        n_max = max(f.tasks_max for f in self.families)
        m = max(f.n_skills for f in self.families)
        if not any(f.can_survive for f in self.families):
            return (
                f"With at most {n_max} task{'s' if n_max != 1 else ''} a skill, the smallest exact p a skill can "
                f"reach is {smallest_p(n_max):.4g} > α = {self.alpha:g}: no skill can be significant, before or "
                f"after adjustment. A per-skill test needs {tasks_for(self.alpha)} tasks a skill unadjusted and "
                f"{tasks_for(self.alpha, m)} for Holm over {m} skills."
            )
        holm_n = sum(len(f.survive_holm) for f in self.families)
        bh_n = sum(len(f.survive_bh) for f in self.families)
        return (
            f"Across {len(self.families)} configs, {holm_n} config × skill Δs survive Holm and {bh_n} survive "
            f"Benjamini–Hochberg at α = {self.alpha:g} (Holm over {m} skills needs {tasks_for(self.alpha, m)} "
            f"tasks a skill to be possible at all; these skills have {n_max} at most)."
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "alpha": self.alpha,
            "method": METHOD,
            "summary": self.plain_words(),
            "note": self.note,
            "families": [f.to_dict() for f in self.families],
            "rows": [r.to_dict() for r in self.rows],
        }


def task_skills(con: Con) -> dict[str, str]:
    """task_id -> skill_id: from the tasks table, else (tasks a run judged but did not register) the
    judgments' denormalised skill_id."""
    rows = con.execute(
        """SELECT task_id, min(skill_id) FROM (
             SELECT task_id, skill_id FROM tasks
             UNION ALL
             SELECT DISTINCT task_id, skill_id FROM judgments WHERE task_id NOT IN (SELECT task_id FROM tasks))
           GROUP BY task_id"""
    ).fetchall()
    return {str(t): str(s) if s else NO_SKILL for t, s in rows}


def _family(config: str, path: str, rows: list[SkillDelta], alpha: float) -> SkillFamily:
    def names(sel: Sequence[SkillDelta]) -> tuple[str, ...]:
        return tuple(r.skill for r in sel)

    hurt = sorted((r for r in rows if r.delta < 0), key=lambda r: (r.delta, r.p, r.skill))
    helped = sorted((r for r in rows if r.delta > 0), key=lambda r: (-r.delta, r.p, r.skill))
    n = [r.n_tasks for r in rows]
    return SkillFamily(
        config, path, len(rows), min(n), max(n), smallest_p(max(n)),
        names(hurt), names(helped),
        names([r for r in rows if r.p_holm <= alpha]), names([r for r in rows if r.p_bh <= alpha]),
        names([r for r in hurt if r.p_holm <= alpha]), names([r for r in hurt if r.p_bh <= alpha]),
        alpha,
    )  # fmt: skip


def exact_p(worse: np.ndarray, better: np.ndarray) -> np.ndarray:
    """Two-sided exact McNemar / sign-test p of each (b, c): min(1, 2 · Binom(min(b, c); b + c, ½)), 1 when
    b + c = 0; statsmodels' `mcnemar(exact=True)` arithmetic, vectorised (tests pin the two together)."""
    from scipy.stats import binom

    b, c = np.asarray(worse, dtype=float), np.asarray(better, dtype=float)
    p = np.minimum(1.0, 2.0 * binom.cdf(np.minimum(b, c), b + c, 0.5))
    return np.where(b + c > 0, p, 1.0)


def per_skill(deltas: Sequence[Delta], skills: dict[str, str], path: str | None, *, alpha: float = 0.05) -> PerSkill:
    """Per config × skill Δ on `path` with exact p and Holm / BH adjustment within each config."""
    if path is None:
        return PerSkill(None, alpha, note="no headline path, so no per-skill Δ")
    out = PerSkill(path, alpha)
    for d in (d for d in deltas if d.path == path and d.n_tasks):
        names, code = np.unique(np.array([skills.get(str(t), NO_SKILL) for t in d.task_ids], dtype=object),
                                return_inverse=True)  # fmt: skip
        k = len(names)
        n = np.bincount(code, minlength=k)
        worse = np.bincount(code, weights=d.diffs < 0, minlength=k).astype(int)
        better = np.bincount(code, weights=d.diffs > 0, minlength=k).astype(int)
        mean = {x: np.bincount(code, weights=v, minlength=k) / n for x, v in
                (("ns", d.rates_no_skill), ("cu", d.rates_curated), ("d", d.diffs))}  # fmt: skip
        pos = np.bincount(code, weights=np.clip(d.diffs, 0, None), minlength=k)
        neg = np.bincount(code, weights=np.clip(-d.diffs, 0, None), minlength=k)
        lo, hi = tango(pos, neg, n.astype(float))  # = score_ci of each skill's differences
        p = exact_p(worse, better)
        ph, pb = holm(p), bh(p)
        fam = [
            SkillDelta(
                d.config,
                path,
                str(names[i]),
                int(n[i]),
                float(mean["ns"][i]),
                float(mean["cu"][i]),
                float(mean["d"][i]),
                json_float(lo[i]),
                json_float(hi[i]),
                int(worse[i]),
                int(better[i]),
                float(p[i]),
                float(ph[i]),
                float(pb[i]),
            )
            for i in range(k)
        ]
        fam.sort(key=lambda r: (r.delta, r.p, r.skill))
        out.rows.extend(fam)
        out.families.append(_family(d.config, path, fam, alpha))
    if not out.rows:
        out.note = f"no Δ on path '{path}'"
    return out
