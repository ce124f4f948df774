"""What every main screen shares: header and footer, and reloading when the store changes.

A screen reloads its data when the store version moves while it is shown; a screen in the
background only marks itself stale and reloads when it is shown again, so a streaming run costs
the screens nobody looks at nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Header

from cockpit.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from cockpit.app import CockpitApp


def steady(screen: Screen[Any]) -> None:
    """Apply the app's cursor-blink setting to the inputs of a screen (snapshots need no blink)."""
    blink = getattr(screen.app, "blink", True)
    for w in screen.query("Input, TextArea"):
        w.cursor_blink = blink  # type: ignore[attr-defined]


def ms(screen: Screen[Any], seconds: float) -> str:
    """A timing for a status line, or nothing when the app hides timings (snapshots)."""
    return f" · {seconds * 1000:.0f} ms" if getattr(screen.app, "timings", True) else ""


def cockpit_of(screen: Screen[Any]) -> CockpitApp:
    """The app behind any screen, typed: the one way screens reach the cockpit's service and state."""
    return cast("CockpitApp", screen.app)


class CockpitScreen(Screen[None]):
    watches: tuple[str, ...] = ("store_version",)  # app reactives that make this screen stale

    def __init__(self) -> None:
        super().__init__()
        self._stale = True
        self.loads = 0  # completed reloads (tests and benchmarks wait on this)

    @property
    def cockpit(self) -> CockpitApp:
        return cockpit_of(self)

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="◆")
        yield from self.compose_body()
        yield KeyBar()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        steady(self)
        for name in self.watches:
            self.watch(self.app, name, self._app_changed, init=False)
        self.call_after_refresh(self._maybe_reload)

    def _app_changed(self, *_: Any) -> None:
        self._stale = True
        if self.is_current:
            self._maybe_reload()

    def on_screen_resume(self) -> None:
        self._maybe_reload()

    def _maybe_reload(self) -> None:
        if self._stale and self.is_mounted:
            self._stale = False
            self.reload()

    def reload(self) -> None:
        """Start the workers that fetch this screen's data (never block here)."""

    def loaded(self) -> None:
        self.loads += 1
