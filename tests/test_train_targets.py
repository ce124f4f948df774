"""LoRA targets are checked before a training loads weights or writes anything: an empty list at
load, a target matching no module of the base model against the model built on the meta device."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.data.loader import DataError
from engine.train.specs import DEFAULT_TARGETS, load_recipe
from engine.train.targets import module_names, unmatched
from tests.conftest import ROOT

MICRO = ROOT / "data" / "recipes" / "demo-micro.toml"


def _recipe(tmp: Path, targets: str) -> Path:
    text = MICRO.read_text().replace(
        '"../corpus/micro-corpus.jsonl"', f'"{ROOT / "data" / "corpus" / "micro-corpus.jsonl"}"'
    )
    lines = [f"targets = {targets}" if ln.startswith("targets = ") else ln for ln in text.splitlines()]
    p = tmp / "recipe.toml"
    p.write_text("\n".join(lines) + "\n")
    return p


def _line(path: Path) -> int:
    return next(i for i, ln in enumerate(path.read_text().splitlines(), 1) if ln.startswith("targets = "))


def test_an_empty_target_list_is_refused_at_load(tmp_path: Path) -> None:
    p = _recipe(tmp_path, "[]")
    with pytest.raises(DataError) as err:
        load_recipe(p)
    assert (err.value.path, err.value.line, err.value.field) == (str(p), _line(p), "lora.targets")
    assert "adapts no module" in err.value.message


def test_smollm2_module_names_from_its_config_alone() -> None:
    from engine.train.sft import resolve_base_model

    names = module_names(resolve_base_model(load_recipe(MICRO)))
    assert unmatched(DEFAULT_TARGETS, names) == []  # q_proj ... down_proj: all of LlamaForCausalLM's
    assert unmatched(["qkv_proj", "self_attn.q_proj", "mlp"], names) == ["qkv_proj"]  # PEFT's suffix rule


def test_a_target_matching_no_module_refuses_the_training(tmp_path: Path) -> None:
    p = _recipe(tmp_path, '["q_proj", "query_key_value"]')  # a GPT-NeoX name on a Llama model
    runs = tmp_path / "runs"
    runs.mkdir()
    res = CliRunner().invoke(
        app, ["train", str(p), "--runs-dir", str(runs), "--events", "none"], env={"COLUMNS": "2000"}
    )
    out = res.output.replace("\n", "")
    assert res.exit_code == 2, out
    assert f"{p}:{_line(p)}: field 'lora.targets': 'query_key_value' match(es) no module" in out, out
    assert "q_proj" in out.split("its modules are named:")[1]
    assert not any(runs.iterdir())  # nothing written: no run directory
