"""Judges measured against people: each judge's precision, recall and accuracy against the human
verdicts, with Wilson 95% CIs and n, and how Δ would move if its measured error rates were corrected.

Which human verdicts count: when an audit sample exists (`engine judge --audit N`), the verdicts on
audit-sampled episodes only. The audit is stratified in proportion to its strata, so those episodes
stand for the store, and the rates estimate each judge's rates there. Adjudications made elsewhere
(the disagreement browser: episodes picked because judges disagree) are not a random sample;
they are counted but left out of the rates. Without any audit, all human verdicts are used and the
report warns that they may not be representative.

Per judge (machine judges only; the human verdict is the truth, `pass` the positive class):
precision = TP / (TP + FP), recall (sensitivity) = TP / (TP + FN), specificity = TN / (TN + FP),
accuracy = (TP + TN) / n, each a proportion with a Wilson score 95% interval. Judge errors are not
verdicts: they are counted apart.

The correction (Rogan & Gladen 1978, the standard misclassification correction of a prevalence): a
judge with sensitivity Se and specificity Sp turns a true pass rate p into the observed
p_obs = Se·p + (1 − Sp)(1 − p), so p = (p_obs + Sp − 1) / (Se + Sp − 1). Δ is a difference of two
pass rates scored by the same judge, so each task's curated − no_skill difference is divided by
Youden's J = Se + Sp − 1 of the judge that scores it, and the corrected Δ is the mean over tasks.
In practice each condition's mean pass rate over the tasks of one judge is corrected and clipped to
[0, 1] (a small J would otherwise push it outside), then Δ is the task-weighted difference; without
clipping both are the same number. It assumes the judge errs at the same rates in both conditions
and in every config (pooled rates), and is undefined when J ≤ 0 (a judge no better than chance) or
when Se or Sp was not measured. It says how far a Δ would move under the measured errors, not a new
estimate with its own CI.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from engine.analysis.delta import Delta
from engine.analysis.inputs import Inputs
from engine.analysis.paths import JudgePath

HUMAN_KINDS = ("human",)


@dataclass(frozen=True)
class Rate:
    """A proportion k / n with its Wilson score 95% interval (None when n = 0)."""

    k: int
    n: int
    value: float | None
    low: float | None
    high: float | None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def wilson(k: int, n: int) -> Rate:
    if n <= 0:
        return Rate(k, n, None, None, None)
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(k, n, alpha=0.05, method="wilson")
    return Rate(k, n, k / n, float(low), float(high))


@dataclass(frozen=True)
class JudgeAccuracy:
    judge: str  # report label
    n: int  # episodes with a human verdict and a non-error verdict of this judge
    tp: int
    fp: int
    fn: int
    tn: int
    errors: int  # judge errors on adjudicated episodes (not verdicts)
    precision: Rate
    recall: Rate
    specificity: Rate
    accuracy: Rate

    @property
    def youden(self) -> float | None:
        se, sp = self.recall.value, self.specificity.value
        return None if se is None or sp is None else se + sp - 1.0

    def to_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["youden_j"] = self.youden
        return d


@dataclass(frozen=True)
class HumanBasis:
    """Which human verdicts the rates use."""

    source: str  # audit | all (no audit: every human verdict) | none
    audits: tuple[str, ...]
    adjudicated: int  # episodes with a human verdict in scope (any source)
    used: int  # of them, the ones the rates use
    sampled: int  # episodes in the audit samples (adjudicated or not)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class CorrectedDelta:
    config: str
    path: str
    delta: float | None
    corrected: float | None
    shift: float | None  # corrected − delta
    youden: dict[str, float | None]  # judge label -> J used (None: not measured)
    note: str | None = None  # why there is no corrected value

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _human_judges(con: Any) -> list[str]:
    rows = con.execute("SELECT DISTINCT judge_id FROM judges WHERE kind IN ('human')").fetchall()
    return sorted({r[0] for r in rows} | {"human"})


def _has_audits(con: Any) -> bool:
    return bool(
        con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'audits' AND NOT temporary").fetchall()[0][
            0
        ]
    )


def judge_accuracy(
    con: Any, inp: Inputs, warnings: list[str], *, configs: Sequence[str] | None = None
) -> tuple[list[JudgeAccuracy], HumanBasis]:
    """Per machine judge: confusion against the human verdicts (see the module docstring)."""
    humans = _human_judges(con)
    cfg_ids = sorted({c.config_id for c in inp.configs}) if configs else None
    basis, use = _human_basis(con, humans, cfg_ids, warnings)
    if not use:
        return [], basis
    acc = _confusions(con, humans, use, inp)
    order = {j.label: i for i, j in enumerate(inp.judges)}
    return [_accuracy(lab, acc[lab]) for lab in sorted(acc, key=lambda x: (order.get(x, 99), x))], basis


def _human_basis(
    con: Any, humans: list[str], cfg_ids: list[str] | None, warnings: list[str]
) -> tuple[HumanBasis, set[str]]:
    """Which human verdicts the judges are measured against, and those episodes: the audit samples'
    when there are audits (hand-picked verdicts outside them are left out), else all of them; either
    way the choice is a warning."""
    hp = ", ".join("?" for _ in humans)
    cfg_clause = f" AND h.config_id IN ({', '.join('?' for _ in cfg_ids)})" if cfg_ids else ""
    params: list[Any] = [*humans, *(cfg_ids or [])]
    adjudicated = {
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT h.episode_id FROM judgments h WHERE h.judge_id IN ({hp}) "
            f"AND h.verdict IN ('pass', 'fail'){cfg_clause}",
            params,
        ).fetchall()
    }
    audits: tuple[str, ...] = ()
    sampled: set[str] = set()
    if _has_audits(con):
        audits = tuple(r[0] for r in con.execute("SELECT DISTINCT audit_id FROM audits ORDER BY 1").fetchall())
        sampled = {r[0] for r in con.execute("SELECT DISTINCT episode_id FROM audits").fetchall()}
    if audits:
        use, source = adjudicated & sampled, "audit"
        outside = len(adjudicated - sampled)
        if outside:
            warnings.append(
                f"{outside} human verdicts on episodes outside the audit samples (picked by hand, e.g. from "
                "the disagreement browser) are not a random sample: judge error rates use the audit only"
            )
    else:
        use, source = adjudicated, "all" if adjudicated else "none"
        if adjudicated:
            warnings.append(
                f"judge error rates use all {len(adjudicated)} human verdicts, which were not drawn as a sample "
                "(run `engine judge --audit N` for a stratified one): they may not represent the store"
            )
    return HumanBasis(source, audits, len(adjudicated), len(use), len(sampled)), use


def _confusions(con: Any, humans: list[str], use: set[str], inp: Inputs) -> dict[str, list[int]]:
    """Per judge label, its verdicts against the human ones on the episodes used: tp fp fn tn errors."""
    hp = ", ".join("?" for _ in humans)
    rows = con.execute(
        f"SELECT j.judge_id, coalesce(j.judge_fp, ''), j.verdict, h.verdict FROM judgments h "
        f"JOIN judgments j ON j.episode_id = h.episode_id AND j.judge_id NOT IN ({hp}) "
        f"WHERE h.judge_id IN ({hp}) AND h.verdict IN ('pass', 'fail') "
        "AND h.episode_id IN (SELECT unnest(?::VARCHAR[]))",
        [*humans, *humans, sorted(use)],
    ).fetchall()
    label = {(j.judge_id, j.judge_fp or ""): j.label for j in inp.judges}
    acc: dict[str, list[int]] = {}
    for jid, jfp, v, h in rows:
        lab = label.get((jid, jfp), jid)
        c = acc.setdefault(lab, [0, 0, 0, 0, 0])  # tp fp fn tn errors
        if v not in ("pass", "fail"):
            c[4] += 1
        else:
            c[{("pass", "pass"): 0, ("pass", "fail"): 1, ("fail", "pass"): 2, ("fail", "fail"): 3}[(v, h)]] += 1
    return acc


def _accuracy(label: str, counts: list[int]) -> JudgeAccuracy:
    """Precision, recall, specificity and accuracy with Wilson CIs (pass is positive)."""
    tp, fp, fn, tn, err = counts
    n = tp + fp + fn + tn
    return JudgeAccuracy(
        label,
        n,
        tp,
        fp,
        fn,
        tn,
        err,
        wilson(tp, tp + fp),
        wilson(tp, tp + fn),
        wilson(tn, tn + fp),
        wilson(tp + tn, n),
    )


def corrected_rate(observed: float, se: float, sp: float) -> tuple[float, bool]:
    """Rogan–Gladen: the true pass rate behind an observed one, clipped to [0, 1] (and whether it was)."""
    p = (observed + sp - 1.0) / (se + sp - 1.0)
    return min(1.0, max(0.0, p)), not 0.0 <= p <= 1.0


def corrected_deltas(
    deltas: Sequence[Delta], paths: Sequence[JudgePath], accuracy: Sequence[JudgeAccuracy], inp: Inputs
) -> list[CorrectedDelta]:
    """Δ per path x config corrected for the measured error rates of the judges the path uses.

    Per scoring family of the path (each has its own judge): the mean pass rate of each condition over
    the family's tasks is corrected (Rogan–Gladen, clipped to [0, 1]); Δ is the task-weighted mean of
    the families' corrected curated − no_skill. Without clipping this is the mean over tasks of each
    task's difference divided by its judge's Youden J."""
    if not accuracy:
        return []
    by_judge = {a.judge: a for a in accuracy}
    fam_of_task = _task_families(inp)
    by_path = {p.name: p for p in paths}
    out = []
    for d in deltas:
        p = by_path.get(d.path)
        if p is None or d.delta is None or not d.diffs.size:
            continue
        used = {fam: str(p.judge_for(fam)) for fam in ("answer_line", "llm") if p.judge_for(fam)}
        youden = {j: (by_judge[j].youden if j in by_judge else None) for j in used.values()}
        fams = np.array([fam_of_task.get(str(t), "answer_line") for t in d.task_ids], dtype=object)
        present = {str(f) for f in fams.tolist()}
        needed = {used[f] for f in present if f in used}
        missing = sorted(j for j in needed if youden.get(j) is None)
        bad = sorted(j for j in needed if (youden.get(j) or 0.0) <= 0 and j not in missing)
        note = None
        if missing:
            note = "not measured against human verdicts (sensitivity or specificity unknown): " + ", ".join(missing)
        elif bad:
            note = "no better than chance against human verdicts (Se + Sp − 1 ≤ 0): " + ", ".join(bad)
        corrected = None
        if note is None:
            total, clipped = 0.0, False
            for f in present:
                a = by_judge[used[f]]
                m = fams == f
                se, sp = float(a.recall.value or 0.0), float(a.specificity.value or 0.0)
                ns, c1 = corrected_rate(float(np.mean(d.rates_no_skill[m])), se, sp)
                cu, c2 = corrected_rate(float(np.mean(d.rates_curated[m])), se, sp)
                total += (cu - ns) * int(m.sum())
                clipped = clipped or c1 or c2
            corrected = total / len(fams)
            if clipped:
                note = "a corrected pass rate fell outside [0, 1] and was clipped: the error rates are uncertain"
        out.append(
            CorrectedDelta(
                d.config,
                d.path,
                d.delta,
                corrected,
                None if corrected is None else corrected - d.delta,
                youden,
                note,
            )
        )
    return out


def _task_families(inp: Inputs) -> dict[str, str]:
    t = inp.task
    if t.n == 0:
        return {}
    ids = t.strings("task_id")
    fams = t.strings("scoring")
    return {str(i): str(f) for i, f in zip(ids.tolist(), fams.tolist(), strict=True)}
