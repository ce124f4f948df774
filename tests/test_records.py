"""Typed journal records: the store's columns, in its order, and the journal lines of before."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Literal, get_args, get_origin, get_type_hints

import pyarrow as pa

from engine.store import journal as jr
from engine.store.manifest import RunInfo, write_info
from engine.store.records import RECORDS, EpisodeRecord, HumanJudgmentRecord, JudgmentRecord, columns
from engine.store.schema import TABLES

_ARROW = {str: pa.string(), int: pa.int64(), float: pa.float64(), bool: pa.bool_()}


def _arrow_type(hint: object) -> pa.DataType:
    if get_origin(hint) is Literal:  # a closed set of strings (verdicts, latency kinds) is a string column
        assert {type(v) for v in get_args(hint)} == {str}, hint
        return pa.string()
    args = [a for a in getattr(hint, "__args__", (hint,)) if a is not type(None)]
    assert len(args) == 1, hint
    return _arrow_type(args[0]) if get_origin(args[0]) is Literal else _ARROW[args[0]]


def test_every_record_has_its_tables_columns_in_order_and_type() -> None:
    assert {r.table for r in RECORDS} == {"episodes", "judgments", "telemetry", "train_steps"}
    for record in RECORDS:
        schema = TABLES[record.table]
        assert columns(record) == tuple(schema.names), record.__name__
        hints = get_type_hints(record)
        for f in schema:
            assert _arrow_type(hints[f.name]) == f.type, (record.__name__, f.name)


def test_the_human_record_adds_only_the_revision() -> None:
    assert columns(HumanJudgmentRecord) == (*columns(JudgmentRecord), "revises")


def _episode(**kw: object) -> EpisodeRecord:
    base: dict = dict(
        episode_id="e1",
        run_id="r1",
        config_id="c",
        config_fp="fp",
        task_id="t",
        task_hash="h",
        skill_id="s",
        condition="curated",
        sample=0,
        prompt="p",
        completion="ANSWER: 4",
        tokens_in=3,
        tokens_out=2,
        latency_s=0.5,
        cost_usd=0.0,
        finish_reason="stop",
        error=None,
        has_answer_line=True,
        created_at=1.0,
    )
    return EpisodeRecord(**{**base, **kw})


def test_a_record_writes_the_journal_line_of_a_dict(tmp_path: Path) -> None:
    rec = _episode(latency_kind="batch", flags="")
    j = jr.RunJournal(tmp_path, "r1")
    write_info(j.dir, RunInfo(run_id="r1", kind="eval"))
    j.record(rec)
    j.append("episodes", rec.row())
    j.close()
    first, second = (tmp_path / "r1" / "episodes.jsonl").read_bytes().splitlines()
    assert first == second
    assert first.startswith(b'{"episode_id":"e1",')  # resume reads the id without parsing
    assert jr.done_ids(tmp_path, "episodes") == {"e1"}
    assert list(jr.iter_records(tmp_path / "r1" / "episodes.jsonl"))[0] == rec.row()


def test_an_unfinished_generation_is_not_done(tmp_path: Path) -> None:
    j = jr.RunJournal(tmp_path, "r1")
    write_info(j.dir, RunInfo(run_id="r1", kind="eval"))
    j.record(_episode(error="RateLimit"))
    j.close()
    assert jr.done_ids(tmp_path, "episodes") == set()


def test_telemetry_rows_keep_their_host_and_old_lines_ingest_without_one(tmp_path: Path) -> None:
    """Under --executor ray the driver journals each worker node's samples beside its own: one row
    per (run, host, t), so two hosts sampled at the same instant are two rows; a line journaled
    before the host column ingests with host NULL."""
    from engine.events import TelemetrySampled
    from engine.store.db import Store
    from engine.store.records import TelemetryRecord

    j = jr.RunJournal(tmp_path, "r1")
    write_info(j.dir, RunInfo(run_id="r1", kind="eval"))
    for host in ("driver", "node-b"):
        sample = TelemetrySampled("r1", cpu_pct=1.0, ram_used_gb=2.0, ram_total_gb=4.0, host=host)
        j.record(TelemetryRecord.of(dataclasses.replace(sample, t=10.0)))
    j.append("telemetry", {"run_id": "r1", "t": 5.0, "cpu_pct": 3.0, "ram_used_gb": 1.0, "ram_total_gb": 4.0})
    j.close()
    with Store.open(tmp_path, fallback=None) as store:
        store.ingest()
        rows = store.con.execute("SELECT t, host, cpu_pct FROM telemetry ORDER BY t, host").fetchall()
    assert rows == [(5.0, None, 3.0), (10.0, "driver", 1.0), (10.0, "node-b", 1.0)]
