"""Prediction-powered inference for the corrected Δ: the judge's verdicts on every task, rectified by
the human verdicts on the audit (Angelopoulos, Bates, Fannjiang, Jordan, Zrnic 2023, Science 382:669,
"Prediction-powered inference", the mean estimator of §"Mean estimation"; power-tuned as in PPI++,
Angelopoulos, Duchi & Zrnic 2023, arXiv 2311.01453, §2 / Example 1). PPI++ tunes λ̂ = Cov(Y, f) /
((1 + n/N)·Var(f)) for a labelled set independent of the unlabelled one; here the labelled items are
a subsample of the judged ones (two-phase sampling), where the variance-minimising λ is the
regression coefficient Cov(Y, f) / Var(f) itself (the regression estimator of double sampling,
Cochran 1977 §12.6), HT-weighted and clipped to [0, 1].

Per condition c of one config on one path, f the path's verdict (the judge of the task's scoring
family), Y the human verdict:

    θ̂_c = λ_c · f̄_c + Σ_h W_h · mean_{i ∈ h}(Y_i − λ_c f_i)

f̄_c the observed pass rate over Δ's tasks, h the audit strata of the config × condition cell,
W_h = N_h / Σ N_h their population shares (the Horvitz–Thompson / stratified form of the rectifier,
Cochran 1977 §5.2). Unbiased whatever the judge's errors, condition-dependent ones included: no
Se/Sp model and no pooling over configs or conditions, only this cell's human verdicts.
Δ̂ = θ̂_curated − θ̂_no_skill with a 95% interval Δ̂ ± t_{0.975, m−2}·√V (m the fewer labelled
items of the two conditions: a small-sample allowance for λ and the strata; normal for large m;
no estimate at all below m = MIN_LABELS = 10, where the rectifier's mean and variance are noise;
clipped to [−1, 1], where Δ lies), V =

    Var_tasks(λ_cu f_cu,t − λ_ns f_ns,t) / T + Σ_c [ S²_r,c / T + Σ_h W_h² (1 − n_h/N_h) s²_h / n_h ]

the first term paired by task (both conditions of a task are judged); S²_r,c / T the task sampling
of the rectifier r = Y − λf (the target is Δ over the tasks the suite stands for, as the Δ
bootstrap's; per episode, so an upper bound with several samples per task); the last the stratified
subsampling variance of each rectifier (Cochran 1977 eq. 5.6, and §12.2 for two phases; a stratum
with one labelled item borrows the cell's pooled variance, the collapsed-strata device of Cochran
§5A.12). With the whole store adjudicated it is the variance of the human Δ (r taken as
uncorrelated with f, which λ = Cov(Y, f)/Var(f) makes so). The two conditions' rectifiers add
independently: the audit draws each condition's strata separately, so labels in the two conditions
are independent draws even when they fall on the same task (their task-level correlation is
neglected). λ is tuned per condition, not for Δ jointly. Without an audit (human verdicts not
drawn as a sample) the result is only as representative as those verdicts.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.stats import t as student_t

from engine.analysis.audit_sample import AuditSample
from engine.analysis.delta import Delta

MIN_LABELS = 10  # human verdicts per condition of a config below which PPI gives no estimate


@dataclass(frozen=True)
class PpiDelta:
    value: float | None
    ci_low: float | None
    ci_high: float | None
    se: float | None
    labelled: dict[str, int]  # condition -> human verdicts used
    lam: dict[str, float]  # condition -> power-tuning λ
    note: str | None = None

    def to_dict(self) -> dict[str, object]:
        return asdict(self) | {
            "method": "prediction-powered inference (PPI++, power-tuned λ per condition; HT-weighted rectifier "
            "within the config × condition strata); t 95% CI, tasks paired, conditions' rectifiers independent"
        }


@dataclass(frozen=True)
class _Cond:
    theta: float
    lam: float
    var_rect: float
    n: int


def _labelled(d: Delta, cond: str, judge: dict[str, str], fams: np.ndarray, sample: AuditSample) -> np.ndarray:
    """Per sample row: the path's verdict f (nan: not usable for this Δ and condition)."""
    fam_of = dict(zip((str(t) for t in d.task_ids.tolist()), (str(f) for f in fams.tolist()), strict=True))
    f = np.full(sample.n, np.nan)
    cell = (sample.config == d.config) & (sample.condition == cond)
    for i in np.flatnonzero(cell):
        fam = fam_of.get(str(sample.task[i]))
        j = judge.get(fam) if fam else None
        if j is not None and j in sample.verdicts:
            f[i] = sample.verdicts[j][i]
    return f


def condition_estimate(
    fbar: float, f: np.ndarray, y: np.ndarray, strata: np.ndarray, sizes: np.ndarray, n_tasks: int
) -> _Cond | None:
    """θ̂ for one condition from the labelled items (f, y, stratum code), N_h per code and the number of
    tasks behind f̄ (module docstring)."""
    if f.size == 0:
        return None
    codes = np.unique(strata)
    N_h = sizes[codes]
    W = N_h / N_h.sum()
    n_h = np.array([(strata == h).sum() for h in codes], dtype=float)
    w = (W / n_h)[np.searchsorted(codes, strata)]  # design weight of each item, Σ w = 1
    mf, my = float((w * f).sum()), float((w * y).sum())
    var_f = float((w * (f - mf) ** 2).sum())
    cov = float((w * (f - mf) * (y - my)).sum())
    lam = 0.0 if var_f <= 0 else float(np.clip(cov / var_f, 0.0, 1.0))
    r = y - lam * f
    pooled = float(np.var(r, ddof=1)) if r.size > 1 else 0.0
    rect, var_rect = 0.0, 0.0
    for k, h in enumerate(codes):
        rh = r[strata == h]
        rect += W[k] * float(rh.mean())
        s2 = float(np.var(rh, ddof=1)) if rh.size > 1 else pooled
        var_rect += W[k] ** 2 * max(0.0, 1.0 - rh.size / N_h[k]) * s2 / rh.size
    mr = float((w * r).sum())
    var_rect += float((w * (r - mr) ** 2).sum()) / max(1, n_tasks)  # the rectifier's own task sampling
    return _Cond(lam * fbar + rect, lam, var_rect, int(f.size))


def ppi_delta(d: Delta, judge: dict[str, str], fams: np.ndarray, sample: AuditSample) -> PpiDelta | None:
    """PPI estimate of Δ for one config on one path (module docstring); None without any sample."""
    if not sample.n or not d.diffs.size:
        return None
    est: dict[str, _Cond] = {}
    missing = []
    for cond, rates in (("no_skill", d.rates_no_skill), ("curated", d.rates_curated)):
        f = _labelled(d, cond, judge, fams, sample)
        ok = ~np.isnan(f)
        e = condition_estimate(
            float(np.mean(rates)),
            f[ok],
            sample.human[ok].astype(float),
            sample.stratum[ok],
            sample.stratum_size,
            len(rates),
        )
        if e is None:
            missing.append(cond)
        else:
            est[cond] = e
    labelled = {c: e.n for c, e in est.items()}
    lam = {c: e.lam for c, e in est.items()}
    if missing:
        why = f"no human verdict on this config's {' or '.join(missing)} items of the path: no PPI estimate"
        return PpiDelta(None, None, None, None, labelled, lam, why)
    ns, cu = est["no_skill"], est["curated"]
    T = len(d.diffs)
    paired = cu.lam * d.rates_curated - ns.lam * d.rates_no_skill
    var = (float(np.var(paired, ddof=1)) / T if T > 1 else 0.0) + ns.var_rect + cu.var_rect
    value = cu.theta - ns.theta
    se = float(np.sqrt(var))
    note: str | None = None
    if min(ns.n, cu.n) < MIN_LABELS:
        # a handful of labels gives a rectifier whose mean and variance are both noise (a zero
        # within-stratum variance from 3 agreeing labels made a CI of ±0.17 around −0.6): no estimate
        why = (
            f"{min(ns.n, cu.n)} human verdicts in one condition of this config (fewer than {MIN_LABELS}): "
            "no PPI estimate"
        )
        return PpiDelta(None, None, None, None, labelled, lam, why)
    if sample.source != "audit":
        note = "human verdicts not drawn as a sample: PPI assumes a random audit, so this is only as representative"
        note += " as they are"
    q = float(student_t.ppf(0.975, min(ns.n, cu.n) - 2))
    low, high = max(-1.0, value - q * se), min(1.0, value + q * se)  # Δ lies in [−1, 1]
    return PpiDelta(float(value), float(low), float(high), se, labelled, lam, note)
