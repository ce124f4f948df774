"""Cohen's κ intervals clustered by task, κ per condition, and why κ is undefined.

The two conditions of a task (and a task's samples) are not independent items, so the asymptotic
κ CI (Fleiss, Cohen & Everitt 1969), which treats every episode as independent, is too narrow.
The interval here is the cluster bootstrap (Davison & Hinkley 1997, Bootstrap Methods and their
Application, §3.8, resampling the clusters with replacement; Efron & Tibshirani 1993, §13.3,
percentile interval): resample the group's tasks, sum their 2x2 tables, recompute κ; the 2.5% and
97.5% quantiles of the resampled κ are the limits (resamples where κ is undefined, a rater
constant in the resample, are left out). The resampling weights depend only on (seed, number of
tasks), so a group's interval does not depend on what else is bootstrapped with it, and every
group with the same number of tasks shares one weight matrix: the work is one matrix product.
Clustered by skill (`clusters`, `engine.analysis.clusters`): the weights are drawn per skill from the
same stream (seed, number of skills) and each task takes its skill's count ("bootstrap-skill-percentile");
with one task per skill that is the task bootstrap exactly.

With fewer than MIN_BOOT_TASKS tasks the bootstrap has too few clusters to say anything (two tasks
give three distinct resamples); the interval there is the asymptotic one ("asymptotic").
When the interval so chosen has a single value (perfect agreement in every resample), the
limits are Wilson's (1927) for the observed agreement mapped to κ with the chance agreement fixed,
κ = (p_o − p_e)/(1 − p_e) ("wilson-agreement"), so the interval has width > 0. κ is undefined when a
rater gives one verdict on all items (then p_e = p_o's rater marginal and κ = 0 by arithmetic, which
says nothing about agreement): κ and its CI are None, and `undefined_reason` says which judge.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from engine.analysis.intervals import wilson
from engine.analysis.stats import cohens_kappa, json_float

CELLS = ("n11", "n10", "n01", "n00")
BOOT_METHOD = "bootstrap-task-percentile"
SKILL_METHOD = "bootstrap-skill-percentile"
WILSON_METHOD = "wilson-agreement"
ASYMPTOTIC_METHOD = "asymptotic"
MIN_BOOT_TASKS = 10


def kappa_2x2(n11: np.ndarray, n10: np.ndarray, n01: np.ndarray, n00: np.ndarray) -> np.ndarray:
    """Cohen's κ of 2x2 tables, vectorised; NaN where a rater is constant (or no items)."""
    n11, n10, n01, n00 = (np.asarray(v, dtype=float) for v in (n11, n10, n01, n00))
    n = n11 + n10 + n01 + n00
    with np.errstate(invalid="ignore", divide="ignore"):
        pa, pb = (n11 + n10) / n, (n11 + n01) / n
        pe = pa * pb + (1 - pa) * (1 - pb)
        k = ((n11 + n00) / n - pe) / (1 - pe)
    ok = (n > 0) & (pa > 0) & (pa < 1) & (pb > 0) & (pb < 1)
    return np.where(ok, k, np.nan)


def kappa_scalar(cells: tuple[int, int, int, int]) -> float | None:
    """`kappa_2x2` of one table in plain Python (a report calls it a few times per agreement row)."""
    n11, n10, n01, n00 = cells
    n = n11 + n10 + n01 + n00
    if n == 0 or n11 + n10 in (0, n) or n11 + n01 in (0, n):
        return None
    pa, pb = (n11 + n10) / n, (n11 + n01) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    return ((n11 + n00) / n - pe) / (1 - pe)


def undefined_reason(judge_a: str, judge_b: str, cells: tuple[int, int, int, int]) -> str | None:
    """Why κ is undefined for a 2x2 (rows: judge a), or None when it is defined."""
    n11, n10, n01, n00 = cells
    n = n11 + n10 + n01 + n00
    if n == 0:
        return "no item judged non-error by both judges"
    parts = []
    for judge, passes in ((judge_a, n11 + n10), (judge_b, n11 + n01)):
        if passes in (0, n):
            parts.append(f"judge {judge} gave '{'pass' if passes else 'fail'}' on all {n} items")
    return "; ".join(parts) or None


@lru_cache(maxsize=8)
def _weights(n_boot: int, seed: int, t: int) -> np.ndarray:
    """B x t resampling counts (each row sums to t), from a stream of (seed, t); read-only, cached
    (a cockpit rebuilds the report often). float32 is exact here: every sum the matrix product forms
    is an integer count far below 2**24."""
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, t, 0x6B])
    idx = rng.integers(0, t, size=(n_boot, t)) + (np.arange(n_boot) * t)[:, None]
    w = np.bincount(idx.ravel(), minlength=n_boot * t).reshape(n_boot, t).astype(np.float32)
    w.flags.writeable = False
    return w


def _quantiles(k: np.ndarray, qs: tuple[float, ...]) -> np.ndarray:
    """np.nanquantile(k, qs, axis=0) (its default linear method) without its per-column loop."""
    s = np.sort(k, axis=0)  # NaN last
    m = np.isfinite(k).sum(axis=0)
    cols = np.arange(k.shape[1])
    out = np.empty((len(qs), k.shape[1]))
    for i, q in enumerate(qs):
        pos = q * (m - 1)
        lo = np.floor(pos).astype(np.int64)
        hi = np.minimum(lo + 1, m - 1)
        frac = pos - lo
        out[i] = s[lo, cols] + frac * (s[hi, cols] - s[lo, cols])
    return out


def cluster_boot(
    per_task: dict[str, np.ndarray], *, n_boot: int, seed: int, clusters: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Percentile limits of κ pooled and per condition, per group, resampling tasks (or, with
    `clusters`, an integer skill code per task column, resampling skills).

    per_task: "n11_ns", ..., "n00_cu" -> (G, T) counts per group and task (a task absent from a
    group has all zeros and is not one of its resampling units). Returns "low"/"high" (pooled)
    and "low_ns", "high_ns", "low_cu", "high_cu", each of length G (NaN without a defined resample),
    "tasks", each group's number of tasks, and "units", its number of resampling units.
    """
    keys = [f"{c}_{s}" for s in ("ns", "cu") for c in CELLS]
    G = per_task[keys[0]].shape[0]
    stack = np.stack([per_task[k] for k in keys], axis=-1).astype(float)  # G x T x 8
    present = stack.sum(axis=-1) > 0
    n_present = present.sum(axis=1)
    out = {k: np.full(G, np.nan) for k in ("low", "high", "low_ns", "high_ns", "low_cu", "high_cu")}
    out["tasks"] = n_present
    out["units"] = n_present.copy()
    for t, layout, groups in _layouts(present, clusters, out["units"]):
        # each group's present tasks, in task order, as a t x (8 x groups) block
        block = np.stack([stack[g][present[g]] for g in groups], axis=1).reshape(t, -1).astype(np.float32)
        w = _weights(n_boot, seed, t) if layout is None else _weights(n_boot, seed, int(layout.max()) + 1)[:, layout]
        sums = (w @ block).astype(float).reshape(n_boot, len(groups), 8)
        ns, cu = sums[..., :4], sums[..., 4:]
        for suffix, tab in (("", ns + cu), ("_ns", ns), ("_cu", cu)):
            k = kappa_2x2(*np.moveaxis(tab, -1, 0))  # B x groups
            defined = np.isfinite(k).any(axis=0)
            if defined.any():
                q = _quantiles(k[:, defined], (0.025, 0.975))
                out["low" + suffix][groups[defined]] = q[0]
                out["high" + suffix][groups[defined]] = q[1]
    return out


def _layouts(
    present: np.ndarray, clusters: np.ndarray | None, units: np.ndarray
) -> list[tuple[int, np.ndarray | None, np.ndarray]]:
    """Groups sharing one weight matrix: by number of tasks, and with clusters by the skill layout of
    their tasks (each present task's skill, renumbered in order of first appearance); sets `units`."""
    out: dict[tuple[int, bytes | None], list[int]] = {}
    keys: dict[bytes, np.ndarray] = {}
    for g in np.flatnonzero(present.any(axis=1)).tolist():
        t = int(present[g].sum())
        if clusters is None:
            out.setdefault((t, None), []).append(g)
            continue
        _, first, inv = np.unique(clusters[present[g]], return_index=True, return_inverse=True)
        layout = np.argsort(np.argsort(first, kind="stable"), kind="stable")[inv.reshape(-1)]
        layout = keys.setdefault(layout.tobytes(), layout)
        units[g] = int(layout.max()) + 1
        out.setdefault((t, layout.tobytes()), []).append(g)
    return [(t, None if k is None else keys[k], np.asarray(v)) for (t, k), v in out.items()]


def interval(
    cells: tuple[int, int, int, int], low: float, high: float, tasks: int, method: str = BOOT_METHOD
) -> tuple[float | None, float | None, str | None]:
    """(low, high, method) for one table: the bootstrap limits (asymptotic ones with fewer than
    MIN_BOOT_TASKS resampling units, `tasks`), Wilson's where those have no width."""
    if kappa_scalar(cells) is None:
        return None, None, None
    if tasks >= MIN_BOOT_TASKS and np.isfinite(low) and np.isfinite(high) and high - low > 1e-9:
        return json_float(low), json_float(high), method
    n11, n10, n01, n00 = cells
    asym = cohens_kappa([[n11, n10], [n01, n00]])
    if tasks < MIN_BOOT_TASKS and asym.low is not None and asym.high is not None and asym.high - asym.low > 1e-9:
        return max(-1.0, asym.low), min(1.0, asym.high), ASYMPTOTIC_METHOD  # κ lies in [−1, 1]
    n = n11 + n10 + n01 + n00
    pa, pb = (n11 + n10) / n, (n11 + n01) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    lo, hi = (float(x) for x in wilson(np.array(n11 + n00), np.array(n)))
    return max(-1.0, (lo - pe) / (1 - pe)), min(1.0, (hi - pe) / (1 - pe)), WILSON_METHOD


def by_condition(
    judge_a: str, judge_b: str, n: dict[str, Any], boot: dict[str, np.ndarray], i: int, boot_method: str = BOOT_METHOD
) -> dict[str, dict[str, object]]:
    """κ, CI, n and undefined reason per condition for group i (keys no_skill, curated)."""
    out: dict[str, dict[str, object]] = {}
    for cond, suffix in (("no_skill", "ns"), ("curated", "cu")):
        cells = tuple(int(n[f"{c}_{suffix}"][i]) for c in CELLS)
        lo, hi, method = interval(
            cells,  # type: ignore[arg-type]
            boot[f"low_{suffix}"][i],
            boot[f"high_{suffix}"][i],
            int(boot["units"][i]),
            boot_method,
        )
        out[cond] = {
            "n": sum(cells),
            "kappa": kappa_scalar(cells),  # type: ignore[arg-type]
            "kappa_low": lo,
            "kappa_high": hi,
            "kappa_ci_method": method,
            "kappa_undefined": undefined_reason(judge_a, judge_b, cells),  # type: ignore[arg-type]
        }
    return out
