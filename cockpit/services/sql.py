"""Ad-hoc read-only SQL for the Query screen.

Two guards: DuckDB's own parser classifies each statement and anything but SELECT (which covers
WITH, FROM-first, DESCRIBE, SHOW), PRAGMA and EXPLAIN is refused before it runs; and what does run
runs on a dedicated cursor inside a transaction that is always rolled back (so even
`EXPLAIN ANALYZE DELETE ...` changes nothing). Results are capped at `MAX_ROWS`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from engine.store.reader import Con

MAX_ROWS = 2000
ALLOWED = ("SELECT", "PRAGMA", "EXPLAIN")


class ReadOnlyError(ValueError):
    pass


@dataclass(frozen=True)
class QueryResult:
    sql: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    truncated: bool
    seconds: float


def check(sql: str) -> str:
    """The statement to run (one, read-only), or ReadOnlyError."""
    import duckdb

    text = sql.strip()
    if not text:
        raise ReadOnlyError("type a query (SELECT, WITH, DESCRIBE, SHOW, PRAGMA or EXPLAIN)")
    try:
        stmts = duckdb.extract_statements(text)
    except duckdb.Error as exc:
        raise ReadOnlyError(str(exc)) from None
    if len(stmts) != 1:
        raise ReadOnlyError(f"one statement at a time ({len(stmts)} given)")
    kind = str(stmts[0].type).rsplit(".", 1)[-1].upper()
    if kind not in ALLOWED:
        raise ReadOnlyError(f"read-only: {kind} statements are refused (SELECT, WITH, DESCRIBE, SHOW, PRAGMA, EXPLAIN)")
    return text.rstrip(";")


def run(cur: Con, sql: str, *, max_rows: int = MAX_ROWS) -> QueryResult:
    """Run one read-only statement on `cur` (a cursor the caller owns and then closes)."""
    stmt = check(sql)
    t0 = time.perf_counter()
    cur.execute("BEGIN TRANSACTION")
    try:
        cur.execute(stmt)
        columns = tuple(d[0] for d in (cur.description or ()))
        rows = cur.fetchmany(max_rows + 1) if columns else []
    finally:
        try:
            cur.execute("ROLLBACK")
        except Exception:  # noqa: BLE001 - the cursor is discarded by the caller anyway
            pass
    truncated = len(rows) > max_rows
    return QueryResult(stmt, columns, rows[:max_rows], truncated, time.perf_counter() - t0)
