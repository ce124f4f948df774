"""The reference study's architecture without a hub: a tiny random-weight Qwen3.5 (Gated DeltaNet
+ attention + a vision tower), trained with the paper recipe's LoRA settings, served by vLLM's
CPU build with its adapter."""

from __future__ import annotations

import json
import time
from pathlib import Path

from engine.config import ConfigSpec, ModelSpec
from engine.models.adapters import check_adapter, read_adapter
from engine.models.base import GenRequest, make_backend

PROMPTS = ["What is 2+2?", "Name a prime number.", "Spell 'cat' backwards.", "Convert 3 km to m."]


def test_the_paper_recipe_makes_an_adapter_vllm_serves(tiny_qwen: Path, tiny_qwen_adapter: Path) -> None:
    cfg = json.loads((tiny_qwen / "config.json").read_text())
    assert cfg["architectures"] == ["Qwen3_5ForConditionalGeneration"]
    assert "linear_attention" in cfg["text_config"]["layer_types"]
    info = read_adapter(tiny_qwen_adapter)
    assert info.rank == 16
    assert info.alpha == 32
    # all-linear on the text model: attention, Gated DeltaNet projections, MLP; no vision tower
    suffixes = {m.rsplit(".", 1)[-1] for m in info.modules}
    assert {"q_proj", "in_proj_qkv", "in_proj_z", "out_proj", "down_proj"} <= suffixes
    # saved in the checkpoint's naming (what vLLM looks up), not the CausalLM view's
    assert all(m.startswith("model.language_model.layers.") for m in info.modules), info.modules[:3]
    check_adapter(info, str(tiny_qwen), model_dir=tiny_qwen)
    log = (tiny_qwen_adapter.parent / "events.jsonl").read_text()
    assert "checkpoint's module naming" in log


def test_vllm_cpu_serves_tiny_qwen35_and_its_adapter(tiny_qwen: Path, tiny_qwen_adapter: Path) -> None:
    from engine.models import vllm as vb

    common = {
        "backend": "vllm",
        "model": str(tiny_qwen),
        "max_model_len": 1024,
        "chat_template_kwargs": {"enable_thinking": False},
    }
    peers = {
        "q": ConfigSpec(id="q", **common),
        "q-sft": ConfigSpec(id="q-sft", base="q", adapter=str(tiny_qwen_adapter), **common),
    }
    backend = make_backend(peers["q"], peers)
    try:
        reqs = [
            GenRequest(key=f"{cid}:{i}", messages=[{"role": "user", "content": p}], max_tokens=12, route=cid)
            for cid in peers
            for i, p in enumerate(PROMPTS)
        ]
        out = {r.key: r for r in backend.generate(reqs)}
        assert all(r.ok and r.tokens_out > 0 for r in out.values()), [r.error for r in out.values()]
        changed = sum(out[f"q:{i}"].text != out[f"q-sft:{i}"].text for i in range(len(PROMPTS)))
        assert changed >= 3, {k: r.text for k, r in out.items()}
        assert backend.render([{"role": "user", "content": "x"}]).endswith("<think>\n\n</think>\n\n")
    finally:
        vb.release_engines()
    # releasing an engine stops its engine-core process (on a GPU: frees the memory the next base needs)
    deadline = time.time() + 60
    while _engine_cores() and time.time() < deadline:
        time.sleep(1)
    assert _engine_cores() == []


def _engine_cores() -> list[str]:
    import psutil

    out = []
    for p in psutil.Process().children(recursive=True):
        try:
            desc = f"{p.name()} {' '.join(p.cmdline())}"
            if p.status() != psutil.STATUS_ZOMBIE and ("VLLM" in desc or "spawn_main" in desc):
                out.append(desc)
        except psutil.Error:
            pass
    return out


def test_hf_backend_loads_the_checkpoint_named_adapter(tiny_qwen: Path, tiny_qwen_adapter: Path) -> None:
    """The hf backend maps the adapter back onto the CausalLM view transformers loads: applied, not ignored."""
    from engine.models.hf import HFBackend, release_models

    msgs = [{"role": "user", "content": PROMPTS[0]}]
    try:
        base = HFBackend(ModelSpec(backend="hf", model=str(tiny_qwen), chat_template_kwargs={"enable_thinking": False}))
        sft = HFBackend(
            ModelSpec(
                backend="hf",
                model=str(tiny_qwen),
                adapter=str(tiny_qwen_adapter),
                chat_template_kwargs={"enable_thinking": False},
            )
        )
        a = next(iter(base.generate([GenRequest(key="a", messages=msgs, max_tokens=12)])))
        b = next(iter(sft.generate([GenRequest(key="b", messages=msgs, max_tokens=12)])))
        assert a.ok
        assert b.ok
        assert a.text != b.text
    finally:
        release_models()
