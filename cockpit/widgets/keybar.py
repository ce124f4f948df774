"""The footer: the active key bindings as one line of text.

Textual's `Footer` recomposes a widget per key whenever bindings change (every screen switch and
focus change), and restyling those widgets was most of the cost of a screen switch. This renders
the same information (bindings with `show=True`, the command palette key on the right) as one
`Text`, and maps clicks back to the binding's action.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import events
from textual.widget import Widget


class KeyBar(Widget):
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self._spans: list[tuple[int, int, str, Any]] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _: object) -> None:
        self.refresh()

    def render(self) -> Text:
        app = self.app
        t = Text(no_wrap=True, overflow="ellipsis", end="")
        self._spans = []
        seen: set[str] = set()
        palette = None
        key_style = f"bold {app.theme_variables.get('footer-key-foreground', '')}".strip()
        for node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if binding.action == "command_palette" and app.ENABLE_COMMAND_PALETTE:
                palette = (node, binding)
                continue
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            start = len(t)
            t.append(f" {app.get_key_display(binding)} ", style=key_style if enabled else "dim")
            t.append(f"{binding.description} ", style="" if enabled else "dim")
            self._spans.append((start, len(t), binding.action, node))
        if palette is not None:
            node, binding = palette
            label = f" {app.get_key_display(binding)} palette "
            pad = max(1, self.size.width - len(t) - len(label))
            t.append(" " * pad)
            start = len(t)
            t.append(label, style=key_style)
            self._spans.append((start, len(t), binding.action, node))
        return t

    async def on_click(self, event: events.Click) -> None:
        for start, end, action, node in self._spans:
            if start <= event.x < end:
                await self.app.run_action(action, node)
                return
