"""The report's intervals on real stores: score intervals with one sample per task, the κ cluster
bootstrap (against a plain-Python resampling with the same draws and sklearn's κ), κ undefined."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synth import insert_rows  # noqa: E402
from engine.analysis import build_report  # noqa: E402
from engine.analysis.intervals import mcnemar_midp, tango  # noqa: E402
from engine.analysis.kappa_boot import BOOT_METHOD  # noqa: E402
from engine.store.aggregates import refresh  # noqa: E402
from engine.store.schema import ddl  # noqa: E402

Verdict = Callable[[str, str, int, str, int], bool]  # (config, judge, task, condition, sample) -> pass


def store(tasks: int, samples: int, verdict: Verdict, *, aggregates: bool = False) -> duckdb.DuckDBPyConnection:
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
    insert_rows(con, "tasks", [{"task_id": f"t{i:03d}", "task_hash": f"h{i}", "scoring": "llm"} for i in range(tasks)])
    eps, jds = [], []
    for cfg in ("b", "s"):
        for i in range(tasks):
            for cond in ("no_skill", "curated"):
                for smp in range(samples):
                    eid = f"{cfg}-{i}-{cond}-{smp}"
                    row = {"config_id": cfg, "config_fp": "fp" + cfg, "task_id": f"t{i:03d}", "condition": cond}
                    row |= {"sample": smp}
                    eps.append(row | {"episode_id": eid, "run_id": "r", "completion": "x", "task_hash": f"h{i}"})
                    for j in ("L", "fa"):
                        v = "pass" if verdict(cfg, j, i, cond, smp) else "fail"
                        jds.append(
                            row
                            | {"judgment_id": f"{eid}:{j}", "episode_id": eid, "judge_id": j, "judge_fp": "f" + j}
                            | {"scoring": "llm", "verdict": v, "rationale": v, "run_id": "r"}
                        )
    insert_rows(con, "episodes", eps)
    insert_rows(con, "judgments", jds)
    if aggregates:
        refresh(con)
    return con


@pytest.mark.parametrize("aggregates", [False, True])
def test_one_sample_without_discordance_has_a_tango_interval_not_zero_width(aggregates: bool) -> None:
    con = store(34, 1, lambda c, j, t, cond, s: t % 2 == 0, aggregates=aggregates)
    r = build_report(con, n_boot=200)
    d = r.delta("b", "llm:L")
    assert d.delta == 0.0 and d.ci_method == "tango-score"
    lo, hi = tango(0, 0, 34)
    assert (d.ci_low, d.ci_high) == pytest.approx((float(lo), float(hi)), abs=1e-12)
    assert d.ci_low < -0.1 and d.ci_high > 0.1  # the task bootstrap gave [0, 0] here
    assert (d.mcnemar_method, d.mcnemar_p, d.mcnemar_midp) == ("exact", 1.0, None)
    lf = next(x for x in r.lifts if x.path == "llm:L")
    assert lf.ci_method == "mover-tango" and lf.ci_low < 0 < lf.ci_high
    assert d.to_dict()["ci_method"] == "tango-score" and lf.to_dict()["ci_method"] == "mover-tango"


def test_one_sample_interval_and_midp_from_the_discordant_counts() -> None:
    # curated passes tasks 0-9 and 20-29, no_skill passes tasks 0-9 and 30-31: 10 curated-only, 2 no_skill-only
    def v(c: str, j: str, t: int, cond: str, s: int) -> bool:
        return t < 10 or (cond == "curated" and 20 <= t < 30) or (cond == "no_skill" and 30 <= t < 32)

    d = build_report(store(40, 1, v), n_boot=200).delta("s", "llm:L")
    assert d.delta == pytest.approx(8 / 40)
    lo, hi = tango(10, 2, 40)
    assert (d.ci_low, d.ci_high) == pytest.approx((float(lo), float(hi)), abs=1e-12)
    assert d.mcnemar_midp == pytest.approx(mcnemar_midp(2, 10)) and d.mcnemar_midp < d.mcnemar_p


def test_several_samples_keep_the_task_bootstrap_and_cluster_mcnemar() -> None:
    rng = np.random.default_rng(0)
    draws = rng.random((2, 2, 30, 2, 3))

    def v(c: str, j: str, t: int, cond: str, s: int) -> bool:
        return bool(
            draws[int(c == "s"), int(j == "fa"), t, int(cond == "curated"), s] < (0.3 + 0.4 * (cond == "curated"))
        )

    d = build_report(store(30, 3, v), n_boot=200).delta("b", "llm:L")
    assert d.ci_method == "bootstrap-task" and d.mcnemar_method == "durkalski-clustered"
    assert d.ci_low < d.delta < d.ci_high and d.mcnemar_midp is None


def _brute_force_kappa_ci(con: duckdb.DuckDBPyConnection, cfg: str, n_boot: int, seed: int) -> tuple[float, float]:
    """Plain Python: the same task draws as the report, each resample's items listed and scored by sklearn."""
    rows = con.execute(
        "SELECT a.task_id, a.verdict = 'pass', b.verdict = 'pass' FROM judgments a JOIN judgments b "
        "ON a.episode_id = b.episode_id WHERE a.judge_id = 'fa' AND b.judge_id = 'L' AND a.config_id = ? "
        "ORDER BY a.task_id",
        [cfg],
    ).fetchall()
    by_task: dict[str, list[tuple[bool, bool]]] = {}
    for t, a, b in rows:
        by_task.setdefault(t, []).append((a, b))
    tasks = sorted(by_task)
    rng = np.random.default_rng([seed, len(tasks), 0x6B])  # the stream kappa_boot documents
    idx = rng.integers(0, len(tasks), size=(n_boot, len(tasks)))
    ks = []
    for draw in idx:
        items = [x for k in draw for x in by_task[tasks[k]]]
        a, b = [int(x[0]) for x in items], [int(x[1]) for x in items]
        if len(set(a)) > 1 and len(set(b)) > 1:
            ks.append(cohen_kappa_score(a, b))
    lo, hi = np.quantile(ks, [0.025, 0.975])
    return float(lo), float(hi)


def test_kappa_cluster_bootstrap_equals_brute_force_and_per_condition_kappa() -> None:
    rng = np.random.default_rng(1)
    truth = rng.random((2, 25, 2, 2)) < 0.5
    flip = rng.random((2, 25, 2, 2)) < 0.2

    def v(c: str, j: str, t: int, cond: str, s: int) -> bool:
        x = truth[int(c == "s"), t, int(cond == "curated"), s]
        return bool(x ^ flip[int(c == "s"), t, int(cond == "curated"), s]) if j == "fa" else bool(x)

    con = store(25, 2, v)
    r = build_report(con, n_boot=300, seed=5)
    a = next(x for x in r.agreement if x.config == "b")
    assert a.kappa_ci_method == BOOT_METHOD and a.kappa_undefined is None
    assert (a.kappa_low, a.kappa_high) == pytest.approx(_brute_force_kappa_ci(con, "b", 300, 5), abs=1e-12)
    assert a.kappa_asymptotic_low is not None and a.kappa_asymptotic_high is not None
    for cond in ("no_skill", "curated"):
        pairs = con.execute(
            "SELECT a.verdict = 'pass', b.verdict = 'pass' FROM judgments a JOIN judgments b USING (episode_id) "
            "WHERE a.judge_id = 'fa' AND b.judge_id = 'L' AND a.config_id = 'b' AND a.condition = ?",
            [cond],
        ).fetchall()
        ref = cohen_kappa_score([int(p[0]) for p in pairs], [int(p[1]) for p in pairs])
        kc = a.kappa_by_condition[cond]
        assert kc["kappa"] == pytest.approx(ref, abs=1e-12) and kc["n"] == 50
        assert kc["kappa_low"] < kc["kappa"] < kc["kappa_high"]  # type: ignore[operator]


def test_constant_judge_makes_kappa_undefined_with_the_reason() -> None:
    con = store(20, 2, lambda c, j, t, cond, s: (j == "fa" and c == "s") or (t + s) % 3 == 0)
    r = build_report(con, n_boot=200)
    a = next(x for x in r.agreement if x.config == "s")
    assert a.kappa is None and a.kappa_low is None and a.kappa_high is None
    assert a.kappa_undefined == "judge fa gave 'pass' on all 80 items"
    assert a.kappa_by_condition["curated"]["kappa_undefined"] == "judge fa gave 'pass' on all 40 items"
    assert a.to_dict()["kappa_undefined"] == a.kappa_undefined
    ok = next(x for x in r.agreement if x.config == "b")
    assert ok.kappa == 1.0 and ok.kappa_ci_method == "wilson-agreement" and ok.kappa_low < 1.0  # not [1, 1]
