"""A whole run against the loopback fault server through the real openai/anthropic SDKs.

Judge faults (429 with Retry-After, 500, timeout, malformed body, refusal, no verdict) are
retried, then recorded as `error` -- never as `fail` -- and the run finishes. API keys from the
environment reach the server and appear nowhere under runs/ or in the database.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from engine.store.db import Store
from tests.conftest import MINI, engine_cmd

pytestmark = pytest.mark.server

OPENAI_KEY = "sk-test-openai-9f3b7c1d5e2a4f6b8c0d"
ANTHROPIC_KEY = "sk-ant-test-1a2b3c4d5e6f7a8b9c0d"
FAULTS = {
    "add-h1": "429x2",  # rate limited twice with Retry-After, then answered: a real verdict
    "add-h2": "500always",
    "add-h3": "timeout",
    "add-h4": "malformed",
    "reverse-h1": "refusal",
    "reverse-h2": "noverdict",
}


def _suite(tmp: Path, nonce: str) -> Path:
    d = tmp / "suite"
    d.mkdir()
    (d / "skills.jsonl").write_text((MINI / "skills.jsonl").read_text())
    rows = [json.loads(x) for x in (MINI / "tasks.jsonl").read_text().splitlines()]
    for r in rows:
        if r["id"] in FAULTS:  # the rubric only reaches judge prompts, so only judging is faulted
            r["rubric"] = f"PASS if the final answer equals the gold answer. FAULT={FAULTS[r['id']]}:{nonce}"
    (d / "tasks.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return d


def _experiment(tmp: Path, suite: Path, server) -> Path:
    retry = "retry = { max_attempts = 2, backoff_s = 0.01, backoff_max_s = 0.05, sdk_max_retries = 1, timeout_s = 1.0 }"
    text = f"""
name = "api"
[holdout]
skills = "{suite}/skills.jsonl"
tasks = "{suite}/tasks.jsonl"

[[configs]]
id = "api-student"
backend = "openai"
base_url = "{server.openai_url}"
model = "toy-student"
api_key_env = "SKC_TEST_OPENAI_KEY"
concurrency = 4
price_in_per_mtok = 1.0
price_out_per_mtok = 2.0
{retry}

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
api_key_env = "SKC_TEST_OPENAI_KEY"
concurrency = 8
{retry}

[[judges]]
id = "claude"
kind = "llm"
[judges.model]
backend = "anthropic"
base_url = "{server.base_url}"
model = "toy-claude"
api_key_env = "SKC_TEST_ANTHROPIC_KEY"
concurrency = 8
{retry}
"""
    p = tmp / "api.toml"
    p.write_text(text)
    return p


def test_judge_faults_are_errors_and_keys_never_stored(tmp_path: Path, runs_dir: Path, fault_server, nonce) -> None:
    suite = _suite(tmp_path, nonce)
    exp = _experiment(tmp_path, suite, fault_server)
    env = dict(os.environ, SKC_TEST_OPENAI_KEY=OPENAI_KEY, SKC_TEST_ANTHROPIC_KEY=ANTHROPIC_KEY)
    res = subprocess.run(
        engine_cmd("run", str(exp), "--runs-dir", str(runs_dir), "--events", "jsonl"),
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    assert '"type":"RunFinished"' in res.stdout
    with Store.open(runs_dir, fallback=None) as store:
        store.ingest()
        assert store.query("SELECT status FROM runs") == [("finished",)]
        assert store.count("episodes") == 20
        rows = store.query(
            "SELECT judge_id, task_id, condition, verdict, rationale FROM judgments WHERE judge_id IN ('gpt','claude')"
        )
        assert len(rows) == 40  # 2 llm judges x 10 tasks x 2 conditions
        by = {(j, t, c): (v, r) for j, t, c, v, r in rows}
        for judge in ("gpt", "claude"):
            for cond in ("no_skill", "curated"):
                v, r = by[(judge, "add-h1", cond)]
                assert v in ("pass", "fail"), f"{judge} 429x2 was not recovered: {r}"
                for task in ("add-h2", "add-h3", "add-h4", "reverse-h1", "reverse-h2"):
                    v, r = by[(judge, task, cond)]
                    assert v == "error", f"{judge} {task} {cond}: {v} ({r})"
            assert "refused" in by[(judge, "reverse-h1", "no_skill")][1]
            assert "unparseable" in by[(judge, "reverse-h2", "no_skill")][1]
            assert "request(s)" in by[(judge, "add-h2", "no_skill")][1]
        # healthy items get real verdicts, and nothing failed silently
        healthy = [v for (j, t, c), (v, r) in by.items() if t not in FAULTS or t == "add-h1"]
        assert healthy
        assert all(v in ("pass", "fail") for v in healthy)
        assert not [r for (_, t, _), (v, r) in by.items() if v == "fail" and t in FAULTS and t != "add-h1"]
        # the report keeps errors apart
        from engine.analysis import build_report

        rep = build_report(store.con, n_boot=100)
        gpt = [r for r in rep.pass_rates if r.judge == "gpt"]
        assert sum(r.errors for r in gpt) == 10
        assert sum(r.n for r in gpt) == 10
        costs = store.query("SELECT sum(cost_usd) FROM episodes")[0][0]
        assert costs > 0  # priced config: cost recorded per episode
    # the keys reached the server (so they were really used) ...
    seen = json.dumps(list(fault_server.recent_headers))
    assert OPENAI_KEY in seen
    assert ANTHROPIC_KEY in seen
    # ... and appear nowhere under runs/, the DuckDB file included
    for path in runs_dir.rglob("*"):
        if path.is_file():
            blob = path.read_bytes()
            for key in (OPENAI_KEY, ANTHROPIC_KEY):
                assert key.encode() not in blob, f"API key found in {path}"
    assert OPENAI_KEY not in res.stdout + res.stderr
    assert ANTHROPIC_KEY not in res.stdout + res.stderr
