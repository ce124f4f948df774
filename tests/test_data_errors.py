"""Malformed input files: a clear error naming file, line and field; non-zero exit; nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli import app
from tests.conftest import MINI

GOOD_TASK = {
    "id": "add-x1",
    "skill_id": "add",
    "split": "holdout",
    "prompt": "What is 1 + 2?",
    "answer": "3",
    "answer_type": "integer",
}
GOOD_SKILL = json.loads((MINI / "skills.jsonl").read_text().splitlines()[0])


def _lines(*rows: object) -> bytes:
    return b"".join((r if isinstance(r, bytes) else json.dumps(r).encode()) + b"\n" for r in rows)


def _task(**kw: object) -> dict:
    t = dict(GOOD_TASK)
    for k, v in kw.items():
        if v is None:
            t.pop(k, None)
        else:
            t[k] = v
    return t


# (name, file content, expected line, expected fragment of the message)
TASK_CASES = [
    ("bad_json", _lines(_task(id="a1"), _task(id="a2")) + b'{"id": "a3", oops}\n', 3, "invalid JSON"),
    ("missing_field", _lines(_task(id="a1"), _task(id="a2", answer=None)), 2, "'answer'"),
    ("wrong_type", _lines(_task(tolerance="abc", answer_type="number")), 1, "'tolerance'"),
    ("duplicate_id", _lines(_task(id="a1"), _task(id="b1"), _task(id="a1")), 3, "duplicate id 'a1'"),
    ("unknown_skill", _lines(_task(id="a1"), _task(id="a2", skill_id="nope")), 2, "unknown skill 'nope'"),
    ("huge_row", _lines(_task(id="a1"), _task(id="a2", prompt="x" * 300_000)), 2, "byte limit"),
    ("invalid_utf8", _lines(_task(id="a1")) + b'{"id": "a2", "prompt": "caf\xe9"}\n', 2, "invalid UTF-8"),
    ("not_object", _lines(_task(id="a1"), [1, 2, 3]), 2, "expected a JSON object"),
    ("empty_file", b"\n\n", None, "holds no rows"),
    ("llm_without_rubric", _lines(_task(answer_type="free", scoring="llm")), 1, "'rubric'"),
    (
        "choice_not_in_choices",
        _lines(_task(answer_type="choice", answer="d", choices=["a", "b"])),
        1,
        "'answer'",
    ),
    ("tolerance_on_integer", _lines(_task(tolerance=0.5)), 1, "'tolerance'"),
    ("bad_id", _lines(_task(id="has space")), 1, "'id'"),
    ("unknown_field", _lines(_task(colour="red")), 1, "'colour'"),
    ("bad_enum", _lines(_task(answer_type="fraction")), 1, "'answer_type'"),
    ("bad_split", _lines(_task(split="test")), 1, "'split'"),
    ("empty_prompt", _lines(_task(prompt="")), 1, "'prompt'"),
    ("free_on_answer_line", _lines(_task(answer_type="free", rubric="r")), 1, "'scoring'"),
]

SKILL_CASES = [
    ("four_steps", _lines({**GOOD_SKILL, "procedure": GOOD_SKILL["procedure"][:4]}), 1, "'procedure'"),
    (
        "empty_step",
        _lines({**GOOD_SKILL, "procedure": [*GOOD_SKILL["procedure"][:4], "  "]}),
        1,
        "step 5 is empty",
    ),
    ("missing_title", _lines({k: v for k, v in GOOD_SKILL.items() if k != "title"}), 1, "'title'"),
    ("duplicate_skill", _lines(GOOD_SKILL, GOOD_SKILL), 2, "duplicate id"),
]


def _write_suite(tmp_path: Path, tasks: bytes, skills: bytes | None = None) -> Path:
    d = tmp_path / "suite"
    d.mkdir()
    (d / "skills.jsonl").write_bytes(skills if skills is not None else (MINI / "skills.jsonl").read_bytes())
    (d / "tasks.jsonl").write_bytes(tasks)
    return d


def _experiment(tmp_path: Path, suite: Path, body: str | None = None) -> Path:
    text = body or (
        f'name = "bad"\n[holdout]\nskills = "{suite}/skills.jsonl"\ntasks = "{suite}/tasks.jsonl"\n'
        '[[configs]]\nid = "smol"\nbackend = "embedded"\nmodel = "smollm2-135m-instruct"\n'
        '[[judges]]\nid = "extractor"\nkind = "answer_line"\n'
    )
    p = tmp_path / "exp.toml"
    p.write_text(text)
    return p


def _assert_clean_failure(result, path: Path, line: int | None, fragment: str, runs: Path) -> None:
    out = result.output
    assert result.exit_code != 0, out
    assert "error:" in out
    assert str(path) in out.replace("\n", "")
    if line is not None:
        assert f"{path}:{line}:" in out.replace("\n", ""), out
    assert fragment in out.replace("\n", ""), out
    # nothing written: no run directory, no store
    assert not any(runs.iterdir()), list(runs.iterdir())


@pytest.mark.parametrize("name,content,line,fragment", TASK_CASES, ids=[c[0] for c in TASK_CASES])
def test_bad_task_files(tmp_path: Path, runs_dir: Path, name: str, content: bytes, line, fragment) -> None:
    suite = _write_suite(tmp_path, content)
    cli = CliRunner()
    res = cli.invoke(app, ["data", "validate", str(suite / "tasks.jsonl")], terminal_width=400)
    _assert_clean_failure(res, suite / "tasks.jsonl", line, fragment, runs_dir)
    # the same file behind an experiment: `engine run` refuses before writing anything
    exp = _experiment(tmp_path, suite)
    res = cli.invoke(app, ["run", str(exp), "--runs-dir", str(runs_dir), "--events", "none"], terminal_width=400)
    _assert_clean_failure(res, suite / "tasks.jsonl", line, fragment, runs_dir)


@pytest.mark.parametrize("name,content,line,fragment", SKILL_CASES, ids=[c[0] for c in SKILL_CASES])
def test_bad_skill_files(tmp_path: Path, runs_dir: Path, name: str, content: bytes, line, fragment) -> None:
    suite = _write_suite(tmp_path, _lines(GOOD_TASK), skills=content)
    res = CliRunner().invoke(app, ["data", "validate", str(suite / "skills.jsonl")], terminal_width=400)
    _assert_clean_failure(res, suite / "skills.jsonl", line, fragment, runs_dir)


EXPERIMENT_CASES = [
    ("toml_syntax", 'name = "x"\n[holdout\n', 2, "invalid TOML"),
    (
        "unknown_backend",
        'name = "x"\n[holdout]\nskills = "s"\ntasks = "t"\n[[configs]]\nid = "a"\nbackend = "ollama"\nmodel = "m"\n',
        7,
        "configs.0.backend",
    ),
    (
        "file_base_url",
        'name = "x"\n[holdout]\nskills = "s"\ntasks = "t"\n[[configs]]\nid = "a"\nbackend = "openai"\nmodel = "m"\n'
        'base_url = "file:///tmp/models"\n',
        9,
        "configs.0.base_url",
    ),
    (
        "judge_base_url_without_scheme",
        'name = "x"\n[holdout]\nskills = "s"\ntasks = "t"\n[[configs]]\nid = "a"\nbackend = "hf"\nmodel = "m"\n'
        '[[judges]]\nid = "j"\nkind = "llm"\n[judges.model]\nbackend = "openai"\nmodel = "m"\n'
        'base_url = "127.0.0.1:8000/v1"\n',
        15,
        "judges.0.model.base_url",
    ),
    (
        "key_in_file",
        'name = "x"\n[holdout]\nskills = "s"\ntasks = "t"\n[[configs]]\nid = "a"\nbackend = "openai"\nmodel = "m"\n'
        'api_key = "sk-abc"\n',
        None,
        "environment only",
    ),
    (
        "unknown_base",
        'name = "x"\n[holdout]\nskills = "s"\ntasks = "t"\n[[configs]]\nid = "a"\nbackend = "hf"\nmodel = "m"\n'
        'base = "zzz"\n',
        None,
        "names base 'zzz'",
    ),
    (
        "duplicate_config",
        'name = "x"\n[holdout]\nskills = "s"\ntasks = "t"\n[[configs]]\nid = "a"\nbackend = "hf"\nmodel = "m"\n'
        '[[configs]]\nid = "a"\nbackend = "hf"\nmodel = "m"\n',
        None,
        "duplicate id 'a'",
    ),
    (
        "llm_judge_without_model",
        'name = "x"\n[holdout]\nskills = "s"\ntasks = "t"\n[[configs]]\nid = "a"\nbackend = "hf"\nmodel = "m"\n'
        '[[judges]]\nid = "j"\nkind = "llm"\n',
        None,
        "needs a [judges.model] table",
    ),
    (
        "temperature_range",
        'name = "x"\n[holdout]\nskills = "s"\ntasks = "t"\n[[configs]]\nid = "a"\nbackend = "hf"\nmodel = "m"\n'
        "[configs.sampling]\ntemperature = 7\n",
        10,
        "configs.0.sampling.temperature",
    ),
    (
        "missing_holdout",
        'name = "x"\n[[configs]]\nid = "a"\nbackend = "hf"\nmodel = "m"\n',
        None,
        "'holdout'",
    ),
    (
        "path_unknown_judge",
        'name = "x"\n[holdout]\nskills = "s"\ntasks = "t"\n[[configs]]\nid = "a"\nbackend = "hf"\nmodel = "m"\n'
        '[[paths]]\nname = "p"\nanswer_line = "ghost"\n',
        None,
        "names judge 'ghost'",
    ),
]


@pytest.mark.parametrize("name,body,line,fragment", EXPERIMENT_CASES, ids=[c[0] for c in EXPERIMENT_CASES])
def test_bad_experiment_files(tmp_path: Path, runs_dir: Path, name: str, body: str, line, fragment) -> None:
    exp = _experiment(tmp_path, tmp_path, body)
    cli = CliRunner()
    res = cli.invoke(app, ["run", str(exp), "--runs-dir", str(runs_dir), "--events", "none"], terminal_width=400)
    _assert_clean_failure(res, exp, line, fragment, runs_dir)
    res = cli.invoke(app, ["data", "validate", str(exp)], terminal_width=400)
    _assert_clean_failure(res, exp, line, fragment, runs_dir)


def test_experiment_invalid_utf8(tmp_path: Path, runs_dir: Path) -> None:
    exp = tmp_path / "exp.toml"
    exp.write_bytes(b'name = "x"\ndescription = "caf\xe9"\n')
    res = CliRunner().invoke(app, ["run", str(exp), "--runs-dir", str(runs_dir)], terminal_width=400)
    _assert_clean_failure(res, exp, 2, "invalid UTF-8", runs_dir)


def test_holdout_task_in_train_split_is_refused(tmp_path: Path, runs_dir: Path) -> None:
    rows = [json.loads(line) for line in (MINI / "tasks.jsonl").read_text().splitlines()]
    leaked = dict(rows[0], id="add-t99", split="train")  # same content as a holdout task
    suite = _write_suite(tmp_path, _lines(*rows, leaked))
    exp = _experiment(tmp_path, suite)
    res = CliRunner().invoke(app, ["run", str(exp), "--runs-dir", str(runs_dir)], terminal_width=400)
    assert res.exit_code != 0
    assert "leakage check failed" in res.output
    assert "add-h1" in res.output
    assert not any(runs_dir.iterdir())


def test_skill_text_in_no_skill_prompt_is_refused(tmp_path: Path, runs_dir: Path) -> None:
    rows = [json.loads(line) for line in (MINI / "tasks.jsonl").read_text().splitlines()]
    step = GOOD_SKILL["procedure"][1]
    rows[0]["prompt"] = f"{rows[0]['prompt']} Hint: {step}"
    suite = _write_suite(tmp_path, _lines(*rows))
    exp = _experiment(tmp_path, suite)
    res = CliRunner().invoke(app, ["run", str(exp), "--runs-dir", str(runs_dir)], terminal_width=400)
    assert res.exit_code != 0
    assert "leakage check failed" in res.output
    assert "no-skill prompt" in res.output
    assert not any(runs_dir.iterdir())


def test_good_files_validate() -> None:
    cli = CliRunner()
    for f in ("skills.jsonl", "tasks.jsonl", "experiment.toml"):
        res = cli.invoke(app, ["data", "validate", str(MINI / f)], terminal_width=400)
        assert res.exit_code == 0, res.output
        assert res.output.startswith("OK")
