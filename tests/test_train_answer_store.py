"""A model teacher's answers are stored beside the corpus as they arrive: a build killed with
SIGKILL, then run again, asks the teacher only for the answers it had not stored (over the real
openai SDK against a loopback server); failed calls are asked again; `--fresh` asks for all."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from engine.data.loader import load_corpus, load_tasks
from engine.models import base as models
from engine.train.answers import answers_path
from engine.train.corpus import build_corpus, select_train
from engine.train.specs import load_corpus_spec
from tests.conftest import engine_cmd
from tests.servers.fault_server import FaultServer
from tests.test_train_teachers import FakeModel

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT / "data" / "suite"
GOLD = {t.prompt: t for t in load_tasks(SUITE / "tasks.jsonl")}
KEY = "sk-test-teacher-5d1c9e7a3b"
N = 24


def _teacher_reply(user: str) -> str | None:
    """A teacher that answers every curated train prompt right (the judge prompts never get here)."""
    if "Task:\n" not in user:
        return None
    task = GOLD[user.split("Task:\n", 1)[1].split("\n\nShow your work", 1)[0]]
    return f"Step 1: read the task.\nStep 5: conclude.\nANSWER: {task.answer}"


def _spec(tmp: Path, server: FaultServer) -> Path:
    p = tmp / "teacher.toml"
    p.write_text(
        f"""
name = "loopback"
skills = "{SUITE}/skills.jsonl"
tasks = "{SUITE}/tasks.jsonl"
out = "{tmp}/corpus.jsonl"
limit = {N}

[teacher]
backend = "openai"
base_url = "{server.openai_url}"
model = "toy-teacher"
api_key_env = "SKC_TEST_TEACHER_KEY"
concurrency = 2
price_in_per_mtok = 1.0
price_out_per_mtok = 2.0
retry = {{ max_attempts = 2, backoff_s = 0.01, backoff_max_s = 0.05, sdk_max_retries = 0, timeout_s = 5.0 }}

[[judges]]
id = "extractor"
kind = "answer_line"
"""
    )
    return p


def _stored_lines(path: Path) -> int:
    if not path.exists():
        return 0
    return sum(1 for line in path.read_bytes().split(b"\n")[:-1] if line.strip())  # complete lines only


@pytest.mark.server
def test_killed_build_resumes_without_asking_again(tmp_path: Path) -> None:
    server = FaultServer(latency=0.15, reply=_teacher_reply)
    server.start()
    try:
        spec = _spec(tmp_path, server)
        out, store = tmp_path / "corpus.jsonl", answers_path(tmp_path / "corpus.jsonl")
        env = {**os.environ, "SKC_TEST_TEACHER_KEY": KEY}
        cmd = engine_cmd("corpus", "build", str(spec), "--events", "none", "--runs-dir", str(tmp_path / "runs"))
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.time() + 120
        while _stored_lines(store) < 6 and proc.poll() is None and time.time() < deadline:
            time.sleep(0.02)
        assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
        stored = _stored_lines(store)
        assert 6 <= stored < N
        assert not out.exists()  # nothing half-written
        asked_first = server.requests_by_path["/v1/chat/completions"]
        assert asked_first >= stored

        server.reset()
        done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        assert server.requests_by_path["/v1/chat/completions"] == N - stored  # only the missing answers
        assert f"{stored} answers reused" in done.stdout
        assert _stored_lines(store) == N
        rows = load_corpus(out)
        _, train = select_train(load_corpus_spec(spec))
        kept = [t.id for t in train if t.scoring == "answer_line"]  # free-form ones: no judge applies
        assert 0 < len(kept) < N
        assert sorted(r.task_id for r in rows) == sorted(kept)
        first = out.read_bytes()

        # everything stored: a rebuild asks nothing and writes the same corpus
        server.reset()
        again = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert again.returncode == 0, again.stdout + again.stderr
        assert server.requests_by_path["/v1/chat/completions"] == 0
        assert f"{N} answers reused" in again.stdout
        assert out.read_bytes() == first

        # --fresh asks again for every answer
        server.reset()
        fresh = subprocess.run([*cmd, "--fresh"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert fresh.returncode == 0, fresh.stdout + fresh.stderr
        assert server.requests_by_path["/v1/chat/completions"] == N
        assert "reused" not in fresh.stdout
        # the stored answers never carry the key
        assert KEY not in store.read_text()
        assert KEY not in out.read_text()
    finally:
        server.stop()


def test_failed_calls_are_asked_again_and_another_teacher_shares_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(models._REGISTRY, "anthropic", f"{FakeModel.__module__}:FakeModel")
    model = {"backend": "anthropic", "model": "claude-teacher", "api_key_env": "X", "price_out_per_mtok": 10.0}
    spec = load_corpus_spec(ROOT / "data" / "corpus" / "demo.toml", {"teacher": model, "limit": 28})
    spec.out = str(tmp_path / "c.jsonl")
    FakeModel.calls = 0
    first = build_corpus(spec)
    errors = first.skipped["teacher gave no answer"]
    assert errors == 28 // 7
    assert first.reused == 0
    assert first.cost_usd > 0
    stored = [json.loads(x) for x in answers_path(Path(spec.out)).read_text().splitlines()]
    assert len(stored) == 28 - errors
    assert all(r["text"].strip() for r in stored)

    FakeModel.calls = 100  # the re-asked calls now succeed (100 + k is never a multiple of 7 for k < 5)
    second = build_corpus(spec)
    assert FakeModel.calls - 100 == errors  # only the failed calls were asked again
    assert second.reused == 28 - errors
    assert second.skipped["teacher gave no answer"] == 0
    assert second.reused_cost_usd == pytest.approx(first.cost_usd)
    assert second.cost_usd < first.cost_usd

    # another teacher (another fingerprint) reuses nothing
    other = load_corpus_spec(
        ROOT / "data" / "corpus" / "demo.toml", {"teacher": {**model, "model": "claude-other"}, "limit": 28}
    )
    other.out = spec.out
    FakeModel.calls = 1000
    third = build_corpus(other)
    assert third.reused == 0
    assert FakeModel.calls - 1000 == 28
