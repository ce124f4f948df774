"""Which interval each Δ and lift gets, and computing it (`engine.analysis.delta.with_cis` calls `fill`).

- One sample per task and condition (every task's per-task difference is −1, 0 or +1): Δ gets
  Tango's score interval for paired proportions (`intervals.tango`; ci_method "tango-score"), which
  holds its level at 34 tasks with 2% discordance where the task bootstrap covers 44%
  (bench/bench_coverage.py), and has width > 0 also with no discordant task. The lift gets the
  MOVER combination of the two configs' Tango intervals on their common tasks, with the correlation
  of the two per-task difference series (`intervals.mover`; "mover-tango").
- More than one sample: the bootstrap over tasks (`stats.paired_ci`, BCa; "bootstrap-task"): the task
  is the resampling unit, so the samples of a task move together. When every task has the same
  difference the bootstrap has nothing to resample; the interval is then Tango's with the tasks as
  the units and the per-task differences' positive and negative parts as discordance
  ("tango-tasks"; for a lift "mover-tango-tasks"): conservative, since several samples per task
  carry more information than one.

The correlation r given to MOVER is Pearson's between the per-task differences (0 when either
series is constant), shrunk by (n − 1)/(n + 1) so that two identical series (r̂ = 1, e.g. both
configs with no discordance) still give a lift interval of width > 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from engine.analysis.intervals import mover, tango
from engine.analysis.stats import _num, paired_ci


def _counts(d: np.ndarray) -> tuple[float, float, int]:
    """(b, c, n) of a series of per-task differences: its positive and negative parts' sums."""
    d = np.asarray(d, dtype=float)
    return float(np.clip(d, 0, None).sum()), float(np.clip(-d, 0, None).sum()), int(d.size)


def score_ci(d: np.ndarray) -> tuple[float | None, float | None]:
    """Tango's interval for the mean of a series of per-task differences in [−1, 1]."""
    b, c, n = _counts(d)
    if n == 0:
        return None, None
    lo, hi = tango(np.array([b]), np.array([c]), np.array([n]))
    return _num(lo[0]), _num(hi[0])


def _corr(x: np.ndarray, y: np.ndarray) -> float:
    n = x.size
    if n < 2 or np.all(x == x[0]) or np.all(y == y[0]):
        return 0.0
    r = float(np.corrcoef(x, y)[0, 1])
    return r * (n - 1) / (n + 1) if np.isfinite(r) else 0.0


def mover_ci(da: np.ndarray, db: np.ndarray) -> tuple[float | None, float | None]:
    """MOVER interval for mean(da) − mean(db) from the two series' Tango intervals."""
    da, db = np.asarray(da, dtype=float), np.asarray(db, dtype=float)
    if da.size == 0:
        return None, None
    la, ua = score_ci(da)
    lb, ub = score_ci(db)
    lo, hi = mover(da.mean(), la, ua, db.mean(), lb, ub, _corr(da, db))  # type: ignore[arg-type]
    return _num(lo), _num(hi)


def _degenerate(d: np.ndarray) -> bool:
    return d.size >= 1 and bool(np.all(d == d[0]))


def fill(items: Sequence[Any], *, n_boot: int, seed: int) -> None:
    """Set ci_low, ci_high and ci_method of each Delta (has `diffs`) or Comparison (also `diffs_a`,
    `diffs_b`) in place; items with one sample per task get score intervals, the rest one batched
    bootstrap."""
    boot = []
    for it in items:
        pair = hasattr(it, "diffs_a")
        d = np.asarray(it.diffs, dtype=float)
        if d.size == 0:
            it.ci_low, it.ci_high, it.ci_method = None, None, None
        elif it.single_sample or _degenerate(d) or d.size < 2:
            tag = "" if it.single_sample else "-tasks"
            if pair:
                it.ci_low, it.ci_high = mover_ci(it.diffs_a, it.diffs_b)
                it.ci_method = "mover-tango" + tag
            else:
                it.ci_low, it.ci_high = score_ci(d)
                it.ci_method = "tango-tasks" if tag else "tango-score"
        else:
            boot.append(it)
    cis = paired_ci([it.diffs for it in boot], n_boot=n_boot, seed=seed)
    for it, (lo, hi) in zip(boot, cis, strict=True):
        it.ci_low, it.ci_high, it.ci_method = lo, hi, "bootstrap-task"
