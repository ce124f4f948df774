"""Does Δ change with model size? A permutation test of the size × condition interaction.

The trajectory (Δ by size, `engine.analysis.report.trajectory`) invites reading a shape into a few
point estimates (the reference study's "W-shape"). Sign changes of estimates whose CIs all cross 0
are no evidence of a shape: the report claims one only when this test rejects flatness at the
experiment's α, and otherwise says "not distinguishable from flat (p = …)".

Data: for one series (base or SFT configs, each at its size), the per-task paired differences
d_{t,k} = curated − no_skill pass rate of task t under level k (a config at its size) on one judge
path. H0 (flat): Δ does not depend on the level, i.e. within each task the levels' differences are
exchangeable. Δ_k = mean_t d_{t,k} over the n_k tasks of level k.

Statistic: the between-level sum of squares of the Δ_k, T = Σ_k n_k (Δ_k − Δ̄)², Δ̄ the mean over all
(t, k). Permutation scheme (restricted permutation within blocks, the task as the block; Good 2005,
Permutation, Parametric and Bootstrap Tests of Hypotheses, 3rd ed., §5.3 on randomized blocks;
Anderson & ter Braak 2003, J. Stat. Comput. Simul. 73:85-113, permutation of raw data within the
levels of the blocking factor): each task's differences are shuffled among the levels that have
that task, independently per task; a task only one level has stays with it. Each n_k and each task's
sum are fixed under the scheme, so with every task shared T is a monotone function of the repeated-
measures ANOVA F, and the test is its randomisation version, free of normality. p = (1 + #{T* ≥ T})
/ (1 + B) over B random permutations (Phipson & Smyth 2010, Stat. Appl. Genet. Mol. Biol. 9:39).

Assumption: under H0 a task's differences are exchangeable across sizes. When sizes differ in their
pass rates (not in Δ), the spread of d differs too; `tests/test_analysis_size_interaction.py`
measures the rejection rate at α there. A logistic mixed model (task random effect, size × condition
fixed) would test the same on the logit scale; statsmodels offers only a variational-Bayes binomial
mixed GLM without a frequentist p-value, so it is not used.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

N_PERM = 4999
_CHUNK = 500  # permutations per block (memory: chunk x tasks x levels floats)


@dataclass(frozen=True)
class SizeTest:
    series: str  # base | sft
    path: str | None
    configs: tuple[str, ...]
    sizes: tuple[float, ...]
    deltas: tuple[float, ...]
    n_tasks: int  # tasks in the test (any level)
    shared_tasks: int  # tasks every level has
    statistic: float
    p_value: float | None  # None: no task has two levels, nothing to permute
    n_perm: int
    alpha: float
    method: str = "permutation-within-task"

    @property
    def rejects(self) -> bool | None:
        return None if self.p_value is None else self.p_value <= self.alpha

    def verdict(self) -> str:
        """`varies with size` or `not distinguishable from flat`, with p and α."""
        if self.p_value is None:
            return "no test (no task is scored at two sizes)"
        p = "< 0.0001" if self.p_value < 1e-4 else f"= {self.p_value:.4f}"
        where = f"α = {self.alpha:g}, {self.n_perm} permutations within {self.shared_tasks} shared tasks"
        if self.rejects:
            return f"Δ varies with size (size × condition permutation test, p {p}; {where})"
        return f"not distinguishable from flat (size × condition permutation test, p {p}; {where})"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"rejects": self.rejects, "verdict": self.verdict()}


def _matrix(levels: Sequence[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Tasks x levels of differences, NaN where a level lacks the task."""
    tasks = np.unique(np.concatenate([np.asarray(t, dtype=object) for t, _ in levels])) if levels else np.array([])
    x = np.full((tasks.size, len(levels)), np.nan)
    for k, (t, d) in enumerate(levels):
        x[np.searchsorted(tasks, np.asarray(t, dtype=object)), k] = np.asarray(d, dtype=float)
    return x


def _stat(sums: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Σ_k S_k² / n_k − (Σ S_k)² / N over the last axis: Σ_k n_k (Δ_k − Δ̄)²."""
    return (sums * sums / n).sum(axis=-1) - sums.sum(axis=-1) ** 2 / n.sum()


def _orders(rng: np.random.Generator, b: int, r: int, m: int) -> np.ndarray:
    """b x r uniformly random permutations of range(m): drawn from the list of all m! when small."""
    if m <= 6:
        perms = np.array(list(itertools.permutations(range(m))), dtype=np.int64)
        return perms[rng.integers(0, len(perms), size=(b, r))]
    return np.argsort(rng.random((b, r, m)), axis=-1)


def permutation_test(
    levels: Sequence[tuple[np.ndarray, np.ndarray]], *, n_perm: int = N_PERM, seed: int = 0
) -> tuple[float, float | None, int, int]:
    """(T, p, tasks, shared tasks) for levels given as (task ids, per-task differences) (module docstring)."""
    x = _matrix(levels)
    have = np.isfinite(x)
    n = have.sum(axis=0).astype(float)
    if x.size == 0 or (n == 0).any():
        return 0.0, None, int(x.shape[0]), 0
    obs = float(_stat(np.nansum(x, axis=0), n))
    shared = int(have.all(axis=1).sum())
    multi = have.sum(axis=1) >= 2
    if not multi.any():
        return obs, None, int(x.shape[0]), shared
    fixed = np.where(have & ~multi[:, None], x, 0.0).sum(axis=0)  # tasks of one level stay
    patterns: dict[bytes, list[int]] = {}
    for i in np.flatnonzero(multi).tolist():
        patterns.setdefault(have[i].tobytes(), []).append(i)
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, x.shape[0], x.shape[1], 0x51])
    hits, done = 0, 0
    while done < n_perm:
        b = min(_CHUNK, n_perm - done)
        sums = np.broadcast_to(fixed, (b, x.shape[1])).copy()
        for rows in patterns.values():
            cols = np.flatnonzero(have[rows[0]])
            vals = x[np.ix_(np.asarray(rows), cols)]  # r x m
            order = _orders(rng, b, len(rows), cols.size)
            sums[:, cols] += np.take_along_axis(np.broadcast_to(vals, order.shape), order, axis=-1).sum(axis=1)
        hits += int((_stat(sums, n) >= obs - 1e-12 * max(1.0, abs(obs))).sum())
        done += b
    return obs, (1 + hits) / (1 + n_perm), int(x.shape[0]), shared


def size_tests(
    trajectory: Sequence[Any],
    deltas: Sequence[Any],
    path: str | None,
    *,
    alpha: float = 0.05,
    n_perm: int = N_PERM,
    seed: int = 0,
) -> list[SizeTest]:
    """One test per series (base, sft) with at least two sized configs on `path`, from the trajectory
    points and the Δs behind them (their per-task differences)."""
    by = {d.config: d for d in deltas if d.path == path}
    out = []
    for series in ("base", "sft"):
        pts = [p for p in trajectory if p.series == series and p.size_b is not None and p.config in by]
        pts = [p for p in pts if by[p.config].task_ids.size]
        if len({p.size_b for p in pts}) < 2:
            continue
        levels = [(by[p.config].task_ids, by[p.config].diffs) for p in pts]
        stat, pv, n_tasks, shared = permutation_test(levels, n_perm=n_perm, seed=seed)
        out.append(
            SizeTest(
                series=series,
                path=path,
                configs=tuple(p.config for p in pts),
                sizes=tuple(float(p.size_b) for p in pts),
                deltas=tuple(float(by[p.config].diffs.mean()) for p in pts),
                n_tasks=n_tasks,
                shared_tasks=shared,
                statistic=stat,
                p_value=pv,
                n_perm=n_perm,
                alpha=alpha,
            )
        )
    return out
