"""Statistics, from the libraries: Cohen's κ (statsmodels), exact McNemar (statsmodels), and a
paired bootstrap clustered by task (scipy).

statsmodels and scipy are imported inside the functions so `engine --help` stays instant.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

CI_LEVEL = 0.95
_Z975 = 1.959963984540054  # scipy.stats.norm.isf(0.025), as statsmodels uses for the κ CI
# Rows of data handed to one scipy.stats.bootstrap call are capped so the resampled array
# (rows x n_resamples x n_tasks float64) stays under this many bytes.
_BOOT_BYTES = 96 * 2**20


def json_float(x: float | np.floating | None) -> float | None:
    """A JSON-safe float: NaN and infinities become None."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


@dataclass(frozen=True)
class Kappa:
    kappa: float | None
    low: float | None
    high: float | None


def cohens_kappa(table: np.ndarray | Sequence[Sequence[int]]) -> Kappa:
    """Cohen's κ and its asymptotic 95% CI for a square confusion table (rows: rater A, cols: rater B).

    The arithmetic is statsmodels' `cohens_kappa` (simple κ, Fleiss-Cohen-Everitt variance, normal
    CI), inlined because its results object builds two frozen scipy distributions per call (~1 ms,
    30x the arithmetic) and a report computes κ per config x judge pair. `cohens_kappa_statsmodels`
    is the library call; tests pin the two together (and κ to sklearn) to 1e-12.
    κ is None when it is undefined (every item in one category for both raters).
    """
    t = np.asarray(table, dtype=float)
    nobs = t.sum()
    if nobs <= 0:
        return Kappa(None, None, None)
    probs = t / nobs
    freq_row = t.sum(1) / nobs
    freq_col = t.sum(0) / nobs
    agree_exp = float(np.diag(freq_col * freq_row[:, None]).sum())
    if agree_exp >= 1.0 - 1e-15:
        return Kappa(None, None, None)
    kappa = (np.diag(t).sum() / nobs - agree_exp) / (1 - agree_exp)
    term_a = (np.diag(probs) * (1 - (freq_row + freq_col) * (1 - kappa)) ** 2).sum()
    term_b = probs * (freq_col[:, None] + freq_row) ** 2
    np.fill_diagonal(term_b, 0.0)
    term_b = (1 - kappa) ** 2 * term_b.sum()
    term_c = (kappa - agree_exp * (1 - kappa)) ** 2
    var = (term_a + term_b - term_c) / (1 - agree_exp) ** 2 / nobs
    half = _Z975 * np.sqrt(var) if var >= 0 else np.nan
    return Kappa(json_float(kappa), json_float(kappa - half), json_float(kappa + half))


def cohens_kappa_statsmodels(table: np.ndarray | Sequence[Sequence[int]]) -> Kappa:
    """The same through statsmodels (the reference implementation; slower)."""
    from statsmodels.stats.inter_rater import cohens_kappa as _sm_kappa

    t = np.asarray(table, dtype=float)
    if t.sum() <= 0:
        return Kappa(None, None, None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = _sm_kappa(t)  # CI at alpha=0.05 (statsmodels default)
    return Kappa(json_float(res.kappa), json_float(res.kappa_low), json_float(res.kappa_upp))


def mcnemar_exact(table: np.ndarray | Sequence[Sequence[int]]) -> float | None:
    """Exact McNemar p over a 2x2 table of paired outcomes; None when there are no discordant pairs."""
    from statsmodels.stats.contingency_tables import mcnemar

    t = np.asarray(table, dtype=float)
    if t[0, 1] + t[1, 0] == 0:
        return 1.0 if t.sum() > 0 else None
    return float(mcnemar(t, exact=True).pvalue)


def _boot_rng(seed: int, n: int) -> np.random.Generator:
    # one stream per (seed, n): a series' CI does not depend on what else is bootstrapped with it
    return np.random.default_rng([int(seed) & 0xFFFFFFFF, n])


def paired_ci(
    series: Sequence[np.ndarray], *, n_boot: int = 2000, seed: int = 0, method: str = "BCa"
) -> list[tuple[float | None, float | None]]:
    """95% bootstrap CI of the mean of each series of per-task paired differences.

    Each series holds one value per task (e.g. curated − no_skill pass rate): the task is the
    resampling unit, so both conditions of a task move together. Series of the same length are
    bootstrapped in one vectorised `scipy.stats.bootstrap` call that shares the resampling
    indices; since the indices depend only on (seed, length), each CI is the same whether it is
    computed alone or in a batch. A series of equal values gets a zero-width CI; fewer than two
    values give (None, None).
    """
    from scipy.stats import bootstrap

    out: list[tuple[float | None, float | None]] = [(None, None)] * len(series)
    by_len: dict[int, list[int]] = {}
    for i, s in enumerate(series):
        s = np.asarray(s, dtype=float)
        if s.size < 2:
            continue
        if np.all(s == s[0]):
            out[i] = (float(s[0]), float(s[0]))
            continue
        by_len.setdefault(int(s.size), []).append(i)
    for n, idx in sorted(by_len.items()):
        rows = max(1, _BOOT_BYTES // (8 * max(1, n_boot) * n))
        for start in range(0, len(idx), rows):
            chunk = idx[start : start + rows]
            data = np.vstack([np.asarray(series[i], dtype=float) for i in chunk])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = bootstrap(
                    (data,),
                    np.mean,
                    axis=-1,
                    vectorized=True,
                    n_resamples=n_boot,
                    confidence_level=CI_LEVEL,
                    method=method,
                    rng=_boot_rng(seed, n),
                )
            lo = np.atleast_1d(res.confidence_interval.low)
            hi = np.atleast_1d(res.confidence_interval.high)
            for k, i in enumerate(chunk):
                out[i] = (json_float(lo[k]), json_float(hi[k]))
    return out
