"""Pilot tests: moving between screens by key, help and the command palette, on fixture journals."""

from __future__ import annotations

from pathlib import Path

from cockpit.screens.delta import DeltaScreen
from cockpit.screens.episodes import EpisodesScreen
from cockpit.screens.help import HelpScreen
from cockpit.screens.judges import JudgesScreen
from cockpit.screens.live import LiveScreen
from cockpit.screens.query import QueryScreen
from cockpit.screens.runs import RunsScreen
from tests.cockpit.conftest import SIZE, make_app, ready, settle
from tests.cockpit.screen_text import screen_text


async def test_every_screen_is_reachable_by_key(fixture_runs: Path) -> None:
    app = make_app(fixture_runs)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        for key, cls in (
            ("2", LiveScreen),
            ("3", EpisodesScreen),
            ("4", JudgesScreen),
            ("5", DeltaScreen),
            ("6", QueryScreen),
            ("1", RunsScreen),
        ):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, cls), key
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "Runs, Live, Episodes, Judges" in screen_text(app)  # the keys come first
        app.screen.query_one("#help-box").scroll_end(animate=False)  # the store tables last
        await pilot.pause()
        assert "judgments" in screen_text(app)
        await pilot.press("escape")
        assert isinstance(app.screen, RunsScreen)


async def test_help_documents_the_store_tables(fixture_runs: Path) -> None:
    app = make_app(fixture_runs)
    async with app.run_test(size=(160, 200)) as pilot:
        await ready(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        text = screen_text(app)
        for table in ("runs", "configs", "episodes", "judgments", "telemetry", "train_steps"):
            assert f"{table}  (" in text, table
        assert "An error is never a fail" in text  # a schema.py comment, shown to users


async def test_command_palette_switches_screens(fixture_runs: Path) -> None:
    app = make_app(fixture_runs)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"go to judges")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, JudgesScreen)
