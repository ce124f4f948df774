"""Pre-registration: the experiment's analysis plan (headline path, effect of interest, α, resampling
unit) is recorded in the run journal when a run starts, and a report whose analysis differs from that
record says it is exploratory, naming each difference. A real run through the openai SDK against the
loopback server; the report through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.analysis.preregistration import first_record, from_runs
from engine.cli import app
from engine.config import load_experiment
from engine.data.loader import DataError
from engine.runner import Runner, RunRequest
from engine.store import journal as jr
from engine.store.manifest import RunInfo, write_info
from tests.conftest import mini_head

KEY = "sk-test-prereg-0123456789"


def _experiment(tmp: Path, server_url: str, extra: str = "") -> Path:
    p = tmp / "exp.toml"
    p.write_text(
        mini_head("prereg").replace(
            "seed = 0\n", f'seed = 0\nheadline_path = "ext"\nalpha = 0.01\nminimum_effect = 0.1\n{extra}'
        )
        + f"""
[[configs]]
id = "student"
backend = "openai"
base_url = "{server_url}"
model = "toy-student"
api_key_env = "SKC_TEST_PREREG_KEY"

[[judges]]
id = "extractor"
kind = "answer_line"

[[paths]]
name = "ext"
answer_line = "extractor"

[[paths]]
name = "ext2"
answer_line = "extractor"
"""
    )
    return p


def test_plan_fields_default_and_errors_name_the_field(tmp_path: Path) -> None:
    exp = load_experiment(_experiment(tmp_path, "http://127.0.0.1:9"))
    assert exp.preregistration() == {
        "experiment": "prereg",
        "headline_path": "ext",
        "effect_of_interest": "delta",
        "minimum_effect": 0.1,
        "alpha": 0.01,
        "cluster": "task",
    }
    bad = {
        "alpha = 0.01\n": ("alpha = 0.5\n", "alpha"),
        'headline_path = "ext"\n': ('headline_path = "ext"\neffect_of_interest = "lift"\n', "effect_of_interest"),
        "minimum_effect = 0.1\n": ('minimum_effect = 0.1\ncluster = "config"\n', "cluster"),
    }
    for old, (new, fieldname) in bad.items():
        p = tmp_path / f"bad-{fieldname}.toml"
        p.write_text(_experiment(tmp_path, "http://127.0.0.1:9").read_text().replace(old, new))
        with pytest.raises(DataError) as exc:
            load_experiment(p)
        assert exc.value.field == fieldname and exc.value.line is not None, str(exc.value)
        assert str(p) in str(exc.value)
    res = CliRunner().invoke(app, ["run", str(tmp_path / "bad-alpha.toml"), "--runs-dir", str(tmp_path / "r")])
    assert res.exit_code == 2 and "alpha" in res.output and "Traceback" not in res.output


def _report(runs: Path, *args: str) -> dict:
    res = CliRunner().invoke(app, ["report", "--runs-dir", str(runs), "--json", "--boot", "50", *args])
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


@pytest.mark.server
def test_a_run_records_its_plan_and_a_changed_analysis_is_exploratory(
    tmp_path: Path, fault_server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SKC_TEST_PREREG_KEY", KEY)
    path = _experiment(tmp_path, fault_server.openai_url)
    exp = load_experiment(path)
    runs = tmp_path / "runs"
    result = Runner(exp, RunRequest(runs_dir=runs, limit=3)).run()
    assert result.status == "finished", result.error
    (run,) = jr.run_dirs(runs)
    started = [json.loads(x) for x in (run / "events.jsonl").read_text().splitlines() if '"RunStarted"' in x]
    assert started[0]["preregistration"] == exp.preregistration()
    assert first_record(run) == exp.preregistration()

    rep = _report(runs)  # no experiment file: the runs' own plan, so the analysis is the pre-registered one
    assert rep["preregistration"]["status"] == "pre-registered", rep["preregistration"]
    assert rep["meta"]["alpha"] == 0.01 and rep["meta"]["cluster"] == "task"
    rep = _report(runs, "--alpha", "0.05", "--path", "ext2")
    plan = rep["preregistration"]
    assert plan["status"] == "exploratory" and plan["differences"] == [
        "headline path 'ext2' (recorded 'ext')",
        "α 0.05 (recorded 0.01)",
    ]
    assert plan["line"].startswith(
        f"EXPLORATORY: this analysis differs from the plan the run journal recorded at start ({run.name})"
    )
    # the experiment file edited after the run started: its new plan is not the pre-registered one
    path.write_text(path.read_text().replace('headline_path = "ext"\n', 'headline_path = "ext"\ncluster = "skill"\n'))
    rep = _report(runs, "--experiment", str(path))
    assert rep["preregistration"]["differences"] == ["resampling unit 'skill' (recorded 'task')"]
    assert rep["meta"]["cluster"] == "skill"
    text = CliRunner().invoke(app, ["report", "--runs-dir", str(runs), "--boot", "50", "--cluster", "skill"]).output
    assert "EXPLORATORY" in text and "resampling unit 'skill' (recorded 'task')" in text

    # a resume appends a RunStarted of its own; the record stays the first one, made before any episode
    later = json.loads(next(x for x in (run / "events.jsonl").read_text().splitlines() if '"RunStarted"' in x))
    later["preregistration"] = {**later["preregistration"], "alpha": 0.2}
    with open(run / "events.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps(later) + "\n")
    assert from_runs(runs).record == exp.preregistration()


def test_runs_with_different_plans_leave_none(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    for name, alpha in (("a", 0.05), ("b", 0.01)):
        j = jr.RunJournal(runs, name)
        write_info(j.dir, RunInfo(run_id=name, kind="eval", experiment="x"))
        plan = {"experiment": "x", "headline_path": None, "effect_of_interest": "delta"}
        plan |= {"minimum_effect": None, "alpha": alpha, "cluster": "task"}
        (j.dir / "events.jsonl").write_text(
            json.dumps({"type": "RunStarted", "run_id": name, "preregistration": plan}) + "\n"
        )
    pre = from_runs(runs)
    assert pre.record is None and "record different analysis plans" in pre.record_warnings[0]
    assert from_runs(runs, ["b"]).record == plan
