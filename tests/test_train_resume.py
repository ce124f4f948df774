"""kill -9 during `engine train`, then the same command resumes from the last complete checkpoint and
ends on the same step; no step is journaled twice and the store holds each step once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

RECIPE = """
name = "resume-test"
base_model = "embedded:smollm2-135m-instruct"
corpus = "{corpus}"
corpus_limit = 8
max_length = 416
drop_long = true
batch_size = 1
max_steps = 8
lr = 1e-3
warmup = 0.0
logging_steps = 1
save_steps = 2
save_total_limit = 2
[lora]
r = 4
alpha = 8
dropout = 0.0
last_layers = 2
"""


def command(recipe: Path, runs: Path) -> list[str]:
    script = Path(sys.executable).parent / "engine"
    head = [str(script)] if script.exists() else [sys.executable, "-m", "engine.cli"]
    return [*head, "train", str(recipe), "--run-id", "resume-me",
            "--runs-dir", str(runs), "--events", "jsonl"]  # fmt: skip


def events(text: str) -> list[dict]:
    out = []
    for line in text.splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out


@pytest.mark.slow
def test_kill_9_then_resume_from_checkpoint(tmp_path: Path) -> None:
    recipe = tmp_path / "recipe.toml"
    recipe.write_text(RECIPE.format(corpus=ROOT / "data" / "corpus" / "offline-corpus.jsonl"))
    runs = tmp_path / "runs"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(command(recipe, runs), cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    first: list[dict] = []
    deadline = time.monotonic() + 600
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            first.extend(events(line))
            if any(e.get("type") == "LogMessage" and "checkpoint saved at step 2" in e["message"] for e in first):
                break
            assert time.monotonic() < deadline, "no checkpoint within 10 minutes"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    run_dir = runs / "resume-me"
    assert (run_dir / "checkpoints" / "checkpoint-2" / "trainer_state.json").exists()
    assert not (run_dir / "adapter").exists()
    # a save cut short by the kill: a checkpoint directory without its trainer state
    broken = run_dir / "checkpoints" / "checkpoint-7"
    broken.mkdir()
    (broken / "adapter_model.safetensors").write_bytes(b"torn")

    from engine.runs import run_status

    assert run_status(run_dir).status == "interrupted"
    done = subprocess.run(command(recipe, runs), cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    second = events(done.stdout)
    msgs = [e["message"] for e in second if e.get("type") == "LogMessage"]
    assert any("discarded incomplete checkpoint checkpoint-7" in m for m in msgs), msgs
    assert any("resuming from checkpoint checkpoint-" in m for m in msgs), msgs
    steps2 = [e["step"] for e in second if e.get("type") == "TrainStepLogged"]
    assert steps2
    assert steps2[0] > 2
    assert steps2[-1] == 8  # started after the checkpoint, not from zero
    result = json.loads((run_dir / "result.json").read_text())
    assert result["resumed_from"] >= 2
    assert result["step"] == result["max_steps"] == 8
    assert (run_dir / "adapter" / "adapter_model.safetensors").exists()
    assert not broken.exists()
    journaled = [json.loads(line)["step"] for line in (run_dir / "train_steps.jsonl").read_text().splitlines()]
    assert journaled == list(range(1, 9))  # every step once, none twice
    info = json.loads((run_dir / "run.json").read_text())
    assert info["kind"] == "train"
    assert info["resumed_at"] is not None
    assert run_status(run_dir).status == "finished"

    from engine.store.db import Store

    with Store.open(runs) as store:
        store.ingest()
        assert store.query("SELECT count(*), count(DISTINCT step) FROM train_steps") == [(8, 8)]
        assert store.query("SELECT status FROM runs WHERE run_id = 'resume-me'") == [("finished",)]
