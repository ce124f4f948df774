"""The ingest-time aggregates give the same report as a direct computation from the raw tables,
through full rebuilds, incremental refreshes, error rows replaced by successes, and stale stores;
with a judge that abstains (verdict `abstain`, counted apart from errors)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synth import insert_tables, synth_tables  # noqa: E402
from engine.analysis import build_report  # noqa: E402
from engine.store import aggregates  # noqa: E402
from engine.store.aggregates import TABLES, freshness, refresh  # noqa: E402
from engine.store.schema import ddl  # noqa: E402

JUDGES = [
    {"id": "extractor", "kind": "answer_line", "flip": 0.01, "error": 0.01},
    {"id": "lenient", "kind": "final_answer", "flip": 0.05, "error": 0.0, "abstain": (0.04, 0.12)},
    {"id": "claude", "kind": "llm", "flip": 0.04, "error": 0.03},
    {"id": "gpt", "kind": "llm", "flip": 0.06, "error": 0.03},
]


def _store() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for s in ddl():
        con.execute(s)
    return con


def _tables(seed: int = 0) -> dict[str, pa.Table]:
    tables, _ = synth_tables(6000, judges=JUDGES, n_tasks=30, n_skills=6, seed=seed, episode_error_rate=0.01)
    return tables


def same(a: Any, b: Any, where: str = "") -> None:
    """Recursive equality, floats to 1e-12."""
    if isinstance(a, dict):
        assert isinstance(b, dict), where
        assert a.keys() == b.keys(), where
        for k in a:
            same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list), where
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, abs=1e-12), where
    else:
        assert a == b, where


def normal(d: dict[str, Any]) -> dict[str, Any]:
    """A report dict without what legitimately differs between the aggregate and direct paths."""
    d["meta"].pop("source")
    d["notices"] = [n for n in d["notices"] if n["kind"] != "stale_aggregates"]
    d["warnings"] = [n["message"] for n in d["notices"]]
    return d


def report(con: duckdb.DuckDBPyConnection, **kw: Any) -> dict[str, Any]:
    return normal(build_report(con, n_boot=300, **kw).to_dict())


def agg_rows(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[Any, ...]]]:
    return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}


def test_aggregates_equal_direct_computation() -> None:
    con = _store()
    insert_tables(con, _tables())
    direct = build_report(con, n_boot=300)
    assert direct.meta["source"] == "direct"
    refresh(con)
    assert freshness(con) == {"judgments": True, "episodes": True, "present": True}
    agg = build_report(con, n_boot=300)
    assert agg.meta["source"] == "aggregates"
    assert {p.name for p in agg.paths} >= {"bench:claude", "llm:claude", "llm:gpt", "lenient:gpt"}
    assert any(a.judge_a == "claude" and a.judge_b == "gpt" for a in agg.agreement)
    same(report(con), normal(direct.to_dict()))
    # the abstentions are in both, apart from the errors: pass rates, coverage, Δ and its bounds
    n_err, n_abs = con.execute(
        "SELECT count_if(verdict = 'error'), count_if(verdict = 'abstain') FROM judgments"
    ).fetchall()[0]
    assert n_abs > 0
    assert sum(r.abstentions for r in agg.pass_rates) == n_abs
    assert sum(r.errors for r in agg.pass_rates) == n_err  # not inflated by the abstentions
    assert any(c.coverage is not None and c.coverage < 1 for c in agg.coverage)
    assert any(d.abstentions and d.delta_low_bound is not None for d in agg.deltas)


@pytest.mark.parametrize("share", [1.0, 0.25])  # 1.0: every batch recomputes its keys, never rebuilds
def test_incremental_refresh_with_replaced_errors_equals_rebuild(share: float, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aggregates, "REBUILD_SHARE", share)
    tables = _tables(seed=1)
    j = tables.pop("judgments")
    con = _store()
    insert_tables(con, {k: v for k, v in tables.items() if k != "episodes"})
    refresh(con)  # empty store: builds empty aggregates
    # episodes and judgments arrive in batches, as journals are ingested
    eps = tables["episodes"]
    bounds = [0, 1500, 4000, eps.num_rows]
    for lo, hi in zip(bounds, bounds[1:], strict=False):
        batch = eps.slice(lo, hi - lo)
        insert_tables(con, {"episodes": batch})
        refresh(con, None, new_episodes=batch)
    for lo in range(0, j.num_rows, 2500):
        batch = j.slice(lo, 2500)
        insert_tables(con, {"judgments": batch})
        refresh(con, batch)
    incremental = agg_rows(con)
    before = report(con)

    # a retry succeeds where a judge had failed: same judgment_id, the error row is replaced
    errs = j.filter(pc.equal(j["verdict"], "error")).slice(0, 40)
    assert errs.num_rows == 40
    fixed = errs.set_column(errs.schema.get_field_index("verdict"), "verdict", pa.array(["pass"] * 40))
    con.register("_fixed", fixed)
    con.execute("DELETE FROM judgments WHERE judgment_id IN (SELECT judgment_id FROM _fixed)")
    con.execute("INSERT INTO judgments SELECT * FROM _fixed")
    con.unregister("_fixed")
    refresh(con, fixed)
    after_incremental = agg_rows(con)
    after = report(con)
    assert after != before

    refresh(con)  # full rebuild
    assert agg_rows(con) == after_incremental
    same(after, report(con))
    # and the pre-replacement state matched a rebuild as well
    con2 = _store()
    insert_tables(con2, {**tables, "judgments": j})
    refresh(con2)
    assert agg_rows(con2) == incremental


def test_stale_aggregates_fall_back_to_raw_tables() -> None:
    tables = _tables(seed=2)
    j = tables.pop("judgments")
    con = _store()
    insert_tables(con, {**tables, "judgments": j.slice(0, 10000)})
    refresh(con)
    insert_tables(con, {"judgments": j.slice(10000)})  # ingested without a refresh
    r = build_report(con, n_boot=300)
    assert r.meta["source"] == "mixed"  # judgment aggregates stale, format aggregates still fresh
    assert any(w.startswith("analysis aggregates are stale") for w in r.warnings)
    refresh(con)
    fresh = build_report(con, n_boot=300)
    assert fresh.meta["source"] == "aggregates"
    same(report(con), normal(r.to_dict()))


def test_run_filter_equals_store_of_that_run() -> None:
    a, b = _tables(seed=3), _tables(seed=4)
    b = {
        k: (t.set_column(t.schema.get_field_index("run_id"), "run_id", pa.array(["r2"] * t.num_rows)))
        if k in ("episodes", "judgments")
        else t
        for k, t in b.items()
    }
    for name in ("episode_id", "judgment_id"):
        for k in ("episodes", "judgments"):
            t = b[k]
            if name in t.column_names:
                i = t.schema.get_field_index(name)
                b[k] = t.set_column(i, name, pc.binary_join_element_wise("r2-", t[name], ""))
    con = _store()
    insert_tables(con, a)
    insert_tables(con, {k: b[k] for k in ("episodes", "judgments")})
    refresh(con)
    only = _store()
    insert_tables(only, {k: t for k, t in a.items() if k not in ("episodes", "judgments", "runs")})
    insert_tables(only, {k: b[k] for k in ("episodes", "judgments")})
    filtered = report(con, run_ids=["r2"])
    filtered["meta"]["run_ids"] = None
    same(filtered, report(only))
