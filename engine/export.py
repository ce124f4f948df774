"""Export the store's tables as Parquet and/or CSV (DuckDB COPY, no Python row loop): every table,
the long `scores` table (one row per judgment) and the per-episode `items` table
(`engine.interop.hf_table`: one row per episode, every judge's verdict and rationale as columns)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from engine.interop.hf_table import items_sql
from engine.store.schema import TABLES

# A long table researchers usually want first: one row per judgment with its episode's context.
SCORES_SQL = """
SELECT j.judgment_id, j.episode_id, j.judge_id, j.verdict, j.rationale, j.config_id, j.config_fp,
       j.task_id, j.skill_id, j.condition, j.sample, j.scoring, e.tokens_in, e.tokens_out,
       e.latency_s, e.latency_kind, e.finish_reason, e.flags, e.has_answer_line, e.run_id
FROM judgments j LEFT JOIN episodes e USING (episode_id)
"""


def export_store(con: duckdb.DuckDBPyConnection, out: Path, fmt: str = "both") -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    formats = ("parquet", "csv") if fmt == "both" else (fmt,)
    written: list[Path] = []
    sources = {name: f"SELECT * FROM {name}" for name in TABLES} | {"scores": SCORES_SQL, "items": items_sql(con)}
    for name, sql in sources.items():
        for f in formats:
            path = out / f"{name}.{f}"
            opts = "(FORMAT parquet)" if f == "parquet" else "(FORMAT csv, HEADER true)"
            tmp = path.with_suffix(path.suffix + ".tmp")
            con.execute(f"COPY ({sql}) TO '{_quote(tmp)}' {opts}")
            tmp.replace(path)
            written.append(path)
    return written


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")
