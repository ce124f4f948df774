"""LoRA adapters as files: reading them, module naming, and refusing the ones a base cannot serve.

Real files: adapters are written with safetensors (as PEFT writes them), base checkpoints are
safetensors files with the weight names of real architectures (Llama-style, Qwen3.5-style).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

from engine.models.adapters import (
    AdapterError,
    check_adapter,
    for_model,
    read_adapter,
    remap_modules,
    to_checkpoint_naming,
    vllm_rank,
)
from engine.models.base import generation_groups
from tests.conftest import ROOT, engine_cmd

LAYERS = 2
LLAMA = [f"model.layers.{i}.self_attn.{m}" for i in range(LAYERS) for m in ("q_proj", "v_proj")]
# Qwen3.5 as its checkpoint names it: text model under model.language_model, a vision tower under model.visual
QWEN_CKPT = [
    f"model.language_model.layers.{i}.linear_attn.{m}" for i in range(LAYERS) for m in ("in_proj_qkv", "in_proj_z")
]
QWEN_VISION = ["model.visual.blocks.0.attn.qkv", "model.visual.blocks.0.mlp.linear_fc1"]
# ... and as transformers loads its text half for AutoModelForCausalLM (what PEFT saves by default)
QWEN_CAUSAL = [m.replace("model.language_model.", "model.") for m in QWEN_CKPT]


def _base(tmp: Path, modules: list[str], name: str = "base") -> Path:
    d = tmp / name
    d.mkdir()
    save_file(
        {f"{m}.weight": torch.zeros(2, 2) for m in modules} | {"lm_head.weight": torch.zeros(2, 2)},
        d / "model.safetensors",
    )
    (d / "config.json").write_text("{}")
    return d


def _adapter(tmp: Path, modules: list[str], *, base: str, r: int = 8, name: str = "adapter", **cfg: object) -> Path:
    d = tmp / name
    d.mkdir()
    tensors = {}
    for m in modules:
        tensors[f"base_model.model.{m}.lora_A.weight"] = torch.full((r, 2), 0.5)
        tensors[f"base_model.model.{m}.lora_B.weight"] = torch.full((2, r), 0.25)
    save_file(tensors, d / "adapter_model.safetensors", metadata={"format": "pt"})
    config = {
        "peft_type": "LORA",
        "r": r,
        "lora_alpha": 2 * r,
        "base_model_name_or_path": base,
        "target_modules": sorted({m.rsplit(".", 1)[-1] for m in modules}),
        "modules_to_save": None,
        "use_dora": False,
    } | cfg
    (d / "adapter_config.json").write_text(json.dumps(config))
    return d


def test_read_adapter_gives_rank_targets_and_module_paths(tmp_path: Path) -> None:
    a = _adapter(tmp_path, LLAMA, base="x", r=16, rank_pattern={"q_proj": 32})
    info = read_adapter(a)
    assert info.rank == 32  # the largest rank, rank_pattern included
    assert info.modules == tuple(sorted(LLAMA))
    assert info.target_modules == ("q_proj", "v_proj")
    assert [vllm_rank(r) for r in (1, 2, 16, 17, 64, 300, 512)] == [1, 8, 16, 32, 64, 320, 512]


def test_a_servable_adapter_passes(tmp_path: Path) -> None:
    base = _base(tmp_path, LLAMA)
    check_adapter(read_adapter(_adapter(tmp_path, LLAMA, base=str(base))), str(base), model_dir=base)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("missing", "no such directory"),
        ("no-config", "no adapter_config.json"),
        ("rank", "above this config's max_lora_rank 16"),
        ("rank-vllm", "above vLLM's largest max_lora_rank"),
        ("other-base", "was trained on 'Qwen/Qwen3.5-2B'"),
        ("lm_head", "lm_head"),
        ("modules_to_save", "embed_tokens"),
        ("vision", "vision-tower"),
        ("dora", "DoRA"),
        ("absent", "does not have"),
        ("causal-naming", "silently ignore"),
    ],
)
def test_unservable_adapters_are_refused_with_the_reason(tmp_path: Path, case: str, message: str) -> None:
    llama = _base(tmp_path, LLAMA, "llama")
    qwen = _base(tmp_path, QWEN_CKPT + QWEN_VISION, "Qwen3.5-0.8B")
    model, model_dir, max_rank = str(llama), llama, None
    if case == "missing":
        path = tmp_path / "nope"
    elif case == "no-config":
        path = tmp_path / "empty"
        path.mkdir()
    elif case == "rank":
        path, max_rank = _adapter(tmp_path, LLAMA, base=model, r=32), 16
    elif case == "rank-vllm":
        path = _adapter(tmp_path, LLAMA, base=model, r=1024)
    elif case == "other-base":
        path, model, model_dir = _adapter(tmp_path, QWEN_CKPT, base="Qwen/Qwen3.5-2B"), "Qwen/Qwen3.5-0.8B", qwen
    elif case == "lm_head":
        path = _adapter(tmp_path, [*LLAMA, "lm_head"], base=model)
    elif case == "modules_to_save":
        path = _adapter(tmp_path, LLAMA, base=model, modules_to_save=["embed_tokens"])
    elif case == "vision":
        path, model, model_dir = _adapter(tmp_path, QWEN_CKPT + QWEN_VISION, base=str(qwen)), str(qwen), qwen
    elif case == "dora":
        path = _adapter(tmp_path, LLAMA, base=model, use_dora=True)
    elif case == "absent":
        path = _adapter(tmp_path, [*LLAMA, "model.layers.9.mlp.up_proj"], base=model)
    else:  # trained through AutoModelForCausalLM on a VL checkpoint, saved as PEFT does by default
        path, model, model_dir = _adapter(tmp_path, QWEN_CAUSAL, base=str(qwen)), str(qwen), qwen
    with pytest.raises(AdapterError, match=message) as err:
        check_adapter(read_adapter(path), model, model_dir=model_dir, max_rank=max_rank)
    assert str(path) in str(err.value)


def test_hub_id_and_local_copy_of_the_same_model_match(tmp_path: Path) -> None:
    qwen = _base(tmp_path, QWEN_CKPT, "Qwen3.5-0.8B")
    a = _adapter(tmp_path, QWEN_CKPT, base="Qwen/Qwen3.5-0.8B")
    check_adapter(read_adapter(a), str(qwen), model_dir=qwen)


def test_causal_lm_naming_is_renamed_to_the_checkpoints_and_back(tmp_path: Path) -> None:
    qwen = _base(tmp_path, QWEN_CKPT + QWEN_VISION, "qwen")
    a = _adapter(tmp_path, QWEN_CAUSAL, base=str(qwen))
    before = load_file(str(a / "adapter_model.safetensors"))
    assert to_checkpoint_naming(a, qwen) == 4 * len(QWEN_CAUSAL) // 2
    info = read_adapter(a)
    assert info.modules == tuple(sorted(QWEN_CKPT))
    check_adapter(info, str(qwen), model_dir=qwen)  # servable now
    # the hf backend maps it back onto the modules of the model transformers loaded
    back = for_model(a, set(QWEN_CAUSAL) | {"model", "model.layers"}, tmp_path / "scratch")
    assert back == tmp_path / "scratch"
    after = load_file(str(back / "adapter_model.safetensors"))
    assert set(after) == set(before)
    assert all(torch.equal(after[k], before[k]) for k in before)
    assert to_checkpoint_naming(a, qwen) == 0  # already in the checkpoint's naming: untouched


def test_remap_never_maps_onto_the_vision_tower() -> None:
    known = {f"{m}.weight" for m in QWEN_VISION} | {"model.language_model.layers.0.mlp.up_proj.weight"}
    assert remap_modules(["model.blocks.0.attn.qkv"], known, suffix=".weight") == {}
    assert remap_modules(["model.layers.0.mlp.up_proj"], known, suffix=".weight") == {
        "model.layers.0.mlp.up_proj": "model.language_model.layers.0.mlp.up_proj"
    }


def test_paper_experiment_groups_each_base_with_its_adapter() -> None:
    from engine.config import load_experiment

    exp = load_experiment(ROOT / "data" / "experiments" / "paper.toml")
    groups = generation_groups({c.id: c for c in exp.configs})
    assert groups == [
        ["qwen3.5-0.8b", "qwen3.5-0.8b-sft"],
        ["qwen3.5-2b", "qwen3.5-2b-sft"],
        ["qwen3.5-4b", "qwen3.5-4b-sft"],
        ["claude-haiku-4.5"],
    ]


def test_vllm_config_without_vllm_fails_before_anything_is_journaled(tmp_path: Path, runs_dir: Path) -> None:
    pytest.importorskip("torch")
    try:
        import vllm  # noqa: F401

        pytest.skip("vLLM is installed here")
    except ImportError:
        pass
    text = (ROOT / "tests" / "fixtures" / "mini" / "experiment.toml").read_text()
    text = text.replace('"skills.jsonl"', f'"{ROOT / "tests/fixtures/mini/skills.jsonl"}"')
    text = text.replace('"tasks.jsonl"', f'"{ROOT / "tests/fixtures/mini/tasks.jsonl"}"')
    text = text.replace('backend = "embedded"', 'backend = "vllm"')
    exp = tmp_path / "exp.toml"
    exp.write_text(text)
    res = subprocess.run(engine_cmd("run", str(exp), "--runs-dir", str(runs_dir)), capture_output=True, text=True)
    assert res.returncode == 2, res.stderr
    assert "scripts/setup.sh --vllm" in res.stderr
    assert "Traceback" not in res.stderr
    assert list(runs_dir.iterdir()) == []  # no run directory, no journal
