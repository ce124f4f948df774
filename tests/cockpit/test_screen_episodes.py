"""Pilot tests: the Episodes screen, its filters and the side-by-side view, on fixture journals."""

from __future__ import annotations

from pathlib import Path

from cockpit.screens.episodes import EpisodesScreen
from cockpit.screens.sidebyside import SideBySideScreen
from cockpit.widgets.picker import Picker
from cockpit.widgets.table import SafeTable
from tests.cockpit.conftest import SIZE, make_app, ready, settle, wait_for
from tests.cockpit.screen_text import screen_text


async def test_episodes_verdicts_always_visible(fixture_runs: Path) -> None:
    """At 160 columns every judge's verdict is on screen: one compact mark per judge, with a legend;
    a batch's latency is marked as such; a completion aimed at the judge shows its flag."""
    app = make_app(fixture_runs)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("3")
        await settle(pilot)
        scr = app.screen
        assert isinstance(scr, EpisodesScreen)
        await wait_for(pilot, lambda: bool(scr.rows) and scr.rows[0].verdicts is not None)
        text = screen_text(app)
        assert "verdicts: claude · extractor · lenient  ✓ pass ✗ fail ! error ? abstain · none" in text
        line = next(ln for ln in text.splitlines() if "q0.8b" in ln and "add-h1" in ln and "no_skill" in ln)
        v = scr.rows[0].verdicts or {}
        expect = " ".join({"pass": "✓", "fail": "✗", "error": "!"}[v[j]] for j in ("claude", "extractor", "lenient"))
        assert expect in line, (expect, line)
        scr.query_one("#f-config_id", Picker).value = "q0.8b-sft"
        await wait_for(pilot, lambda: bool(scr.rows) and scr.rows[0].config_id == "q0.8b-sft")
        assert "0.25 b" in screen_text(app)  # the whole batch's latency, marked
        scr.query_one("#f-config_id", Picker).value = "q2b"
        await wait_for(pilot, lambda: bool(scr.rows) and scr.rows[0].config_id == "q2b")
        line = next(ln for ln in screen_text(app).splitlines() if "reverse-h1" in ln and "no_skill" in ln)
        assert "verdict" in line.split("no_skill", 1)[1]


async def test_episodes_filter_and_side_by_side(fixture_runs: Path) -> None:
    app = make_app(fixture_runs)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("3")
        await settle(pilot)
        scr = app.screen
        assert isinstance(scr, EpisodesScreen)
        assert scr.total == 160
        scr.query_one("#f-config_id", Picker).value = "q2b"
        await settle(pilot)
        scr.query_one("#f-judge_id", Picker).value = "claude"
        scr.query_one("#f-verdict", Picker).value = "fail"
        await settle(pilot)
        assert scr.rows
        assert all(r.config_id == "q2b" and r.verdicts and r.verdicts["claude"] == "fail" for r in scr.rows)
        n_fail = scr.total
        assert n_fail is not None
        assert 0 < n_fail < 32
        scr.query_one("#f-condition", Picker).value = "curated"
        await settle(pilot)
        assert all(r.condition == "curated" for r in scr.rows)
        table = scr.query_one("#ep-table", SafeTable)
        table.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SideBySideScreen) and app.screen.loads > 0)
        sbs = app.screen
        assert sbs.pair is not None
        assert sbs.pair.left is not None
        assert sbs.pair.right is not None
        assert sbs.pair.left.condition == "no_skill"
        assert sbs.pair.right.condition == "curated"
        assert sbs.pair.left.task_id == sbs.pair.right.task_id
        text = screen_text(app)
        assert "skill block (in this prompt)" in text
        assert "skill block (not in this prompt)" in text
        assert "claude (llm)" in text
        assert "tokens in/out" in text
        await pilot.press("m")  # base vs SFT for the same condition
        await wait_for(pilot, lambda: sbs.loads > 1)
        assert sbs.pair.mode == "sft"
        assert sbs.pair.left.config_id == "q2b"
        assert sbs.pair.right.config_id == "q2b-sft"
        await pilot.press("escape")
        assert isinstance(app.screen, EpisodesScreen)
        await pilot.press("x")
        await settle(pilot)
        assert scr.total == 160


async def test_flips_sorted_by_skill_open_side_by_side(fixture_runs: Path) -> None:
    app = make_app(fixture_runs)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("t")
        scr = app.screen
        scr.query_one("#flip-config", Picker).value = "q2b-sft"
        scr.query_one("#flip-judge", Picker).value = "claude"
        await settle(pilot)
        table = scr.query_one("#flip-table", SafeTable)
        assert table.row_count > 0
        skills = [table.get_row_at(i)[0].plain for i in range(table.row_count)]
        assert skills == sorted(skills)
        scr.query_one("#flip-mode", Picker).value = "sft"
        await settle(pilot)
        assert "q2b curated" in screen_text(app)
        assert "q2b-sft curated" in screen_text(app)
        table.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SideBySideScreen) and app.screen.loads > 0)
        assert app.screen.pair is not None
        assert app.screen.pair.mode == "sft"


async def test_an_abstention_has_its_own_mark_and_filter(fixture_runs: Path) -> None:
    """An abstention is shown as `?`, never as `·` (not judged), and the verdict filter offers it."""
    from tests.cockpit.exclusions import add_exclusions

    add_exclusions(fixture_runs)
    app = make_app(fixture_runs)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("3")
        await settle(pilot)
        scr = app.screen
        assert isinstance(scr, EpisodesScreen)
        scr.query_one("#f-judge_id", Picker).value = "lenient"
        scr.query_one("#f-verdict", Picker).value = "abstain"
        await wait_for(
            pilot, lambda: bool(scr.rows) and all((r.verdicts or {}).get("lenient") == "abstain" for r in scr.rows)
        )
        row = scr.rows[0]
        line = next(
            ln
            for ln in screen_text(app).splitlines()
            if row.task_id in ln and f" {row.config_id} " in ln and row.condition in ln
        )
        marks = {"pass": "✓", "fail": "✗", "error": "!", "abstain": "?"}
        expect = " ".join(marks[(row.verdicts or {})[j]] for j in ("claude", "extractor", "lenient"))
        assert expect.endswith("?") and expect in line, (expect, line)
