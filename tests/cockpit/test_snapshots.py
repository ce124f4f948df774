"""Snapshot tests (pytest-textual-snapshot) of every screen on fixed fixture data.

No wall clock on screen (timings off, fixed timestamps in the journals, a fixed machine sampler),
no cursor blink. Update with `pytest tests/cockpit/test_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import TextArea

from cockpit.screens.disagreements import DisagreementsScreen
from cockpit.screens.launch import LaunchScreen
from cockpit.widgets.picker import Picker
from tests.cockpit.conftest import SIZE, make_app, ready, settle, wait_for


@pytest.fixture
def app(fixture_runs: Path) -> Any:
    return make_app(fixture_runs)


def _go(*keys: str) -> Any:
    async def run_before(pilot: Any) -> None:
        await ready(pilot)
        for k in keys:
            await pilot.press(k)
            await settle(pilot)
        await settle(pilot)

    return run_before


def test_snapshot_runs(snap_compare: Any, app: Any) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=_go())


def test_snapshot_live(snap_compare: Any, app: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await ready(pilot)
        pilot.app.select_run("20250101-000000-study-a1b2", show_live=True)
        await wait_for(pilot, lambda: getattr(pilot.app.screen, "samples", 0) > 0)
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_snapshot_live_training(snap_compare: Any, app: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await ready(pilot)
        pilot.app.select_run("20250101-010000-train-sft-c3d4", show_live=True)
        await wait_for(pilot, lambda: getattr(pilot.app.screen, "samples", 0) > 0)
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_snapshot_episodes_filtered(snap_compare: Any, app: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await ready(pilot)
        await pilot.press("3")
        await settle(pilot)
        pilot.app.screen.query_one("#f-config_id", Picker).value = "q2b"
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_snapshot_flips(snap_compare: Any, app: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await ready(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("t")
        pilot.app.screen.query_one("#flip-config", Picker).value = "q2b-sft"
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_snapshot_side_by_side(snap_compare: Any, app: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await ready(pilot)
        await pilot.press("3")
        await settle(pilot)
        scr = pilot.app.screen
        scr.query_one("#f-config_id", Picker).value = "q2b"
        await settle(pilot)
        table = scr.query_one("#ep-table")
        table.move_cursor(row=table.get_row_index("ep-q2b-add-h1-curated"))
        table.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: getattr(pilot.app.screen, "loads", 0) > 0)
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_snapshot_judges(snap_compare: Any, app: Any) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=_go("4"))


def test_snapshot_judges_format(snap_compare: Any, app: Any) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=_go("4", "t"))


def test_snapshot_judges_coverage(snap_compare: Any, app: Any) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=_go("4", "t", "t", "t"))


def test_snapshot_disagreements(snap_compare: Any, app: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await ready(pilot)
        await pilot.press("4")
        await settle(pilot)
        pilot.app.push_screen(DisagreementsScreen("extractor", "claude", "q2b"))
        await wait_for(pilot, lambda: getattr(pilot.app.screen, "loads", 0) > 0)
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_snapshot_delta(snap_compare: Any, app: Any) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=_go("5"))


def test_snapshot_query(snap_compare: Any, app: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await ready(pilot)
        await pilot.press("6")
        await settle(pilot)
        scr = pilot.app.screen
        scr.query_one(TextArea).text = (
            "SELECT config_id, condition, count(*) AS n, avg(tokens_out) AS mean_tokens\n"
            "FROM episodes GROUP BY ALL ORDER BY ALL"
        )
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: scr.last is not None)
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_snapshot_help(snap_compare: Any, app: Any) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=_go("question_mark"))


def test_snapshot_launch(snap_compare: Any, app: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await ready(pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, LaunchScreen))
        form = pilot.app.screen
        await wait_for(
            pilot, lambda: form.choice is not None and form.choice.name == "demo-micro"
        )  # the first: engine demo's
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
