"""Δ corrected for the judges' measured errors: Rogan–Gladen per condition with a bootstrap CI that
carries the audit's uncertainty, and prediction-powered inference beside it (`engine.analysis.ppi`).

Rogan–Gladen (Rogan & Gladen 1978, Am J Epidemiol 107:71, eq. 1): a judge with sensitivity Se and
specificity Sp turns a true pass rate p into p_obs = Se·p + (1 − Sp)(1 − p), so
p = (p_obs + Sp − 1) / (Se + Sp − 1). The judge's errors may depend on the condition (the study's
own artifact: the extractor misses more of the curated condition's passes), so each condition's pass
rate is corrected with that condition's own Se and Sp: the config × condition cell's rates where
the audit holds enough of that cell (`engine.analysis.human.MIN_CELL`), else the condition's rates
pooled over configs. Per scoring family of the path (each has its own judge) each condition's mean
pass rate over the tasks of each of the path's judges is corrected and clipped to [0, 1]; Δ is the task-weighted
difference. Undefined when Se + Sp − 1 ≤ 0 (a judge no better than chance) or a rate is unmeasured.

The CI (percentile bootstrap, Efron & Tibshirani 1993, An Introduction to the Bootstrap, §13.3):
each replicate resamples the tasks of Δ with replacement (the observed rates; the two conditions of
a task stay together) and, independently, the adjudicated items within their audit strata (the
stratified bootstrap, ibid. §3.6 / Rao & Wu 1988, JASA 83:231, for n_h − 1 ≫ 1; the HT weights stay
those of the strata), recomputes every Se and Sp and so the corrected Δ. Treating the two sources as
independent is the two-sample view of Lee et al. 2025 (arXiv 2511.21140, "How to Correctly Report
LLM-as-a-Judge Evaluations"), whose delta-method interval for one corrected rate accounts for the
test set and the human-labelled calibration set in the same way. Replicates where a needed
Se + Sp − 1 ≤ 0 or a rate has no items are dropped; more than 5% of them and there is no CI.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from engine.analysis.audit_sample import AuditSample
from engine.analysis.delta import Delta
from engine.analysis.human import ErrorRates, rates_for
from engine.analysis.inputs import Inputs
from engine.analysis.paths import JudgePath
from engine.analysis.ppi import PpiDelta, ppi_delta

CONDITIONS = ("no_skill", "curated")
MAX_DEGENERATE = 0.05  # share of bootstrap replicates with J ≤ 0 above which there is no CI


@dataclass(frozen=True)
class CorrectedDelta:
    config: str
    path: str
    delta: float | None
    corrected: float | None  # Rogan–Gladen per condition
    shift: float | None  # corrected − delta
    youden: dict[str, dict[str, float | None]]  # judge -> condition -> Se + Sp − 1 used (None: not measured)
    note: str | None = None  # why there is no corrected value, or a caveat
    ci_low: float | None = None  # percentile bootstrap over tasks and audit items
    ci_high: float | None = None
    rates_from: dict[str, dict[str, str]] = field(default_factory=dict)  # judge -> condition -> config | condition
    ppi: PpiDelta | None = None

    def to_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["rogan_gladen"] = {
            "value": self.corrected,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "method": "Rogan-Gladen per condition (Se, Sp of each condition); percentile bootstrap of tasks "
            "and, independently, of audit items within strata",
        }
        d["ppi"] = self.ppi.to_dict() if self.ppi else None
        return d


def corrected_rate(observed: float, se: float, sp: float) -> tuple[float, bool]:
    """Rogan–Gladen: the true pass rate behind an observed one, clipped to [0, 1] (and whether it was)."""
    p = (observed + sp - 1.0) / (se + sp - 1.0)
    return min(1.0, max(0.0, p)), not 0.0 <= p <= 1.0


def task_families(inp: Inputs) -> dict[str, str]:
    t = inp.task
    if t.n == 0:
        return {}
    ids = t.strings("task_id")
    fams = t.strings("scoring")
    return {str(i): str(f) for i, f in zip(ids.tolist(), fams.tolist(), strict=True)}


def audit_resamples(sample: AuditSample, n_boot: int, seed: int) -> np.ndarray:
    """B × n counts: how often each adjudicated item is drawn in each replicate, resampling each stratum's
    items with replacement to its own size (the stratified bootstrap)."""
    rng = np.random.default_rng([seed, 19])
    out = np.zeros((n_boot, sample.n))
    for h in range(len(sample.strata)):
        idx = np.flatnonzero(sample.stratum == h)
        if idx.size:
            out[:, idx] = rng.multinomial(idx.size, np.full(idx.size, 1.0 / idx.size), size=n_boot)
    return out


def _se_sp_boot(sample: AuditSample, counts: np.ndarray, judge: str, mask: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per replicate: the weighted Se and Sp of `judge` on the items in `mask` (nan where undefined)."""
    v = sample.verdicts.get(judge, np.full(sample.n, np.nan))
    ok = mask & ~np.isnan(v)
    w = sample.weight * ok
    pos, neg, said = sample.human == 1, sample.human == 0, v == 1
    with np.errstate(invalid="ignore", divide="ignore"):
        se = (counts @ (w * (pos & said))) / (counts @ (w * pos))
        sp = (counts @ (w * (neg & ~said))) / (counts @ (w * neg))
    return se, sp


@dataclass
class _Plan:
    """Which judge and rates correct each (family, condition) of one Δ."""

    judge: dict[str, str]  # family -> judge
    rates: dict[tuple[str, str], ErrorRates]  # (judge, condition) -> rates
    note: str | None

    def groups(self, fams: np.ndarray) -> dict[str, np.ndarray]:
        """judge -> mask of the tasks it scores (families with one judge are corrected together)."""
        out: dict[str, np.ndarray] = {}
        for f, j in self.judge.items():
            out[j] = out.get(j, np.zeros(len(fams), dtype=bool)) | (fams == f)
        return out


def _plan(d: Delta, p: JudgePath, rates: Sequence[ErrorRates], fams: np.ndarray) -> _Plan:
    present = sorted({str(f) for f in fams.tolist()})
    judge = {f: str(p.judge_for(f)) for f in present if p.judge_for(f)}
    got: dict[tuple[str, str], ErrorRates] = {}
    missing, bad = set(), set()
    for j in set(judge.values()):
        for c in CONDITIONS:
            r = rates_for(rates, j, c, d.config)
            if r is None or r.youden is None:
                missing.add(f"{j} ({c})")
            elif r.youden <= 0:
                bad.add(f"{j} ({c})")
            else:
                got[(j, c)] = r
    note = None
    if missing:
        note = "not measured against human verdicts (sensitivity or specificity unknown): " + ", ".join(sorted(missing))
    elif bad:
        note = "no better than chance against human verdicts (Se + Sp − 1 ≤ 0): " + ", ".join(sorted(bad))
    return _Plan(judge, got, note)


def _rg(obs: np.ndarray, se: np.ndarray, sp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(invalid="ignore", divide="ignore"):
        p = (obs + sp - 1.0) / (se + sp - 1.0)
    return np.clip(p, 0.0, 1.0), (p < 0) | (p > 1)


def _point(d: Delta, plan: _Plan, fams: np.ndarray) -> tuple[float, bool]:
    total, clipped = 0.0, False
    for j, m in plan.groups(fams).items():
        for c, rates, sign in (("no_skill", d.rates_no_skill, -1.0), ("curated", d.rates_curated, 1.0)):
            r = plan.rates[(j, c)]
            p, cl = corrected_rate(float(np.mean(rates[m])), float(r.sensitivity.value), float(r.specificity.value))  # type: ignore[arg-type]
            total += sign * p * int(m.sum())
            clipped = clipped or cl
    return total / len(fams), clipped


def _boot(
    d: Delta, plan: _Plan, fams: np.ndarray, sample: AuditSample, counts: np.ndarray, seed: int
) -> tuple[float | None, float | None, str | None]:
    """Percentile CI of the corrected Δ over task and audit-item resamples (module docstring)."""
    n_boot, T = counts.shape[0], len(fams)
    idx = np.random.default_rng([seed, 23]).integers(0, T, size=(n_boot, T))
    total = np.zeros(n_boot)
    valid = np.ones(n_boot, dtype=bool)
    for j, m in plan.groups(fams).items():
        in_f = m[idx]
        nf = in_f.sum(axis=1)
        for c, rates, sign in (("no_skill", d.rates_no_skill, -1.0), ("curated", d.rates_curated, 1.0)):
            r = plan.rates[(j, c)]
            mask = sample.condition == c
            if r.config is not None:
                mask = mask & (sample.config == r.config)
            se, sp = _se_sp_boot(sample, counts, j, mask)
            with np.errstate(invalid="ignore", divide="ignore"):
                obs = (rates[idx] * in_f).sum(axis=1) / nf
            p, _ = _rg(obs, se, sp)
            valid &= (se + sp - 1.0 > 0) & ~np.isnan(p) | (nf == 0)
            total += sign * np.where(nf > 0, np.nan_to_num(p), 0.0) * nf
    share = 1.0 - float(valid.mean())
    if share > MAX_DEGENERATE:
        return (
            None,
            None,
            (
                f"no CI: in {share:.0%} of bootstrap resamples of the audit a judge's Se + Sp − 1 ≤ 0 or a rate "
                "had no items (adjudicate more of the audit)"
            ),
        )
    lo, hi = np.quantile(total[valid] / T, [0.025, 0.975])
    return float(lo), float(hi), None


def corrected_deltas(
    deltas: Sequence[Delta],
    paths: Sequence[JudgePath],
    sample: AuditSample,
    rates: Sequence[ErrorRates],
    fam_of_task: dict[str, str],
    *,
    n_boot: int = 2000,
    seed: int = 0,
) -> list[CorrectedDelta]:
    """Δ per path × config corrected for the measured error rates of the judges the path uses, per
    condition, with its bootstrap CI, and the PPI estimate beside it (module docstring).
    fam_of_task: task id -> scoring family (`task_families`; a task not in it is answer_line)."""
    if not sample.n or not rates:
        return []
    by_path = {p.name: p for p in paths}
    counts = audit_resamples(sample, n_boot, seed)
    out = []
    for d in deltas:
        p = by_path.get(d.path)
        if p is None or d.delta is None or not d.diffs.size:
            continue
        out.append(_one(d, p, sample, rates, counts, fam_of_task, seed))
    return out


def _one(
    d: Delta,
    p: JudgePath,
    sample: AuditSample,
    rates: Sequence[ErrorRates],
    counts: np.ndarray,
    fam_of_task: dict[str, str],
    seed: int,
) -> CorrectedDelta:
    fams = np.array([fam_of_task.get(str(t), "answer_line") for t in d.task_ids], dtype=object)
    plan = _plan(d, p, rates, fams)
    youden: dict[str, dict[str, float | None]] = {}
    rates_from: dict[str, dict[str, str]] = {}
    for j in dict.fromkeys(plan.judge.values()):
        for c in CONDITIONS:
            r = rates_for(rates, j, c, d.config)
            youden.setdefault(j, {})[c] = r.youden if r else None
            if r is not None:
                rates_from.setdefault(j, {})[c] = "config" if r.config else "condition (pooled over configs)"
    ppi = ppi_delta(d, plan.judge, fams, sample)
    if plan.note is not None:
        return CorrectedDelta(d.config, d.path, d.delta, None, None, youden, plan.note, rates_from=rates_from, ppi=ppi)
    corrected, clipped = _point(d, plan, fams)
    lo, hi, why = _boot(d, plan, fams, sample, counts, seed)
    notes = [why] if why else []
    if clipped:
        notes.append("a corrected pass rate fell outside [0, 1] and was clipped: the error rates are uncertain")
    return CorrectedDelta(
        d.config,
        d.path,
        d.delta,
        corrected,
        corrected - float(d.delta),  # type: ignore[arg-type]
        youden,
        "; ".join(notes) or None,
        lo,
        hi,
        rates_from,
        ppi,
    )


def summary(c: CorrectedDelta) -> dict[str, Any]:
    """The two corrected estimates side by side (for renderers)."""
    return {
        "rogan_gladen": (c.corrected, c.ci_low, c.ci_high),
        "ppi": (c.ppi.value, c.ppi.ci_low, c.ppi.ci_high) if c.ppi else (None, None, None),
    }
