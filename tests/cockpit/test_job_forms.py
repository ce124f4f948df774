"""The launch form's job tabs, driven through Pilot: a bad value is shown under its field and starts
nothing; a good form dismisses with the exact `engine` command it built."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from cockpit.screens import jobs
from cockpit.screens.launch import LaunchScreen
from cockpit.screens.runs import RunsScreen
from cockpit.viewmodels import forms
from tests.cockpit.conftest import SIZE, make_app, ready, settle, wait_for
from tests.cockpit.screen_text import screen_text
from tests.test_study import DATA, tiny_inputs


async def open_tab(pilot: Any, kind: str) -> tuple[LaunchScreen, jobs.JobForm]:
    app = pilot.app
    await ready(pilot)
    await pilot.press("n")
    await wait_for(pilot, lambda: isinstance(app.screen, LaunchScreen))
    screen = app.screen
    screen.show_tab(kind)
    await settle(pilot)
    return screen, screen.query_one(f"#form-{kind}", jobs.JobForm)


async def check(pilot: Any, form: jobs.JobForm, start: bool = False) -> None:
    form.checked = form.error = None
    form.submit(start=start)
    await wait_for(pilot, lambda: form.checked is not None or form.error is not None, what="form check")
    await settle(pilot)


def error_under(form: jobs.JobForm, name: str) -> str:
    return str(form.query_one("#" + jobs.field_id(form.kind, name) + "-error", Static).render())


async def test_study_form_refuses_bad_input_inline_and_builds_the_chain_command(
    fixture_runs: Path, tmp_path: Path
) -> None:
    recipe, spec, _ = tiny_inputs(tmp_path)
    app = make_app(fixture_runs)
    results: list[Any] = []
    async with app.run_test(size=SIZE) as pilot:
        screen, form = await open_tab(pilot, "study")
        screen.dismiss = results.append  # type: ignore[method-assign]
        # the form opens on the embedded default's study
        assert form.values()["experiment"].endswith("data/experiments/demo.toml")
        form.set_values(recipe=str(recipe), corpus=str(spec), limit="three")
        await check(pilot, form, start=True)
        assert "limit: 'three' is not a whole number" in error_under(form, "limit")
        assert not results
        form.set_values(limit="1")
        spec.write_text(spec.read_text().replace('teacher = "offline"\n', ""))
        await check(pilot, form, start=True)
        assert form.error is not None
        assert form.error.field == "corpus"
        assert not results
        assert "field 'teacher': no teacher" in error_under(form, "corpus")
        assert "no teacher" in screen_text(app)
        spec.write_text(spec.read_text().replace('name = "offline"', 'name = "offline"\nteacher = "offline"'))
        await check(pilot, form, start=True)
        assert error_under(form, "corpus") == ""
        assert len(results) == 1
        req = results[0]
        assert isinstance(req, forms.JobRequest)
        assert req.kind == "study"
        exp = str((DATA / "experiments" / "demo.toml").resolve())
        assert req.args == ("study", exp, "--recipe", str(recipe), "--corpus", str(spec), "--limit", "1")
        assert req.log_dir.startswith("studies/demo-study-")
        assert "train-smollm2-135m" in screen_text(app)  # the plan is shown


async def test_train_form_types_overrides_by_the_recipe_schema(fixture_runs: Path, tmp_path: Path) -> None:
    recipe, _, _ = tiny_inputs(tmp_path)
    app = make_app(fixture_runs)
    results: list[Any] = []
    async with app.run_test(size=SIZE) as pilot:
        screen, form = await open_tab(pilot, "train")
        screen.dismiss = results.append  # type: ignore[method-assign]
        form.set_values(recipe=str(recipe), epochs="three")
        await check(pilot, form, start=True)
        assert form.error is not None
        assert form.error.field == "epochs"
        assert not results
        assert "valid number" in error_under(form, "epochs")
        form.set_values(epochs="", base_model=str(tmp_path / "no-model"))
        await check(pilot, form, start=True)
        assert "does not exist" in error_under(form, "base_model")
        assert not results
        form.set_values(base_model="", epochs="2", lr="5e-4", **{"lora.r": "8", "lora.targets": "q_proj, v_proj"})
        await check(pilot, form)
        text = screen_text(app)
        assert "* epochs = 2" in text
        assert "* lora.r = 8" in text
        assert '* lora.targets = ["q_proj", "v_proj"]' in text
        assert "  max_length = 448" in text  # the recipe's own value, unmarked
        await check(pilot, form, start=True)
        req = results[0]
        assert req.kind == "train"
        assert "-train-demo-" in req.log_dir
        assert req.args == (
            "train",
            str(recipe),
            "--run-id",
            req.log_dir,
            "--set",
            "epochs=2",
            "--set",
            "lr=0.0005",
            "--set",
            "lora.r=8",
            "--set",
            'lora.targets=["q_proj", "v_proj"]',
        )


async def test_corpus_sweep_and_rejudge_forms(fixture_runs: Path, tmp_path: Path, mini_experiment: Path) -> None:
    _, spec, _ = tiny_inputs(tmp_path)
    app = make_app(fixture_runs)
    results: list[Any] = []
    async with app.run_test(size=SIZE) as pilot:
        screen, form = await open_tab(pilot, "corpus")
        screen.dismiss = results.append  # type: ignore[method-assign]
        form.set_values(spec=str(tmp_path / "nope.toml"))
        await check(pilot, form, start=True)
        assert "does not exist" in error_under(form, "spec")
        assert not results
        form.set_values(spec=str(spec), limit="40")
        await check(pilot, form, start=True)
        assert "rows kept: at most" in screen_text(app)
        assert results[-1].args == ("corpus", "build", str(spec), "--limit", "40")

        screen.show_tab("sweep")
        await settle(pilot)
        sweep = screen.query_one("#form-sweep", jobs.JobForm)
        sweep.set_values(sweep=str(DATA / "sweeps" / "demo.toml"), limit="0")
        await check(pilot, sweep, start=True)
        assert "must be at least 1" in error_under(sweep, "limit")
        sweep.set_values(limit="2")
        await check(pilot, sweep, start=True)
        assert results[-1].args == ("sweep", str((DATA / "sweeps" / "demo.toml").resolve()), "--limit", "2")

        screen.show_tab("judge")
        await settle(pilot)
        judge = screen.query_one("#form-judge", jobs.JobForm)
        judge.set_values(experiment=str(mini_experiment), judges="extractor", configs="nope")
        await check(pilot, judge)
        assert "0 stored episodes of nope" in screen_text(app)
        judge.set_values(configs="")
        await check(pilot, judge, start=True)
        assert results[-1].kind == "judge"
        assert results[-1].args[:4] == (
            "judge",
            str(mini_experiment),
            "--judge",
            "extractor",
        )
        assert "judgments missing" in screen_text(app)
        assert "projected API cost" in screen_text(app)
        screen.dismiss = LaunchScreen.dismiss.__get__(screen)  # type: ignore[method-assign]
        await pilot.press("escape")
        assert isinstance(app.screen, RunsScreen)


async def test_rejudge_form_starts_on_ray_and_shows_executor_errors_under_their_field(
    fixture_runs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo = DATA / "experiments" / "demo.toml"  # smollm2-judge: an LLM judge on a local model
    app = make_app(fixture_runs)
    results: list[Any] = []
    async with app.run_test(size=SIZE) as pilot:
        screen, form = await open_tab(pilot, "judge")
        screen.dismiss = results.append  # type: ignore[method-assign]
        assert form.values()["executor"] == "local"
        form.set_values(experiment=str(demo), address="head:6379")
        await check(pilot, form, start=True)
        assert "address: --address needs --executor ray" in error_under(form, "address")
        assert not results
        form.set_values(executor="ray", address="head")
        await check(pilot, form, start=True)
        assert "expected HOST:PORT (or ray://HOST:PORT, or auto)" in error_under(form, "address")
        assert not results
        with monkeypatch.context() as m:
            m.setitem(sys.modules, "ray", None)  # as when Ray is not installed
            form.set_values(address="")
            await check(pilot, form, start=True)
        assert "pip install 'skill-cockpit[ray]'" in error_under(form, "executor")
        assert error_under(form, "address") == ""
        assert not results
        form.set_values(address="ray://head:10001")
        await check(pilot, form)
        text = screen_text(app)
        assert "--executor ray --address ray://head:10001" in text
        assert "LLM judges on local models (smollm2-judge): on the Ray cluster at ray://head:10001" in text
        await check(pilot, form, start=True)
        assert results[-1].kind == "judge"
        assert results[-1].args == ("judge", str(demo.resolve()), "--executor", "ray", "--address", "ray://head:10001")
