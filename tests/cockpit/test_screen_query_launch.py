"""Pilot tests: the Query screen and the launch form, on fixture journals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Input, Select, TextArea

from cockpit.screens.launch import LaunchScreen
from cockpit.screens.runs import RunsScreen
from cockpit.services import launcher
from engine.store.request import RunRequest
from tests.cockpit.conftest import SIZE, make_app, ready, settle, wait_for
from tests.cockpit.screen_text import screen_text


async def test_query_runs_read_only_sql(fixture_runs: Path) -> None:
    app = make_app(fixture_runs)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("6")
        await settle(pilot)
        scr = app.screen
        editor = scr.query_one(TextArea)
        editor.text = "SELECT config_id, count(*) AS n FROM episodes GROUP BY ALL ORDER BY ALL"
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: scr.last is not None)
        assert scr.last.columns == ("config_id", "n")
        assert len(scr.last.rows) == 5
        editor.text = "DELETE FROM episodes"
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "refused" in screen_text(app)
        editor.text = "SELECT * FROM no_such_table"
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "no_such_table" in screen_text(app)
        assert app.service.query("SELECT count(*) FROM episodes")[0][0] == 160


async def test_launch_form_parses_and_validates(fixture_runs: Path, mini_experiment: Path) -> None:
    app = make_app(fixture_runs)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, LaunchScreen))
        form = app.screen
        form.query_one("#launch-path").value = str(mini_experiment)
        form.query_one("#launch-path").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: form.choice is not None and form.choice.name == "mini")
        await settle(pilot)
        req = form.request()
        assert not isinstance(req, str)
        assert (req.experiment, req.runs_dir) == (mini_experiment, fixture_runs)
        assert req.config_ids is None  # every config and judge: no --config, no --judge
        assert req.judge_ids is None
        form.query_one("#launch-judges").deselect_all()
        assert form.request() == "tick at least one judge"
        form.query_one("#launch-judges").select("extractor")
        form.query_one("#launch-limit").value = "2"
        req = form.request()
        assert not isinstance(req, str)
        assert req.judge_ids == ["extractor"]
        assert req.limit == 2
        form.query_one("#launch-path").value = str(fixture_runs / "nope.toml")
        form.query_one("#launch-path").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: form.choice is None)
        await settle(pilot)
        assert "file not found" in screen_text(app)
        await pilot.press("escape")
        assert isinstance(app.screen, RunsScreen)


async def test_launch_form_starts_on_ray_with_an_address(fixture_runs: Path, mini_experiment: Path) -> None:
    app = make_app(fixture_runs)
    results: list[Any] = []
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, LaunchScreen))
        form = app.screen
        form.dismiss = results.append  # type: ignore[method-assign]
        form.query_one("#launch-path", Input).value = str(mini_experiment)
        form.query_one("#launch-path").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: form.choice is not None and form.choice.name == "mini")
        await settle(pilot)
        local = form.request()
        assert isinstance(local, RunRequest)
        assert (local.executor, local.address) == ("local", None)
        assert "every model and judge runs here" in screen_text(app)
        address = form.query_one("#launch-address", Input)
        address.value = "head:6379"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "--address needs --executor ray" in screen_text(app)
        assert not results
        executor = form.query_one("#launch-executor", Select)
        executor.focus()
        await pilot.press("enter", "down", "enter")  # open the list, pick ray
        await wait_for(pilot, lambda: executor.value == "ray")
        address.value = "head"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "expected HOST:PORT (or ray://HOST:PORT, or auto)" in screen_text(app)
        assert not results
        address.value = "head:6379"
        await settle(pilot)
        assert "on the Ray cluster at head:6379" in screen_text(app)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: bool(results))
        req = results[0]
        assert isinstance(req, RunRequest)
        assert (req.experiment, req.executor, req.address) == (mini_experiment, "ray", "head:6379")
        cmd = launcher.build_command(req, "rid")
        assert cmd[-8:-4] == ["--executor", "ray", "--address", "head:6379"]
