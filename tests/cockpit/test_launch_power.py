"""Pilot test: the launch form shows the design's minimum detectable Δ and lift, and the plan's
projected API cost, before Start, and follows the task limit and samples typed into the form."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from cockpit.screens.launch import LaunchScreen
from engine.analysis.power import Assumed, mde_assumed
from tests.cockpit.conftest import SIZE, make_app, ready, settle, wait_for

PAPER = Path(__file__).resolve().parents[2] / "data" / "experiments" / "paper.toml"


def _cost(panel: str) -> float:
    m = re.search(r"projected cost of the plan: \$([0-9.]+)", panel.replace("\n", " "))
    assert m is not None, panel
    return float(m.group(1))


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
        full = _cost(text)
        assert full > 0  # paper.toml's frontier config and LLM judges are priced
        form.query_one("#launch-limit", Input).value = "50"
        await wait_for(pilot, lambda: "at 50 tasks" in _panel(form))
        assert f"MDE |Δ| {mde_assumed(a, 'delta', 50, 1, 0.05, 0.8):.3f}" in _panel(form)
        assert _cost(_panel(form)) == pytest.approx(full / 4, rel=0.1)  # a quarter of the tasks
        await settle(pilot)
