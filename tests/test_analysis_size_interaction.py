"""The size × condition test behind every claim about Δ's shape across model sizes: its p against an
exact enumeration of the within-task permutations, its rejection rate under a flat truth (sizes with
different pass rates, the same Δ) and under a W-shaped one, and the report's wording on real stores."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synth import make_synthetic_store  # noqa: E402
from engine.analysis import build_report  # noqa: E402
from engine.analysis.size_interaction import permutation_test  # noqa: E402
from engine.paper.findings import _trajectory  # noqa: E402
from engine.store.schema import ddl  # noqa: E402


def _ss(x: np.ndarray) -> float:
    """Between-level sum of squares, written out: Σ_k n_k (mean_k − grand mean)²."""
    have = np.isfinite(x)
    grand = x[have].mean()
    return float(sum(have[:, k].sum() * (x[have[:, k], k].mean() - grand) ** 2 for k in range(x.shape[1])))


def _exact(x: np.ndarray) -> float:
    """Every arrangement of each task's values among its levels, enumerated: P(T* ≥ T)."""
    obs = _ss(x)
    per_task = []
    for row in x:
        cols = np.flatnonzero(np.isfinite(row))
        per_task.append([(cols, row[cols][list(p)]) for p in itertools.permutations(range(cols.size))])
    hits = total = 0
    for combo in itertools.product(*per_task):
        y = np.full_like(x, np.nan)
        for i, (cols, vals) in enumerate(combo):
            y[i, cols] = vals
        hits += _ss(y) >= obs - 1e-12
        total += 1
    return hits / total


def _levels(x: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    tasks = np.array([f"t{i}" for i in range(x.shape[0])], dtype=object)
    return [(tasks[np.isfinite(x[:, k])], x[np.isfinite(x[:, k]), k]) for k in range(x.shape[1])]


@pytest.mark.parametrize("missing", [False, True])
def test_p_matches_the_exact_permutation_distribution(missing: bool) -> None:
    rng = np.random.default_rng(11)
    x = rng.integers(-1, 2, size=(6, 3)).astype(float) + np.array([0.0, 0.4, 0.0])  # level 1 a little higher
    if missing:
        x[0, 2] = np.nan  # task 0 scored at two sizes only
        x[1, 1:] = np.nan  # task 1 at one size: it stays with it
    exact = _exact(x)
    stat, p, n_tasks, shared = permutation_test(_levels(x), n_perm=20000, seed=3)
    assert stat == pytest.approx(_ss(x), abs=1e-12) and n_tasks == 6 and shared == (4 if missing else 6)
    assert p is not None and 0.005 < exact < 0.9  # a p worth comparing
    assert abs(p - exact) < 4 * np.sqrt(exact * (1 - exact) / 20000) + 1e-4, (p, exact)


def _simulate(deltas: list[float], reps: int, seed: int) -> float:
    """Share of rejections at α = 0.05: 200 tasks shared by 3 sizes, one sample; the sizes' no-skill pass
    rates differ (logit −0.8, 0, 0.6 minus the task's difficulty), curated adds deltas[k] plus a task
    effect shared by the sizes (the tasks differ in how much the procedure helps)."""
    rng = np.random.default_rng(seed)
    tasks = np.array([f"t{i:03d}" for i in range(200)], dtype=object)
    rejected = 0
    for r in range(reps):
        difficulty, helps = rng.normal(0, 1, 200), rng.uniform(-0.1, 0.1, 200)
        levels = []
        for ability, delta in zip((-0.8, 0.0, 0.6), deltas, strict=True):
            p0 = 1 / (1 + np.exp(-(ability - difficulty)))
            p1 = np.clip(p0 + delta + helps, 0, 1)
            levels.append((tasks, (rng.random(200) < p1).astype(float) - (rng.random(200) < p0)))
        _, p, _, _ = permutation_test(levels, n_perm=499, seed=r)
        rejected += p is not None and p <= 0.05
    return rejected / reps


def test_flat_truth_rejects_at_alpha_and_a_w_is_detected() -> None:
    # the clip at 0 and 1 bends a few tasks' Δ; the mean Δ of the sizes stays within 0.01 of 0.05
    flat = _simulate([0.05, 0.05, 0.05], 300, seed=1)
    assert 0.02 <= flat <= 0.085, flat  # α = 0.05; Monte Carlo SE 0.013
    w = _simulate([-0.08, 0.12, -0.08], 60, seed=2)
    assert w >= 0.9, w


def _store(effects: tuple[float, ...], seed: int) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for s in ddl():
        con.execute(s)
    cfgs = [
        {"id": f"m{sz}", "size": sz, "role": "student", "base": None, "ability": 0.0, "effect": e}
        for sz, e in zip(("0.8B", "2B", "4B"), effects, strict=True)
    ]
    judge = [{"id": "claude", "kind": "llm", "flip": 0.03, "error": 0.0}]
    make_synthetic_store(con, len(cfgs) * 200 * 2, configs=cfgs, judges=judge, seed=seed)
    return con


def test_report_claims_a_shape_only_when_the_test_rejects() -> None:
    flat = build_report(_store((0.3, 0.3, 0.3), seed=1), n_boot=100, alpha=0.05)
    (t,) = flat.size_tests
    assert t.series == "base" and t.sizes == (0.8, 2.0, 4.0) and t.p_value is not None and t.p_value > 0.2
    text = _trajectory(flat)[0].text
    assert "not distinguishable from flat" in text and "change sign" not in text
    assert flat.to_dict()["trajectory_tests"][0]["rejects"] is False
    w = build_report(_store((-0.6, 0.6, -0.6), seed=1), n_boot=100, alpha=0.01)
    (t,) = w.size_tests
    assert t.rejects and t.alpha == 0.01 and t.p_value is not None and t.p_value < 0.01
    f = _trajectory(w)[0]
    assert f.status == "significant" and "Δ varies with size" in f.text and "change sign 2 times" in f.text
    # α from the experiment decides: the same store at α = 1e-5 claims nothing (p ≥ 1/5000)
    strict = build_report(_store((-0.6, 0.6, -0.6), seed=1), n_boot=100, alpha=1e-5)
    assert "not distinguishable from flat" in _trajectory(strict)[0].text
