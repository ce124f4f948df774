"""Pilot test: the launch form shows the design's minimum detectable Δ and lift before Start, and
follows the task limit and samples typed into the form."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Static

from cockpit.screens.launch import LaunchScreen
from engine.analysis.power import Assumed, mde_assumed
from tests.cockpit.conftest import SIZE, make_app, ready, settle, wait_for

PAPER = Path(__file__).resolve().parents[2] / "data" / "experiments" / "paper.toml"


def _panel(form: LaunchScreen) -> str:
    return str(form.query_one("#launch-power", Static).render())


async def test_launch_form_shows_the_mde_before_start(fixture_runs: Path) -> None:
    app = make_app(fixture_runs)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, LaunchScreen))
        form = app.screen
        assert isinstance(form, LaunchScreen)
        form.query_one("#launch-path", Input).value = str(PAPER)
        form.query_one("#launch-path").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: form.choice is not None and form.choice.name == "paper")
        await wait_for(pilot, lambda: "at 200 tasks" in _panel(form))
        a = Assumed(0.4, 0.2)
        text = _panel(form)
        assert f"MDE |Δ| {mde_assumed(a, 'delta', 200, 1, 0.05, 0.8):.3f}" in text
        assert f"|lift| {mde_assumed(a, 'lift', 200, 1, 0.05, 0.8):.3f}" in text
        assert "discordance 0.2" in text
        form.query_one("#launch-limit", Input).value = "50"
        await wait_for(pilot, lambda: "at 50 tasks" in _panel(form))
        assert f"MDE |Δ| {mde_assumed(a, 'delta', 50, 1, 0.05, 0.8):.3f}" in _panel(form)
        await settle(pilot)
