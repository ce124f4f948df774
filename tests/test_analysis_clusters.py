"""Intervals clustered by skill (`engine report --cluster skill`): coverage by simulation with
skill-level random effects, κ against a plain-Python resampling of skills scored by sklearn, and
McNemar against Durkalski's statistic worked out by hand."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pytest
from scipy.stats import chi2
from sklearn.metrics import cohen_kappa_score

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synth import insert_rows  # noqa: E402
from engine.analysis import build_report  # noqa: E402
from engine.analysis.clusters import cluster_ci  # noqa: E402
from engine.analysis.kappa_boot import SKILL_METHOD  # noqa: E402
from engine.analysis.render_methods import units_line  # noqa: E402
from engine.analysis.stats import paired_ci  # noqa: E402
from engine.store.schema import ddl  # noqa: E402

Verdict = Callable[[str, str, int, str, int], bool]  # (config, judge, task, condition, sample) -> pass


def store(tasks: int, per_skill: int, samples: int, verdict: Verdict) -> duckdb.DuckDBPyConnection:
    """Configs b and its SFT s, judges L (llm) and fa (final_answer); task i in skill i // per_skill."""
    con = duckdb.connect()
    for s in ddl():
        con.execute(s)
    insert_rows(
        con,
        "configs",
        [
            {"config_id": "b", "config_fp": "fpb", "role": "student", "size_b": 1.0},
            {"config_id": "s", "config_fp": "fps", "role": "student", "size_b": 1.0, "base_config": "b"},
        ],
    )
    insert_rows(
        con,
        "judges",
        [{"judge_id": j, "judge_fp": "f" + j, "kind": k} for j, k in (("L", "llm"), ("fa", "final_answer"))],
    )
    skill = {f"t{i:03d}": f"k{i // per_skill:02d}" for i in range(tasks)}
    insert_rows(
        con, "tasks", [{"task_id": t, "task_hash": "h" + t, "skill_id": k, "scoring": "llm"} for t, k in skill.items()]
    )
    eps, jds = [], []
    for cfg in ("b", "s"):
        for i in range(tasks):
            t = f"t{i:03d}"
            for cond in ("no_skill", "curated"):
                for smp in range(samples):
                    eid = f"{cfg}-{i}-{cond}-{smp}"
                    row = {"config_id": cfg, "config_fp": "fp" + cfg, "task_id": t, "skill_id": skill[t]}
                    row |= {"condition": cond, "sample": smp}
                    eps.append(row | {"episode_id": eid, "run_id": "r", "completion": "x", "task_hash": "h" + t})
                    for j in ("L", "fa"):
                        v = "pass" if verdict(cfg, j, i, cond, smp) else "fail"
                        jds.append(
                            row
                            | {"judgment_id": f"{eid}:{j}", "episode_id": eid, "judge_id": j, "judge_fp": "f" + j}
                            | {"scoring": "llm", "verdict": v, "rationale": v, "run_id": "r"}
                        )
    insert_rows(con, "episodes", eps)
    insert_rows(con, "judgments", jds)
    return con


def _simulate(half: float, reps: int, seed: int) -> tuple[float, float]:
    """Coverage of the true Δ = 0.05 by the skill and the task bootstrap: 40 skills x 5 tasks, 8 samples
    per task and condition; the skill shifts the curated pass rate by u ~ U(−half, half) (E u = 0)."""
    rng = np.random.default_rng(seed)
    skill = np.repeat(np.arange(40), 5)
    series = []
    for _ in range(reps):
        u = rng.uniform(-half, half, 40)
        cu = rng.binomial(8, 0.55 + u[skill]) / 8
        series.append(cu - rng.binomial(8, 0.5, 200) / 8)
    by_skill = cluster_ci([(d, skill) for d in series], n_boot=999, seed=1)
    by_task = paired_ci(series, n_boot=999, seed=1)

    def cover(cis: list[tuple[float | None, float | None]]) -> float:
        return float(np.mean([lo is not None and hi is not None and lo <= 0.05 <= hi for lo, hi in cis]))

    return cover(by_skill), cover(by_task)


def test_with_skill_random_effects_the_skill_bootstrap_covers_and_the_task_one_does_not() -> None:
    # intra-skill correlation of the per-task differences ≈ 0.55: design effect 1 + 4·0.55 ≈ 3.2, so an
    # interval over tasks is about √3.2 ≈ 1.8 times too narrow (it should cover ≈ P(|Z| < 1.1) ≈ 0.73)
    skill, task = _simulate(0.45, 600, seed=2)
    assert 0.925 <= skill <= 0.975, skill
    assert task <= 0.80, task
    # without a skill effect both hold their level: the skill bootstrap is not merely wider
    skill0, task0 = _simulate(0.0, 300, seed=3)
    assert skill0 >= 0.92 and task0 >= 0.92, (skill0, task0)


def test_one_task_per_skill_is_the_task_bootstrap() -> None:
    d = np.random.default_rng(4).integers(-1, 2, 60).astype(float)
    assert cluster_ci([(d, np.arange(60))], n_boot=500, seed=7) == paired_ci([d], n_boot=500, seed=7)


def _draws(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).random((2, 2, 60, 2, 3))


def _verdict(draws: np.ndarray) -> Verdict:
    def v(c: str, j: str, t: int, cond: str, s: int) -> bool:
        p = 0.3 + 0.3 * (cond == "curated") + 0.3 * ((t // 4) % 2)  # half the skills much easier
        x = draws[int(c == "s"), 0, t, int(cond == "curated"), s] < p
        return bool(x ^ (draws[int(c == "s"), 1, t, int(cond == "curated"), s] < 0.15)) if j == "fa" else bool(x)

    return v


def _brute_force_kappa(con: duckdb.DuckDBPyConnection, n_boot: int, seed: int) -> tuple[float, float]:
    """Plain Python: skills drawn with the stream kappa_boot documents (seed, number of skills, 0x6B),
    numbered in order of first appearance in task-id order; every item of a drawn skill, sklearn's κ."""
    rows = con.execute(
        "SELECT a.task_id, a.skill_id, a.verdict = 'pass', b.verdict = 'pass' FROM judgments a JOIN judgments b "
        "USING (episode_id) WHERE a.judge_id = 'fa' AND b.judge_id = 'L' AND a.config_id = 'b' ORDER BY a.task_id"
    ).fetchall()
    by_skill: dict[str, list[tuple[bool, bool]]] = {}
    for _, k, a, b in rows:
        by_skill.setdefault(k, []).append((a, b))
    skills = list(by_skill)  # insertion order = first appearance in task order
    idx = np.random.default_rng([seed, len(skills), 0x6B]).integers(0, len(skills), size=(n_boot, len(skills)))
    ks = []
    for draw in idx:
        items = [x for k in draw for x in by_skill[skills[k]]]
        a, b = [int(x[0]) for x in items], [int(x[1]) for x in items]
        if len(set(a)) > 1 and len(set(b)) > 1:
            ks.append(cohen_kappa_score(a, b))
    lo, hi = np.quantile(ks, [0.025, 0.975])
    return float(lo), float(hi)


def test_report_clustered_by_skill() -> None:
    con = store(60, 4, 3, _verdict(_draws(5)))
    r = build_report(con, n_boot=300, seed=5, cluster="skill")
    d = r.delta("b", "llm:L")
    assert d.ci_method == "bootstrap-skill" and d.ci_low < d.delta < d.ci_high
    assert {c.ci_method for c in r.lifts} == {"bootstrap-skill"}
    # the interval is the cluster bootstrap of the per-task differences grouped by skill
    skill = np.arange(60) // 4
    assert (d.ci_low, d.ci_high) == pytest.approx(cluster_ci([(d.diffs, skill)], n_boot=300, seed=5)[0], abs=1e-12)
    # McNemar: Durkalski's X² = (Σ_k (b_k − c_k))² / Σ_k (b_k − c_k)² over the 15 skills, by hand
    rows = con.execute(
        "SELECT n.skill_id, n.verdict = 'pass', c.verdict = 'pass' FROM judgments n JOIN judgments c "
        "ON n.task_id = c.task_id AND n.sample = c.sample AND n.config_id = c.config_id AND n.judge_id = c.judge_id "
        "WHERE n.condition = 'no_skill' AND c.condition = 'curated' AND n.config_id = 'b' AND n.judge_id = 'L'"
    ).fetchall()
    diff: dict[str, int] = {}
    for k, ns, cu in rows:
        diff[k] = diff.get(k, 0) + int(ns and not cu) - int(cu and not ns)
    x2 = sum(diff.values()) ** 2 / sum(v * v for v in diff.values())
    assert d.mcnemar_method == "durkalski-skill" and d.mcnemar_p == pytest.approx(chi2.sf(x2, 1), abs=1e-12)
    a = next(x for x in r.agreement if x.config == "b")
    assert a.kappa_ci_method == SKILL_METHOD
    assert {kc["kappa_ci_method"] for kc in a.kappa_by_condition.values()} == {SKILL_METHOD}
    assert (a.kappa_low, a.kappa_high) == pytest.approx(_brute_force_kappa(con, 300, 5), abs=1e-12)
    assert r.meta["cluster"] == "skill" and r.to_dict()["ci_units"]["κ CI"] == "skill"
    want = "Resampling unit (--cluster skill) — Δ CI: skill; McNemar: skill; lift CI: skill; κ CI: skill"
    assert units_line(r) == want
    assert any("only 15 skills" in w for w in r.warnings)  # fewer than 20 clusters
    # by task the same store keeps the task bootstrap and the McNemar clustered by task
    t = build_report(con, n_boot=300, seed=5).delta("b", "llm:L")
    assert t.ci_method == "bootstrap-task" and t.mcnemar_method == "durkalski-clustered"
    assert units_line(build_report(con, n_boot=50)).startswith("Resampling unit (--cluster task) — Δ CI: task")


def test_one_sample_per_task_by_skill_replaces_the_score_interval() -> None:
    con = store(40, 2, 1, _verdict(_draws(6)))
    d = build_report(con, n_boot=200, cluster="skill").delta("b", "llm:L")
    assert d.ci_method == "bootstrap-skill" and d.mcnemar_method == "durkalski-skill" and d.mcnemar_midp is None
    assert build_report(con, n_boot=200).delta("b", "llm:L").ci_method == "tango-score"


def test_unknown_cluster_is_refused() -> None:
    with pytest.raises(ValueError, match="cluster must be one of task, skill"):
        build_report(store(4, 2, 1, lambda *a: True), cluster="config")
