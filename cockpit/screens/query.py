"""Query: ad-hoc read-only SQL over the store, for the question no panel answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Static, TextArea

from cockpit import safe
from cockpit.screens.base import CockpitScreen, ms
from cockpit.services import sql
from cockpit.widgets.table import SafeTable, value

EXAMPLE = (
    "-- read-only SQL over the store (tables: ? for help). ctrl+r or f5 runs, escape leaves the editor\n"
    "SELECT config_id, condition, judge_id, count(*) AS n, avg((verdict = 'pass')::INT) AS pass_rate\n"
    "FROM judgments WHERE verdict IN ('pass', 'fail') GROUP BY ALL ORDER BY ALL"
)


@dataclass
class QueryDone(Message):
    result: sql.QueryResult | None
    error: str | None = None


class QueryScreen(CockpitScreen):
    watches = ()
    BINDINGS = [
        Binding("ctrl+r,f5", "run_query", "Run query", priority=True),
        Binding("escape", "leave_editor", "Leave editor", show=False),
        Binding("e", "edit", "Edit SQL"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._cursor: Any = None
        self.last: sql.QueryResult | None = None

    def compose_body(self) -> ComposeResult:
        yield TextArea(EXAMPLE, language=None, id="query-editor", soft_wrap=True, show_line_numbers=False)
        yield Static(
            Text(
                "e: edit · ctrl+r / f5: run · escape: leave the editor · read-only (SELECT, WITH, "
                "DESCRIBE, SHOW, PRAGMA, EXPLAIN)",
                style="dim",
            ),
            id="query-status",
        )
        yield SafeTable(id="query-table", cursor_type="cell")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#query-table", SafeTable).focus()  # screen keys work; e (or a click) edits the SQL

    def action_edit(self) -> None:
        self.query_one("#query-editor", TextArea).focus()

    def action_leave_editor(self) -> None:
        if self._cursor is not None:  # a running query: interrupt it
            try:
                self._cursor.interrupt()
            except Exception:  # noqa: BLE001
                pass
            return
        self.query_one("#query-table", SafeTable).focus()

    def action_run_query(self) -> None:
        text = self.query_one("#query-editor", TextArea).text
        lines = [ln for ln in text.splitlines() if not ln.strip().startswith("--")]
        self.query_one("#query-status", Static).update(Text("running…", style="cyan"))
        self._run("\n".join(lines))

    @work(thread=True, exclusive=True, group="query", exit_on_error=False)
    def _run(self, text: str) -> None:
        try:
            sql.check(text)
            cur = self.cockpit.service.fresh_cursor()
        except Exception as exc:  # noqa: BLE001 - shown inline
            self.post_message(QueryDone(None, str(exc)))
            return
        self._cursor = cur
        try:
            self.post_message(QueryDone(sql.run(cur, text)))
        except Exception as exc:  # noqa: BLE001 - DuckDB errors are shown inline, literally
            self.post_message(QueryDone(None, f"{type(exc).__name__}: {exc}"))
        finally:
            self._cursor = None
            try:
                cur.close()
            except Exception:  # noqa: BLE001
                pass

    def on_query_done(self, msg: QueryDone) -> None:
        status = self.query_one("#query-status", Static)
        table = self.query_one("#query-table", SafeTable)
        if msg.result is None:
            status.update(safe.text(msg.error or "error", "red"))
            self.loaded()
            return
        r = msg.result
        self.last = r
        cols = list(r.columns) or ["(no columns)"]
        table.fill(cols, [(str(i), [value(v) for v in row]) for i, row in enumerate(r.rows)])
        more = f" (first {len(r.rows):,} shown)" if r.truncated else ""
        status.update(Text(f"{len(r.rows):,} rows{more}{ms(self, r.seconds)}", style="green"))
        table.focus()
        self.loaded()
