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

- `clusters` given (`engine report --cluster skill`): every Δ and lift whose tasks span at least two
  skills gets the bootstrap over skills (`engine.analysis.clusters.cluster_ci`, "bootstrap-skill"),
  whatever the number of samples; a series with one skill, or all differences equal, keeps the
  interval above (the methods line names each).

The correlation r given to MOVER is Pearson's between the per-task differences (0 when either
series is constant), shrunk by (n − 1)/(n + 1) so that two identical series (r̂ = 1, e.g. both
configs with no discordance) still give a lift interval of width > 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from engine.analysis import clusters as cl
from engine.analysis.intervals import mover, tango
from engine.analysis.stats import json_float, paired_ci


def score_rows(d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Tango's interval for the mean of each row of per-task differences in [−1, 1] (rows x tasks):
    b and c are the sums of the positive and negative parts, n the number of tasks."""
    d = np.atleast_2d(np.asarray(d, dtype=float))
    b, c = np.clip(d, 0, None).sum(axis=1), np.clip(-d, 0, None).sum(axis=1)
    return tango(b, c, np.full(d.shape[0], float(d.shape[1])))


def corr_rows(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson's r of each row pair, 0 where a row is constant, shrunk by (n − 1)/(n + 1)."""
    x, y = np.atleast_2d(np.asarray(x, dtype=float)), np.atleast_2d(np.asarray(y, dtype=float))
    n = x.shape[1]
    xc, yc = x - x.mean(axis=1, keepdims=True), y - y.mean(axis=1, keepdims=True)
    sxx, syy, sxy = (xc * xc).sum(axis=1), (yc * yc).sum(axis=1), (xc * yc).sum(axis=1)
    ok = (sxx > 1e-12) & (syy > 1e-12) & (n >= 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(ok, sxy / np.sqrt(sxx * syy), 0.0)
    return np.clip(r, -1.0, 1.0) * (n - 1) / (n + 1)


def mover_rows(da: np.ndarray, db: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """MOVER interval for mean(da) − mean(db) per row, from the two rows' Tango intervals."""
    da, db = np.atleast_2d(np.asarray(da, dtype=float)), np.atleast_2d(np.asarray(db, dtype=float))
    la, ua = score_rows(da)
    lb, ub = score_rows(db)
    return mover(da.mean(axis=1), la, ua, db.mean(axis=1), lb, ub, corr_rows(da, db))


def score_ci(d: np.ndarray) -> tuple[float | None, float | None]:
    """`score_rows` for one series."""
    if np.asarray(d).size == 0:
        return None, None
    lo, hi = score_rows(d)
    return json_float(lo[0]), json_float(hi[0])


def mover_ci(da: np.ndarray, db: np.ndarray) -> tuple[float | None, float | None]:
    """`mover_rows` for one pair of series."""
    if np.asarray(da).size == 0:
        return None, None
    lo, hi = mover_rows(da, db)
    return json_float(lo[0]), json_float(hi[0])


def _degenerate(d: np.ndarray) -> bool:
    return d.size >= 1 and bool(np.all(d == d[0]))


def fill(items: Sequence[Any], *, n_boot: int, seed: int, clusters: Mapping[str, str] | None = None) -> None:
    """Set ci_low, ci_high and ci_method of each Delta (has `diffs`) or Comparison (also `diffs_a`,
    `diffs_b`) in place; items with one sample per task get score intervals, the rest one batched
    bootstrap; with `clusters` (task -> skill), the bootstrap over skills (module docstring)."""
    boot = []
    by_skill: list[tuple[Any, np.ndarray]] = []
    for it in items:
        pair = hasattr(it, "diffs_a")
        d = np.asarray(it.diffs, dtype=float)
        codes = cl.codes(it.task_ids, clusters) if clusters is not None and d.size >= 2 else None
        if d.size == 0:
            it.ci_low, it.ci_high, it.ci_method = None, None, None
        elif codes is not None and np.unique(codes).size >= 2 and not _degenerate(d):
            by_skill.append((it, codes))
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
    cis = cl.cluster_ci([(it.diffs, c) for it, c in by_skill], n_boot=n_boot, seed=seed)
    for (it, _), (lo, hi) in zip(by_skill, cis, strict=True):
        it.ci_low, it.ci_high, it.ci_method = lo, hi, "bootstrap-skill"
