"""A run that fails after it started (a broken checkpoint, a library error mid-training) ends as a
journaled RunFailed, and the CLI says so in one line naming the run and where its traceback is,
with exit code 1: no traceback on the terminal. (Bad input stays exit 2, before anything runs.)"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from engine.models.embedded import ensure_converted
from engine.runs import run_status
from engine.store import journal as jr
from tests.conftest import engine_cmd, mini_head


def test_a_run_failing_mid_way_prints_one_line_and_journals_the_traceback(tmp_path: Path) -> None:
    model = tmp_path / "broken-model"
    model.mkdir()
    src = ensure_converted()
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json", "generation_config.json"):
        shutil.copy(src / name, model / name)
    (model / "model.safetensors").write_bytes(b"\xff" * 1000)  # a torn download: header garbage
    exp = tmp_path / "exp.toml"
    exp.write_text(
        mini_head("fails")
        + f"""[[configs]]
id = "broken"
backend = "hf"
model = "{model}"
size = "135M"
[[judges]]
id = "extractor"
kind = "answer_line"
"""
    )
    runs = tmp_path / "runs"
    res = subprocess.run(
        engine_cmd("run", str(exp), "--runs-dir", str(runs), "--events", "none"),
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "400"},
    )
    assert res.returncode == 1, res.stderr
    assert "Traceback" not in res.stderr
    assert "Traceback" not in res.stdout
    (run,) = jr.run_dirs(runs)
    line = res.stderr.strip()
    assert line.startswith(f"error: run {run.name} failed: SafetensorError"), line
    assert str(run / "events.jsonl") in line
    assert "\n" not in line
    assert run_status(run).status == "failed"
    failed = [json.loads(x) for x in (run / "events.jsonl").read_text().splitlines() if '"RunFailed"' in x]
    assert len(failed) == 1
    assert "Traceback (most recent call last)" in failed[0]["detail"]
