"""Judges measured against people: each judge's precision, recall, specificity and accuracy against
the human verdicts, pooled and per condition (and per config × condition where the audit allows),
with 95% CIs and n. The correction of Δ for these rates lives in `engine.analysis.correction`.

Which human verdicts count: when an audit sample exists (`engine judge --audit N`), the verdicts on
audit-sampled episodes only, each weighted by the Horvitz–Thompson weight of its stratum (stratum
size ÷ adjudicated draws in it, `engine.analysis.audit_sample`): the audit over-samples the rare
"judges disagree" strata, and unweighted counts would stand for the sample, not the store.
Adjudications made elsewhere (the disagreement browser: episodes picked because judges disagree)
are not a random sample; they are counted but left out of the rates. Without any audit, all human
verdicts are used with equal weights and the report warns that they may not be representative.

Per judge (machine judges only; the human verdict is the truth, `pass` the positive class):
precision = TP / (TP + FP), recall (sensitivity) = TP / (TP + FN), specificity = TN / (TN + FP),
accuracy = (TP + TN) / n, each a weighted proportion (Σ w over the cell ÷ Σ w over the domain) with
the Kish–Wilson 95% interval; tp/fp/fn/tn are the raw counts. Judge errors and abstentions are not
verdicts: they are counted apart.

Per condition: the same rates on the condition's items (pooled over configs). Per config ×
condition: only where the cell holds at least MIN_CELL human verdicts on the judge's items, with at
least MIN_CLASS human passes and MIN_CLASS human fails (else its sensitivity or specificity rests on
a handful of items); cells below that use their condition's rates, pooled over configs, and say so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from engine.analysis.audit_sample import AuditSample, Rate, empty_sample, load_sample, weighted_rate
from engine.analysis.inputs import Inputs
from engine.analysis.notices import Notice
from engine.store.reader import Con

HUMAN_KINDS = ("human",)


def wilson(k: int, n: int) -> Rate:
    """k / n with Wilson's score 95% interval (statsmodels), n_eff = n."""
    if n <= 0:
        return Rate(k, n, None, None, None, None)
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(k, n, alpha=0.05, method="wilson")
    return Rate(k, n, k / n, float(low), float(high), float(n))


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


MIN_CELL = 20  # human verdicts a config × condition cell needs for its own error rates
MIN_CLASS = 5  # ... with at least this many human passes and as many human fails
RATES_RULE = (
    f"per condition pooled over configs (config null); a config x condition cell has its own rates only with "
    f">= {MIN_CELL} human verdicts, >= {MIN_CLASS} of each class; Rogan-Gladen uses the cell's when present"
)


@dataclass(frozen=True)
class ErrorRates:
    """One judge's error rates on one condition (config None: pooled over configs) or one
    config × condition cell (only where it meets MIN_CELL / MIN_CLASS)."""

    judge: str
    condition: str
    config: str | None
    n: int  # human verdicts on the judge's (non-excluded) items of the cell
    positives: int  # of them, human passes
    negatives: int
    sensitivity: Rate
    specificity: Rate
    precision: Rate
    accuracy: Rate

    @property
    def youden(self) -> float | None:
        se, sp = self.sensitivity.value, self.specificity.value
        return None if se is None or sp is None else se + sp - 1.0

    def to_dict(self) -> dict[str, object]:
        return asdict(self) | {"youden_j": self.youden}


def _human_judges(con: Con) -> list[str]:
    rows = con.execute("SELECT DISTINCT judge_id FROM judges WHERE kind IN ('human')").fetchall()
    return sorted({r[0] for r in rows} | {"human"})


def _has_audits(con: Con) -> bool:
    return bool(
        con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'audits' AND NOT temporary").fetchall()[0][
            0
        ]
    )


def judge_accuracy(
    con: Con, inp: Inputs, found: list[Notice], *, configs: Sequence[str] | None = None
) -> tuple[list[JudgeAccuracy], HumanBasis]:
    """Per machine judge: weighted confusion against the human verdicts (see the module docstring)."""
    acc, basis, _ = judge_accuracy_sample(con, inp, found, configs=configs)
    return acc, basis


def judge_accuracy_sample(
    con: Con, inp: Inputs, found: list[Notice], *, configs: Sequence[str] | None = None
) -> tuple[list[JudgeAccuracy], HumanBasis, AuditSample]:
    """`judge_accuracy` and the weighted sample it rests on (for per-condition rates and corrections)."""
    humans = _human_judges(con)
    cfg_ids = sorted({c.config_id for c in inp.configs}) if configs else None
    basis, use = _human_basis(con, humans, cfg_ids, found)
    if not use:
        return [], basis, empty_sample()
    sample = load_sample(con, humans, use, basis.source, inp)
    order = {j.label: i for i, j in enumerate(inp.judges)}
    labels = sorted(set(sample.verdicts) | set(sample.errors), key=lambda x: (order.get(x, 99), x))
    return [_accuracy(lab, sample) for lab in labels], basis, sample


def _human_basis(
    con: Con, humans: list[str], cfg_ids: list[str] | None, found: list[Notice]
) -> tuple[HumanBasis, set[str]]:
    """Which human verdicts the judges are measured against, and those episodes: the audit samples'
    when there are audits (hand-picked verdicts outside them are left out), else all of them; either
    way the choice is a notice."""
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
            msg = (
                f"{outside} human verdicts on episodes outside the audit samples (picked by hand, e.g. from "
                "the disagreement browser) are not a random sample: judge error rates use the audit only"
            )
            found.append(Notice("human_sample", msg, subject="outside the audit"))
    else:
        use, source = adjudicated, "all" if adjudicated else "none"
        if adjudicated:
            msg = (
                f"judge error rates use all {len(adjudicated)} human verdicts, which were not drawn as a sample "
                "(run `engine judge --audit N` for a stratified one): they may not represent the store"
            )
            found.append(Notice("human_sample", msg, subject="not a sample"))
    return HumanBasis(source, audits, len(adjudicated), len(use), len(sampled)), use


def confusion(
    human: np.ndarray, machine: np.ndarray, w: np.ndarray
) -> tuple[tuple[int, int, int, int], Rate, Rate, Rate, Rate]:
    """Raw (tp, fp, fn, tn) and the weighted precision, recall, specificity and accuracy of machine
    verdicts (1 / 0 / nan: excluded) against human ones (1 / 0), pass positive."""
    ok = ~np.isnan(machine)
    h, m, w = human[ok], machine[ok] == 1, w[ok]
    hp = h == 1
    counts = (int((m & hp).sum()), int((m & ~hp).sum()), int((~m & hp).sum()), int((~m & ~hp).sum()))
    return (
        counts,
        weighted_rate(hp[m], w[m]),
        weighted_rate(m[hp], w[hp]),
        weighted_rate(~m[~hp], w[~hp]),
        weighted_rate(m == hp, w),
    )


def _accuracy(label: str, sample: AuditSample) -> JudgeAccuracy:
    """Precision, recall, specificity and accuracy on the whole sample (pass is positive)."""
    v = sample.verdicts.get(label, np.full(sample.n, np.nan))
    (tp, fp, fn, tn), prec, rec, spec, acc = confusion(sample.human, v, sample.weight)
    return JudgeAccuracy(label, tp + fp + fn + tn, tp, fp, fn, tn, sample.errors.get(label, 0), prec, rec, spec, acc)


def _cell(judge: str, cond: str, config: str | None, sample: AuditSample, mask: np.ndarray) -> ErrorRates:
    v = sample.verdicts.get(judge, np.full(sample.n, np.nan))
    (tp, fp, fn, tn), prec, rec, spec, acc = confusion(sample.human[mask], v[mask], sample.weight[mask])
    return ErrorRates(judge, cond, config, tp + fp + fn + tn, tp + fn, fp + tn, rec, spec, prec, acc)


def error_rates(sample: AuditSample, judges: Sequence[str]) -> list[ErrorRates]:
    """Per judge: its rates per condition (pooled over configs), then per config × condition for the
    cells that meet MIN_CELL / MIN_CLASS (module docstring)."""
    out: list[ErrorRates] = []
    if not sample.n:
        return out
    conds = sorted({str(c) for c in sample.condition.tolist()}, key=lambda c: (c != "no_skill", c))
    configs = list(dict.fromkeys(str(c) for c in sample.config.tolist()))
    for j in judges:
        for c in conds:
            out.append(_cell(j, c, None, sample, sample.condition == c))
        for k in configs:
            for c in conds:
                r = _cell(j, c, k, sample, (sample.condition == c) & (sample.config == k))
                if r.n >= MIN_CELL and min(r.positives, r.negatives) >= MIN_CLASS:
                    out.append(r)
    return out


def rates_for(rates: Sequence[ErrorRates], judge: str, condition: str, config: str) -> ErrorRates | None:
    """The rates that correct `judge` on one config × condition: the cell's own when it met the
    minimum, else its condition's (pooled over configs); None when the condition was not audited."""
    pooled = None
    for r in rates:
        if r.judge == judge and r.condition == condition:
            if r.config == config:
                return r
            if r.config is None:
                pooled = r
    return pooled
