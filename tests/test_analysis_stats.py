"""The statistics against the libraries, and the bootstrap CI's coverage."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binomtest, bootstrap
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.inter_rater import cohens_kappa as sm_kappa

from engine.analysis.stats import _boot_rng, cohens_kappa, cohens_kappa_statsmodels, mcnemar_exact, paired_ci


def _table(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    # rows: rater a pass/fail, columns: rater b pass/fail (the report's orientation)
    return np.array([[np.sum(a & b), np.sum(a & ~b)], [np.sum(~a & b), np.sum(~a & ~b)]])


def test_kappa_matches_sklearn_on_random_label_vectors() -> None:
    rng = np.random.default_rng(0)
    for _ in range(300):
        n = int(rng.integers(5, 400))
        p = rng.uniform(0.05, 0.95)
        a = rng.random(n) < p
        flip = rng.random(n) < rng.uniform(0, 0.5)
        b = a ^ flip
        if len(set(a.tolist()) | set(b.tolist())) < 2:
            continue
        k = cohens_kappa(_table(a, b)).kappa
        assert k is not None
        assert abs(k - cohen_kappa_score(a, b)) <= 1e-12


def test_kappa_and_ci_match_statsmodels_on_random_tables() -> None:
    rng = np.random.default_rng(1)
    for _ in range(300):
        t = rng.integers(0, 200, size=(2, 2))
        if t.sum() == 0:
            continue
        ours = cohens_kappa(t)
        ref = sm_kappa(t.astype(float))
        if ours.kappa is None:
            assert not np.isfinite(ref.kappa)
            continue
        assert abs(ours.kappa - ref.kappa) <= 1e-12
        assert abs(ours.low - ref.kappa_low) <= 1e-12
        assert abs(ours.high - ref.kappa_upp) <= 1e-12
        lib = cohens_kappa_statsmodels(t)
        assert (lib.kappa, lib.low, lib.high) == pytest.approx((ours.kappa, ours.low, ours.high), abs=1e-12)
    # k x k tables too
    t = rng.integers(1, 50, size=(3, 3))
    assert abs(cohens_kappa(t).kappa - sm_kappa(t.astype(float)).kappa) <= 1e-12


def test_kappa_undefined_is_none() -> None:
    assert cohens_kappa([[10, 0], [0, 0]]).kappa is None
    assert cohens_kappa([[0, 0], [0, 0]]).kappa is None


def test_mcnemar_exact_matches_statsmodels_and_binomial() -> None:
    rng = np.random.default_rng(2)
    for _ in range(300):
        t = rng.integers(0, 60, size=(2, 2))
        if t[0, 1] + t[1, 0] == 0:
            continue
        p = mcnemar_exact(t)
        assert p is not None
        assert abs(p - mcnemar(t, exact=True).pvalue) <= 1e-12
        b, c = int(t[0, 1]), int(t[1, 0])
        assert abs(p - binomtest(min(b, c), b + c, 0.5).pvalue) <= 1e-12
    assert mcnemar_exact([[5, 0], [0, 5]]) == 1.0
    assert mcnemar_exact([[0, 0], [0, 0]]) is None


def test_paired_ci_is_scipy_bootstrap_and_independent_of_batch() -> None:
    rng = np.random.default_rng(3)
    series = [rng.normal(0.05, 0.3, 200) for _ in range(5)] + [rng.normal(0, 1, 50)]
    together = paired_ci(series, n_boot=999, seed=11)
    for s, ci in zip(series, together, strict=True):
        assert paired_ci([s], n_boot=999, seed=11)[0] == pytest.approx(ci, abs=1e-12)
        ref = bootstrap((s,), np.mean, n_resamples=999, method="BCa", rng=_boot_rng(11, len(s)))
        assert ci == pytest.approx((ref.confidence_interval.low, ref.confidence_interval.high), abs=1e-12)
    assert paired_ci([np.array([0.5, 0.5, 0.5])])[0] == (0.5, 0.5)
    assert paired_ci([np.array([0.5])])[0] == (None, None)


def test_bootstrap_ci_covers_true_delta() -> None:
    """1000 simulated paired experiments of 200 tasks with a known true Δ of 0.1: the 95% CI
    (bootstrap over tasks of per-task curated − no_skill rates) must cover it 93–97% of the time."""
    rng = np.random.default_rng(20240611)
    experiments, tasks, samples, true_delta = 1000, 200, 2, 0.1
    p_ns = rng.uniform(0.1, 0.8, (experiments, tasks))
    p_cu = p_ns + true_delta  # every task's own Δ is 0.1; the mean over tasks is the true Δ
    ns = rng.binomial(samples, p_ns) / samples
    cu = rng.binomial(samples, p_cu) / samples
    cis = paired_ci(list(cu - ns), n_boot=1000, seed=5)
    lo = np.array([c[0] for c in cis])
    hi = np.array([c[1] for c in cis])
    coverage = float(np.mean((lo <= true_delta) & (true_delta <= hi)))
    assert 0.93 <= coverage <= 0.97, coverage
