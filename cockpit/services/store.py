"""The store service: the cockpit holds `runs/store.duckdb` and keeps it up to date.

Runs never hold the DuckDB file (only one process can); they append to their journals, and the
cockpit ingests what is new every few seconds from a worker thread. Every method here blocks and
is called from workers only, never from the UI thread.

Threads and DuckDB: ingest writes through the store's own connection under `_ingest_lock`;
readers borrow a cursor (a separate connection to the same database) from a small pool, so a
query and an ingest never share a connection and a slow ingest never blocks a filter.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # engine.store.db pulls duckdb + pyarrow: imported on first use, off the UI thread
    from engine.store.db import Store
    from engine.store.reader import Con


@dataclass(frozen=True)
class IngestResult:
    rows: int
    seconds: float
    version: int


class StoreService:
    def __init__(self, runs_dir: Path, *, wait_s: float = 1.0) -> None:
        self.runs_dir = Path(runs_dir)
        self.wait_s = wait_s
        self._store: Store | None = None
        self._open_lock = threading.Lock()
        self._ingest_lock = threading.Lock()
        self._pool: queue.LifoQueue[Con] = queue.LifoQueue()
        self._closed = False
        self._active: set[Con] = set()  # cursors borrowed right now (interrupted at close)
        self.version = 0  # bumps whenever an ingest adds rows
        self.last_ingest: float | None = None
        self.error: str | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def store(self) -> Store:
        if self._store is None:
            with self._open_lock:
                if self._store is None:
                    if self._closed:
                        raise RuntimeError("the store service is closed")
                    from engine.store.db import Store

                    self._store = Store.open(self.runs_dir, wait_s=self.wait_s, fallback="memory")
        return self._store

    @property
    def is_open(self) -> bool:
        return self._store is not None

    @property
    def snapshot(self) -> bool:
        """True when another process holds the file and this is an in-memory copy of the journals."""
        return self._store is not None and self._store.snapshot

    def describe(self) -> str:
        if self._store is None:
            return "store: opening"
        if self._store.snapshot:
            return "store: in-memory snapshot (the file is held by another process)"
        return f"store: {self._store.path.name if self._store.path else '?'} (held by this cockpit)"

    def close(self, timeout: float = 2.0) -> None:
        """Interrupt queries in flight, wait for them (and any ingest) briefly, close the store.

        Closing never raises: at exit the process releases the file anyway."""
        self._closed = True
        for cur in list(self._active):
            try:
                cur.interrupt()
            except Exception:  # noqa: BLE001
                pass
        deadline = time.monotonic() + timeout
        while self._active and time.monotonic() < deadline:
            time.sleep(0.01)
        got = self._ingest_lock.acquire(timeout=max(0.0, deadline - time.monotonic()))
        try:
            with self._open_lock:
                while True:
                    try:
                        self._pool.get_nowait().close()
                    except queue.Empty:
                        break
                    except Exception:  # noqa: BLE001 - closing anyway
                        pass
                if self._store is not None:
                    try:
                        self._store.close()
                    except Exception:  # noqa: BLE001 - a worker still busy: the OS closes it at exit
                        pass
                    self._store = None
        finally:
            if got:
                self._ingest_lock.release()

    # -- ingest --------------------------------------------------------------------------------
    def ingest(self) -> IngestResult:
        """Bring the store up to date with every journal; cheap when nothing is new."""
        t0 = time.perf_counter()
        with self._ingest_lock:
            if self._closed:
                return IngestResult(0, 0.0, self.version)
            stats = self.store.ingest()  # the store's own connection, never a pooled cursor
            n = stats.total()
            if n or self.last_ingest is None:
                self.version += 1
            self.last_ingest = time.time()
        return IngestResult(n, time.perf_counter() - t0, self.version)

    # -- reading -------------------------------------------------------------------------------
    @contextmanager
    def cursor(self) -> Iterator[Con]:
        """A DuckDB cursor used by this thread alone for the duration of the block."""
        if self._closed:
            raise RuntimeError("the store service is closed")
        try:
            cur = self._pool.get_nowait()
        except queue.Empty:
            cur = self.store.con.cursor()
        ok = False
        self._active.add(cur)
        try:
            yield cur
            ok = True
        finally:
            self._active.discard(cur)
            if ok and not self._closed:
                self._pool.put(cur)
            else:
                try:
                    cur.close()
                except Exception:  # noqa: BLE001
                    pass

    def fresh_cursor(self) -> Con:
        """A cursor the caller owns and closes (ad-hoc SQL: interruptible, never pooled)."""
        if self._closed:
            raise RuntimeError("the store service is closed")
        return self.store.con.cursor()

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        with self.cursor() as cur:
            return cur.execute(sql, params or []).fetchall()
