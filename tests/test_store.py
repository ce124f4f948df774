"""Journals and the DuckDB store: torn lines, idempotent ingest, error replacement, lock fallback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from engine.runs import run_status
from engine.store import journal as jr
from engine.store.db import Store, StoreLocked
from engine.store.manifest import RunInfo, write_info


def _episode(eid: str, run_id: str, error: str | None = None, completion: str = "ANSWER: 3") -> dict:
    return {
        "episode_id": eid,
        "run_id": run_id,
        "config_id": "c",
        "config_fp": "fp",
        "task_id": "t",
        "task_hash": "h",
        "skill_id": "s",
        "condition": "no_skill",
        "sample": 0,
        "prompt": "p",
        "completion": "" if error else completion,
        "tokens_in": 1,
        "tokens_out": 2,
        "latency_s": 0.1,
        "cost_usd": 0.0,
        "finish_reason": "error" if error else "stop",
        "error": error,
        "has_answer_line": error is None,
        "created_at": time.time(),
    }


def _journal(runs: Path, run_id: str) -> jr.RunJournal:
    j = jr.RunJournal(runs, run_id)
    write_info(j.dir, RunInfo(run_id=run_id, kind="eval", experiment="x", pid=0, started_at=time.time()))
    return j


def test_torn_last_line_is_ignored_then_cut(runs_dir: Path) -> None:
    j = _journal(runs_dir, "r1")
    j.append("episodes", _episode("e1", "r1"))
    j.close()
    path = runs_dir / "r1" / "episodes.jsonl"
    with open(path, "ab") as f:  # what kill -9 in the middle of a write would leave
        f.write(b'{"episode_id":"e2","run_id":"r1","conf')
    assert jr.done_ids(runs_dir, "episodes") == {"e1"}
    assert [r["episode_id"] for r in jr.iter_records(path)] == ["e1"]
    with Store.open(runs_dir) as store:
        store.ingest()
        assert store.count("episodes") == 1
    j2 = jr.RunJournal(runs_dir, "r1")  # a resumed writer cuts the torn tail
    j2.append("episodes", _episode("e3", "r1"))
    j2.close()
    lines = path.read_bytes().splitlines()
    assert [json.loads(x)["episode_id"] for x in lines] == ["e1", "e3"]
    with Store.open(runs_dir) as store:
        store.ingest()
        assert sorted(r[0] for r in store.query("SELECT episode_id FROM episodes")) == ["e1", "e3"]


def test_ingest_is_idempotent_and_incremental(runs_dir: Path) -> None:
    j = _journal(runs_dir, "r1")
    for i in range(50):
        j.append("episodes", _episode(f"e{i}", "r1"))
    with Store.open(runs_dir) as store:
        assert store.ingest().rows["episodes"] == 50
        assert store.ingest().total() == 0
        for i in range(50, 60):
            j.append("episodes", _episode(f"e{i}", "r1"))
        assert store.ingest().rows["episodes"] == 10
        assert store.count("episodes") == 60
    j.close()
    # a fresh process-equivalent: reopen, nothing new
    with Store.open(runs_dir) as store:
        assert store.ingest().total() == 0
        assert store.count("episodes") == 60


def test_success_replaces_error_and_duplicates_across_runs_collapse(runs_dir: Path) -> None:
    a = _journal(runs_dir, "ra")
    a.append("episodes", _episode("e1", "ra", error="RateLimit"))
    a.append("episodes", _episode("e2", "ra"))
    a.close()
    with Store.open(runs_dir) as store:
        store.ingest()
        assert store.query("SELECT error FROM episodes WHERE episode_id='e1'") == [("RateLimit",)]
        b = _journal(runs_dir, "rb")
        b.append("episodes", _episode("e1", "rb"))  # the retry succeeded
        b.append("episodes", _episode("e2", "rb"))  # same episode from a concurrent run
        b.close()
        store.ingest()
        rows = store.query("SELECT episode_id, error, run_id FROM episodes ORDER BY episode_id")
        assert rows == [("e1", None, "rb"), ("e2", None, "ra")]
    assert jr.done_ids(runs_dir, "episodes") == {"e1", "e2"}


def test_locked_store_falls_back_to_journal_snapshot(runs_dir: Path) -> None:
    j = _journal(runs_dir, "r1")
    j.append("episodes", _episode("e1", "r1"))
    j.close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb,sys,time; c=duckdb.connect(sys.argv[1]); print('held', flush=True); time.sleep(30)",
            str(runs_dir / jr.STORE_NAME),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(StoreLocked):
            Store.open(runs_dir, wait_s=0.2, fallback=None)
        with Store.open(runs_dir, wait_s=0.2) as snap:
            assert snap.snapshot
            snap.ingest()
            assert snap.count("episodes") == 1
    finally:
        holder.kill()
        holder.wait()


INGEST_SCRIPT = """
import sys
from engine.store.db import Store
with Store.open(sys.argv[1], fallback=None) as s:
    print("open", flush=True)
    s.ingest()
    print("done", flush=True)
"""


def test_kill_during_ingest_never_corrupts_the_store(runs_dir: Path) -> None:
    j = _journal(runs_dir, "r1")
    big = "x" * 2000
    for i in range(30000):
        j.append("episodes", _episode(f"e{i:06d}", "r1", completion=big))
    j.close()
    killed = 0
    for delay in (0.3, 0.6, 1.0):
        p = subprocess.Popen([sys.executable, "-c", INGEST_SCRIPT, str(runs_dir)], stdout=subprocess.PIPE, text=True)
        assert p.stdout is not None
        assert p.stdout.readline().strip() == "open"
        time.sleep(delay)
        if p.poll() is None:
            p.kill()
            killed += 1
        p.wait()
        con = duckdb.connect(str(runs_dir / jr.STORE_NAME))
        n = con.execute("SELECT count(*), count(DISTINCT episode_id) FROM episodes").fetchall()[0]
        offset = con.execute(
            "SELECT coalesce(max(byte_offset), 0) FROM ingest_state WHERE path LIKE '%episodes.jsonl'"
        ).fetchall()[0][0]
        con.close()
        assert n[0] == n[1], "duplicate episodes after a killed ingest"
        assert n[0] in (0, 30000), f"partial ingest visible: {n[0]}"
        assert (offset == 0) == (n[0] == 0), "offset and rows disagree"
    assert killed >= 1, "no ingest was interrupted; make the journal bigger"
    with Store.open(runs_dir, fallback=None) as store:
        store.ingest()
        assert store.count("episodes") == 30000


def test_run_status_reads_lifecycle_and_dead_pids(runs_dir: Path) -> None:
    from engine.events import RunFinished, RunStarted

    j = jr.RunJournal(runs_dir, "alive")
    write_info(j.dir, RunInfo(run_id="alive", kind="eval", experiment="x", pid=os.getpid()))
    j.emit(RunStarted("alive", kind="eval", experiment="x"))
    assert run_status(runs_dir / "alive").status == "running"
    d = jr.RunJournal(runs_dir, "dead")
    write_info(d.dir, RunInfo(run_id="dead", kind="eval", experiment="x", pid=2**22 + 12345))
    d.emit(RunStarted("dead", kind="eval", experiment="x"))
    assert run_status(runs_dir / "dead").status == "interrupted"
    j.emit(RunFinished("alive", episodes=3))
    assert run_status(runs_dir / "alive").status == "finished"
    j.close()
    d.close()


def test_store_made_before_latency_kind_gains_the_column(runs_dir: Path) -> None:
    """Additive migration: an older store file (episodes without `latency_kind`) opens, gains the
    column, keeps its rows (NULL: not said), and ingests new rows that carry it."""
    j = _journal(runs_dir, "r1")
    j.append("episodes", _episode("e1", "r1"))
    j.close()
    with Store.open(runs_dir) as store:
        store.ingest()
        for col in ("flags", "latency_kind"):  # what an older version made: the columns appended since
            store.con.execute(f"ALTER TABLE episodes DROP COLUMN {col}")
    with Store.open(runs_dir) as store:
        assert store.query("SELECT episode_id, latency_kind FROM episodes") == [("e1", None)]
        j = _journal(runs_dir, "r1")
        j.append("episodes", {**_episode("e2", "r1"), "latency_kind": "batch"})
        j.close()
        store.ingest()
        assert store.query("SELECT episode_id, latency_kind FROM episodes ORDER BY 1") == [
            ("e1", None),
            ("e2", "batch"),
        ]


def test_store_made_before_flags_is_migrated_and_its_aggregates_rebuilt(runs_dir: Path) -> None:
    """A store of the previous version (episodes without `flags`, a narrower analysis_format built by
    aggregates version 1) opens, gains the columns, rebuilds its aggregates once, and reports fresh."""
    from engine.analysis import build_report

    j = _journal(runs_dir, "r1")
    j.append("episodes", _episode("e1", "r1"))
    j.close()
    with Store.open(runs_dir) as store:
        store.ingest()
        store.con.execute("ALTER TABLE episodes DROP COLUMN flags")
        for col in ("flagged", "flag_verdict", "flag_grader", "flag_delimiter", "unchecked"):
            store.con.execute(f"ALTER TABLE analysis_format DROP COLUMN {col}")
        store.con.execute("UPDATE analysis_meta SET value = '1' WHERE key = 'version'")
    with Store.open(runs_dir) as store:
        assert store.query("SELECT value FROM analysis_meta WHERE key = 'version'") != [("1",)]
        assert store.query("SELECT n, unchecked FROM analysis_format") == [(1, 1)]
        rep = build_report(store.con, n_boot=10)
        assert rep.meta["source"] == "aggregates"
        assert not any("stale" in w for w in rep.warnings), rep.warnings


def _judgment(jid: str, eid: str, verdict: str, run_id: str = "r1") -> dict:
    keys = {"config_id": "c", "config_fp": "fp", "task_id": "t", "skill_id": "s", "condition": "no_skill"}
    return keys | {
        "judgment_id": jid,
        "episode_id": eid,
        "judge_id": "lenient",
        "judge_fp": "jfp",
        "sample": 0,
        "scoring": "answer_line",
        "verdict": verdict,
        "rationale": verdict,
        "extracted": None,
        "run_id": run_id,
        "created_at": time.time(),
    }


def test_abstentions_are_stored_counted_apart_and_rebuild_an_older_aggregate(runs_dir: Path) -> None:
    """`abstain` is a verdict (a later one does not replace it; it replaces an error, as a success does),
    and a store whose analysis_task was built before abstentions were counted is rebuilt on opening."""
    j = _journal(runs_dir, "r1")
    for i in range(4):
        j.append("episodes", _episode(f"e{i}", "r1"))
    for i, v in enumerate(("pass", "abstain", "error", "error")):
        j.append("judgments", _judgment(f"j{i}", f"e{i}", v))
    j.append("judgments", _judgment("j1", "e1", "pass"))  # a rerun: the abstention stays
    j.append("judgments", _judgment("j3", "e3", "abstain"))  # the rules settle a failed judgment
    j.close()
    counts = "SELECT ns_n, ns_pass, ns_err, ns_abs FROM analysis_task"
    with Store.open(runs_dir) as store:
        store.ingest()
        assert store.query("SELECT judgment_id, verdict FROM judgments ORDER BY 1") == [
            ("j0", "pass"),
            ("j1", "abstain"),
            ("j2", "error"),
            ("j3", "abstain"),
        ]
        assert store.query(counts) == [(1, 1, 1, 2)]
        store.con.execute("ALTER TABLE analysis_task DROP COLUMN ns_abs")  # what aggregates version 2 made
        store.con.execute("ALTER TABLE analysis_task DROP COLUMN cu_abs")
        store.con.execute("UPDATE analysis_task SET ns_err = 3")  # version 2 counted abstentions as errors
        store.con.execute("UPDATE analysis_meta SET value = '2' WHERE key = 'version'")
    with Store.open(runs_dir) as store:
        assert store.query(counts) == [(1, 1, 1, 2)]
