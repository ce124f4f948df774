"""The DuckDB store of record, fed idempotently from run journals.

DuckDB lets one process hold the file at a time (every other open fails, read-only included),
so runs never hold it: they write journals, and whoever holds the store (a CLI command at the end
of a run, `engine report`, the cockpit) ingests what is new. Ingest reads each journal from the
byte offset recorded in `ingest_state`, parses complete lines with Arrow's JSON reader, and
inserts them with the new offsets in one transaction: a crash mid-ingest changes nothing, and a
second ingest of the same bytes adds nothing. Episodes and judgments keep one row per id (a
success replaces an earlier error with the same id; a human adjudication is replaced by a later
one of the same episode, the journal keeping every revision).

When the file is held by another process, `Store.open(..., fallback="memory")` builds an
in-memory snapshot from the journals instead (same tables, same queries).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pajson

from engine.data.loader import DataError, loads_json
from engine.runs import run_status
from engine.store import aggregates
from engine.store import journal as jr
from engine.store.manifest import read_info
from engine.store.schema import KEYS, SCHEMA_VERSION, TABLES, ddl

_ERROR_COLUMN = {"episodes": "error IS NOT NULL", "judgments": "verdict = 'error'"}
# judgments a person may revise (the cockpit's adjudications): the latest row of an id wins
_REVISABLE = "judge_fp LIKE 'human%'"


class StoreLocked(Exception):
    """Another process holds the store file."""


@dataclass
class IngestStats:
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def total(self) -> int:
        return sum(self.rows.values())


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text or "conflicting" in text or "already open" in text


class Store:
    def __init__(self, con: duckdb.DuckDBPyConnection, runs_dir: Path, *, path: Path | None) -> None:
        self.con = con
        self.runs_dir = Path(runs_dir)
        self.path = path
        self.snapshot = path is None
        self._run_rows: dict[str, dict[str, Any]] = {}
        for stmt in ddl():
            con.execute(stmt)
        con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])
        self._ensure_aggregates()

    # -- opening -------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        runs_dir: str | Path,
        *,
        wait_s: float = 5.0,
        fallback: str | None = "memory",
        threads: int | None = None,
    ) -> Store:
        """Open `runs_dir/store.duckdb`, retrying while another process holds it.

        fallback='memory': after `wait_s`, return an in-memory snapshot built from the journals.
        fallback=None: raise StoreLocked.
        """
        runs_dir = Path(runs_dir)
        runs_dir.mkdir(parents=True, exist_ok=True)
        path = runs_dir / jr.STORE_NAME
        config: dict[str, Any] = {"threads": threads} if threads else {}
        deadline = time.monotonic() + wait_s
        delay = 0.05
        while True:
            try:
                con = duckdb.connect(str(path), config=config)
                return cls(con, runs_dir, path=path)
            except duckdb.Error as exc:
                if not _is_lock_error(exc):
                    raise
                if time.monotonic() >= deadline:
                    if fallback == "memory":
                        return cls.memory(runs_dir, threads=threads)
                    raise StoreLocked(f"{path} is held by another process ({exc})") from None
                time.sleep(delay)
                delay = min(delay * 2, 0.5)

    @classmethod
    def memory(cls, runs_dir: str | Path, *, threads: int | None = None) -> Store:
        config: dict[str, Any] = {"threads": threads} if threads else {}
        return cls(duckdb.connect(":memory:", config=config), Path(runs_dir), path=None)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _ensure_aggregates(self) -> None:
        aggregates.ensure(self.con)
        if aggregates.outdated(self.con):  # made by an older version: rebuilt once, in one transaction
            self.con.execute("BEGIN")
            try:
                aggregates.refresh(self.con)
                self.con.execute("COMMIT")
            except Exception:
                self.con.execute("ROLLBACK")
                raise

    # -- ingest ----------------------------------------------------------------------------
    def ingest(self) -> IngestStats:
        """Bring the store up to date with every journal under runs_dir."""
        t0 = time.perf_counter()
        stats = IngestStats()
        states = dict(self.con.execute("SELECT path, byte_offset FROM ingest_state").fetchall())
        mtimes = dict(self.con.execute("SELECT path, mtime_ns FROM ingest_state").fetchall())
        run_rows = []
        for run_dir in jr.run_dirs(self.runs_dir):
            pending: list[tuple[str, pa.Table, str, int, int]] = []
            for name in jr.SPEC_FILES:
                p = run_dir / f"{name}.jsonl"
                try:
                    st = p.stat()
                except FileNotFoundError:
                    continue
                key = str(p)
                if mtimes.get(key) == st.st_mtime_ns and states.get(key) == st.st_size:
                    continue
                data, end = jr.read_complete(p)
                pending.append((name, parse_journal(name, data, p), key, end, st.st_mtime_ns))
            for name in jr.LOG_FILES:
                p = run_dir / f"{name}.jsonl"
                key = str(p)
                start = int(states.get(key, 0))
                data, end = jr.read_complete(p, start)
                if data:
                    pending.append((name, parse_journal(name, data, p, start), key, end, 0))
            if pending:
                self._apply(pending, stats)
            row = self._run_row(run_dir)
            if self._run_rows.get(row["run_id"]) != row:
                run_rows.append(row)
        if run_rows:
            table = pa.Table.from_pylist(run_rows, schema=TABLES["runs"])
            self.con.register("_new_runs", table)
            try:
                self.con.execute("BEGIN")
                self.con.execute("DELETE FROM runs WHERE run_id IN (SELECT run_id FROM _new_runs)")
                self.con.execute("INSERT INTO runs SELECT * FROM _new_runs")
                self.con.execute("COMMIT")
            except Exception:
                self.con.execute("ROLLBACK")
                raise
            finally:
                self.con.unregister("_new_runs")
            self._run_rows.update({r["run_id"]: r for r in run_rows})
        stats.seconds = time.perf_counter() - t0
        return stats

    def _apply(self, pending: list[tuple[str, pa.Table, str, int, int]], stats: IngestStats) -> None:
        con = self.con
        con.execute("BEGIN")
        try:
            for name, table, key, end, mtime in pending:
                n = self._insert(name, table)
                stats.rows[name] = stats.rows.get(name, 0) + n
                con.execute("INSERT OR REPLACE INTO ingest_state VALUES (?, ?, ?)", [key, end, mtime])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise

    def _insert(self, name: str, table: pa.Table) -> int:
        if table.num_rows == 0:
            return 0
        con = self.con
        keys = KEYS[name]
        cond = " AND ".join(f't."{k}" IS NOT DISTINCT FROM n."{k}"' for k in keys)
        con.register("_new", table)
        try:
            if name in _ERROR_COLUMN:
                err = _ERROR_COLUMN[name]
                k = keys[0]
                src = "_new"
                revisable = name == "judgments"
                if pc.count_distinct(table[k]).as_py() != table.num_rows:
                    # one row per id inside the batch: a success before an error; among human
                    # adjudications (revisable) the latest, among machine verdicts the first
                    order = f"({err}), created_at"
                    if revisable:
                        order = f"({err}), CASE WHEN {_REVISABLE} THEN -created_at ELSE created_at END"
                    con.execute(
                        f"CREATE OR REPLACE TEMP TABLE _batch AS SELECT * FROM _new "
                        f"QUALIFY row_number() OVER (PARTITION BY {k} ORDER BY {order}) = 1"
                    )
                    src = "_batch"
                # a new success replaces a stored error
                con.execute(f"DELETE FROM {name} WHERE ({err}) AND {k} IN (SELECT {k} FROM {src} WHERE NOT ({err}))")
                if revisable:
                    # a later human adjudication of an episode replaces the earlier one
                    con.execute(
                        f"DELETE FROM judgments t USING {src} n WHERE t.{k} = n.{k} AND n.{_REVISABLE} "
                        f"AND n.created_at > t.created_at"
                    )
                inserted = con.execute(
                    f"INSERT INTO {name} SELECT * FROM {src} n WHERE NOT EXISTS "
                    f"(SELECT 1 FROM {name} t WHERE t.{k} = n.{k})"
                ).fetchall()[0][0]
                rows = table if src == "_new" else con.sql("SELECT * FROM _batch").to_arrow_table()
                self._refresh_aggregates(name, rows)
                if src == "_batch":
                    con.execute("DROP TABLE _batch")
                return int(inserted)
            if name in ("configs", "skills", "tasks", "judges", "runs"):
                # specs: the newest description wins
                con.execute(f"DELETE FROM {name} t WHERE EXISTS (SELECT 1 FROM _new n WHERE {cond})")
                con.execute(f"INSERT INTO {name} SELECT DISTINCT ON ({', '.join(keys)}) * FROM _new")
                return table.num_rows
            inserted = con.execute(
                f"INSERT INTO {name} SELECT * FROM _new n WHERE NOT EXISTS (SELECT 1 FROM {name} t WHERE {cond})"
            ).fetchall()[0][0]
            return int(inserted)
        finally:
            con.unregister("_new")

    def _refresh_aggregates(self, name: str, rows: pa.Table) -> None:
        """Keep the analysis aggregates (per config x task counts) in step, in the same transaction."""
        if name == "judgments":
            aggregates.refresh(self.con, rows)
        else:
            aggregates.refresh(self.con, None, new_episodes=rows)

    def _run_row(self, run_dir: Path) -> dict[str, Any]:
        info = read_info(run_dir)
        st = run_status(run_dir)
        return {
            "run_id": run_dir.name,
            "kind": info.kind if info else None,
            "experiment": info.title if info else None,  # a training run: its recipe; a corpus build: its spec
            "experiment_path": info.spec_path if info else None,
            "started_at": info.started_at if info else None,
            "finished_at": st.finished_at,
            "status": st.status,
            "pid": info.pid if info else None,
            "total_episodes": info.total_episodes if info else None,
            "total_judgments": info.total_judgments if info else None,
            "error": st.error,
        }

    # -- convenience -------------------------------------------------------------------------
    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, params or []).fetchall()

    def count(self, table: str) -> int:
        return int(self.con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])


_COLUMN = re.compile(r"Column\(/([A-Za-z_][A-Za-z0-9_]*)")


def parse_journal(name: str, data: bytes, path: Path, offset: int = 0) -> pa.Table:
    """A journal's complete lines (from byte `offset` of `path`) as an Arrow table of its store table.

    A line that is not a record of that table (invalid JSON, nesting too deep, a wrong type) is a
    DataError naming the file, the line and the field: nothing of the batch is stored.
    """
    try:
        return _parse(name, data)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        first_line = _lines_before(path, offset) + 1
        for i, line in enumerate(data.split(b"\n")):
            if not line.strip():
                continue
            try:
                loads_json(line)
                _parse(name, line + b"\n")
            except (ValueError, pa.ArrowTypeError, pa.ArrowNotImplementedError) as bad:  # JSON, nesting, Arrow
                m = _COLUMN.search(str(bad))
                raise DataError(
                    str(path), first_line + i, m.group(1) if m else None, f"not a {name} record: {bad}"
                ) from None
        raise DataError(str(path), None, None, f"cannot read the {name} journal: {exc}") from None


def _lines_before(path: Path, offset: int) -> int:
    if offset <= 0:
        return 0
    n = 0
    with open(path, "rb") as f:
        left = offset
        while left > 0:
            chunk = f.read(min(left, 1 << 20))
            if not chunk:
                break
            n += chunk.count(b"\n")
            left -= len(chunk)
    return n


def _parse(name: str, data: bytes) -> pa.Table:
    schema = TABLES[name]
    if not data:
        return schema.empty_table()
    opts = pajson.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")
    read = pajson.ReadOptions(block_size=max(1 << 20, min(len(data) + 1, 1 << 26)))
    table = pajson.read_json(pa.BufferReader(pa.py_buffer(data)), read_options=read, parse_options=opts)
    return table.select(schema.names)
