"""The audit walk: the latest audit sample (`engine judge --audit N`), one episode after another, for
human adjudication. Blind by default: the machine judges' verdicts stay hidden until `v`, so they do
not steer the person. p / f opens the verdict dialog (a note is optional); after saving, the cursor
moves on to the next episode not yet adjudicated. The verdicts are the `human` judge, and each
judge's precision, recall and accuracy against them appear on the Judges screen (Human tab)."""

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


@dataclass
class AuditLoaded(Message):
    audit_id: str | None
    entries: list[Any]  # engine.store.audit.AuditEntry
    error: str | None = None


@dataclass
class AuditAdjudicated(Message):
    episode_id: str
    verdict: str
    note: str
    error: str | None = None


class AuditScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("p", "adjudicate('pass')", "Human: pass"),
        Binding("f", "adjudicate('fail')", "Human: fail"),
        Binding("n", "next_open", "Next not adjudicated"),
        Binding("v", "toggle_machine", "Show/hide judges"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.audit_id: str | None = None
        self.entries: list[Any] = []
        self.show_machine = False
        self.loads = 0

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        yield Static(id="audit-title")
        with Horizontal(id="dis-body"):
            yield SafeTable(id="audit-table")
            with Vertical(id="dis-detail"):
                with VerticalScroll(id="audit-task-box"):
                    yield Static(id="audit-task")
                with VerticalScroll(id="dis-completion-box"):
                    yield Static(id="audit-completion")
                yield Static(id="audit-verdicts")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#audit-table", SafeTable).focus()
        self.load()

    def load(self) -> None:
        self._fetch()

    @work(thread=True, exclusive=True, group="audit", exit_on_error=False)
    def _fetch(self) -> None:
        from engine.store import audit

        try:
            with cockpit_of(self).service.cursor() as cur:
                aid = audit.latest_audit(cur)
                rows = audit.entries(cur, aid) if aid else []
            self.post_message(AuditLoaded(aid, rows))
        except Exception as exc:  # noqa: BLE001
            self.post_message(AuditLoaded(None, [], f"{type(exc).__name__}: {exc}"))

    def on_audit_loaded(self, msg: AuditLoaded) -> None:
        self.audit_id, self.entries = msg.audit_id, msg.entries
        title = self.query_one("#audit-title", Static)
        if msg.error:
            title.update(safe.text(msg.error, "red"))
        elif not msg.audit_id:
            title.update(
                Text(
                    "no audit sample yet: draw one with `engine judge --audit N --seed S`, then come back here",
                    style="yellow",
                )
            )
        else:
            done = sum(1 for e in self.entries if e.human)
            title.update(
                safe.join(
                    ("audit ", "bold"),
                    (msg.audit_id, "bold cyan"),
                    f"   {done}/{len(self.entries)} adjudicated",
                    ("   p/f: verdict · n: next open · v: show/hide the judges' verdicts · escape: back", "dim"),
                )
            )
        self._fill()
        self.loads += 1

    def _fill(self, cursor: str | None = None) -> None:
        table = self.query_one("#audit-table", SafeTable)
        table.fill(
            ["#", "config", "condition", "task", "human"],
            [
                (
                    e.episode_id,
                    [
                        fmt(e.position + 1),
                        safe.cell(e.config_id, limit=20),
                        e.condition,
                        safe.cell(e.task_id, limit=28),
                        verdict(e.human) if e.human else Text("·", style="dim"),
                    ],
                )
                for e in self.entries
            ],
        )
        if cursor is not None:
            idx = next((i for i, e in enumerate(self.entries) if e.episode_id == cursor), None)
            if idx is not None:
                table.move_cursor(row=idx)
        self._show(self._current())

    def _current(self) -> Any:
        table: SafeTable[str] = self.query_one("#audit-table", SafeTable)
        key = table.current_key()
        return next((e for e in self.entries if e.episode_id == key), None)

    @on(SafeTable.RowHighlighted, "#audit-table")
    def _highlight(self, _: SafeTable.RowHighlighted) -> None:
        self._show(self._current())

    def _show(self, e: Any) -> None:
        task, comp = self.query_one("#audit-task", Static), self.query_one("#audit-completion", Static)
        ver = self.query_one("#audit-verdicts", Static)
        if e is None:
            for w in (task, comp, ver):
                w.update("")
            return
        t = safe.join(("task ", "bold"), (e.task_id, "bold"), "  ", (f"{e.config_id} · {e.condition}", "dim"), "\n")
        t.append_text(safe.text(e.prompt or "(task not in the store)"))
        t.append("\n\ngold: ", style="bold")
        t.append_text(safe.text(e.answer or "–", "green"))
        task.update(t)
        self.query_one("#dis-completion-box").border_title = safe.text(
            "completion" + (" · cut at max_tokens" if e.finish_reason == "length" else "")
        )
        comp.update(safe.text(e.completion if e.completion is not None else "(completion not in the store)"))
        v = Text()
        if e.human:
            v.append("human: ", style="bold")
            v.append_text(verdict(e.human))
            if e.note:
                v.append_text(safe.join("  note: ", (e.note, "italic")))
            v.append("  · p / f: revise", style="dim")
        else:
            v.append("not adjudicated · p: pass · f: fail", style="dim")
        v.append("\n")
        if self.show_machine:
            v.append("judges: ", style="bold")
            for i, (jid, jv) in enumerate(e.machine):
                v.append_text(safe.join(", " if i else "", (jid, "cyan"), " "))
                v.append_text(verdict(jv))
        else:
            v.append(f"judges' verdicts hidden ({len(e.machine)}): v shows them", style="dim")
        ver.update(v)

    def action_toggle_machine(self) -> None:
        self.show_machine = not self.show_machine
        self._show(self._current())

    def action_next_open(self) -> None:
        cur = self._current()
        start = self.entries.index(cur) + 1 if cur in self.entries else 0
        order = self.entries[start:] + self.entries[:start]
        nxt = next((e for e in order if not e.human), None)
        if nxt is None:
            self.notify("every episode of this audit is adjudicated", markup=False)
            return
        self._fill(cursor=nxt.episode_id)

    def action_adjudicate(self, verdict_: str) -> None:
        e = self._current()
        if e is None:
            return
        current = (e.human, e.note) if e.human else None
        self.app.push_screen(
            AdjudicateScreen(e.episode_id, verdict_, f"{e.config_id} · {e.task_id} · {e.condition}", current),
            self._save,
        )

    def _save(self, result: Adjudication | None) -> None:
        if result is not None:
            self._write(result)

    @work(thread=True, group="adjudicate", exit_on_error=False)
    def _write(self, a: Adjudication) -> None:
        self.post_message(AuditAdjudicated(a.episode_id, a.verdict, a.note, store_adjudication(self.app, a)))

    def on_audit_adjudicated(self, msg: AuditAdjudicated) -> None:
        from dataclasses import replace

        app: Any = self.app
        if msg.error:
            app.notify_error("adjudication", msg.error)
            return
        app.after_adjudication()
        self.entries = [
            replace(e, human=msg.verdict, note=msg.note or None) if e.episode_id == msg.episode_id else e
            for e in self.entries
        ]
        done = sum(1 for e in self.entries if e.human)
        self.notify(f"human verdict '{msg.verdict}' recorded ({done}/{len(self.entries)})", markup=False)
        self.on_audit_loaded(AuditLoaded(self.audit_id, self.entries))
        self._fill(cursor=msg.episode_id)
        self.action_next_open()  # walk on
