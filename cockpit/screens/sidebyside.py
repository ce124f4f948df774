"""One task side by side: no skill vs curated for a config, or base vs SFT for a condition."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Header, Static

from cockpit import safe
from cockpit.screens.base import cockpit_of
from cockpit.viewmodels import queries
from cockpit.widgets.episode import EpisodePane
from cockpit.widgets.keybar import KeyBar


@dataclass
class PairLoaded(Message):
    pair: queries.Pair | None
    error: str | None = None


class SideBySideScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("m", "toggle_mode", "No skill/curated ⇄ base/SFT"),
    ]

    def __init__(self, episode_id: str, mode: str = "conditions") -> None:
        super().__init__()
        self.episode_id = episode_id
        self.mode = mode
        self.pair: queries.Pair | None = None
        self.loads = 0

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        yield Static(Text("loading…", style="dim"), id="sbs-title")
        yield Horizontal(id="sbs-panes")
        yield KeyBar()

    def on_mount(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="sbs", exit_on_error=False)
    def _load(self) -> None:
        try:
            with cockpit_of(self).service.cursor() as cur:
                self.post_message(PairLoaded(queries.pair(cur, self.episode_id, self.mode)))
        except Exception as exc:  # noqa: BLE001
            self.post_message(PairLoaded(None, f"{type(exc).__name__}: {exc}"))

    async def on_pair_loaded(self, msg: PairLoaded) -> None:
        self.pair = msg.pair
        title = self.query_one("#sbs-title", Static)
        panes = self.query_one("#sbs-panes", Horizontal)
        await panes.remove_children()
        if msg.pair is None:
            title.update(safe.text(msg.error or f"episode {self.episode_id} is not in the store", "red"))
        else:
            p = msg.pair
            what = "no skill vs curated" if p.mode == "conditions" else "base vs SFT"
            shown = p.left or p.right
            task = shown.task_id if shown is not None else "?"
            title.update(
                safe.join(
                    (f"{what}", "bold"),
                    "  task ",
                    (task, "bold cyan"),
                    ("   m: switch comparison · escape: back", "dim"),
                )
            )
            await panes.mount(
                EpisodePane(p.left, p.left_title, id="sbs-left"), EpisodePane(p.right, p.right_title, id="sbs-right")
            )
        self.loads += 1

    def action_toggle_mode(self) -> None:
        self.mode = "sft" if self.mode == "conditions" else "conditions"
        self._load()
