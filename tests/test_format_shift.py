"""What SFT moved (engine.analysis.format_shift): SFT − base on the same episodes, counted by hand on
a hand-built DuckDB store, and the reading "format only" when the ANSWER:-line share moves and the
headline pass rate does not."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synth import insert_rows  # noqa: E402
from engine.analysis import build_report  # noqa: E402
from engine.analysis.intervals import tango  # noqa: E402
from engine.paper.findings import _sft_shift  # noqa: E402
from engine.store.aggregates import refresh  # noqa: E402
from engine.store.schema import ddl  # noqa: E402

N = 40


def _store(con: duckdb.DuckDBPyConnection, p_line: dict[str, float], p_pass: dict[str, float], seed: int) -> list:
    """Base `b` and its SFT `s`, N answer_line tasks x 2 conditions; one episode of `s` is a generation
    error and one task `s` never ran (neither may be paired). Returns the (config, task, cond, line, ok) rows."""
    rng = random.Random(seed)
    for stmt in ddl():
        con.execute(stmt)
    insert_rows(
        con,
        "configs",
        [
            {"config_id": "b", "config_fp": "fb", "role": "student", "size_b": 0.1},
            {"config_id": "s", "config_fp": "fs", "role": "student", "size_b": 0.1, "base_config": "b"},
        ],
    )
    insert_rows(con, "judges", [{"judge_id": "fa", "judge_fp": "jfa", "kind": "final_answer"}])
    tasks = [f"t{i:02d}" for i in range(N)]
    insert_rows(con, "tasks", [{"task_id": t, "task_hash": "h" + t, "scoring": "answer_line"} for t in tasks])
    eps, jds, rows = [], [], []
    for cfg in ("b", "s"):
        for cond in ("no_skill", "curated"):
            for t in tasks:
                if cfg == "s" and t == "t39":
                    continue
                eid = f"{cfg}-{t}-{cond}"
                err = "boom" if (cfg, t, cond) == ("s", "t00", "no_skill") else None
                line, ok = rng.random() < p_line[cfg], rng.random() < p_pass[cfg]
                key = {"config_id": cfg, "config_fp": "f" + cfg, "task_id": t, "condition": cond, "sample": 0}
                ep = {"episode_id": eid, "run_id": "r", "completion": "x", "task_hash": "h" + t}
                eps.append(key | ep | {"has_answer_line": line, "error": err, "finish_reason": "stop"})
                verdict = "error" if err else "pass" if ok else "fail"
                jd = {"judgment_id": eid + ":fa", "episode_id": eid, "judge_id": "fa", "judge_fp": "jfa"}
                jds.append(key | jd | {"scoring": "answer_line", "verdict": verdict, "run_id": "r"})
                if err is None:
                    rows.append((cfg, t, cond, line, ok))
    insert_rows(con, "episodes", eps)
    insert_rows(con, "judgments", jds)
    return rows


def _by_hand(rows: list, cond: str) -> tuple[int, int, int, int, int, int]:
    b = {t: (line, ok) for c, t, k, line, ok in rows if c == "b" and k == cond}
    s = {t: (line, ok) for c, t, k, line, ok in rows if c == "s" and k == cond}
    both = sorted(b.keys() & s.keys())
    lg = sum(s[t][0] and not b[t][0] for t in both)
    ll = sum(b[t][0] and not s[t][0] for t in both)
    pg = sum(s[t][1] and not b[t][1] for t in both)
    pl = sum(b[t][1] and not s[t][1] for t in both)
    return len(both), lg, ll, pg, pl, sum(s[t][0] for t in both)


@pytest.mark.parametrize("aggregates", [False, True])
def test_shifts_are_paired_counts_with_tango_intervals(aggregates: bool) -> None:
    con = duckdb.connect()
    rows = _store(con, {"b": 0.4, "s": 0.6}, {"b": 0.5, "s": 0.5}, seed=1)
    if aggregates:
        refresh(con)
    rep = build_report(con, n_boot=100)
    assert rep.headline is not None
    got = {x.condition: x for x in rep.format_shifts}
    assert set(got) == {"no_skill", "curated"}
    for cond, x in got.items():
        n, lg, ll, pg, pl, ls = _by_hand(rows, cond)
        assert (x.config, x.base) == ("s", "b")
        assert n == (N - 2 if cond == "no_skill" else N - 1)  # the error and the task s never ran
        assert (x.answer_line.n, x.answer_line.gained, x.answer_line.lost) == (n, lg, ll)
        assert x.answer_line.sft == pytest.approx(ls / n)
        assert x.answer_line.diff == pytest.approx((lg - ll) / n)
        assert (x.answers.n, x.answers.gained, x.answers.lost) == (n, pg, pl)
        lo, hi = tango(np.array([pg]), np.array([pl]), np.array([n]))
        assert (x.answers.ci_low, x.answers.ci_high) == (pytest.approx(lo[0]), pytest.approx(hi[0]))


def test_format_only_is_read_when_the_share_moves_and_the_pass_rate_does_not() -> None:
    con = duckdb.connect()
    _store(con, {"b": 0.1, "s": 0.95}, {"b": 0.5, "s": 0.5}, seed=2)
    rep = build_report(con, n_boot=100)
    assert rep.format_shifts and all(x.answer_line.moved for x in rep.format_shifts)
    for x in rep.format_shifts:
        assert x.format_only is (x.answers.moved is False)
    assert any(x.format_only for x in rep.format_shifts)
    texts = [f.text for f in _sft_shift(rep, {c.label: c for c in rep.configs})]
    assert any("format artifact in miniature" in t for t in texts)
    assert rep.to_dict()["format"]["sft_shift"][0]["format_only"] in (True, False)


def test_no_base_no_shift() -> None:
    con = duckdb.connect()
    _store(con, {"b": 0.4, "s": 0.6}, {"b": 0.5, "s": 0.5}, seed=3)
    con.execute("UPDATE configs SET base_config = NULL")
    assert build_report(con, n_boot=100).format_shifts == []
