"""`engine run` on the vllm backend, as a user runs it: a paper-shaped experiment (two bases ×
base/SFT: the embedded SmolLM2 and the tiny Qwen3.5, each with an adapter trained in the
session), a few tasks × both conditions, journaled, ingested and reported."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path

from engine.store.db import Store
from tests.conftest import engine_cmd, mini_head


def _experiment(tmp_path: Path, adapter: Path, qwen: Path, qwen_adapter: Path) -> Path:
    text = (
        mini_head("vllm-mini")
        + f"""
[[configs]]
id = "smol"
backend = "vllm"
model = "smollm2-135m-instruct"
size = "135M"
dtype = "float32"
max_model_len = 2048
sampling = {{ temperature = 0.0, max_tokens = 48 }}

[[configs]]
id = "smol-sft"
base = "smol"
backend = "vllm"
model = "smollm2-135m-instruct"
adapter = "{adapter}"
size = "135M"
dtype = "float32"
max_model_len = 2048
sampling = {{ temperature = 0.0, max_tokens = 48 }}

[[configs]]
id = "q"
backend = "vllm"
model = "{qwen}"
size = "8M"
max_model_len = 1024
chat_template_kwargs = {{ enable_thinking = false }}
sampling = {{ temperature = 0.0, max_tokens = 8 }}

[[configs]]
id = "q-sft"
base = "q"
backend = "vllm"
model = "{qwen}"
adapter = "{qwen_adapter}"
size = "8M"
max_model_len = 1024
chat_template_kwargs = {{ enable_thinking = false }}
sampling = {{ temperature = 0.0, max_tokens = 8 }}

[[judges]]
id = "extractor"
kind = "answer_line"

[[judges]]
id = "lenient"
kind = "final_answer"
"""
    )
    p = tmp_path / "vllm-mini.toml"
    p.write_text(text)
    return p


def test_engine_run_on_vllm_journals_both_configs_and_reports_the_lift(
    tmp_path: Path, runs_dir: Path, smol_adapter: Path, tiny_qwen: Path, tiny_qwen_adapter: Path
) -> None:
    exp = _experiment(tmp_path, smol_adapter, tiny_qwen, tiny_qwen_adapter)
    res = subprocess.run(
        engine_cmd("run", str(exp), "--limit", "3", "--runs-dir", str(runs_dir), "--events", "jsonl"),
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    events = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
    types = Counter(e["type"] for e in events)
    assert types["RunFinished"] == 1
    assert types["EpisodeFinished"] == 24  # 4 configs x 3 tasks x 2 conditions
    # each base and its adapter are one generation group with one engine: 2 engines for 4 configs
    loading = [e["detail"] for e in events if e["type"] == "PhaseChanged" and e["phase"] == "loading"]
    assert loading == ["smol + smol-sft: smollm2-135m-instruct", f"q + q-sft: {tiny_qwen}"]
    with Store.open(runs_dir, fallback=None) as store:
        store.ingest()
        rows = store.query(
            "SELECT config_id, condition, count(*), sum(tokens_out > 0), max(error) FROM episodes "
            "GROUP BY 1, 2 ORDER BY 1, 2"
        )
        assert rows == [
            ("q", "curated", 3, 3, None),
            ("q", "no_skill", 3, 3, None),
            ("q-sft", "curated", 3, 3, None),
            ("q-sft", "no_skill", 3, 3, None),
            ("smol", "curated", 3, 3, None),
            ("smol", "no_skill", 3, 3, None),
            ("smol-sft", "curated", 3, 3, None),
            ("smol-sft", "no_skill", 3, 3, None),
        ]
        pairs = store.query(
            "SELECT a.completion, b.completion FROM episodes a JOIN episodes b USING (task_id, condition) "
            "WHERE a.config_id = 'smol' AND b.config_id = 'smol-sft'"
        )
        assert sum(a != b for a, b in pairs) >= 3  # the adapter is applied
    rep = subprocess.run(
        engine_cmd("report", "--json", "-e", str(exp), "--runs-dir", str(runs_dir)), capture_output=True, text=True
    )
    assert rep.returncode == 0, rep.stderr[-2000:]
    report = json.loads(rep.stdout)
    assert {d["config"] for d in report["deltas"]} == {"smol", "smol-sft", "q", "q-sft"}
    assert {(c["config"], c["base"]) for c in report["lifts"]} == {("smol-sft", "smol"), ("q-sft", "q")}
