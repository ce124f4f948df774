"""Simulations of the corrected-Δ estimators under condition-dependent judge errors: the Rogan–Gladen
bootstrap CI (tasks and audit items resampled together) and prediction-powered inference (PPI++)
should be unbiased for the true Δ and cover it about 95% of the time. Each replicate draws a new
task set (true verdicts), a judge with condition-dependent errors, a second judge for the audit's
"disagree" strata, and a stratified audit allocated as `engine judge --audit` allocates it."""

from __future__ import annotations

import numpy as np

from engine.analysis.audit_sample import AuditSample
from engine.analysis.correction import corrected_deltas
from engine.analysis.delta import Delta
from engine.analysis.human import error_rates
from engine.analysis.paths import JudgePath
from engine.store.audit import allocate

TRUE = {"no_skill": 0.40, "curated": 0.45}  # Δ = +0.050
SE = {"no_skill": 0.90, "curated": 0.70}  # the judge misses more curated passes
SP = {"no_skill": 0.95, "curated": 0.90}


def _replicate(rng: np.random.Generator, n_tasks: int, n_audit: int) -> tuple[Delta, AuditSample]:
    ys, fs, rows = {}, {}, []
    for cond in ("no_skill", "curated"):
        y = rng.random(n_tasks) < TRUE[cond]
        f = np.where(y, rng.random(n_tasks) < SE[cond], rng.random(n_tasks) >= SP[cond])
        g = np.where(rng.random(n_tasks) < 0.05, ~y, y)  # a better second judge
        ys[cond], fs[cond] = y, f
        for dis in (False, True):
            rows.append((cond, dis, np.flatnonzero((f != g) == dis)))
    counts = allocate([len(r[2]) for r in rows], n_audit)
    strata, sizes, pick = [], [], []
    for h, ((cond, dis, idx), m) in enumerate(zip(rows, counts, strict=True)):
        strata.append(f"c|{cond}|{'disagree' if dis else 'agree'}")
        sizes.append(float(len(idx)))
        pick += [(h, cond, int(i)) for i in rng.choice(idx, size=m, replace=False)] if m else []
    st = np.array([p[0] for p in pick])
    n_h = np.bincount(st, minlength=len(strata))
    sample = AuditSample(
        "audit",
        np.array([f"{c}-{i}" for _, c, i in pick], dtype=object),
        np.array(["c"] * len(pick), dtype=object),
        np.array([c for _, c, _ in pick], dtype=object),
        np.array([f"t{i}" for _, _, i in pick], dtype=object),
        st,
        strata,
        np.array(sizes),
        np.array(sizes)[st] / n_h[st],
        np.array([int(ys[c][i]) for _, c, i in pick]),
        {"j": np.array([float(fs[c][i]) for _, c, i in pick])},
    )
    ns, cu = fs["no_skill"].astype(float), fs["curated"].astype(float)
    d = Delta("c", "p", n_tasks, float(ns.mean()), float(cu.mean()), float((cu - ns).mean()))
    d.task_ids = np.array([f"t{i}" for i in range(n_tasks)], dtype=object)
    d.rates_no_skill, d.rates_curated, d.diffs = ns, cu, cu - ns
    return d, sample


def _simulate(reps: int, n_tasks: int, n_audit: int, n_boot: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(2026)
    out: dict[str, list[float]] = {k: [] for k in ("rg", "rg_cov", "ppi", "ppi_cov", "raw", "rg_no_ci")}
    for r in range(reps):
        d, sample = _replicate(rng, n_tasks, n_audit)
        rates = error_rates(sample, ["j"])
        (c,) = corrected_deltas([d], [JudgePath("p", "j", None)], sample, rates, {}, n_boot=n_boot, seed=r)
        assert c.corrected is not None and c.ppi is not None and c.ppi.value is not None
        out["raw"].append(float(d.delta))  # type: ignore[arg-type]
        out["rg"].append(c.corrected)
        out["rg_no_ci"].append(float(c.ci_low is None))  # too few audit items: no CI, said so
        if c.ci_low is not None:
            out["rg_cov"].append(float(c.ci_low <= 0.05 <= c.ci_high))  # type: ignore[operator]
        out["ppi"].append(c.ppi.value)
        out["ppi_cov"].append(float(c.ppi.ci_low <= 0.05 <= c.ppi.ci_high))  # type: ignore[operator]
    return {k: np.array(v) for k, v in out.items()}


def test_corrected_delta_is_unbiased_and_covers_under_condition_dependent_errors() -> None:
    reps = 200
    s = _simulate(reps, n_tasks=300, n_audit=120, n_boot=300)
    mc = {k: float(np.std(s[k]) / np.sqrt(reps)) for k in ("rg", "ppi")}
    print(
        f"raw Δ {s['raw'].mean():+.4f}; RG {s['rg'].mean():+.4f} (MC se {mc['rg']:.4f}) coverage "
        f"{s['rg_cov'].mean():.3f}; PPI {s['ppi'].mean():+.4f} (MC se {mc['ppi']:.4f}) "
        f"coverage {s['ppi_cov'].mean():.3f}"
    )
    assert s["raw"].mean() < 0.0  # the judge's condition-dependent misses flip the sign of Δ
    # unbiased: within 3 Monte Carlo standard errors of the true +0.050 (RG: a ratio, bias O(1/n) allowed)
    assert abs(s["ppi"].mean() - 0.05) < 3 * mc["ppi"]
    assert abs(s["rg"].mean() - 0.05) < 3 * mc["rg"] + 0.005
    # coverage: nominal 0.95; with 200 replicates the MC standard error is ≈ 0.015, so ≥ 0.90 is > 3 se below
    assert s["rg_cov"].mean() >= 0.90
    assert s["ppi_cov"].mean() >= 0.90


def test_bootstrap_ci_matches_the_delta_method_of_lee_et_al() -> None:
    """Independent check of the RG bootstrap: on a large sample its standard error agrees with the
    delta-method variance of a corrected rate (Lee et al. 2025, arXiv 2511.21140, which carries the test
    set and the calibration set: Var θ̂ ≈ [p(1−p)/n + (1−θ)² Sp(1−Sp)/m0 + θ² Se(1−Se)/m1] / J²), summed
    over the two conditions (independent here)."""
    rng = np.random.default_rng(7)
    d, sample = _replicate(rng, n_tasks=3000, n_audit=1200)
    rates = error_rates(sample, ["j"])
    (c,) = corrected_deltas([d], [JudgePath("p", "j", None)], sample, rates, {}, n_boot=2000, seed=1)
    var = 0.0
    for cond, obs in (("no_skill", d.rates_no_skill), ("curated", d.rates_curated)):
        e = next(r for r in rates if r.condition == cond and r.config is None)
        se, sp, p = e.sensitivity.value, e.specificity.value, float(obs.mean())
        assert se is not None and sp is not None and e.sensitivity.n_eff and e.specificity.n_eff
        theta = (p + sp - 1) / (se + sp - 1)
        m1, m0 = e.sensitivity.n_eff, e.specificity.n_eff
        v = p * (1 - p) / obs.size + (1 - theta) ** 2 * sp * (1 - sp) / m0 + theta**2 * se * (1 - se) / m1
        var += v / (se + sp - 1) ** 2
    assert c.ci_low is not None and c.ci_high is not None
    boot_se = (c.ci_high - c.ci_low) / (2 * 1.959964)
    print(f"bootstrap se {boot_se:.4f}; delta-method se {np.sqrt(var):.4f}")
    assert 0.85 < boot_se / np.sqrt(var) < 1.15
