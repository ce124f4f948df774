"""Per-run append-only journals under `runs/<run-id>/`.

Each run writes JSON Lines files named after the store tables they feed (`episodes.jsonl`,
`judgments.jsonl`, `telemetry.jsonl`, ...) plus `events.jsonl` (typed events the cockpit
follows) and `run.json` (what the run is; `engine.store.manifest` writes and reads it). Every
record is one `os.write` of one complete line on an `O_APPEND` descriptor, so `kill -9` at any
moment leaves at most one torn last line, which readers ignore and the next writer of that file
cuts off. Nothing here needs the DuckDB file, so any number of runs can write at once while another
process holds the store.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from engine.events import Event, Reporter
from engine.store.manifest import RUN_FILE
from engine.store.records import Record

EVENTS_FILE = "events.jsonl"
SPEC_FILES = ("configs", "skills", "tasks", "judges")
LOG_FILES = ("episodes", "judgments", "telemetry", "train_steps", "audits")
STORE_NAME = "store.duckdb"
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def new_run_id(prefix: str) -> str:
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    safe = re.sub(r"[^A-Za-z0-9_.-]", "-", prefix)[:48] or "run"
    return f"{stamp}-{safe}-{os.urandom(2).hex()}"


def repair_tail(path: Path) -> None:
    """Cut a torn last line left by a killed writer, so appends start on a fresh line."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    if size == 0:
        return
    with open(path, "rb+") as f:
        f.seek(size - 1)
        if f.read(1) == b"\n":
            return
        block = 1 << 16
        pos = size
        while pos > 0:
            start = max(0, pos - block)
            f.seek(start)
            chunk = f.read(pos - start)
            nl = chunk.rfind(b"\n")
            if nl >= 0:
                f.truncate(start + nl + 1)
                return
            pos = start
        f.truncate(0)


class Appender:
    """One journal file open for appending: each `write` is one complete line on an O_APPEND fd."""

    def __init__(self, path: Path) -> None:
        repair_tail(path)
        self.path = path
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def write(self, line: str) -> None:
        data = (line + "\n").encode("utf-8")
        view = memoryview(data)
        while view:
            n = os.write(self.fd, view)
            view = view[n:]

    def close(self) -> None:
        try:
            os.fsync(self.fd)
        except OSError:
            pass
        os.close(self.fd)


class RunJournal:
    """The writer side of one run's journal. Also a Reporter: events go to events.jsonl."""

    def __init__(self, runs_dir: Path, run_id: str) -> None:
        if not _RUN_ID.match(run_id):
            raise ValueError(f"invalid run id {run_id!r}")
        self.run_id = run_id
        self.dir = Path(runs_dir) / run_id
        self.dir.mkdir(parents=True, exist_ok=True)
        self._files: dict[str, Appender] = {}
        self._open_lock = threading.Lock()  # a pipelined run appends from several threads

    def _file(self, name: str) -> Appender:
        f = self._files.get(name)
        if f is None:
            with self._open_lock:
                f = self._files.get(name)
                if f is None:
                    f = self._files[name] = Appender(self.dir / f"{name}.jsonl")
        return f

    def write_specs(self, name: str, rows: list[dict[str, Any]]) -> None:
        """Write a spec file (configs, skills, tasks, judges) whole and atomically."""
        assert name in SPEC_FILES
        tmp = self.dir / f"{name}.jsonl.tmp"
        tmp.write_text("".join(dumps(r) + "\n" for r in rows), encoding="utf-8")
        os.replace(tmp, self.dir / f"{name}.jsonl")

    def append(self, table: str, record: dict[str, Any]) -> None:
        assert table in LOG_FILES, table
        self._file(table).write(dumps(record))

    def record(self, rec: Record) -> None:
        """Append a typed record to the journal of its table."""
        self.append(rec.table, rec.row())

    def emit(self, event: Event) -> None:
        self._file("events").write(event.to_json())

    def close(self) -> None:
        for f in self._files.values():
            f.close()
        self._files.clear()


class JournalReporter:
    """Adapts a RunJournal to the Reporter protocol, filtering high-rate events if asked."""

    def __init__(self, journal: RunJournal) -> None:
        self.journal = journal

    def emit(self, event: Event) -> None:
        self.journal.emit(event)


def as_reporter(journal: RunJournal) -> Reporter:
    return JournalReporter(journal)


# ----------------------------------------------------------------------------- readers


def read_complete(path: Path, offset: int = 0) -> tuple[bytes, int]:
    """Bytes of the complete lines from `offset` on, and the offset after them."""
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            data = f.read()
    except FileNotFoundError:
        return b"", offset
    end = data.rfind(b"\n")
    if end < 0:
        return b"", offset
    if end + 1 < len(data):
        data = data[: end + 1]  # drop a torn tail (rare: only then is the data copied)
    return data, offset + end + 1


def iter_records(path: Path) -> Iterator[dict[str, Any]]:
    """Complete JSON records of a journal file (a torn last line is skipped)."""
    data, _ = read_complete(path)
    for line in data.splitlines():
        if not line.strip():
            continue
        try:
            yield json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            continue


def run_dirs(runs_dir: Path) -> list[Path]:
    if not runs_dir.is_dir():
        return []
    return sorted(p for p in runs_dir.iterdir() if p.is_dir() and (p / RUN_FILE).exists())


_ID_PREFIX = {"episodes": b'{"episode_id":"', "judgments": b'{"judgment_id":"'}


def done_ids(runs_dir: Path, table: str, *, ok_only: bool = True) -> set[str]:
    """Ids already journaled by any run (resume: these are never regenerated).

    Records are written with their id first, so the id is read without parsing the line;
    records with an error (failed generation, judge error) are not done when `ok_only`.
    """
    prefix = _ID_PREFIX[table]
    out: set[str] = set()
    for d in run_dirs(runs_dir):
        data, _ = read_complete(d / f"{table}.jsonl")
        for line in data.splitlines():
            if not line.startswith(prefix):
                continue
            end = line.index(b'"', len(prefix))
            if ok_only and _is_error(table, line):
                continue
            out.add(line[len(prefix) : end].decode())
    return out


def _is_error(table: str, line: bytes) -> bool:
    if table == "episodes":
        return b'"error":null' not in line
    return b'"verdict":"error"' in line


def last_terminal_event(run_dir: Path) -> dict[str, Any] | None:
    """The last lifecycle event (terminal or a restart) of a run, read from the tail of events.jsonl."""
    path = run_dir / EVENTS_FILE
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return None
    with open(path, "rb") as f:
        step = 1 << 14
        pos = size
        buf = b""
        while pos > 0:
            start = max(0, pos - step)
            f.seek(start)
            buf = f.read(pos - start) + buf
            pos = start
            for line in reversed(buf.splitlines()):
                if b'"type":"Run' in line:
                    try:
                        rec = json.loads(line)
                    except (json.JSONDecodeError, RecursionError):
                        continue
                    if rec.get("type") in ("RunStarted", "RunFinished", "RunFailed", "RunCancelled"):
                        return dict(rec)
            if len(buf) > 1 << 22:
                break
    return None
