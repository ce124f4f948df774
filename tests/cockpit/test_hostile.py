"""Model output is untrusted: markup, actions, ANSI and OSC 8 sequences in any text from the store or a
journal show as literal characters and do nothing, on every screen that shows them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Static, TextArea

from cockpit.screens.disagreements import DisagreementsScreen
from cockpit.screens.episodes import EpisodesScreen
from cockpit.screens.sidebyside import SideBySideScreen
from cockpit.widgets.picker import Picker
from cockpit.widgets.table import SafeTable
from engine.events import LogMessage, RunFailed, RunStarted
from engine.store import journal as jr
from engine.store.manifest import RunInfo, write_info
from tests.cockpit.conftest import SIZE, make_app, ready, settle, wait_for
from tests.cockpit.journals import write_eval_run
from tests.cockpit.screen_text import screen_text

EVIL = (
    "[bold]B[/bold] [@click=app.quit]Q[/] [/ \x1b[31mR\x1b[0m \x1b]8;;http://x\x07L\x1b]8;;\x07 "
    "\u202eLIAF\u202c \u2067I\u2069 Z\u200bW"
)
SHOWN = (
    "[@click=app.quit]Q[/]",
    "[bold]B[/bold]",
    "[/ ",
    "␛[31mR␛[0m",
    "␛]8;;http://x␇L␛]8;;␇",
    "\\u202eLIAF\\u202c",
    "\\u2067I\\u2069",
    "Z\\u200bW",
)
INVISIBLE = "\u202e\u202c\u2067\u2069\u200b"


def _poison(runs: Path) -> None:
    """Put EVIL in every text field the cockpit shows: completion, prompt, rationale, extracted, error,
    skill block, gold answer, log messages, a run's failure."""
    write_eval_run(runs, hostile=False)
    d = runs / "20250101-000000-study-a1b2"
    for name, fields in (
        ("episodes", ("completion", "prompt")),
        ("judgments", ("rationale", "extracted")),
        ("skills", ("title", "block")),
        ("tasks", ("answer",)),
    ):
        recs = list(jr.iter_records(d / f"{name}.jsonl"))
        for r in recs:
            if name == "episodes" and r["episode_id"] == "ep-q2b-add-h2-no_skill":
                r["error"] = EVIL
            for f in fields:
                if name != "episodes" or r["config_id"] == "q2b":
                    r[f] = f"{r[f] or ''} {EVIL}"
        (d / f"{name}.jsonl").write_text("".join(jr.dumps(r) + "\n" for r in recs))
    j = jr.RunJournal(runs, "20250102-000000-evil-0001")
    write_info(
        j.dir,
        RunInfo(run_id="20250102-000000-evil-0001", kind="eval", experiment="evil", started_at=1735776000.0, pid=None),
    )
    j.emit(RunStarted("20250102-000000-evil-0001", kind="eval", experiment="evil", t=1735776000.0))
    j.emit(LogMessage("20250102-000000-evil-0001", level="warning", message=EVIL, t=1735776001.0))
    j.emit(RunFailed("20250102-000000-evil-0001", error=EVIL, t=1735776002.0))
    j.close()


def _assert_inert(app: Any, *, expect: tuple[str, ...] = SHOWN) -> None:
    assert app.is_running
    assert app.return_code is None
    text = screen_text(app)
    for s in expect:
        assert s in text, (s, text)
    assert "\x1b" not in text
    assert "\x07" not in text
    assert not any(ch in text for ch in INVISIBLE), [ch for ch in INVISIBLE if ch in text]
    for strip in app.screen._compositor.render_strips():
        for seg in strip:
            style = seg.style
            if style is None:
                continue
            assert not style.link, style.link
            assert "app.quit" not in str(style.meta or ""), style.meta


async def test_hostile_text_is_literal_everywhere(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    _poison(runs)
    app = make_app(runs)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        # Runs: the failed run's error (detail pane)
        table = app.screen.query_one("#runs-table", SafeTable)
        table.move_cursor(row=table.get_row_index("20250102-000000-evil-0001"))
        await settle(pilot)
        _assert_inert(app, expect=("[@click=app.quit]Q[/]", "␛]8;;http://x␇L␛]8;;␇"))
        # Live: error and log lines of that run
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen.samples > 0)
        await settle(pilot)
        _assert_inert(app, expect=("[@click=app.quit]Q[/]", "␛[31mR␛[0m"))
        # Episodes: the error cell
        await pilot.press("3")
        await settle(pilot)
        scr = app.screen
        assert isinstance(scr, EpisodesScreen)
        scr.query_one("#f-config_id", Picker).value = "q2b"
        scr.query_one("#f-skill_id", Picker).value = "add"
        await settle(pilot)
        _assert_inert(app, expect=("[bold]B[/bold] [@click",))
        # Side by side: completion, prompt, skill block, rationale, extracted, gold answer
        ep_table = scr.query_one("#ep-table", SafeTable)
        ep_table.focus()
        ep_table.move_cursor(row=ep_table.get_row_index("ep-q2b-add-h1-curated"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SideBySideScreen) and app.screen.loads > 0)
        await settle(pilot)
        _assert_inert(app)
        comp = app.screen.query(".completion").first(Static)
        await pilot.click(comp, offset=(3, 1))  # clicking the would-be [@click] region does nothing
        await pilot.click(comp, offset=(20, 1))
        await settle(pilot)
        _assert_inert(app)
        await pilot.press("escape")
        # Disagreement browser: completion and both rationales
        await pilot.press("4")
        await settle(pilot)
        app.push_screen(DisagreementsScreen("extractor", "claude", "q2b"))
        await wait_for(pilot, lambda: isinstance(app.screen, DisagreementsScreen) and app.screen.loads > 0)
        await settle(pilot)
        assert app.screen.rows, "the fixture has extractor/claude disagreements on q2b"
        _assert_inert(app)
        await pilot.press("escape")
        # Query: result cells and error text
        await pilot.press("6")
        await settle(pilot)
        qs = app.screen
        qs.query_one(
            TextArea
        ).text = "SELECT error, rationale FROM episodes JOIN judgments USING (episode_id) WHERE error IS NOT NULL"
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: qs.last is not None)
        await settle(pilot)
        _assert_inert(app, expect=("[@click=app.quit]Q[/] [/ ␛[31mR␛[0m",))
        qs.query_one(
            TextArea
        ).text = "SELECT CAST(any_value(completion) AS INTEGER) FROM episodes WHERE config_id = 'q2b'"
        await pilot.press("ctrl+r")
        await settle(pilot)
        _assert_inert(app, expect=("[@click=app.quit]Q[/]",))
        await pilot.press("1")
        await settle(pilot)
        assert app.is_running


async def test_hostile_human_note_is_literal(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    write_eval_run(runs)
    app = make_app(runs)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.push_screen(DisagreementsScreen("extractor", "claude", None))
        await wait_for(pilot, lambda: isinstance(app.screen, DisagreementsScreen) and app.screen.loads > 0)
        dis = app.screen
        await pilot.press("f")
        await pilot.pause()
        app.screen.query_one("#adj-note").value = EVIL
        await pilot.press("enter")
        await wait_for(pilot, lambda: bool(dis.human))
        await settle(pilot)
        _assert_inert(app, expect=("[@click=app.quit]Q[/]",))
