"""One store, one headline: `engine report` (without --experiment), the cockpit's Judges and Δ report
and its paper export resolve the headline path from the same declaration, the runs' experiment.json
(`engine.analysis.declared.declared_report`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cockpit.services import export
from cockpit.viewmodels import report as cockpit_report
from engine.cli import app
from engine.store.db import Store
from engine.store.manifest import EXPERIMENT_FILE
from tests.cockpit.journals import PATHS, write_eval_run

RUN = "20250101-000000-study-a1b2"
BOOT = 50


def _headlines(runs: Path) -> dict[str, Any]:
    res = CliRunner().invoke(app, ["report", "--json", "--runs-dir", str(runs), "--boot", str(BOOT)])
    assert res.exit_code == 0, res.output
    cli = json.loads(res.stdout)
    with Store.open(runs, fallback=None) as store:
        view = cockpit_report.compute(store.con, runs, n_boot=BOOT)
        paper = export.build(store.con, runs, n_boot=BOOT)
    return {
        "engine report": (cli["headline"], cli["headline_basis"]),
        "cockpit": (view.report.headline, view.report.headline_basis),
        "paper": (paper.headline, paper.data["headline_basis"]),  # report.json of the paper
    }


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        # the experiment lists its paths and pre-registers one of them
        ({"paths": PATHS, "headline_path": "llm-only"}, ("llm-only", "pre-registered")),
        # no paths listed: the headline names a derived path (here the cockpit used to drop it)
        ({"headline_path": "extractor"}, ("extractor", "pre-registered")),
        # nothing declared: the default rule, in all three alike
        ({}, ("llm:claude", "default")),
    ],
)
def test_the_cli_the_cockpit_and_the_paper_headline_the_same_path(
    tmp_path: Path, declared: dict[str, Any], expected: tuple[str, str]
) -> None:
    runs = tmp_path / "runs"
    write_eval_run(runs, RUN, hostile=False)
    (runs / RUN / EXPERIMENT_FILE).write_text(json.dumps({"name": "study", **declared}))
    got = _headlines(runs)
    assert got["engine report"] == expected
    assert got["cockpit"] == expected
    assert got["paper"] == expected


def test_the_cockpit_runs_the_recorded_analysis_as_engine_report_does(tmp_path: Path) -> None:
    """A journal that recorded cluster = skill, α 0.1 and a minimum effect at start: the cockpit's
    report resamples by skill at that α, as `engine report` without flags does, with the same CIs
    and the same pre-registration check (it used to run task-clustered at 0.05, unchecked)."""
    runs = tmp_path / "runs"
    write_eval_run(runs, RUN, hostile=False)
    (runs / RUN / EXPERIMENT_FILE).write_text(
        json.dumps({"name": "study", "paths": PATHS, "headline_path": "llm-only"})
    )
    events = runs / RUN / "events.jsonl"
    lines = events.read_text(encoding="utf-8").splitlines()
    i = next(k for k, x in enumerate(lines) if json.loads(x).get("type") == "RunStarted")
    record = {"headline_path": "llm-only", "effect_of_interest": "delta", "minimum_effect": 0.1}
    record |= {"alpha": 0.1, "cluster": "skill"}
    lines[i] = json.dumps(json.loads(lines[i]) | {"preregistration": record})
    events.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["report", "--json", "--runs-dir", str(runs), "--boot", str(BOOT)])
    assert res.exit_code == 0, res.output
    cli = json.loads(res.stdout)
    with Store.open(runs, fallback=None) as store:
        cockpit = json.loads(json.dumps(cockpit_report.compute(store.con, runs, n_boot=BOOT).report.to_dict()))
    assert (cli["meta"]["cluster"], cli["meta"]["alpha"]) == ("skill", 0.1)
    assert (cockpit["meta"]["cluster"], cockpit["meta"]["alpha"]) == ("skill", 0.1)
    assert cockpit["design"]["alpha"] == cli["design"]["alpha"] == 0.1
    assert cockpit["preregistration"] == cli["preregistration"]
    assert cockpit["preregistration"]["status"] == "pre-registered", cockpit["preregistration"]
    ci = [(d["config"], d["path"], d["ci_low"], d["ci_high"]) for d in cli["deltas"]]
    assert ci == [(d["config"], d["path"], d["ci_low"], d["ci_high"]) for d in cockpit["deltas"]]
