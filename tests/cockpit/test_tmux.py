"""The real app in a real terminal (tmux): open, visit every screen, read hostile output, quit with 0."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.cockpit.journals import write_fixture
from tests.cockpit.test_hostile import _poison
from tests.cockpit.tmux import SCREENS, Tmux, cockpit_command, have_tmux

pytestmark = pytest.mark.skipif(not have_tmux(), reason="tmux is not installed")


def test_person_moves_through_every_screen_and_quits(tmp_path: Path) -> None:
    runs = write_fixture(tmp_path / "runs")
    t = Tmux(cockpit_command(runs), env={"TERM": "xterm-256color"})
    try:
        t.wait_for("20250101-000000-study-a1b2", timeout=30)
        screen = t.wait_for("? Help")
        assert "finished" in screen and "interrupted" in screen and "? Help" in screen
        for _name, keys, needle in SCREENS:
            t.keys(*keys)
            t.wait_for(needle, timeout=30)
            if _name == "help":
                t.keys("Escape")
                time.sleep(0.3)  # a lone ESC is told from an escape sequence by a pause
        t.keys("C-p")
        t.wait_for("Go to Runs")
        t.keys("Escape")
        time.sleep(0.3)
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
        t.wait_for("20250101-000000-study-a1b2", timeout=30)
        time.sleep(2.0)
        t.keys("3")
        t.wait_for("of 160", timeout=30)
        time.sleep(0.5)  # the episodes table has the focus
        t.keys("-N", "65", "Down")  # q0.8b (32 rows), q0.8b-sft (32), q2b add-h1 no_skill, then curated
        time.sleep(0.5)
        t.keys("Enter")
        screen = t.wait_for("no skill vs curated", timeout=30)
        time.sleep(1.0)
        screen = t.text()
        assert "[@click=app.quit]Q[/]" in screen and "[bold]B[/bold]" in screen
        assert "␛]8;;http://x␇L␛]8;;␇" in screen and "␛[31mR␛[0m" in screen
        t.keys("Escape")
        time.sleep(0.6)
        t.keys("6")
        t.wait_for("read-only")
        t.keys("e")
        time.sleep(0.5)
        t.keys("F7")  # select all the SQL, then type over it
        time.sleep(0.3)
        t.keys("-l", "SELECT rationale FROM judgments WHERE rationale LIKE '%click%' LIMIT 3")
        t.wait_for("LIKE '%click%' LIMIT 3")
        time.sleep(0.3)
        t.keys("C-r")
        screen = t.wait_for("[@click=app.quit]Q[/]", timeout=30)
        assert "rows" in screen
        t.keys("1")
        t.wait_for("20250101-000000-study-a1b2")
        t.keys("q")
        assert t.exit_code() == 0  # clicking nothing, quitting by key: the app exits normally
    finally:
        t.kill()
