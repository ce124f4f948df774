"""engine/store/human.py: adjudications are a journal run the store ingests; κ treats them as a judge."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.analysis import build_report
from engine.store import human
from engine.store import journal as jr
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
        assert row[0] == "human" and row[2] == "q2b" and row[7] in ("answer_line", "llm")
        assert row[8] == "note [0]" and row[9] == "human"
        assert store.query("SELECT kind FROM judges WHERE judge_id = 'human'") == [("human",)]
        assert store.query("SELECT kind, status FROM runs WHERE run_id = 'human'") == [("human", "finished")]
        rep = build_report(store.con, n_boot=200)
        pairs = [a for a in rep.agreement if "human" in (a.judge_a, a.judge_b)]
        assert pairs and all(a.config == "q2b" for a in pairs)
        assert sum(a.n for a in pairs if "claude" in (a.judge_a, a.judge_b)) == len(eps)


def test_second_adjudication_of_an_episode_is_refused(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    write_eval_run(runs)
    with Store.open(runs) as store:
        store.ingest()
        e = "ep-q2b-add-h1-curated"
        human.adjudicate(store.con, runs, e, "pass")
        with pytest.raises(human.AdjudicationError, match="already"):  # journaled, not yet ingested
            human.adjudicate(store.con, runs, e, "fail")
        store.ingest()
        with pytest.raises(human.AdjudicationError, match="already"):  # in the store
            human.adjudicate(store.con, runs, e, "fail")
        with pytest.raises(human.AdjudicationError, match="verdict"):
            human.adjudicate(store.con, runs, "ep-q2b-add-h2-curated", "maybe")
        with pytest.raises(human.AdjudicationError, match="not in the store"):
            human.adjudicate(store.con, runs, "nope", "pass")
    lines = (runs / "human" / "judgments.jsonl").read_text().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["verdict"] == "pass"
    assert jr.run_status(runs / "human").status == "finished"
