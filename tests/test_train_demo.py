"""`engine demo` runs the SFT steps: base eval -> offline corpus -> LoRA SFT -> student eval -> report
with the SFT lift. The demo recipe is shrunk here (the real one trains for minutes)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]


def _one_step(tmp_path: Path, name: str, *, rows: int) -> Path:
    """A bundled demo recipe shrunk to `rows` corpus rows, one step, the top two layers."""
    recipe = tmp_path / "recipe.toml"
    text = (ROOT / "data" / "recipes" / name).read_text()
    text, n = re.subn(r"(?m)^corpus_limit = \d+$", f"corpus_limit = {rows}", text)
    text, m = re.subn(r"(?m)^last_layers = \d+$", "last_layers = 2", text)
    text, k = re.subn(r"(?m)^\[lora\]$", "max_steps = 1\n\n[lora]", text)
    assert (n, m, k) == (1, 1, 1), (name, n, m, k)  # the recipe changed shape: shrink it another way
    recipe.write_text(text)
    return recipe


@pytest.mark.slow
def test_demo_includes_sft(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import engine.demo as demo
    from engine.cli import app

    monkeypatch.setattr(demo, "DEMO_RECIPE", _one_step(tmp_path, "demo.toml", rows=2))
    runs = tmp_path / "runs"
    res = CliRunner().invoke(
        app, ["demo", "--suite", "study", "--limit", "1", "--runs-dir", str(runs), "--events", "none"]
    )
    assert res.exit_code == 0, res.output
    assert "SFT lift" in res.output
    assert "smollm2-135m-sft" in res.output

    from engine.runs import run_status
    from engine.store.journal import run_dirs

    kinds = sorted(run_status(d).kind for d in run_dirs(runs))
    assert kinds == ["corpus", "eval", "eval", "train"]
    assert (runs / "corpus" / "offline-corpus.jsonl").read_bytes() == (
        ROOT / "data" / "corpus" / "offline-corpus.jsonl"
    ).read_bytes()

    # --no-sft: the base eval only (its episodes are stored already: nothing is regenerated)
    again = CliRunner().invoke(
        app, ["demo", "--suite", "study", "--limit", "1", "--no-sft", "--runs-dir", str(runs), "--events", "none"]
    )
    assert again.exit_code == 0, again.output
    assert len(run_dirs(runs)) == 5


@pytest.mark.slow
def test_micro_demo_ends_in_findings_and_a_paper_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The default demo (micro tier) on an 8-task slice with a 1-step recipe: the chain runs, the
    pre-registered headline is eligible, the report ends in findings in words, and the paper report
    is written beside the runs."""
    import json

    import engine.demo as demo
    from engine.cli import app

    monkeypatch.setattr(demo, "MICRO_RECIPE", _one_step(tmp_path, "demo-micro.toml", rows=4))
    runs = tmp_path / "runs"
    res = CliRunner().invoke(app, ["demo", "--limit", "8", "--runs-dir", str(runs), "--events", "none"])
    assert res.exit_code == 0, res.output
    out = res.output
    assert "What SFT moved" in out and "SFT lift" in out
    findings = out[out.index("\nFindings\n") :]
    assert "• Δ, 135M base (smollm2-135m)" in findings and "• SFT lift at 135M" in findings
    assert "**" not in findings and "`" not in findings  # plain words, not Markdown
    from engine.cli.demo import DEMO_REPORT

    report = runs / DEMO_REPORT
    md = (report / "report.md").read_text(encoding="utf-8")
    assert "## Findings" in md
    data = json.loads((report / "report.json").read_text(encoding="utf-8"))
    head = next(p for p in data["paths"] if p["name"] == data["headline"])
    assert data["headline"] == "lenient-al" and head["eligible"], head
