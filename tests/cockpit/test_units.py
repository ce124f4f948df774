"""The cockpit's non-UI parts: literal text, read-only SQL, journal tailing, launcher, queries."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.text import Text

from cockpit import safe
from cockpit.services import launcher, sql
from cockpit.services.tail import RunTail, Tails
from cockpit.viewmodels import queries
from engine.events import EpisodeFinished, RunStarted
from engine.host import pid_alive
from engine.runs import run_status
from engine.store import journal as jr
from engine.store.db import Store
from engine.store.manifest import RunInfo, write_info
from engine.store.request import RunRequest
from engine.tally import EvalProgress
from tests.cockpit.journals import HOSTILE, write_eval_run, write_fixture


def test_clean_makes_controls_visible_and_keeps_brackets() -> None:
    s = safe.clean(HOSTILE)
    assert "\x1b" not in s
    assert "\x07" not in s
    assert "[@click=app.quit]" in s
    assert "[bold]" in s
    assert "[/" in s
    assert "␛[31m" in s
    assert "␛]8;;http://x␇" in s
    assert safe.clean("a\x9bb\x7f") == "a\\x9bb\u2421"
    assert safe.clean("line1\nline2\tx", one_line=True) == "line1⏎line2 x"
    assert safe.clean("x" * 10, limit=5) == "xxxx…"
    t = safe.cell("[@click=app.quit]q[/]")
    assert isinstance(t, Text)
    assert t.plain == "[@click=app.quit]q[/]"
    assert not t.spans


def test_clean_shows_bidi_and_zero_width_characters() -> None:
    # a right-to-left override would show "PASS" reversed text as another verdict; zero-width
    # characters hide inside a value; both reach the screen as visible escapes
    tricky = "ANSWER: \u202e1SSAP\u202c x\u2066y\u2069 4\u200b2 \ufeffz \u200e\u200f\u061c\u2060\u00ad"
    for one_line in (False, True):
        s = safe.clean(tricky, one_line=one_line)
        assert not any(ch in s for ch in "\u202e\u202c\u2066\u2069\u200b\ufeff\u200e\u200f\u061c\u2060\u00ad")
        assert "\\u202e1SSAP\\u202c" in s
        assert "x\\u2066y\\u2069" in s
        assert "4\\u200b2" in s
        assert "\\ufeffz" in s
    assert safe.clean("naïve 日本 – ok") == "naïve 日本 – ok"  # ordinary text untouched


def test_sql_guard_refuses_writes_and_rolls_back(tmp_path: Path) -> None:
    runs = write_fixture(tmp_path / "runs")
    with Store.open(runs) as store:
        store.ingest()
        cur = store.con.cursor()
        r = sql.run(cur, "SELECT count(*) AS n FROM episodes")
        assert r.columns == ("n",)
        assert r.rows == [(160,)]
        assert sql.run(cur, "DESCRIBE episodes").rows
        assert sql.run(cur, "SHOW TABLES").rows
        assert sql.run(cur, "WITH x AS (SELECT 1 AS a) SELECT * FROM x").rows == [(1,)]
        for bad in (
            "DELETE FROM episodes",
            "DROP TABLE runs",
            "SELECT 1; DELETE FROM runs",
            "COPY runs TO 'x.csv'",
            "ATTACH 'x.db'",
            "SET threads = 1",
            "INSERT INTO runs (run_id) VALUES ('x')",
            "   ",
        ):
            with pytest.raises(sql.ReadOnlyError):
                sql.run(cur, bad)
        sql.run(cur, "EXPLAIN ANALYZE SELECT 1")
        r = sql.run(cur, "SELECT * FROM episodes", max_rows=10)
        assert len(r.rows) == 10
        assert r.truncated
        assert store.count("episodes") == 160


def test_tail_follows_a_growing_journal(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    j = jr.RunJournal(runs, "r1")
    write_info(j.dir, RunInfo(run_id="r1", kind="eval", experiment="x", pid=os.getpid(), started_at=1.0))
    j.emit(RunStarted("r1", kind="eval", experiment="x", total_episodes=10, done_episodes=2, t=100.0))
    tail = RunTail(runs / "r1")
    assert tail.poll()
    p = tail.progress(now=100.0)
    assert p.status == "running"
    assert isinstance(p.job, EvalProgress)
    assert p.job.episodes_done == 2
    assert p.job.episodes_total == 10
    for i in range(4):
        j.emit(
            EpisodeFinished(
                "r1",
                episode_id=f"e{i}",
                config_id="c",
                task_id="t",
                condition="no_skill",
                sample=0,
                tokens_in=10,
                tokens_out=20,
                latency_s=0.1,
                cost_usd=0.01,
                t=101.0 + i,
            )
        )
    with open(runs / "r1" / "events.jsonl", "ab") as f:  # a torn line waits for the next poll
        f.write(b'{"run_id":"r1","t":110')
    assert tail.poll()
    p = tail.progress(now=105.0)
    assert isinstance(p.job, EvalProgress)
    assert p.job.episodes_done == 6
    assert p.job.tokens_out == 80
    assert abs(p.cost_usd - 0.04) < 1e-9
    assert p.pace.episodes_per_s
    assert p.pace.eta_s
    assert p.pace.eta_s > 0
    assert not tail.poll()
    j.close()


def test_tails_poll_all_matches_run_status(tmp_path: Path) -> None:
    runs = write_fixture(tmp_path / "runs")
    statuses = {p.run_id: p.status for p in Tails(runs).poll_all()}
    assert statuses == {d.name: run_status(d).status for d in jr.run_dirs(runs)}


def test_build_command_names_everything(tmp_path: Path) -> None:
    req = RunRequest(
        tmp_path, Path("exp.toml"), config_ids=["a"], conditions=["curated"], judge_ids=["j1", "j2"], limit=3, samples=2
    )
    cmd = launcher.build_command(req, "rid")
    assert cmd[:4] == [sys.executable, "-m", "engine.cli", "run"]
    joined = " ".join(cmd)
    for part in (
        "--run-id rid",
        "--events none",
        f"--runs-dir {tmp_path}",
        "--config a",
        "--condition curated",
        "--judge j1 --judge j2",
        "--limit 3",
        "--samples 2",
    ):
        assert part in joined


def test_spawn_is_detached_logs_to_the_run_dir_and_survives(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    code = "import time, sys; print('child up', flush=True); time.sleep(30)"
    pid = launcher.spawn([sys.executable, "-c", code], runs / "r-x")
    try:
        assert os.getsid(pid) == pid  # its own session: a terminal hangup or the UI's exit cannot reach it
        deadline = time.time() + 10
        while "child up" not in launcher.log_tail(runs / "r-x") and time.time() < deadline:
            time.sleep(0.05)
        assert "child up" in launcher.log_tail(runs / "r-x")
        info = json.loads((runs / "r-x" / launcher.LAUNCH_FILE).read_text())
        assert info["pid"] == pid
        pend = launcher.pending(runs)
        assert [p.run_id for p in pend] == ["r-x"]
        assert pend[0].alive
        launcher.cancel(runs, "r-x")  # before run.json exists, cancel signals the launched pid
        deadline = time.time() + 10
        while pid_alive(pid) and time.time() < deadline:
            launcher.reap()
            time.sleep(0.05)
        assert not pid_alive(pid)
        assert not launcher.pending(runs)[0].alive
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_cancel_and_resume_refuse_what_they_cannot_do(tmp_path: Path) -> None:
    runs = write_fixture(tmp_path / "runs")
    with pytest.raises(ValueError, match="not running"):
        launcher.cancel(runs, "20250101-000000-study-a1b2")
    with pytest.raises(ValueError, match="experiment.json|resum"):
        launcher.resume(runs, "20250101-010000-train-sft-c3d4")


def test_known_experiments_include_data_and_runs(tmp_path: Path, mini_experiment: Path) -> None:
    runs = tmp_path / "runs"
    j = jr.RunJournal(runs, "r1")
    write_info(j.dir, RunInfo(run_id="r1", kind="eval", experiment="mini", experiment_path=str(mini_experiment)))
    found = launcher.known_experiments(runs)
    assert any(p.name == "demo.toml" for p in found)
    assert mini_experiment.resolve() in found
    choice = launcher.parse_experiment(mini_experiment)
    assert choice.name == "mini"
    assert choice.configs == ("smol",)
    assert choice.judges == ("extractor", "lenient")


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    runs = write_fixture(tmp_path / "runs")
    with Store.open(runs) as s:
        s.ingest()
        yield s


def test_queries_page_details_count(store: Store) -> None:
    cur = store.con.cursor()
    f = queries.EpisodeFilter(config_id="q2b", condition="curated")
    rows = queries.page(cur, f)
    assert len(rows) == 16
    assert all(r.config_id == "q2b" and r.condition == "curated" for r in rows)
    assert queries.count(cur, f) == 16
    full = queries.details(cur, rows)
    assert all(set(r.verdicts or {}) <= {"extractor", "lenient", "claude"} and r.verdicts for r in full)
    fv = queries.EpisodeFilter(judge_id="claude", verdict="pass", skill_id="add")
    vrows = queries.details(cur, queries.page(cur, fv))
    assert vrows
    assert all(r.verdicts["claude"] == "pass" and r.skill_id == "add" for r in vrows)
    assert all(r.tokens_out is not None and r.run_id for r in vrows)  # filled from episodes
    assert queries.count(cur, fv) == len(vrows)
    anyj = queries.page(cur, queries.EpisodeFilter(verdict="fail"))
    assert len({r.episode_id for r in anyj}) == len(anyj)
    page2 = queries.page(cur, queries.EpisodeFilter(), limit=50, offset=50)
    assert len(page2) == 50
    assert page2[0].episode_id != queries.page(cur, queries.EpisodeFilter(), limit=1)[0].episode_id


def test_flips_and_pairs(store: Store) -> None:
    cur = store.con.cursor()
    flips = queries.flips_between_conditions(cur, "q2b-sft", "claude")
    assert flips
    assert all(f.left != f.right for f in flips)
    assert [f.skill_id for f in flips] == sorted(f.skill_id for f in flips)
    sft = queries.flips_between_configs(cur, "q2b", "q2b-sft", "curated", "claude")
    assert all(f.left_episode.startswith("ep-q2b-") and f.right_episode.startswith("ep-q2b-sft-") for f in sft)
    pair = queries.pair(cur, "ep-q2b-add-h1-curated", "conditions")
    assert pair
    assert pair.left
    assert pair.right
    assert pair.left.condition == "no_skill"
    assert pair.right.completion == HOSTILE
    assert pair.right.skill_block
    assert pair.right.skill_block in pair.right.prompt
    assert {j.judge_id for j in pair.right.judgments} == {"extractor", "lenient", "claude"}
    p2 = queries.pair(cur, "ep-q2b-add-h1-curated", "sft")
    assert p2
    assert p2.left
    assert p2.right
    assert p2.right.config_id == "q2b-sft"
    p3 = queries.pair(cur, "ep-haiku-add-h1-curated", "sft")
    assert p3
    assert p3.right is None
    assert queries.pair(cur, "nope") is None


def test_options(store: Store) -> None:
    opts = queries.options(store.con.cursor())
    assert opts.configs == ("haiku", "q0.8b", "q0.8b-sft", "q2b", "q2b-sft")
    assert opts.judges == ("claude", "extractor", "lenient")
    assert opts.bases["q2b-sft"] == "q2b"
    assert "20250101-000000-study-a1b2" in opts.runs


def test_fixture_runs_are_valid_journals(tmp_path: Path) -> None:
    d = write_eval_run(tmp_path / "runs")
    out = subprocess.run(
        [sys.executable, "-m", "engine.cli", "runs", "--runs-dir", str(d.parent), "--json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert json.loads(out)[0]["status"] == "finished"


def test_a_pending_launch_says_what_kind_of_run_it_starts(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    for rid, sub in (("l-train", "train"), ("l-eval", "run"), ("l-corpus", "corpus"), ("l-judge", "judge")):
        d = runs / rid
        d.mkdir(parents=True)
        cmd = launcher.engine_command(sub, "x.toml")
        (d / launcher.LAUNCH_FILE).write_text(json.dumps({"pid": 0, "cmd": cmd, "started_at": 1.0}))
    (runs / "l-odd").mkdir()
    (runs / "l-odd" / launcher.LAUNCH_FILE).write_text(json.dumps({"pid": 0, "cmd": "not a list"}))
    kinds = {p.run_id: p.kind for p in launcher.pending(runs)}
    assert kinds == {"l-train": "train", "l-eval": "eval", "l-corpus": "corpus", "l-judge": "judge", "l-odd": "eval"}


def test_an_undefined_kappa_row_says_so_with_the_reason() -> None:
    """Before: '–' and an empty CI, so a constant rater's κ read like a missing number."""
    from cockpit.screens.judges import JudgesScreen
    from engine.analysis.agreement import Agreement

    why = "judge fa gave 'pass' on all 40 items"
    a = Agreement("m", "al", "fa", 40, 30, 0.75, None, None, None, [[30, 0], [10, 0]], 0.75, 1.0, 20, 0.0, 0.0, 0.0)
    a.kappa_undefined = why
    _, cells = JudgesScreen._agree_row(a)
    assert [str(cells[4]), str(cells[5])] == ["undefined", why]


def test_each_run_control_is_one_typed_command(tmp_path: Path) -> None:
    from cockpit.control import CancelRun, LaunchRun, ResumeRun, control

    runs = write_fixture(tmp_path / "runs")
    finished = "20250101-000000-study-a1b2"
    with pytest.raises(ValueError, match="is not running"):
        control(CancelRun(finished), runs)
    with pytest.raises(ValueError, match="has no experiment.json"):  # the fixture keeps no experiment file
        control(ResumeRun("20250101-010000-train-sft-c3d4"), runs)
    with pytest.raises(ValueError, match="needs an experiment file"):
        control(LaunchRun(RunRequest(runs)), runs)
    assert [c.what for c in (LaunchRun, CancelRun, ResumeRun)] == ["launch", "cancel", "resume"]
