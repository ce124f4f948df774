"""The resampling unit of the report's intervals: the task (default), or the skill a task belongs to.

Tasks are nested in skills (five per skill in the reference study), and tasks of one skill share a
procedure, so their outcomes are correlated: an interval that resamples tasks as if they were
independent is too narrow when the skill matters (the design effect 1 + (m − 1)ρ of m tasks per
skill with intra-skill correlation ρ; Kish 1965, Survey Sampling, §5.4). `--cluster skill` resamples
whole skills instead, with all their tasks (and samples): the cluster, or "pairs cluster", bootstrap
(Davison & Hinkley 1997, Bootstrap Methods and their Application, §3.8, strategy 1: resample the
clusters with replacement, keep each cluster intact; Field & Welsh 2007, JRSS B 69:369-390, show it
is consistent as the number of clusters grows, whatever the within-cluster dependence; Cameron &
Miller 2015, J. Human Resources 50:317-372, §VI.C, warn that it under-covers with few clusters, under
about 20-50: `MIN_CLUSTERS` adds a warning below 20).

- Δ and lift (`cluster_ci`): per skill k the sum S_k of the per-task differences and the number n_k
  of tasks; Δ = Σ S_k / Σ n_k is the mean over tasks (the ratio estimator, exact here); the skills are
  resampled as pairs (S_k, n_k) and the interval is scipy's BCa (Efron 1987, JASA 82:171), its
  acceleration from the jackknife over skills ("bootstrap-skill").
- κ (`engine.analysis.kappa_boot.cluster_boot` with `clusters`): each resample draws skills and
  counts every task of a drawn skill as often as the skill was drawn ("bootstrap-skill-percentile").
- McNemar (`mcnemar_by_skill`): Durkalski et al. (2003, Stat Med 22:1417-1428) with the skill as the
  cluster, from per-skill discordant counts ("durkalski-skill").

With several samples per task and the task as the unit, every interval already resamples tasks
(the samples of a task move together; `engine.analysis.delta_ci`, `kappa_boot`). A task whose skill
the store does not know is a cluster of its own.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from engine.analysis.intervals import durkalski
from engine.analysis.notices import Notice
from engine.analysis.stats import CI_LEVEL, json_float
from engine.store.reader import Con

UNITS = ("task", "skill")
MIN_CLUSTERS = 20


def task_skills(con: Con) -> dict[str, str]:
    """task_id -> skill_id from the store's tasks table, else from its judgments (denormalised there)."""
    rows = con.execute(
        "SELECT task_id, min(skill_id) FROM tasks WHERE skill_id IS NOT NULL AND skill_id <> '' GROUP BY task_id"
    ).fetchall()
    if not rows:
        rows = con.execute(
            "SELECT task_id, min(skill_id) FROM judgments WHERE skill_id IS NOT NULL AND skill_id <> '' "
            "GROUP BY task_id"
        ).fetchall()
    return {str(t): str(s) for t, s in rows}


def codes(task_ids: np.ndarray | Sequence[str], skills: Mapping[str, str]) -> np.ndarray:
    """An integer cluster code per task: its skill, or a cluster of its own when the skill is unknown."""
    keys = [skills.get(str(t), "\0task:" + str(t)) for t in task_ids]
    return np.unique(np.asarray(keys, dtype=object), return_inverse=True)[1].reshape(-1).astype(np.int64)


def n_clusters(task_ids: np.ndarray | Sequence[str], skills: Mapping[str, str]) -> int:
    return int(np.unique(codes(task_ids, skills)).size) if len(task_ids) else 0


def _rng(seed: int, k: int) -> np.random.Generator:
    # the stream of `engine.analysis.stats.paired_ci` for k units: with one task per skill the skill
    # bootstrap draws exactly what the task bootstrap draws
    return np.random.default_rng([int(seed) & 0xFFFFFFFF, k])


def _ratio(s: np.ndarray, n: np.ndarray, axis: int = -1) -> np.ndarray:
    return s.sum(axis=axis) / n.sum(axis=axis)


def cluster_ci(
    series: Sequence[tuple[np.ndarray, np.ndarray]], *, n_boot: int = 2000, seed: int = 0
) -> list[tuple[float | None, float | None]]:
    """95% BCa interval of the mean over tasks of each (values, cluster codes) series, resampling
    clusters (module docstring). Fewer than two clusters give (None, None); series with the same
    number of clusters share one scipy call and its draws."""
    from scipy.stats import bootstrap

    out: list[tuple[float | None, float | None]] = [(None, None)] * len(series)
    by_k: dict[int, list[tuple[int, np.ndarray, np.ndarray]]] = {}
    for i, (values, cl) in enumerate(series):
        v = np.asarray(values, dtype=float)
        if v.size < 2:
            continue
        _, inv = np.unique(np.asarray(cl), return_inverse=True)
        inv = inv.reshape(-1)
        k = int(inv.max()) + 1
        if k < 2:
            continue
        by_k.setdefault(k, []).append((i, np.bincount(inv, weights=v, minlength=k), np.bincount(inv, minlength=k)))
    for k, rows in sorted(by_k.items()):
        s = np.vstack([r[1] for r in rows])
        n = np.vstack([r[2] for r in rows]).astype(float)
        lo, hi = _boot(bootstrap, s, n, n_boot, seed, k, "BCa")
        bad = ~(np.isfinite(lo) & np.isfinite(hi))
        if bad.any():  # BCa undefined (a degenerate resample distribution): the percentile interval
            plo, phi = _boot(bootstrap, s[bad], n[bad], n_boot, seed, k, "percentile")
            lo[bad], hi[bad] = plo, phi
        for j, (i, _, _) in enumerate(rows):
            out[i] = (json_float(lo[j]), json_float(hi[j]))
    return out


def _boot(bootstrap: Any, s: np.ndarray, n: np.ndarray, n_boot: int, seed: int, k: int, method: str) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = bootstrap(
            (s, n),
            _ratio,
            paired=True,
            axis=-1,
            vectorized=True,
            n_resamples=n_boot,
            confidence_level=CI_LEVEL,
            method=method,
            rng=_rng(seed, k),
        )
    return np.atleast_1d(res.confidence_interval.low).copy(), np.atleast_1d(res.confidence_interval.high).copy()


def mcnemar_by_skill(pf: np.ndarray, fp: np.ndarray, cl: np.ndarray) -> float | None:
    """Durkalski's clustered McNemar p with the skill as the cluster (per-task discordant counts
    summed per skill)."""
    if np.asarray(cl).size == 0:
        return None
    _, inv = np.unique(np.asarray(cl), return_inverse=True)
    inv = inv.reshape(-1)
    return durkalski(np.bincount(inv, weights=pf), np.bincount(inv, weights=fp))


def skill_mcnemar(ds: Sequence[Any], skills: Mapping[str, str]) -> None:
    """McNemar of each Δ (in place) clustered by skill, where its tasks span at least two skills."""
    for d in ds:
        c = codes(d.task_ids, skills)
        if np.unique(c).size >= 2 and d.n_pairs:
            d.mcnemar_p, d.mcnemar_midp = mcnemar_by_skill(d.task_pf, d.task_fp, c), None
            d.mcnemar_method = "durkalski-skill"


def skill_map(con: Con, tasks: Sequence[str], found: list[Notice]) -> dict[str, str]:
    """`task_skills`, with findings on tasks without a skill and on too few skills to resample."""
    skills = task_skills(con)
    missing = [t for t in tasks if t not in skills]
    if missing:
        msg = (
            f"clustered by skill: {len(missing)} of {len(tasks)} tasks have no skill in the store; "
            "each of them is resampled as a cluster of its own"
        )
        found.append(Notice("cluster", msg, subject="tasks without a skill"))
    k = n_clusters(tasks, skills)
    if tasks and k < MIN_CLUSTERS:
        msg = (
            f"clustered by skill: only {k} skills; the cluster bootstrap can be too narrow with fewer "
            f"than {MIN_CLUSTERS} clusters (Cameron & Miller 2015, §VI)"
        )
        found.append(Notice("cluster", msg, subject="too few skills"))
    return skills
