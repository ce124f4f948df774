"""End to end on the real SmolLM2: run, resume after SIGKILL, re-judge without regenerating."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from engine.runs import run_status
from engine.store import journal as jr
from engine.store.db import Store
from engine.store.manifest import read_info
from tests.conftest import engine_cmd

pytestmark = pytest.mark.slow


def _episode_ids(runs: Path) -> list[str]:
    out = []
    for d in jr.run_dirs(runs):
        out += [r["episode_id"] for r in jr.iter_records(d / "episodes.jsonl")]
    return out


def _count_lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def test_run_stores_both_conditions_and_every_judge(mini_experiment: Path, runs_dir: Path) -> None:
    res = subprocess.run(
        engine_cmd("run", str(mini_experiment), "--runs-dir", str(runs_dir), "--events", "jsonl"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    events = [json.loads(line) for line in res.stdout.splitlines()]
    types = Counter(e["type"] for e in events)
    assert types["RunStarted"] == 1
    assert types["RunFinished"] == 1
    assert types["EpisodeFinished"] == 20  # 10 tasks x 2 conditions
    # extractor + lenient judge the 8 answer_line tasks in both conditions; the 2 llm tasks have no llm judge here
    assert types["JudgmentRecorded"] == 32
    with Store.open(runs_dir, fallback=None) as store:
        store.ingest()
        assert store.query("SELECT condition, count(*) FROM episodes GROUP BY 1 ORDER BY 1") == [
            ("curated", 10),
            ("no_skill", 10),
        ]
        completions = [r[0] for r in store.query("SELECT completion FROM episodes")]
        assert all(isinstance(c, str) for c in completions)
        assert sum(len(c) > 0 for c in completions) >= 18
        curated = store.query("SELECT prompt FROM episodes WHERE condition='curated' AND task_id='add-h1'")[0][0]
        plain = store.query("SELECT prompt FROM episodes WHERE condition='no_skill' AND task_id='add-h1'")[0][0]
        assert "Follow this procedure" in curated
        assert "Follow this procedure" not in plain
        assert "ANSWER:" in curated
        assert "ANSWER:" in plain  # same output instruction in both conditions
        assert store.query("SELECT status FROM runs") == [("finished",)]
        verdicts = dict(store.query("SELECT judge_id, count(*) FROM judgments GROUP BY 1"))
        assert verdicts == {"extractor": 16, "lenient": 16}
        # each episode's own latency (batch start to its last token), not its batch's: 20 episodes ran
        # in 2 batches of 10, and episodes that stop early finish early
        lat = store.query("SELECT latency_kind, latency_s, tokens_out, finish_reason FROM episodes")
        assert {k for k, *_ in lat} == {"request"}
        assert len({round(x, 6) for _, x, _, _ in lat}) > 2, lat
    for e in events:
        if e["type"] == "EpisodeFinished":
            assert e["latency_kind"] == "request"
            assert e["latency_s"] > 0


def test_sigkill_at_several_points_then_resume(mini_experiment: Path, runs_dir: Path) -> None:
    # batch of 2 so episodes stream; kill -9 after 2, 8 and 14 episodes, re-running each time
    text = mini_experiment.read_text().replace("batch_size = 10", "batch_size = 2")
    mini_experiment.write_text(text)
    cmd = engine_cmd("run", str(mini_experiment), "--runs-dir", str(runs_dir), "--events", "none")
    kills = 0
    for target in (2, 8, 14):
        before = len(_episode_ids(runs_dir))
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.time() + 300
        while time.time() < deadline and p.poll() is None:
            if len(_episode_ids(runs_dir)) >= target:
                break
            time.sleep(0.05)
        assert p.poll() is None, "run ended before the kill point"
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        kills += 1
        after = _episode_ids(runs_dir)
        assert len(after) >= max(target, before)
    assert kills == 3
    # the interrupted runs are seen as interrupted
    statuses = {run_status(d).status for d in jr.run_dirs(runs_dir)}
    assert statuses == {"interrupted"}
    done_before_final = set(_episode_ids(runs_dir))
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    ids = _episode_ids(runs_dir)
    assert len(ids) == 20, "an episode was generated twice"
    assert len(set(ids)) == 20, "an episode was generated twice"
    final_run = max(jr.run_dirs(runs_dir), key=lambda d: getattr(read_info(d), "started_at", None) or 0)
    regenerated = {r["episode_id"] for r in jr.iter_records(final_run / "episodes.jsonl")} & done_before_final
    assert not regenerated, "finished episodes were regenerated"
    with Store.open(runs_dir, fallback=None) as store:
        store.ingest()
        assert store.query("SELECT count(*), count(DISTINCT episode_id) FROM episodes") == [(20, 20)]
        # every stored episode was judged by both judges exactly once where they apply (8 answer_line tasks x 2)
        assert store.query(
            "SELECT judge_id, count(*), count(DISTINCT episode_id) FROM judgments GROUP BY 1 ORDER BY 1"
        ) == [
            ("extractor", 16, 16),
            ("lenient", 16, 16),
        ]


def test_resume_command_continues_the_same_run(mini_experiment: Path, runs_dir: Path) -> None:
    text = mini_experiment.read_text().replace("batch_size = 10", "batch_size = 2")
    mini_experiment.write_text(text)
    run_id = "resume-me"
    cmd = engine_cmd("run", str(mini_experiment), "--runs-dir", str(runs_dir), "--run-id", run_id, "--events", "none")
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    journal = runs_dir / run_id / "episodes.jsonl"
    deadline = time.time() + 300
    while time.time() < deadline and _count_lines(journal) < 4:
        time.sleep(0.05)
    p.send_signal(signal.SIGTERM)  # clean stop
    assert p.wait(timeout=120) == 130
    assert run_status(runs_dir / run_id).status == "cancelled"
    n_cancelled = _count_lines(journal)
    assert 4 <= n_cancelled < 20
    res = subprocess.run(
        engine_cmd("resume", run_id, "--runs-dir", str(runs_dir), "--events", "none"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert run_status(runs_dir / run_id).status == "finished"
    ids = [r["episode_id"] for r in jr.iter_records(journal)]
    assert len(ids) == 20
    assert len(set(ids)) == 20
    assert [d.name for d in jr.run_dirs(runs_dir)] == [run_id]


def test_judge_rescore_adds_judges_without_generating(mini_experiment: Path, runs_dir: Path, tmp_path: Path) -> None:
    # generate with the extractor only, then add the lenient judge and a logprob LLM judge
    cmd = engine_cmd(
        "run", str(mini_experiment), "--runs-dir", str(runs_dir), "--judge", "extractor", "--events", "none"
    )
    assert subprocess.run(cmd, capture_output=True, timeout=600).returncode == 0
    before = _episode_ids(runs_dir)
    text = mini_experiment.read_text() + (
        '\n[[judges]]\nid = "smol-judge"\nkind = "llm"\nmode = "logprob"\n'
        '[judges.model]\nbackend = "embedded"\nmodel = "smollm2-135m-instruct"\nbatch_size = 10\n'
    )
    exp2 = tmp_path / "with-llm.toml"
    exp2.write_text(text)
    res = subprocess.run(
        engine_cmd("judge", str(exp2), "--runs-dir", str(runs_dir), "--events", "none"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert sorted(_episode_ids(runs_dir)) == sorted(before), "judging generated episodes"
    with Store.open(runs_dir, fallback=None) as store:
        store.ingest()
        counts = dict(store.query("SELECT judge_id, count(*) FROM judgments GROUP BY 1"))
        assert counts == {"extractor": 16, "lenient": 16, "smol-judge": 20}
        kinds = dict(store.query("SELECT kind, count(*) FROM runs GROUP BY 1"))
        assert kinds == {"eval": 1, "judge": 1}
        rationale = store.query("SELECT rationale FROM judgments WHERE judge_id='smol-judge' LIMIT 1")[0][0]
        assert rationale.startswith("logprob judge: P(PASS)=")
