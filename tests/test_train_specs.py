"""Recipe / corpus / sweep files: loading, CLI overrides, errors, fingerprints; the CLI stays light."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine.data.loader import DataError
from engine.specs import apply_overrides, parse_sets
from engine.train.specs import load_corpus_spec, load_recipe, load_sweep

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


def test_bundled_files_load() -> None:
    demo = load_recipe(DATA / "recipes" / "demo.toml")
    assert demo.embedded_name == "smollm2-135m-instruct"
    assert Path(demo.corpus).is_file()
    paper = load_recipe(DATA / "recipes" / "paper.toml")
    assert paper.base_model.startswith("Qwen/")
    assert paper.precision == "auto"
    assert paper.lora.targets == "all-linear"
    spec = load_corpus_spec(DATA / "corpus" / "demo.toml")
    assert spec.teacher == "offline"
    assert Path(spec.solutions or "").is_file()
    opus = load_corpus_spec(DATA / "corpus" / "opus.toml")
    assert opus.teacher_name.startswith("anthropic:")
    assert opus.routes("haiku-judge", "llm")
    assert not opus.routes("haiku-judge", "answer_line")
    sweep = load_sweep(DATA / "sweeps" / "demo.toml")
    assert len(sweep.variants) >= 2
    assert Path(sweep.recipe).is_file()


def test_parse_sets_toml_values_and_dotted_keys() -> None:
    sets = parse_sets(["lr=1e-4", "lora.r=8", "packing=true", 'lora.targets=["q_proj"]', "name=my-run"])
    assert sets == {"lr": 1e-4, "lora.r": 8, "packing": True, "lora.targets": ["q_proj"], "name": "my-run"}
    with pytest.raises(ValueError, match="KEY=VALUE"):
        parse_sets(["lr"])


def test_overrides_merge_tables() -> None:
    data = {"lr": 1.0, "lora": {"r": 16, "alpha": 32}}
    out = apply_overrides(data, {"lora.r": 8, "lr": None})
    assert out == {"lr": 1.0, "lora": {"r": 8, "alpha": 32}}
    assert apply_overrides(data, {"lora": {"alpha": 4}}) == {"lr": 1.0, "lora": {"r": 16, "alpha": 4}}
    assert data["lora"]["r"] == 16  # the input is not modified


def test_recipe_overrides_and_errors(tmp_path: Path) -> None:
    r = load_recipe(DATA / "recipes" / "demo.toml", {"lr": 5e-4, "lora.r": 4})
    assert r.lr == 5e-4
    assert r.lora.r == 4
    assert r.lora.alpha == 32
    with pytest.raises(DataError) as err:
        load_recipe(DATA / "recipes" / "demo.toml", {"lora.rank": 4})
    assert "lora.rank" in str(err.value)
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nbase_model = "embedded:smollm2-135m-instruct"\ncorpus = "c.jsonl"\nlr = -1\n')
    with pytest.raises(DataError) as err:
        load_recipe(bad)
    assert err.value.line == 4
    assert err.value.field == "lr"
    # PEFT cannot combine layers_to_transform with "all-linear": refused at load, not mid-training
    with pytest.raises(DataError, match="last_layers needs explicit targets") as err:
        load_recipe(DATA / "recipes" / "demo.toml", {"lora.targets": "all-linear"})
    assert err.value.field == "lora"


def test_fingerprint_follows_corpus_content_not_path(tmp_path: Path) -> None:
    src = DATA / "corpus" / "offline-corpus.jsonl"
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    shutil.copy(src, a)
    shutil.copy(src, b)
    ra = load_recipe(DATA / "recipes" / "demo.toml", {"corpus": str(a)})
    rb = load_recipe(DATA / "recipes" / "demo.toml", {"corpus": str(b)})
    assert ra.fingerprint() == rb.fingerprint()
    assert ra.fingerprint() != load_recipe(DATA / "recipes" / "demo.toml", {"corpus": str(a), "lr": 1e-4}).fingerprint()
    assert (
        ra.fingerprint() == load_recipe(DATA / "recipes" / "demo.toml", {"corpus": str(a), "threads": 1}).fingerprint()
    )
    b.write_text("".join(src.read_text().splitlines(keepends=True)[:10]))
    assert ra.fingerprint() != load_recipe(DATA / "recipes" / "demo.toml", {"corpus": str(b)}).fingerprint()


def test_corpus_spec_checks(tmp_path: Path) -> None:
    f = tmp_path / "c.toml"
    f.write_text('name = "c"\nskills = "s.jsonl"\ntasks = "t.jsonl"\nout = "o.jsonl"\n')
    with pytest.raises(DataError, match="solutions"):
        load_corpus_spec(f)
    f.write_text(
        'name = "c"\nskills = "s"\ntasks = "t"\nsolutions = "x"\nout = "o.jsonl"\n'
        '[path]\nname = "p"\nanswer_line = "nope"\n'
    )
    with pytest.raises(DataError, match="not one of the judges"):
        load_corpus_spec(f)


def test_cli_registers_commands_without_heavy_imports() -> None:
    code = (
        "import sys, typer, engine.cli\n"
        "cmd = typer.main.get_command(engine.cli.app)\n"
        "names = set(cmd.commands)\n"
        "groups = set(cmd.commands['corpus'].commands)\n"
        "heavy = [m for m in ('torch', 'transformers', 'trl', 'peft', 'datasets') if m in sys.modules]\n"
        "import json; print(json.dumps([sorted(names), sorted(groups), heavy]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    names, groups, heavy = json.loads(out.stdout)
    assert {"train", "sweep", "demo", "corpus"} <= set(names)
    assert groups == ["build"]
    assert heavy == []
