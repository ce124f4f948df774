"""engine/store/human.py: adjudications are a journal run the store ingests; κ treats them as a judge."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.analysis import build_report
from engine.runs import run_status
from engine.store import human
from engine.store.db import Store
from tests.cockpit.journals import write_eval_run


def test_adjudications_are_ingested_and_feed_kappa(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    write_eval_run(runs)
    with Store.open(runs) as store:
        store.ingest()
        eps = [r[0] for r in store.query("SELECT episode_id FROM episodes WHERE config_id = 'q2b' ORDER BY 1")]
        for i, e in enumerate(eps):
            human.adjudicate(store.con, runs, e, "pass" if i % 2 else "fail", note=f"note [{i}]")
        stats = store.ingest()
        assert stats.rows.get("judgments") == len(eps)
        row = store.query(
            "SELECT judge_id, judge_fp, config_id, task_id, skill_id, condition, sample, scoring, rationale, run_id "
            "FROM judgments WHERE judge_id = 'human' AND episode_id = ?",
            [eps[0]],
        )[0]
        assert row[0] == "human"
        assert row[2] == "q2b"
        assert row[7] in ("answer_line", "llm")
        assert row[8] == "note [0]"
        assert row[9] == "human"
        assert store.query("SELECT kind FROM judges WHERE judge_id = 'human'") == [("human",)]
        assert store.query("SELECT kind, status FROM runs WHERE run_id = 'human'") == [("human", "finished")]
        rep = build_report(store.con, n_boot=200)
        pairs = [a for a in rep.agreement if "human" in (a.judge_a, a.judge_b)]
        assert pairs
        assert all(a.config == "q2b" for a in pairs)
        assert sum(a.n for a in pairs if "claude" in (a.judge_a, a.judge_b)) == len(eps)


def test_a_second_adjudication_revises_the_first(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    write_eval_run(runs)
    e = "ep-q2b-add-h1-curated"

    def human_rows(store: Store) -> list[tuple[str, str | None]]:
        return store.query("SELECT verdict, rationale FROM judgments WHERE judge_id = 'human' AND episode_id = ?", [e])

    def human_task_passes(store: Store) -> int:
        rows = store.query("SELECT sum(cu_pass) FROM analysis_task WHERE judge_id = 'human' AND config_id = 'q2b'")
        return int(rows[0][0] or 0)

    with Store.open(runs) as store:
        store.ingest()
        human.adjudicate(store.con, runs, e, "pass", "looks right")
        store.ingest()
        assert human_rows(store) == [("pass", "looks right")]
        assert human_task_passes(store) == 1
        # revised after ingest: the store replaces the row and the aggregates follow
        rec = human.adjudicate(store.con, runs, e, "fail", "misread the gold")
        assert rec["revises"] == "pass"
        store.ingest()
        assert human_rows(store) == [("fail", "misread the gold")]
        assert human_task_passes(store) == 0
        # two revisions journaled before one ingest: the latest wins inside the batch too
        human.adjudicate(store.con, runs, e, "pass", "second look")
        human.adjudicate(store.con, runs, e, "fail", "third look")
        store.ingest()
        assert human_rows(store) == [("fail", "third look")]
        assert human_task_passes(store) == 0
        assert store.count("judgments") == store.query("SELECT count(DISTINCT judgment_id) FROM judgments")[0][0]
        with pytest.raises(human.AdjudicationError, match="verdict"):
            human.adjudicate(store.con, runs, "ep-q2b-add-h2-curated", "maybe")
        with pytest.raises(human.AdjudicationError, match="not in the store"):
            human.adjudicate(store.con, runs, "nope", "pass")
    # every revision stays in the journal, each naming the verdict it replaced
    recs = [json.loads(x) for x in (runs / "human" / "judgments.jsonl").read_text().splitlines()]
    assert [(r["verdict"], r["revises"]) for r in recs] == [
        ("pass", None),
        ("fail", "pass"),
        ("pass", "fail"),
        ("fail", "pass"),
    ]
    assert [r["created_at"] for r in recs] == sorted(r["created_at"] for r in recs)
    assert run_status(runs / "human").status == "finished"
    # a fresh store built from the journals alone reaches the same state
    with Store.memory(runs) as snap:
        snap.ingest()
        assert human_rows(snap) == [("fail", "third look")]
