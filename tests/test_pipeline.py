"""The pipelined run: the embedded model, an API config and an API judge at once, on the real
SmolLM2 and the real openai SDK against the loopback server (answers after a fixed latency).

Pipelined and sequential schedules give the same episodes, completions and verdicts; only the
order in which records reach the journal differs. kill -9 mid-run, then a re-run, gives exact
counts; SIGTERM stops every worker and `engine resume` finishes the run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from engine.config import load_experiment
from engine.runner import Runner, RunRequest
from engine.runs import run_status
from engine.store import journal as jr
from tests.conftest import engine_cmd, mini_head

pytestmark = [pytest.mark.slow, pytest.mark.server]

KEY = "sk-test-pipeline-0c1d2e3f"


def _experiment(tmp: Path, server, batch_size: int = 10, concurrency: int = 2) -> Path:
    text = (
        mini_head("pipe")
        + f"""
[[configs]]
id = "smol"
backend = "embedded"
model = "smollm2-135m-instruct"
batch_size = {batch_size}
[configs.sampling]
max_tokens = 24

[[configs]]
id = "api-student"
backend = "openai"
base_url = "{server.openai_url}"
model = "toy-student"
api_key_env = "SKC_TEST_PIPE_KEY"
concurrency = {concurrency}

[[judges]]
id = "extractor"
kind = "answer_line"

[[judges]]
id = "gpt"
kind = "llm"
[judges.model]
backend = "openai"
base_url = "{server.openai_url}"
model = "toy-judge"
api_key_env = "SKC_TEST_PIPE_KEY"
concurrency = 4
"""
    )
    p = tmp / "pipe.toml"
    p.write_text(text)
    return p


def _records(runs: Path, table: str) -> list[dict]:
    out: list[dict] = []
    for d in jr.run_dirs(runs):
        out += list(jr.iter_records(d / f"{table}.jsonl"))
    return out


def _run(exp: Path, runs: Path, schedule: str) -> None:
    res = Runner(load_experiment(exp), RunRequest(runs_dir=runs, schedule=schedule, ingest=False)).run()
    assert res.status == "finished", res
    assert res.errors == 0, res


def test_pipelined_overlaps_and_matches_sequential(
    tmp_path: Path, make_fault_server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SKC_TEST_PIPE_KEY", KEY)
    server = make_fault_server(latency=0.25)
    exp = _experiment(tmp_path, server)
    out = {}
    for schedule in ("sequential", "pipelined"):
        runs = tmp_path / schedule
        _run(exp, runs, schedule)
        eps = _records(runs, "episodes")
        jdg = _records(runs, "judgments")
        out[schedule] = (eps, jdg)
        assert len(eps) == 40
        assert len({e["episode_id"] for e in eps}) == 40  # 2 configs x 10 tasks x 2
        # extractor: 8 answer_line tasks x 2 conditions x 2 configs; gpt: every episode
        counts = {j: sum(r["judge_id"] == j for r in jdg) for j in ("extractor", "gpt")}
        assert counts == {"extractor": 32, "gpt": 40}, counts
        assert len({r["judgment_id"] for r in jdg}) == len(jdg)

        smol_end = max(e["created_at"] for e in eps if e["config_id"] == "smol")
        api_start = min(e["created_at"] for e in eps if e["config_id"] == "api-student")
        gen_end = max(e["created_at"] for e in eps)
        first_gpt = min(r["created_at"] for r in jdg if r["judge_id"] == "gpt")
        if schedule == "sequential":  # one config after the other, the LLM judge after all of them
            assert api_start > smol_end
            assert first_gpt > gen_end
        else:  # the API config ran while the embedded model did, and judging began before either ended
            assert api_start < smol_end, (api_start, smol_end)
            assert first_gpt < gen_end, (first_gpt, gen_end)
    (seq_eps, seq_jdg), (pipe_eps, pipe_jdg) = out["sequential"], out["pipelined"]
    assert {e["episode_id"]: e["completion"] for e in seq_eps} == {e["episode_id"]: e["completion"] for e in pipe_eps}
    assert {r["judgment_id"]: r["verdict"] for r in seq_jdg} == {r["judgment_id"]: r["verdict"] for r in pipe_jdg}
    assert {r["verdict"] for r in pipe_jdg} == {"pass", "fail"}  # the toy judge passes some, not all


def test_pipelined_kill9_then_rerun_and_sigterm_then_resume(tmp_path: Path, make_fault_server) -> None:
    server = make_fault_server(latency=0.1)
    exp = _experiment(tmp_path, server, batch_size=2, concurrency=1)
    runs = tmp_path / "runs"
    env = dict(os.environ, SKC_TEST_PIPE_KEY=KEY)
    cmd = engine_cmd("run", str(exp), "--runs-dir", str(runs), "--events", "none")
    # kill -9 once episodes and LLM verdicts are both being written
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True)
    deadline = time.time() + 300
    while time.time() < deadline and p.poll() is None:
        eps, jdg = _records(runs, "episodes"), _records(runs, "judgments")
        if len(eps) >= 8 and any(r["judge_id"] == "gpt" for r in jdg):
            break
        time.sleep(0.05)
    assert p.poll() is None, "run ended before the kill point"
    os.killpg(p.pid, signal.SIGKILL)
    p.wait()
    assert 8 <= len(_records(runs, "episodes")) < 40
    # SIGTERM: a clean stop of the main thread and every worker; the run is resumable
    run_id = "pipe-resume"
    cmd2 = engine_cmd("run", str(exp), "--runs-dir", str(runs), "--run-id", run_id, "--events", "none")
    p = subprocess.Popen(cmd2, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, text=True)
    before = len(_records(runs, "episodes"))
    deadline = time.time() + 300
    while time.time() < deadline and p.poll() is None and len(_records(runs, "episodes")) < before + 4:
        time.sleep(0.05)
    p.send_signal(signal.SIGTERM)
    assert p.wait(timeout=120) == 130, p.stderr.read() if p.stderr else ""
    assert run_status(runs / run_id).status == "cancelled"
    res = subprocess.run(
        engine_cmd("resume", run_id, "--runs-dir", str(runs), "--events", "none"),
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert run_status(runs / run_id).status == "finished"
    eps = _records(runs, "episodes")
    assert len(eps) == 40, "an episode was generated twice"
    assert len({e["episode_id"] for e in eps}) == 40, "an episode was generated twice"
    jdg = _records(runs, "judgments")
    ok = [r for r in jdg if r["verdict"] != "error"]
    assert not [r for r in jdg if r["verdict"] == "error"]
    per_judge = {j: [r["episode_id"] for r in ok if r["judge_id"] == j] for j in ("extractor", "gpt")}
    # every episode judged exactly once by each judge that applies, across the three processes
    assert len(per_judge["gpt"]) == 40
    assert len(set(per_judge["gpt"])) == 40
    assert len(per_judge["extractor"]) == 32
    assert len(set(per_judge["extractor"])) == 32
