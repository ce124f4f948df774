"""Small-sample intervals and tests for paired binary data, vectorised over arrays of tables.

A paired 2x2 here is rows = first condition (pass, fail) x columns = second condition (pass, fail):
a = both pass, b = first only, c = second only, d = both fail, n = a + b + c + d, and the
difference estimated is θ = p_first − p_second = (b − c) / n. For Δ the first condition is
curated, the second no_skill (so b = curated-only passes, c = no_skill-only passes).

- `tango`: Tango (1998, Stat Med 17:891-908), the asymptotic score interval, eq. (3)-(5): the set of
  θ with |T(θ)| ≤ z, T(θ) = (b − c − nθ) / √(n(2q̃ + θ(1 − θ))), q̃ the ML estimate of P(second only)
  under the constraint θ (eq. 5: q̃ = (√(W² − 8n·(−c·θ(1 − θ))) − W) / (4n), W = −b − c + (2n − b + c)θ).
  It depends on b, c, n only, and has width > 0 for every n ≥ 1, also when b = c = 0.
- `newcombe10`: Newcombe (1998, Stat Med 17:2635-2650), method 10: the square-and-add of the two
  marginals' Wilson intervals with the φ-corrected correlation (his eq. for φ̂: (AD − BC − n/2)/√(efgh)
  when AD > BC + n/2, 0 when BC ≤ AD ≤ BC + n/2, (AD − BC)/√(efgh) when AD < BC).
- `mover`: Zou & Donner (2008, Stat Med 27:1693-1702), eq. (8)-(9) with the correlation term of
  their section 4 (Newcombe 2011, Stat Methods Med Res, "MOVER-D"): limits for θ1 − θ2 from
  intervals (l1, u1), (l2, u2) and the correlation r of the two estimates.
- `mcnemar_midp`: Fagerland, Lydersen & Laake (2013, BMC Med Res Methodol 13:91), eq. (5):
  the exact conditional p minus the point probability of the observed b.
- `durkalski`: Durkalski et al. (2003, Stat Med 22:1417-1428), eq. (2): McNemar for clustered
  pairs, X² = (Σ_k (b_k − c_k))² / Σ_k (b_k − c_k)², referred to χ²(1).

Published values these are pinned to (tests/test_analysis_intervals.py): Fagerland, Lydersen &
Laake, Statistical Analysis of Contingency Tables (2017), chapter 8, the Cavo et al. (2012) table.
"""

from __future__ import annotations

import numpy as np

Z975 = 1.959963984540054
_ITER = 60  # bisection steps: interval width 2 / 2**60


def wilson(x: np.ndarray, n: np.ndarray, z: float = Z975) -> tuple[np.ndarray, np.ndarray]:
    """Wilson (1927) score interval for x/n, closed form (Newcombe 1998, eq. 3 of the paired paper)."""
    x, n = np.asarray(x, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / n
        z2 = z * z
        centre = (p + z2 / (2 * n)) / (1 + z2 / n)
        half = z * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return centre - half, centre + half


def _tango_stat(b: np.ndarray, c: np.ndarray, n: np.ndarray, theta: np.ndarray) -> np.ndarray:
    w = -b - c + (2 * n - b + c) * theta
    q = (np.sqrt(np.maximum(w * w + 8 * n * c * theta * (1 - theta), 0.0)) - w) / (4 * n)
    var = n * (2 * q + theta * (1 - theta))
    num = b - c - n * theta
    with np.errstate(invalid="ignore", divide="ignore"):
        t = num / np.sqrt(np.maximum(var, 0.0))
    # var = 0 only at a boundary of θ's range or with no discordance at θ = 0: the sign of the
    # numerator decides (0/0 there is the estimate itself)
    return np.where(var > 1e-300, t, np.where(num > 0, np.inf, np.where(num < 0, -np.inf, 0.0)))


def tango(b: np.ndarray, c: np.ndarray, n: np.ndarray, z: float = Z975) -> tuple[np.ndarray, np.ndarray]:
    """Tango's score interval for (b − c)/n, by bisection (T is decreasing in θ)."""
    b, c, n = (np.asarray(v, dtype=float) for v in (b, c, n))
    est = (b - c) / np.where(n > 0, n, 1)
    lo_a, lo_b = np.full_like(est, -1.0), est.copy()  # T(θ) = z on [-1, est]
    hi_a, hi_b = est.copy(), np.ones_like(est)  # T(θ) = -z on [est, 1]
    for _ in range(_ITER):
        m = (lo_a + lo_b) / 2
        above = _tango_stat(b, c, n, m) > z
        lo_a, lo_b = np.where(above, m, lo_a), np.where(above, lo_b, m)
        m = (hi_a + hi_b) / 2
        below = _tango_stat(b, c, n, m) < -z
        hi_a, hi_b = np.where(below, hi_a, m), np.where(below, m, hi_b)
    bad = n <= 0
    return np.where(bad, np.nan, (lo_a + lo_b) / 2), np.where(bad, np.nan, (hi_a + hi_b) / 2)


def _phi(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> np.ndarray:
    n = a + b + c + d
    prod = (a + b) * (c + d) * (a + c) * (b + d)
    big_a = a * d - b * c
    with np.errstate(invalid="ignore", divide="ignore"):
        root = np.sqrt(prod)
        phi = np.where(big_a > n / 2, (big_a - n / 2) / root, np.where(big_a >= 0, 0.0, big_a / root))
    return np.where(prod > 0, phi, 0.0)


def newcombe10(
    a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray, z: float = Z975
) -> tuple[np.ndarray, np.ndarray]:
    """Newcombe's method 10 for p_first − p_second = (b − c)/n (closed form)."""
    a, b, c, d = (np.asarray(v, dtype=float) for v in (a, b, c, d))
    n = a + b + c + d
    l1, u1 = wilson(a + b, n, z)
    l2, u2 = wilson(a + c, n, z)
    with np.errstate(invalid="ignore", divide="ignore"):
        p1, p2 = (a + b) / n, (a + c) / n
    phi = _phi(a, b, c, d)
    dl = np.sqrt(np.maximum((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2, 0.0))
    du = np.sqrt(np.maximum((u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2, 0.0))
    return p1 - p2 - dl, p1 - p2 + du


def mover(
    est1: np.ndarray,
    l1: np.ndarray,
    u1: np.ndarray,
    est2: np.ndarray,
    l2: np.ndarray,
    u2: np.ndarray,
    r: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """MOVER limits for θ1 − θ2 (Zou & Donner 2008, eq. 8-9 with the correlation r of the estimates)."""
    est1, l1, u1, est2, l2, u2, r = (np.asarray(v, dtype=float) for v in (est1, l1, u1, est2, l2, u2, r))
    dl = (est1 - l1) ** 2 + (u2 - est2) ** 2 - 2 * r * (est1 - l1) * (u2 - est2)
    du = (u1 - est1) ** 2 + (est2 - l2) ** 2 - 2 * r * (u1 - est1) * (est2 - l2)
    diff = est1 - est2
    return diff - np.sqrt(np.maximum(dl, 0.0)), diff + np.sqrt(np.maximum(du, 0.0))


def mcnemar_midp(b: int, c: int) -> float | None:
    """Mid-p McNemar (Fagerland et al. 2013, eq. 5); None without discordant pairs."""
    from scipy.stats import binom

    m = int(b) + int(c)
    if m == 0:
        return None
    k = min(int(b), int(c))
    p = 2 * binom.cdf(k, m, 0.5) - binom.pmf(k, m, 0.5)
    if b == c:  # the two tails overlap at k: exact p is 1, mid-p is 1 − P(X = k)
        p = 1 - binom.pmf(k, m, 0.5)
    return float(min(1.0, p))


def durkalski(b_k: np.ndarray, c_k: np.ndarray) -> float | None:
    """Clustered McNemar p (Durkalski et al. 2003, eq. 2) from per-cluster discordant counts."""
    from scipy.stats import chi2

    diff = np.asarray(b_k, dtype=float) - np.asarray(c_k, dtype=float)
    if diff.size == 0:
        return None
    den = float((diff * diff).sum())
    if den == 0.0:
        return 1.0
    return float(chi2.sf(float(diff.sum()) ** 2 / den, 1))
