"""The bounds of Δ over the verdicts it excludes (errors and abstentions), on real DuckDB stores:
equal to a brute-force enumeration of every pass/fail assignment to the excluded verdicts, by hand
and on random stores, through the aggregates and the direct path."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synth import insert_rows  # noqa: E402
from engine.analysis import build_report  # noqa: E402
from engine.store.aggregates import refresh  # noqa: E402
from engine.store.schema import ddl  # noqa: E402

V = {"P": "pass", "F": "fail", "E": "error", "A": "abstain"}
SCORING = {"t1": "answer_line", "t2": "answer_line", "t3": "answer_line", "t4": "llm"}
KINDS = {"L": "llm", "fa": "final_answer"}
# verdicts[config][judge][task] = (no_skill samples ; curated samples)
HAND = {
    "b": {
        "fa": {"t1": ("PA", "AF"), "t2": ("AA", "PP"), "t3": ("FE", "PA")},  # t2: no decided no_skill verdict
        "L": {"t1": ("PF", "EF"), "t2": ("FF", "PP"), "t3": ("FF", "PE"), "t4": ("EP", "PP")},
    },
    "s": {
        "fa": {"t1": ("PP", "PP"), "t2": ("FF", "FP"), "t3": ("PP", "FF")},
        "L": {"t1": ("PP", "PP"), "t2": ("FF", "FP"), "t3": ("PP", "FF"), "t4": ("PP", "PP")},
    },
}


def build(con: duckdb.DuckDBPyConnection, verdicts: dict) -> None:
    """A store of the verdicts (every episode judged by the judges listed for its task)."""
    for s in ddl():
        con.execute(s)
    insert_rows(con, "configs", [{"config_id": c, "config_fp": f"fp{c}", "role": "student"} for c in verdicts])
    insert_rows(con, "judges", [{"judge_id": j, "judge_fp": f"jfp{j}", "kind": k} for j, k in KINDS.items()])
    insert_rows(con, "tasks", [{"task_id": t, "task_hash": "h" + t, "scoring": s} for t, s in SCORING.items()])
    eps, jds = {}, []
    for cfg, by_judge in verdicts.items():
        for judge, per_task in by_judge.items():
            for task, conds in per_task.items():
                for cond, letters in zip(("no_skill", "curated"), conds, strict=True):
                    for sample, v in enumerate(letters):
                        eid = f"{cfg}-{task}-{cond}-{sample}"
                        row = {"config_id": cfg, "config_fp": f"fp{cfg}", "task_id": task, "condition": cond}
                        row |= {"sample": sample, "run_id": "r1"}
                        eps[eid] = row | {"episode_id": eid, "task_hash": "h" + task, "has_answer_line": True}
                        jds.append(
                            row
                            | {"judgment_id": f"{eid}:{judge}", "episode_id": eid, "judge_id": judge}
                            | {"judge_fp": f"jfp{judge}", "scoring": SCORING[task], "verdict": V[v]}
                        )
    insert_rows(con, "episodes", list(eps.values()))
    insert_rows(con, "judgments", jds)


def brute_force(per_task: dict[str, tuple[str, str]]) -> tuple[float, float, list[float]]:
    """(min Δ, max Δ, every Δ) over all pass/fail assignments to the excluded verdicts (E, A), Δ being
    the mean over tasks with a verdict in both conditions of mean(curated) − mean(no_skill)."""
    slots = [(t, c, i) for t, conds in per_task.items() for c in (0, 1) for i, v in enumerate(conds[c]) if v in "EA"]
    assert len(slots) <= 16
    values = []
    for bits in itertools.product("PF", repeat=len(slots)):
        fill = dict(zip(slots, bits, strict=True))
        diffs = []
        for t, conds in per_task.items():
            if not conds[0] or not conds[1]:
                continue
            rate = [np.mean([fill.get((t, c, i), v) == "P" for i, v in enumerate(conds[c])]) for c in (0, 1)]
            diffs.append(rate[1] - rate[0])
        values.append(float(np.mean(diffs)))
    return min(values), max(values), values


def route_verdicts(verdicts: dict, cfg: str, route: tuple[str | None, str | None]) -> dict:
    """The verdicts a path scores for one config: its answer_line judge on answer_line tasks, its llm
    judge on llm tasks."""
    out = {}
    for task, scoring in SCORING.items():
        judge = route[0] if scoring == "answer_line" else route[1]
        got = verdicts[cfg].get(judge, {}).get(task) if judge else None
        if got is not None:
            out[task] = got
    return out


def _random(seed: int) -> dict:
    rng = np.random.default_rng(seed)
    letters = {"fa": ("PFAE", [0.35, 0.35, 0.2, 0.1]), "L": ("PFE", [0.4, 0.4, 0.2])}

    def draw(judge: str) -> str:
        alphabet, p = letters[judge]
        return "".join(rng.choice(list(alphabet), size=2, p=p))

    return {
        cfg: {j: {t: (draw(j), draw(j)) for t, s in SCORING.items() if j == "L" or s == "answer_line"} for j in KINDS}
        for cfg in ("b", "s")
    }


@pytest.mark.parametrize("source", ["direct", "aggregates"])
@pytest.mark.parametrize("case", ["hand", 0, 1, 2, 3])
def test_delta_bounds_equal_brute_force(case: str | int, source: str) -> None:
    verdicts = HAND if case == "hand" else _random(int(case))
    con = duckdb.connect()
    build(con, verdicts)
    if source == "aggregates":
        refresh(con)
    r = build_report(con, n_boot=50)
    assert r.meta["source"] == source
    checked = 0
    for d in r.deltas:
        per_task = route_verdicts(verdicts, d.config, d.route)
        excluded = sum(v in "EA" for conds in per_task.values() for c in conds for v in c)
        assert d.errors + d.abstentions == excluded
        assert d.abstentions == sum(v == "A" for conds in per_task.values() for c in conds for v in c)
        if not excluded:
            assert (d.delta_low_bound, d.delta_high_bound) == (None, None)
            continue
        low, high, every = brute_force(per_task)
        assert d.delta_low_bound == pytest.approx(low, abs=1e-12), (d.config, d.path)
        assert d.delta_high_bound == pytest.approx(high, abs=1e-12), (d.config, d.path)
        if d.tasks_dropped == 0 and d.delta is not None:
            assert low - 1e-12 <= d.delta <= high + 1e-12
        checked += 1
        out = d.to_dict()
        assert (out["delta_low_bound"], out["delta_high_bound"], out["abstentions"]) == (
            d.delta_low_bound,
            d.delta_high_bound,
            d.abstentions,
        )
    assert checked >= 2


def test_hand_store_known_bounds() -> None:
    """Config b on path lenient (? excluded): t1 ns P?, cu ?F; t2 ns ??, cu PP (dropped from Δ, back in
    the bounds); t3 ns F?, cu P?. Δ = ((0 − 1) + (1 − 0)) / 2 = 0. Low (ns ? pass, cu ? fail):
    (0 − 1) + (1 − 1) + (0.5 − 0.5) = −1 over 3 tasks; high (the opposite): (0.5 − 0.5) + (1 − 0) +
    (1 − 0) = 2 over 3."""
    con = duckdb.connect()
    build(con, HAND)
    r = build_report(con, n_boot=50)
    d = r.delta("b", "lenient")
    assert (d.n_tasks, d.tasks_dropped, d.errors, d.abstentions) == (2, 1, 1, 5)
    assert d.delta == pytest.approx(0.0)
    assert d.delta_low_bound == pytest.approx(-1 / 3)
    assert d.delta_high_bound == pytest.approx(2 / 3)
    assert r.delta("s", "lenient").delta_low_bound is None  # nothing excluded: no bounds
