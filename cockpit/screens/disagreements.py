"""The disagreement browser: episodes where two judges differ, the completion and both rationales
side by side; adjudicate with p / f (a note is optional), stored as the `human` judge; p / f on an
adjudicated episode revises it (the latest verdict counts, the journal keeps every revision)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Header, Static

from cockpit import safe
from cockpit.screens.adjudicate import AdjudicateScreen, Adjudication, store_adjudication
from cockpit.screens.base import cockpit_of
from cockpit.widgets.keybar import KeyBar
from cockpit.widgets.table import SafeTable, fmt, verdict

PAGE = 200


@dataclass
class DisagreementsLoaded(Message):
    rows: list[Any]  # engine.analysis.agreement.Disagreement
    total: int
    human: dict[str, tuple[str, str | None]]
    error: str | None = None


@dataclass
class Adjudicated(Message):
    episode_id: str
    verdict: str
    note: str
    error: str | None = None


class DisagreementsScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("p", "adjudicate('pass')", "Human: pass"),
        Binding("f", "adjudicate('fail')", "Human: fail"),
        Binding("right_square_bracket", "page(1)", "Next page", key_display="]"),
        Binding("left_square_bracket", "page(-1)", "Prev page", key_display="["),
    ]

    def __init__(self, judge_a: str, judge_b: str, config: str | None) -> None:
        super().__init__()
        self.judge_a, self.judge_b, self.config = judge_a, judge_b, config
        self.page_offset = 0
        self.rows: list[Any] = []
        self.total = 0
        self.human: dict[str, tuple[str, str | None]] = {}
        self.loads = 0

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        yield Static(id="dis-title")
        with Horizontal(id="dis-body"):
            yield SafeTable(id="dis-table")
            with Vertical(id="dis-detail"):
                with VerticalScroll(id="dis-completion-box"):
                    yield Static(id="dis-completion")
                with Horizontal(id="dis-rationales"):
                    with VerticalScroll(classes="rationale"):
                        yield Static(id="dis-rationale-a")
                    with VerticalScroll(classes="rationale"):
                        yield Static(id="dis-rationale-b")
                yield Static(id="dis-human")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#dis-table", SafeTable).focus()
        self.load()

    def load(self) -> None:
        self._fetch(self.page_offset)

    @work(thread=True, exclusive=True, group="disagreements", exit_on_error=False)
    def _fetch(self, offset: int) -> None:
        from engine.analysis import count_disagreements, disagreements

        try:
            with cockpit_of(self).service.cursor() as cur:
                rows = disagreements(cur, self.judge_a, self.judge_b, config_id=self.config, limit=PAGE, offset=offset)
                total = count_disagreements(cur, self.judge_a, self.judge_b, config_id=self.config)
                ids = [r.episode_id for r in rows]
                human = (
                    {
                        e: (v, n)
                        for e, v, n in cur.execute(
                            "SELECT episode_id, verdict, rationale FROM judgments WHERE judge_id = 'human' "
                            "AND episode_id IN (SELECT unnest(?::VARCHAR[]))",
                            [ids],
                        ).fetchall()
                    }
                    if ids
                    else {}
                )
            self.post_message(DisagreementsLoaded(rows, total, human))
        except Exception as exc:  # noqa: BLE001
            self.post_message(DisagreementsLoaded([], 0, {}, f"{type(exc).__name__}: {exc}"))

    def on_disagreements_loaded(self, msg: DisagreementsLoaded) -> None:
        self.rows, self.total, self.human = msg.rows, msg.total, msg.human
        title = self.query_one("#dis-title", Static)
        if msg.error:
            title.update(safe.text(msg.error, "red"))
        else:
            title.update(
                safe.join(
                    ("disagreements ", "bold"),
                    (self.judge_a, "bold cyan"),
                    " vs ",
                    (self.judge_b, "bold cyan"),
                    " on ",
                    (self.config or "all configs", "bold"),
                    f"   {self.page_offset + 1 if self.rows else 0}–{self.page_offset + len(self.rows)}"
                    f" of {self.total:,}",
                    ("   p/f: adjudicate (human judge) · [ ]: page · escape: back", "dim"),
                )
            )
        self.query_one("#dis-table", SafeTable).fill(
            ["config", "task", "condition", "sample", self.judge_a, self.judge_b, "human"],
            [
                (
                    r.episode_id,
                    [
                        r.config_id,
                        r.task_id,
                        r.condition,
                        fmt(r.sample),
                        verdict(r.verdict_a),
                        verdict(r.verdict_b),
                        verdict(self.human[r.episode_id][0]) if r.episode_id in self.human else Text("·", style="dim"),
                    ],
                )
                for r in self.rows
            ],
        )
        self._show(self._current())
        self.loads += 1

    def _current(self) -> Any:
        key = self.query_one("#dis-table", SafeTable).current_key()
        return next((r for r in self.rows if r.episode_id == key), None)

    @on(SafeTable.RowHighlighted, "#dis-table")
    def _highlight(self, _: SafeTable.RowHighlighted) -> None:
        self._show(self._current())

    def _show(self, r: Any) -> None:
        comp = self.query_one("#dis-completion", Static)
        ra, rb = self.query_one("#dis-rationale-a", Static), self.query_one("#dis-rationale-b", Static)
        hum = self.query_one("#dis-human", Static)
        if r is None:
            for w in (comp, ra, rb, hum):
                w.update("")
            return
        self.query_one("#dis-completion-box").border_title = safe.text(f"completion · {r.task_id} · {r.condition}")
        comp.update(safe.text(r.completion if r.completion is not None else "(completion not in the store)"))
        for w, judge, v, rat, ext in (
            (ra, self.judge_a, r.verdict_a, r.rationale_a, r.extracted_a),
            (rb, self.judge_b, r.verdict_b, r.rationale_b, r.extracted_b),
        ):
            t = safe.join((judge, "bold"), ": ")
            t.append_text(verdict(v))
            if ext:
                t.append_text(safe.join("  extracted: ", (ext, "italic")))
            t.append("\n")
            t.append_text(safe.text(rat or "(no rationale)", "dim"))
            w.update(t)
        h = self.human.get(r.episode_id)
        if h is None:
            hum.update(Text("not adjudicated · p: pass · f: fail", style="dim"))
        else:
            t = Text("human: ", style="bold")
            t.append_text(verdict(h[0]))
            if h[1]:
                t.append_text(safe.join("  note: ", (h[1], "italic")))
            t.append("  · p / f: revise", style="dim")
            hum.update(t)

    def action_page(self, step: int) -> None:
        new = self.page_offset + step * PAGE
        if new < 0 or new >= max(self.total, 1):
            return
        self.page_offset = new
        self.load()

    def action_adjudicate(self, verdict_: str) -> None:
        r = self._current()
        if r is None:
            return
        current = self.human.get(r.episode_id)  # adjudicated already: this revises it
        self.app.push_screen(
            AdjudicateScreen(r.episode_id, verdict_, f"{r.config_id} · {r.task_id} · {r.condition}", current),
            self._save,
        )

    def _save(self, result: Adjudication | None) -> None:
        if result is not None:
            self._write(result)

    @work(thread=True, group="adjudicate", exit_on_error=False)
    def _write(self, a: Adjudication) -> None:
        self.post_message(Adjudicated(a.episode_id, a.verdict, a.note, store_adjudication(self.app, a)))

    def on_adjudicated(self, msg: Adjudicated) -> None:
        app: Any = self.app
        if msg.error:
            app.notify_error("adjudication", msg.error)
            return
        what = "revised to" if msg.episode_id in self.human else "recorded:"
        self.notify(f"human verdict {what} '{msg.verdict}'; κ updates after the next ingest", markup=False)
        app.after_adjudication()
        self.human[msg.episode_id] = (msg.verdict, msg.note or None)
        self.on_disagreements_loaded(DisagreementsLoaded(self.rows, self.total, self.human))
