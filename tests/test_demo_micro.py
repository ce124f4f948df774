"""The micro-tier demo's inputs: experiment, corpus spec, recipe and committed corpus agree and load;
`engine demo --suite` picks the tier or refuses an unknown suite (the demo run itself: test_train_demo)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.config import load_experiment
from engine.data.suite import tier_of
from engine.demo import SUITES, demo_files
from engine.plan import select
from engine.train.corpus import build_corpus, select_train
from engine.train.specs import load_corpus_spec, load_recipe

ROOT = Path(__file__).resolve().parents[1]


def test_suites_name_their_files() -> None:
    assert SUITES == ("micro", "study")
    exp, corpus, recipe, name = demo_files("micro")
    assert exp.name == "demo-micro.toml" and name == "micro-corpus.jsonl"
    assert demo_files("study")[0].name == "demo.toml"
    assert all(p.exists() for p in (exp, corpus, recipe))


def test_micro_experiment_headline_is_a_deterministic_path() -> None:
    exp = load_experiment(demo_files("micro")[0])
    judges = {j.id: j for j in exp.judges}
    head = next(p for p in exp.paths if p.name == exp.headline_path)
    assert judges[head.answer_line].kind != "llm" and head.llm is None, "the headline never rests on the LLM judge"
    sel = select(exp)
    assert sel.tasks and all(tier_of(t.skill_id) == "micro" for t in sel.tasks)
    assert {t.scoring for t in sel.tasks} == {"answer_line", "llm"}
    assert exp.configs[0].sampling.max_tokens <= 128


def test_micro_corpus_is_committed_and_leak_free(tmp_path: Path) -> None:
    spec_path = demo_files("micro")[1]
    out = tmp_path / "micro-corpus.jsonl"
    spec = load_corpus_spec(spec_path)
    spec.out = str(out)
    skills, train = select_train(spec)  # runs the corpus leakage check against the micro holdout
    assert all(tier_of(t.skill_id) == "micro" for t in train)
    build_corpus(spec)
    committed = ROOT / "data" / "corpus" / "micro-corpus.jsonl"
    assert out.read_bytes() == committed.read_bytes(), "rebuild it: engine corpus build data/corpus/demo-micro.toml"
    recipe = load_recipe(demo_files("micro")[2])
    assert Path(recipe.corpus).resolve() == committed.resolve()


def test_unknown_suite_is_refused() -> None:
    res = CliRunner().invoke(app, ["demo", "--suite", "nano", "--events", "none"], terminal_width=300)
    assert res.exit_code == 2
    assert "unknown suite 'nano'" in res.output


@pytest.mark.slow
def test_micro_demo_runs_the_chain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`engine demo` (the micro tier by default): base eval -> corpus -> SFT -> student eval -> report,
    with the recipe shrunk to one step."""
    import engine.demo as demo

    recipe = tmp_path / "recipe.toml"
    recipe.write_text(
        demo_files("micro")[2]
        .read_text()
        .replace("corpus_limit = 48", "corpus_limit = 2")
        .replace("[lora]", "max_steps = 1\n\n[lora]")
        .replace("last_layers = 10", "last_layers = 2")
    )
    monkeypatch.setattr(demo, "MICRO_RECIPE", recipe)
    runs = tmp_path / "runs"
    res = CliRunner().invoke(app, ["demo", "--limit", "1", "--runs-dir", str(runs), "--events", "none"])
    assert res.exit_code == 0, res.output
    assert "headline path: lenient-al" in res.output
    assert "SFT lift" in res.output and "smollm2-135m-sft" in res.output
    from engine.runs import run_status
    from engine.store.journal import run_dirs

    assert sorted(run_status(d).kind for d in run_dirs(runs)) == ["corpus", "eval", "eval", "train"]
    committed = ROOT / "data" / "corpus" / "micro-corpus.jsonl"
    assert (runs / "corpus" / "micro-corpus.jsonl").read_bytes() == committed.read_bytes()
