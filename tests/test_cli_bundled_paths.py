"""Commands typed as the README writes them (`engine run data/experiments/demo.toml`) work from any
directory: a file argument that is not there from the working directory is found in the bundled
data (`engine.paths.locate`), as an installed engine outside a checkout finds it.

Each test runs in an empty directory with the checkout's root pointed elsewhere, so the relative
`data/...` path exists only as bundled data. Commands that would start real work are given one bad
input that is checked after the file is read: the error then names the bundled file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine import paths
from engine.cli import app

EXPERIMENT = "data/experiments/demo.toml"


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory without data/, and no checkout to fall back on: only the bundled copy."""
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.setattr(paths, "ROOT", tmp_path / "no-checkout")
    assert not Path(EXPERIMENT).exists() and (paths.DATA_DIR / "experiments" / "demo.toml").exists()
    return cwd


def _invoke(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(app, list(args), terminal_width=400)
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    return res.exit_code, res.output


def _squeeze(text: str) -> str:
    return text.translate(str.maketrans("", "", " \n"))  # rich wraps long paths at a space


def test_data_validate_finds_a_bundled_experiment(elsewhere: Path) -> None:
    code, out = _invoke("data", "validate", EXPERIMENT)
    assert code == 0, out
    assert out.startswith(f"OK {paths.DATA_DIR / 'experiments' / 'demo.toml'}: experiment 'demo'"), out


def test_study_plan_finds_the_bundled_experiment_recipe_and_corpus_spec(elsewhere: Path) -> None:
    code, out = _invoke(
        "study",
        EXPERIMENT,
        "--recipe",
        "data/recipes/demo.toml",
        "--corpus",
        "data/corpus/demo.toml",
        "--plan",
        "--runs-dir",
        str(elsewhere / "runs"),
    )
    assert code == 0, out
    assert f": {paths.DATA_DIR / 'experiments' / 'demo.toml'}" in out.splitlines()[0], out
    assert "train-" in out  # the recipe was read: one training per base size


def test_report_uses_the_bundled_experiments_judge_paths(elsewhere: Path) -> None:
    from engine.config import load_experiment

    code, out = _invoke("report", "--json", "--experiment", EXPERIMENT, "--runs-dir", str(elsewhere / "runs"))
    assert code == 0, out
    exp = load_experiment(paths.DATA_DIR / "experiments" / "demo.toml")
    assert exp.paths
    assert [p["name"] for p in json.loads(out)["paths"]] == [p.name for p in exp.paths]


@pytest.mark.parametrize(
    "args,bundled,error",
    [
        (["run", EXPERIMENT, "--set", 'seed="x"'], "experiments/demo.toml", "field 'seed'"),
        (["train", "data/recipes/demo.toml", "--set", 'lr="x"'], "recipes/demo.toml", "field 'lr'"),
        (["corpus", "build", "data/corpus/demo.toml", "--set", "limit=-1"], "corpus/demo.toml", "field 'limit'"),
    ],
    ids=["run", "train", "corpus-build"],
)
def test_commands_read_the_bundled_file(elsewhere: Path, args: list[str], bundled: str, error: str) -> None:
    runs = elsewhere / "runs"
    code, out = _invoke(*args, "--runs-dir", str(runs), "--events", "none")
    assert code == 2, out
    assert _squeeze(f"error: {paths.DATA_DIR / bundled}:") in _squeeze(out), out
    assert _squeeze(error) in _squeeze(out), out
    assert not runs.exists() or not any(runs.iterdir())  # refused before anything was written


def test_judge_reads_the_bundled_experiment(elsewhere: Path) -> None:
    runs = elsewhere / "runs"
    code, out = _invoke("judge", EXPERIMENT, "--judge", "nope", "--runs-dir", str(runs), "--events", "none")
    assert code == 2, out
    assert "unknown judge(s) ['nope']; the experiment has" in out, out


def test_a_path_found_nowhere_is_named_as_typed(elsewhere: Path) -> None:
    code, out = _invoke("data", "validate", "data/experiments/nope.toml")
    assert code == 2, out
    assert "error: data/experiments/nope.toml: file not found" in out, out
