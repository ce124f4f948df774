"""The real app in a real terminal (tmux): open, visit every screen, read hostile output, quit with 0.

No fixed sleeps: each key is sent once the screen shows what the previous one did. After an ESC the
next key waits until the ESC's effect is on screen: the app tells a lone ESC from the start of an
escape sequence by a short pause, and a key sent within it would arrive as ALT+key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.cockpit.journals import write_fixture
from tests.cockpit.test_hostile import _poison
from tests.cockpit.tmux import INGESTED, SCREENS, Tmux, cockpit_command, have_tmux

pytestmark = pytest.mark.skipif(not have_tmux(), reason="tmux is not installed")


def test_person_moves_through_every_screen_and_quits(tmp_path: Path) -> None:
    runs = write_fixture(tmp_path / "runs")
    t = Tmux(cockpit_command(runs), env={"TERM": "xterm-256color"})
    try:
        t.wait_for("20250101-000000-study-a1b2", timeout=30)
        screen = t.wait_for("? Help")
        assert "finished" in screen
        assert "interrupted" in screen
        for _name, keys, needle in SCREENS:
            t.keys(*keys)
            t.wait_for(needle, timeout=30)
            if _name == "help":
                t.keys("Escape")
                t.wait_gone(needle)  # the lone ESC closed the help
        t.keys("C-p")
        t.wait_for("Go to Runs")
        t.keys("Escape")
        t.wait_gone("Go to Runs")  # the lone ESC closed the palette
        t.keys("1")
        t.wait_for("20250101-000000-study-a1b2")
        t.keys("q")
        assert t.exit_code() == 0
    finally:
        t.kill()
    assert (runs / "store.duckdb").exists()


def test_hostile_output_in_a_real_terminal(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    _poison(runs)
    t = Tmux(cockpit_command(runs), env={"TERM": "xterm-256color"})
    try:
        t.wait_for("20250101-000000-study-a1b2", INGESTED, timeout=30)
        t.keys("3")
        t.wait_for("1–100 of 160", timeout=30)  # the page, its verdicts and the count: the table has the focus
        t.keys("-N", "65", "Down")  # q0.8b (32 rows), q0.8b-sft (32), q2b add-h1 no_skill, then curated
        t.wait_for(re.compile(r"q2b +add-h1 +curated"))  # the cursor's row scrolled into view
        t.keys("Enter")
        hostile = ("[@click=app.quit]Q[/]", "[bold]B[/bold]", "␛]8;;http://x␇L␛]8;;␇", "␛[31mR␛[0m")
        t.wait_for("no skill vs curated", "task add-h1", *hostile, timeout=30)  # shown as literal text
        t.keys("Escape")
        t.wait_gone("no skill vs curated")  # the lone ESC went back to the episodes
        t.keys("6")
        t.wait_for("read-only", "e Edit SQL")  # the screen's key bar is painted too
        t.keys("e")
        t.wait_focus(re.compile(r"-- read-only SQL over the store"))  # the editor has the focus: keys go there
        t.keys("F7", "BSpace")  # select all the SQL and delete it, then type the query
        # the editor emptied: the select-all has been handled, so no typed key can reach a half-read
        # escape sequence (a first character was lost that way once)
        t.wait_gone("GROUP BY ALL ORDER BY ALL")
        t.keys("-l", "SELECT rationale FROM judgments WHERE rationale LIKE '%click%' LIMIT 3")
        t.wait_for("SELECT rationale FROM judgments WHERE rationale LIKE '%click%' LIMIT 3")
        t.keys("C-r")
        screen = t.wait_for("[@click=app.quit]Q[/]", timeout=30)
        assert "rows" in screen
        t.keys("1")
        t.wait_for("20250101-000000-study-a1b2")
        t.keys("q")
        assert t.exit_code() == 0  # clicking nothing, quitting by key: the app exits normally
    finally:
        t.kill()
