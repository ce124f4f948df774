"""A small dialog: the human verdict (pass / fail) and an optional note for one episode."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from cockpit import safe
from cockpit.screens.base import steady


@dataclass(frozen=True)
class Adjudication:
    episode_id: str
    verdict: str
    note: str


def store_adjudication(app: Any, a: Adjudication) -> str | None:
    """Record `a` in the store and the human journal (from a worker thread); the error, or None."""
    from engine.store import human

    try:
        with app.service.cursor() as cur:
            human.adjudicate(cur, app.runs_dir, a.episode_id, a.verdict, a.note)
    except Exception as exc:  # noqa: BLE001 - shown to the person, who can adjudicate again
        return f"{type(exc).__name__}: {exc}"
    return None


class AdjudicateScreen(ModalScreen[Adjudication | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, episode_id: str, verdict: str, what: str, current: tuple[str, str | None] | None = None) -> None:
        super().__init__()
        self.episode_id = episode_id
        self.verdict = verdict
        self.what = what
        self.current = current  # (verdict, note) of the adjudication this one would revise

    def compose(self) -> ComposeResult:
        with Vertical(id="adj-dialog"):
            yield Label("Revise the human verdict" if self.current else "Human verdict")
            parts: list[str | tuple[str, str]] = [(self.what, "bold"), "\n", (f"episode {self.episode_id}", "dim")]
            if self.current:
                parts += ["\n", (f"current: {self.current[0]}", "yellow")]
                if self.current[1]:
                    parts += [("  note: ", "dim"), self.current[1]]
            yield Static(safe.join(*parts))
            yield Input(
                value=(self.current[1] or "") if self.current else "",
                placeholder="note (optional), enter to save",
                id="adj-note",
            )
            with Horizontal(id="adj-buttons"):
                yield Button("Pass", variant="success" if self.verdict == "pass" else "default", id="adj-pass")
                yield Button("Fail", variant="error" if self.verdict == "fail" else "default", id="adj-fail")
                yield Button("Cancel", id="adj-cancel")

    def on_mount(self) -> None:
        steady(self)
        self.query_one("#adj-note", Input).focus()

    def _done(self, verdict: str) -> None:
        self.dismiss(Adjudication(self.episode_id, verdict, self.query_one("#adj-note", Input).value.strip()))

    @on(Input.Submitted, "#adj-note")
    def _submitted(self, _: Input.Submitted) -> None:
        self._done(self.verdict)

    @on(Button.Pressed, "#adj-pass")
    def _pass(self) -> None:
        self._done("pass")

    @on(Button.Pressed, "#adj-fail")
    def _fail(self) -> None:
        self._done("fail")

    @on(Button.Pressed, "#adj-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
