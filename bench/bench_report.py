"""Benchmark `engine.analysis.build_report` on a synthetic 1M-episode store.

    python bench/bench_report.py [--episodes 1000000] [--runs 7] [--threads N]

Builds the reference study's design at scale (7 configs x 200 tasks x 2 conditions x ~357
samples; judges answer_line, final_answer, llm: ~2.67M judgment rows), then times:
- the direct report (aggregates absent: everything from the raw tables) — the baseline;
- a full aggregate rebuild (`aggregates.refresh(con)`) and an incremental refresh of a batch of
  1,000 judgments (error rows replaced by successes, as a retry does at ingest);
- the report from the aggregates: median of --runs runs after a warm-up, against the 100 ms target.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synth import make_synthetic_store  # noqa: E402
from engine.analysis import build_report  # noqa: E402
from engine.store import aggregates  # noqa: E402
from engine.store.schema import ddl  # noqa: E402

TARGET_S = 0.100


def _time(fn, runs: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def _close(a: object, b: object) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= 1e-12
    return a == b


def _incremental(con: duckdb.DuckDBPyConnection, judgments: pa.Table, episodes: pa.Table | None) -> None:
    """Insert (or replace, same ids) rows as the store's ingest does, and time the refresh alone."""
    con.execute("BEGIN TRANSACTION")
    for name, rows, key in (("episodes", episodes, "episode_id"), ("judgments", judgments, "judgment_id")):
        if rows is None:
            continue
        con.register("_rows", rows)
        con.execute(f"DELETE FROM {name} WHERE {key} IN (SELECT {key} FROM _rows)")
        con.execute(f"INSERT INTO {name} SELECT * FROM _rows")
        con.unregister("_rows")
    touched = judgments.select(["config_id", "task_id"]).group_by(["config_id", "task_id"]).aggregate([]).num_rows
    t = time.perf_counter()
    aggregates.refresh(con, judgments, new_episodes=episodes)
    dt = time.perf_counter() - t
    con.execute("COMMIT")
    print(f"  {_ms(dt)} ({touched} (config, task) keys touched)")


def _ms(x: float) -> str:
    return f"{x * 1000:.1f} ms"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--episodes", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: DuckDB's own)")
    ap.add_argument("--n-boot", type=int, default=2000)
    ap.add_argument("--memory", action="store_true", help="in-memory DuckDB (default: a temporary store file)")
    args = ap.parse_args()

    tmp = tempfile.TemporaryDirectory()
    con = duckdb.connect() if args.memory else duckdb.connect(str(Path(tmp.name) / "store.duckdb"))
    if args.threads:
        con.execute(f"SET threads = {args.threads}")
    for s in ddl():
        con.execute(s)
    threads = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"cpu cores: {os.cpu_count()}, load average: {load}, duckdb threads: {threads}, n_boot: {args.n_boot}")

    t = time.perf_counter()
    info = make_synthetic_store(con, args.episodes, seed=0)
    print(
        f"synthetic store: {info.n_episodes:,} episodes, {info.n_judgments:,} judgments, "
        f"{len(info.configs)} configs x {len(info.task_ids)} tasks x 2 conditions x {info.samples} samples "
        f"(built in {time.perf_counter() - t:.1f} s)"
    )

    build_report(con, n_boot=args.n_boot)  # warm-up (imports, caches)
    direct = _time(lambda: build_report(con, n_boot=args.n_boot), 3)
    direct_s = statistics.median(direct)
    print(f"baseline, report from raw tables (no aggregates): median {_ms(direct_s)} of 3")

    full = _time(lambda: aggregates.refresh(con), 3)
    print(f"aggregate full rebuild: median {_ms(statistics.median(full))} of 3")

    # a live-run ingest: one new sample of 25 (config, task) pairs, both conditions, all judges
    live_e = con.sql(
        "SELECT * REPLACE ('live-' || episode_id AS episode_id, 100000 AS sample) FROM episodes "
        "WHERE sample = 0 AND task_id IN (SELECT DISTINCT task_id FROM episodes ORDER BY task_id LIMIT 4) "
        "ORDER BY config_id, task_id LIMIT 50"
    ).to_arrow_table()
    con.register("_live_e", live_e)
    live_j = con.sql(
        "SELECT j.* REPLACE ('live-' || j.judgment_id AS judgment_id, 'live-' || j.episode_id AS episode_id, "
        "100000 AS sample) FROM judgments j WHERE 'live-' || j.episode_id IN (SELECT episode_id FROM _live_e)"
    ).to_arrow_table()
    print(f"aggregate incremental refresh, live-run batch of {live_e.num_rows} episodes, {live_j.num_rows} judgments:")
    _incremental(con, live_j, live_e)

    # a retry pass: 1,000 judge errors spread over the store replaced by successes (same ids)
    errs = con.sql("SELECT * FROM judgments WHERE verdict = 'error' ORDER BY judgment_id LIMIT 1000").to_arrow_table()
    fixed = errs.set_column(errs.schema.get_field_index("verdict"), "verdict", pa.array(["pass"] * errs.num_rows))
    fixed = fixed.set_column(
        fixed.schema.get_field_index("rationale"),
        "rationale",
        pc.cast(pa.array(["retried"] * errs.num_rows), pa.string()),
    )
    print(f"aggregate incremental refresh, {fixed.num_rows:,} spread judge errors replaced by successes:")
    _incremental(con, fixed, None)

    build_report(con, n_boot=args.n_boot)  # warm-up
    runs = _time(lambda: build_report(con, n_boot=args.n_boot), args.runs)
    med = statistics.median(runs)
    rep = build_report(con, n_boot=args.n_boot)
    assert rep.meta["source"] == "aggregates", rep.meta

    # the same numbers straight from the raw tables (a run filter naming every run forces that path)
    all_runs = [r[0] for r in con.execute("SELECT run_id FROM runs").fetchall()]
    raw = build_report(con, n_boot=args.n_boot, run_ids=all_runs)
    assert raw.meta["source"] == "direct"
    a, b = rep.to_dict(), raw.to_dict()
    equal = all(_close(a[k], b[k]) for k in ("pass_rates", "deltas", "lifts", "agreement", "format", "trajectory"))
    print(
        f"build_report from aggregates: median {_ms(med)} of {args.runs} "
        f"(min {_ms(min(runs))}, max {_ms(max(runs))}); "
        f"{len(rep.deltas)} deltas, {len(rep.lifts)} lifts, {len(rep.agreement)} agreement rows"
    )
    print(f"ratio to the {_ms(TARGET_S)} target: {med / TARGET_S:.2f} ({'met' if med <= TARGET_S else 'MISSED'})")
    print(f"speed-up over the raw-table baseline: {direct_s / med:.1f}x")
    print(f"aggregate report equals the raw-table report (after the incremental refresh): {equal}")
    con.close()
    tmp.cleanup()
    if not equal:
        sys.exit(1)


if __name__ == "__main__":
    main()
