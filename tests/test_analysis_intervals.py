"""Small-sample intervals and tests (engine.analysis.intervals, delta_ci) against published values
and implementations written another way (numerical likelihood, root finding, direct sums)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import brentq, minimize_scalar
from scipy.stats import norm
from statsmodels.stats.contingency_tables import mcnemar

from engine.analysis.delta_ci import mover_ci, score_ci
from engine.analysis.intervals import durkalski, mcnemar_midp, mover, newcombe10, tango, wilson

Z = norm.isf(0.025)
# Cavo et al. (2012) as tabled in Fagerland, Lydersen & Laake, Statistical Analysis of Contingency
# Tables (2017), chapter 8: rows before (+, −), columns after; published results (4 decimals)
CAVO = (59, 6, 16, 80)


def test_tango_matches_published_cavo() -> None:
    a, b, c, d = CAVO
    lo, hi = tango(b, c, a + b + c + d)
    assert (round(float(lo), 4), round(float(hi), 4)) == (-0.1240, -0.0054)


def test_newcombe10_matches_published_cavo() -> None:
    lo, hi = newcombe10(*CAVO)
    assert (round(float(lo), 4), round(float(hi), 4)) == (-0.1186, -0.0046)


def test_midp_matches_published_cavo_and_direct_binomial_sum() -> None:
    _, b, c, _ = CAVO
    assert round(mcnemar_midp(b, c), 6) == 0.034690  # type: ignore[arg-type]
    for b, c in [(6, 16), (0, 5), (3, 3), (1, 0), (10, 2), (7, 8)]:
        m, k = b + c, min(b, c)
        pmf = [math.comb(m, x) / 2**m for x in range(m + 1)]
        exact = min(1.0, 2 * sum(pmf[: k + 1]))
        mid = min(1.0, exact - pmf[k]) if b != c else 1 - pmf[k]
        assert mcnemar_midp(b, c) == pytest.approx(mid, abs=1e-12)
        assert mcnemar(np.array([[5, b], [c, 5]]), exact=True).pvalue == pytest.approx(exact, abs=1e-12)
    assert mcnemar_midp(0, 0) is None


def _tango_numeric(b: int, c: int, n: int) -> tuple[float, float]:
    """Tango by brute force: the constrained ML of P(second only) by numerical maximisation of the
    multinomial likelihood, the score statistic from it, and its roots by Brent's method."""

    def qhat(theta: float) -> float:
        lo, hi = max(0.0, -theta), (1 - theta) / 2  # P(first only) = q + θ ≥ 0, P(concordant) ≥ 0
        if hi - lo < 1e-15:
            return lo

        def nll(q: float) -> float:
            terms = [(b, q + theta), (c, q), (n - b - c, 1 - 2 * q - theta)]
            return -sum(k * math.log(max(p, 1e-300)) for k, p in terms if k)

        return float(minimize_scalar(nll, bounds=(lo, hi), method="bounded", options={"xatol": 1e-13}).x)

    def stat(theta: float) -> float:
        var = n * (2 * qhat(theta) + theta * (1 - theta))
        num = b - c - n * theta
        if var > 1e-300:
            return num / math.sqrt(var)
        return 0.0 if abs(num) < 1e-12 else math.copysign(math.inf, num)

    est = (b - c) / n
    edge = 1 - 1e-9
    lo = -1.0 if est <= -edge or stat(-edge) <= Z else brentq(lambda t: stat(t) - Z, -edge, est, xtol=1e-12)
    hi = 1.0 if est >= edge or stat(edge) >= -Z else brentq(lambda t: stat(t) + Z, est, edge, xtol=1e-12)
    return lo, hi


@pytest.mark.parametrize(
    "b, c, n", [(6, 16, 161), (0, 0, 34), (1, 0, 34), (0, 3, 100), (12, 18, 100), (5, 0, 5), (2, 1, 200)]
)
def test_tango_closed_form_equals_numerical_likelihood(b: int, c: int, n: int) -> None:
    lo, hi = tango(b, c, n)
    rlo, rhi = _tango_numeric(b, c, n)
    assert float(lo) == pytest.approx(rlo, abs=2e-5) and float(hi) == pytest.approx(rhi, abs=2e-5)


def _wilson_root(x: int, n: int) -> tuple[float, float]:
    """Wilson's limits as the roots of |p̂ − p| = z √(p(1 − p)/n)."""
    p = x / n
    f = lambda q: (p - q) ** 2 - Z * Z * q * (1 - q) / n  # noqa: E731
    lo = 0.0 if x == 0 else brentq(f, 0.0, p - 1e-12, xtol=1e-14)  # f(p) = 0: bracket off it
    hi = 1.0 if x == n else brentq(f, p + 1e-12, 1.0, xtol=1e-14)
    return lo, hi


@pytest.mark.parametrize("a, b, c, d", [CAVO, (17, 0, 0, 17), (0, 0, 0, 34), (10, 3, 1, 20), (1, 1, 7, 12)])
def test_newcombe10_equals_independent_computation(a: int, b: int, c: int, d: int) -> None:
    n = a + b + c + d
    x1 = np.repeat([1, 1, 0, 0], [a, b, c, d])  # first condition per pair
    x2 = np.repeat([1, 0, 1, 0], [a, b, c, d])
    l1, u1 = _wilson_root(a + b, n)
    l2, u2 = _wilson_root(a + c, n)
    p1, p2 = x1.mean(), x2.mean()
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    if margins == 0:
        phi = 0.0
    else:  # Pearson's r of the pairs, with Newcombe's correction of n/2 off AD − BC when that is positive
        r = float(np.corrcoef(x1, x2)[0, 1])
        phi = max(0.0, r - n / 2 / math.sqrt(margins)) if r > 0 else r
    lo = p1 - p2 - math.sqrt((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2)
    hi = p1 - p2 + math.sqrt((u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2)
    glo, ghi = newcombe10(a, b, c, d)
    assert (float(glo), float(ghi)) == pytest.approx((lo, hi), abs=1e-9)
    assert ghi - glo > 0  # also at (17, 0, 0, 17), where the uncorrected φ = 1 gives zero width


def test_mover_with_no_correlation_is_newcombes_hybrid_score() -> None:
    # Newcombe (1998, Stat Med 17:873), method 10, example (a): 56/70 − 48/80 = 0.2000, 0.0524 to 0.3339
    l1, u1 = wilson(56, 70)
    l2, u2 = wilson(48, 80)
    lo, hi = mover(56 / 70, l1, u1, 48 / 80, l2, u2, 0.0)
    assert (round(float(lo), 4), round(float(hi), 4)) == (0.0524, 0.3339)


def test_no_zero_width_interval_without_discordance() -> None:
    for n in (1, 2, 34, 100, 200):
        lo, hi = score_ci(np.zeros(n))
        assert lo is not None and hi is not None and lo < 0 < hi
        lo, hi = mover_ci(np.zeros(n), np.zeros(n))  # identical series: r̂ = 1 is shrunk
        assert lo is not None and hi is not None and lo < 0 < hi
    d = np.zeros(34)
    d[:3] = 1.0
    lo, hi = mover_ci(d, d)
    assert lo is not None and hi is not None and lo < 0 < hi


def test_durkalski_reduces_to_mcnemar_with_one_pair_per_cluster() -> None:
    b_k = np.array([1] * 9 + [0] * 4 + [0] * 20)
    c_k = np.array([0] * 9 + [1] * 4 + [0] * 20)
    ref = mcnemar(np.array([[10, 9], [4, 10]]), exact=False, correction=False).pvalue
    assert durkalski(b_k, c_k) == pytest.approx(ref, abs=1e-12)
    assert durkalski(np.zeros(5), np.zeros(5)) == 1.0 and durkalski(np.array([]), np.array([])) is None


def test_durkalski_holds_its_level_where_the_pairwise_test_does_not() -> None:
    """Null of no mean Δ, with task effects of either sign (intra-task correlation): 100 tasks x 5
    samples; the test that treats (task, sample) pairs as independent rejects far above 5%."""
    rng = np.random.default_rng(3)
    reps, tasks, samples = 1000, 100, 5
    base = rng.uniform(0.2, 0.8, size=(reps, tasks))
    shift = rng.choice([-0.2, 0.2], size=(reps, tasks))  # mean 0: H0 holds on average over tasks
    ns = rng.random((reps, tasks, samples)) < base[..., None]
    cu = rng.random((reps, tasks, samples)) < (base + shift)[..., None]
    b_k, c_k = (ns & ~cu).sum(axis=2), (~ns & cu).sum(axis=2)
    clustered = np.array([durkalski(b_k[i], c_k[i]) for i in range(reps)])
    naive = np.array([mcnemar_midp(int(b_k[i].sum()), int(c_k[i].sum())) for i in range(reps)])
    se = math.sqrt(0.05 * 0.95 / reps)  # 0.0069
    assert abs(float(np.mean(clustered < 0.05)) - 0.05) < 3 * se
    assert float(np.mean(naive < 0.05)) > 0.05 + 6 * se
