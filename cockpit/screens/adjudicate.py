"""A small dialog: the human verdict (pass / fail) and an optional note for one episode."""

from __future__ import annotations

from dataclasses import dataclass

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


class AdjudicateScreen(ModalScreen[Adjudication | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, episode_id: str, verdict: str, what: str) -> None:
        super().__init__()
        self.episode_id = episode_id
        self.verdict = verdict
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical(id="adj-dialog"):
            yield Label("Human verdict")
            yield Static(safe.join((self.what, "bold"), "\n", (f"episode {self.episode_id}", "dim")))
            yield Input(placeholder="note (optional), enter to save", id="adj-note")
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
