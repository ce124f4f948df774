"""Deeply nested input: every loader turns it into the usual `file:line: ...` error, exit 2, no traceback.

The parsers recurse (json's C scanner, tomllib), so a line of 100 000 `[` used to escape as a
RecursionError traceback. Covered: tasks, skills and corpus JSONL, experiment, recipe, corpus-spec
and sweep TOML, and run journals during ingest (episodes, judgments, spec files).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.data.loader import DataError, deepest_line, loads_json, loads_toml
from tests.cockpit.journals import write_eval_run
from tests.conftest import MINI

DEEP = "[" * 100_000 + "]" * 100_000


def _invoke(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(app, list(args), terminal_width=400)
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert "Traceback" not in res.output
    return res.exit_code, res.output.replace("\n", "")


def _assert_error(code: int, out: str, where: str) -> None:
    assert code == 2, out
    assert out.startswith("error: "), out
    squeeze = str.maketrans("", "", " \n")  # rich wraps long paths at a space
    assert where.translate(squeeze) in out.translate(squeeze), out
    assert "nested too deeply" in out or "not a " in out, out


def test_helpers_place_the_nesting() -> None:
    assert deepest_line('{"a": 1}\n{"b": [[\n[3]]]}\n', limit=2) == (2, 3)
    assert deepest_line('x = "[[[[[["\ny = [1]\n') == (2, 1)  # brackets in strings do not count
    with pytest.raises(ValueError, match="nested too deeply"):
        loads_json(DEEP)
    with pytest.raises(DataError) as info:
        loads_toml("f.toml", 'name = "x"\n\nv = ' + DEEP + "\n")
    assert str(info.value).startswith("f.toml:3: invalid TOML: nested too deeply")


@pytest.mark.parametrize("kind", ["tasks", "skills", "corpus"])
def test_jsonl_loaders(tmp_path: Path, kind: str) -> None:
    good = {
        "tasks": (MINI / "tasks.jsonl").read_text().splitlines()[0],
        "skills": (MINI / "skills.jsonl").read_text().splitlines()[0],
        "corpus": (Path(__file__).parents[1] / "data/corpus/offline-corpus.jsonl").read_text().splitlines()[0],
    }[kind]
    p = tmp_path / f"{kind}.jsonl"
    p.write_text(good + "\n" + '{"id": ' + DEEP + "}\n")
    code, out = _invoke("data", "validate", str(p), "--kind", kind)
    _assert_error(code, out, f"{p}:2: invalid JSON: nested too deeply")


def test_experiment(tmp_path: Path, runs_dir: Path) -> None:
    p = tmp_path / "exp.toml"
    p.write_text('name = "x"\ndescription = "d"\nseed = ' + DEEP + "\n")
    for args in (("data", "validate", str(p)), ("run", str(p), "--runs-dir", str(runs_dir), "--events", "none")):
        code, out = _invoke(*args)
        _assert_error(code, out, f"{p}:3: invalid TOML: nested too deeply")
    assert not any(runs_dir.iterdir())


@pytest.mark.parametrize("command", ["train", "sweep", "corpus"])
def test_recipe_sweep_and_corpus_specs(tmp_path: Path, runs_dir: Path, command: str) -> None:
    p = tmp_path / f"{command}.toml"
    p.write_text('name = "x"\n# a comment\nlr = ' + DEEP + "\n")
    args = ["corpus", "build", str(p)] if command == "corpus" else [command, str(p)]
    code, out = _invoke(*args, "--runs-dir", str(runs_dir))
    _assert_error(code, out, f"{p}:3: invalid TOML: nested too deeply")
    assert not any(runs_dir.iterdir())


def test_cli_override_value_is_a_string_not_a_crash(tmp_path: Path, runs_dir: Path) -> None:
    from engine.specs import parse_value

    assert parse_value(DEEP) == DEEP  # not TOML it can read: the bare string, refused later by validation


def _judged_store(runs_dir: Path) -> Path:
    """A run journal written the way the runner writes it, which we then damage."""
    runs_dir.mkdir()
    return write_eval_run(runs_dir)


@pytest.mark.parametrize(
    "table,line",
    [
        ("episodes", '{"episode_id":"e-deep","completion":' + DEEP + "}"),
        ("episodes", '{"episode_id":"e-type","sample":"three"}'),
        ("judgments", '{"judgment_id":"j-deep","rationale":{"a":' + DEEP + "}}"),
        ("judgments", "{not json"),
    ],
    ids=["episodes-deep", "episodes-type", "judgments-deep", "judgments-syntax"],
)
def test_journal_during_ingest(tmp_path: Path, table: str, line: str) -> None:
    runs = tmp_path / "r"
    run = _judged_store(runs)
    path = run / f"{table}.jsonl"
    n = len(path.read_bytes().splitlines())
    with open(path, "a") as f:
        f.write(line + "\n")
    for args in (("ingest",), ("report",)):
        code, out = _invoke(*args, "--runs-dir", str(runs))
        assert code == 2, out
        squeezed = out.replace(" ", "")
        assert f"{path}:{n + 1}:" in squeezed, out
        assert f"nota{table}record" in squeezed, out
    # the damaged batch stored nothing: repair the line and everything ingests
    path.write_bytes(b"".join(path.read_bytes().splitlines(keepends=True)[:n]))
    code, out = _invoke("ingest", "--runs-dir", str(runs))
    assert code == 0, out


def test_spec_journal_during_ingest(tmp_path: Path) -> None:
    runs = tmp_path / "r"
    run = _judged_store(runs)
    bad = runs / "copy"
    shutil.copytree(run, bad)
    (bad / "tasks.jsonl").write_text(json.dumps({"task_id": "t"}) + "\n" + '{"task_id": ' + DEEP + "}\n")
    code, out = _invoke("ingest", "--runs-dir", str(runs))
    assert code == 2, out
    squeezed = out.replace(" ", "")
    assert f"{bad / 'tasks.jsonl'}:2:" in squeezed, out
    assert "nottaskrecord" not in squeezed, out
    assert "notatasksrecord" in squeezed or "nestedtoodeeply" in squeezed, out
