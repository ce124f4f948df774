"""SafeTable's typed row keys: a selection gives back the key the screen filled the row with (a tuple,
a frozen dataclass), never a string to split; equal keys repeat and the cursor stays on the same one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.app import App, ComposeResult

from cockpit.screens.disagreements import DisagreementsScreen
from cockpit.screens.judges import JudgesScreen
from cockpit.widgets.table import SafeTable
from tests.cockpit.conftest import SIZE, make_app, ready, settle, wait_for


@dataclass(frozen=True)
class PairKey:
    config: str
    judge_a: str
    judge_b: str


class TableApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.selected: list[object] = []
        self.highlighted: list[object] = []

    def compose(self) -> ComposeResult:
        yield SafeTable[PairKey](id="t")

    def on_safe_table_row_selected(self, event: SafeTable.RowSelected) -> None:
        self.selected.append(event.row_key)

    def on_safe_table_row_highlighted(self, event: SafeTable.RowHighlighted) -> None:
        self.highlighted.append(event.row_key)


# judge ids with the characters the old string keys split on
A = PairKey("q|0.8b", "extractor#1", "lenient")
B = PairKey("q|0.8b", "extractor#1", "llm|strict")


async def test_a_selection_returns_the_typed_key() -> None:
    app = TableApp()
    async with app.run_test(size=(80, 12)) as pilot:
        table: SafeTable[PairKey] = app.query_one("#t", SafeTable)
        table.fill(["config", "a", "b"], [(A, [A.config, A.judge_a, A.judge_b]), (B, [B.config, B.judge_a, B.judge_b])])
        table.focus()
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.selected == [B]
        assert isinstance(app.selected[0], PairKey)
        assert table.current_key() == B
        assert app.highlighted[-1] == B
        assert table.get_row_index(A) == 0 and table.get_row_index(B) == 1


async def test_repeated_keys_come_back_whole_and_keep_the_cursor() -> None:
    app = TableApp()
    async with app.run_test(size=(80, 12)) as pilot:
        table: SafeTable[tuple[str, str]] = app.query_one("#t", SafeTable)
        rows = [(("run-1", "x"), ["first"]), (("run-1", "x"), ["second"]), (("run-2", "y"), ["third"])]
        table.fill(["what"], rows)
        table.focus()
        await pilot.press("down")
        await pilot.pause()
        assert table.current_key() == ("run-1", "x")  # the duplicate: its own key, no "#1" suffix
        assert table.get_row_index(("run-1", "x"), 1) == 1
        table.fill(["what"], [(("run-0", "z"), ["new"]), *rows])  # a refill: the cursor follows the row
        assert table.cursor_row == 2
        assert table.get_row_at(table.cursor_row)[0].plain == "second"
        await pilot.press("enter")
        await pilot.pause()
        assert app.selected == [("run-1", "x")]


async def test_judges_summary_selection_opens_the_typed_pair(fixture_runs: Path) -> None:
    app = make_app(fixture_runs)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("4")
        await settle(pilot)
        assert isinstance(app.screen, JudgesScreen)
        summary: SafeTable[tuple[str, str]] = app.screen.query_one("#judges-summary", SafeTable)
        key = summary.current_key()
        assert isinstance(key, tuple) and len(key) == 2
        summary.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DisagreementsScreen))
        assert (app.screen.judge_a, app.screen.judge_b) == key
