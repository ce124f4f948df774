"""`vllm serve` (the CPU build's OpenAI-compatible server on loopback) with a LoRA module, driven
by `engine run` through the real openai SDK: the base and the adapter as two configs, and
`chat_template_kwargs` sent in the request (the tiny Qwen3.5's template reads enable_thinking)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from engine.store.db import Store
from tests.conftest import engine_cmd, mini_head

KEY = "local-test-key"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tiny_qwen: Path, tiny_qwen_adapter: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    log = tmp_path_factory.mktemp("serve") / "server.log"
    cmd = [
        sys.executable, "-m", "vllm.entrypoints.openai.api_server",
        "--model", str(tiny_qwen), "--served-model-name", "tiny-qwen",
        "--enable-lora", "--lora-modules", f"tiny-qwen-sft={tiny_qwen_adapter}", "--max-lora-rank", "16",
        "--max-model-len", "1024", "--language-model-only", "--enforce-eager",
        "--host", "127.0.0.1", "--port", str(port), "--api-key", KEY,
    ]  # fmt: skip
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=os.environ.copy())
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 600
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"vllm serve exited {proc.returncode}:\n{log.read_text()[-4000:]}")
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.time() > deadline:
                raise AssertionError(f"vllm serve did not come up:\n{log.read_text()[-4000:]}")
            time.sleep(2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_engine_run_against_vllm_serve_with_a_lora_module(server: str, tmp_path: Path, runs_dir: Path) -> None:
    models = httpx.get(f"{server}/v1/models", headers={"Authorization": f"Bearer {KEY}"}).json()
    assert {m["id"] for m in models["data"]} == {"tiny-qwen", "tiny-qwen-sft"}
    blocks = []
    for cid, model, thinking in (
        ("q", "tiny-qwen", False),
        ("q-sft", "tiny-qwen-sft", False),
        ("q-think", "tiny-qwen", True),
    ):
        blocks.append(
            f"""
[[configs]]
id = "{cid}"
backend = "openai"
model = "{model}"
base_url = "{server}/v1"
api_key_env = "VLLM_SERVE_KEY"
concurrency = 4
chat_template_kwargs = {{ enable_thinking = {str(thinking).lower()} }}
sampling = {{ temperature = 0.0, max_tokens = 12 }}
"""
        )
    exp = tmp_path / "serve.toml"
    exp.write_text(mini_head("serve") + "".join(blocks) + '\n[[judges]]\nid = "extractor"\nkind = "answer_line"\n')
    env = os.environ | {"VLLM_SERVE_KEY": KEY}
    res = subprocess.run(
        engine_cmd("run", str(exp), "--limit", "3", "--runs-dir", str(runs_dir), "--events", "none"),
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    with Store.open(runs_dir, fallback=None) as store:
        store.ingest()
        rows = store.query("SELECT config_id, task_id, condition, completion, tokens_in, error FROM episodes")
    assert len(rows) == 18
    assert all(r[5] is None for r in rows)
    by = {(r[0], r[1], r[2]): r for r in rows}
    keys = {(t, c) for _, t, c in by}
    # the adapter changes what the server generates
    assert sum(by[("q", *k)][3] != by[("q-sft", *k)][3] for k in keys) >= 3
    # chat_template_kwargs reached the server's template: enable_thinking=false pre-fills an empty think block
    assert all(by[("q", *k)][4] > by[("q-think", *k)][4] for k in keys)
