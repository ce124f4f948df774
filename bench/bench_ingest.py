"""Store ingest throughput: journal lines -> DuckDB episodes, target >= 100k episodes/s.

Writes N synthetic episodes (realistic prompt/completion sizes) through the real RunJournal
across several runs, then times `Store.ingest()` into a fresh store file. Also times the same
rows inserted by a plain Python json.loads loop + Arrow (the obvious baseline) in the same run.

    python bench/bench_ingest.py [N]
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pyarrow as pa

from engine.store.manifest import RunInfo, write_info

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.store import journal as jr  # noqa: E402
from engine.store.db import Store  # noqa: E402
from engine.store.schema import TABLES, ddl  # noqa: E402

TARGET = 100_000


def write_journals(runs: Path, n: int, runs_count: int = 4) -> None:
    rng = random.Random(0)
    prompt = "Skill: Column addition\nFollow this procedure step by step:\n" + "1. step text " * 30
    completions = ["Step 1: ... " * rng.randint(20, 80) + "\nANSWER: 42" for _ in range(64)]
    per = n // runs_count
    for r in range(runs_count):
        j = jr.RunJournal(runs, f"bench-{r}")
        write_info(j.dir, RunInfo(run_id=f"bench-{r}", kind="eval", experiment="bench", pid=0))
        lines = []
        for i in range(per):
            lines.append(
                jr.dumps(
                    {
                        "episode_id": f"{r:02d}{i:022d}",
                        "run_id": f"bench-{r}",
                        "config_id": f"cfg{i % 7}",
                        "config_fp": f"fp{i % 7}",
                        "task_id": f"task{i % 200}",
                        "task_hash": f"h{i % 200}",
                        "skill_id": f"skill{i % 40}",
                        "condition": "curated" if i % 2 else "no_skill",
                        "sample": i // 2800,
                        "prompt": prompt,
                        "completion": completions[i % 64],
                        "tokens_in": 180,
                        "tokens_out": 220,
                        "latency_s": 0.5,
                        "cost_usd": 0.0,
                        "finish_reason": "stop",
                        "error": None,
                        "has_answer_line": True,
                        "created_at": 1.7e9 + i,
                    }
                )
            )
        # one buffered write per run here: the journal format, not its per-episode write cost, is measured
        (j.dir / "episodes.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        j.close()


def baseline(runs: Path, db: Path) -> float:
    t0 = time.perf_counter()
    con = duckdb.connect(str(db))
    for s in ddl():
        con.execute(s)
    schema = TABLES["episodes"]
    for d in jr.run_dirs(runs):
        rows = [json.loads(line) for line in (d / "episodes.jsonl").read_text(encoding="utf-8").splitlines()]
        table = pa.Table.from_pylist(rows, schema=schema)
        con.register("t", table)
        con.execute("INSERT INTO episodes SELECT * FROM t")
        con.unregister("t")
    con.close()
    return time.perf_counter() - t0


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 400_000
    with tempfile.TemporaryDirectory() as tmp:
        runs = Path(tmp) / "runs"
        write_journals(runs, n)
        size_mb = sum((d / "episodes.jsonl").stat().st_size for d in jr.run_dirs(runs)) / 1e6
        t0 = time.perf_counter()
        with Store.open(runs, fallback=None) as store:
            stats = store.ingest()
            stored = store.count("episodes")
        dt = time.perf_counter() - t0
        t_again = time.perf_counter()
        with Store.open(runs, fallback=None) as store:
            again = store.ingest().total()
        dt_again = time.perf_counter() - t_again
        base = baseline(runs, Path(tmp) / "baseline.duckdb")
    assert stored == n and stats.rows["episodes"] == n and again == 0
    rate = n / dt
    print(f"episodes: {n:,} ({size_mb:.0f} MB of journal)")
    print(f"engine ingest: {dt:.2f} s = {rate:,.0f} episodes/s (target >= {TARGET:,}: ratio {rate / TARGET:.2f})")
    print(
        f"json.loads + Arrow baseline: {base:.2f} s = {n / base:,.0f} episodes/s "
        f"(engine/baseline speed {base / dt:.2f}x)"
    )
    print(f"re-ingest with nothing new: {dt_again * 1000:.0f} ms")


if __name__ == "__main__":
    main()
