"""`Picker`: a one-line choice field ("config: q2b ▾") that opens a filterable list in a dialog.

Textual's `Select` is six widgets (current value, arrows, an overlay list); with nine of them on the
Episodes screen, restyling them was the largest part of switching to it. A Picker is one widget;
its list exists only while the dialog is open. Option labels are shown literally.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from cockpit import safe

ANY = "__any__"


class PickerScreen(ModalScreen[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss_none", "Cancel")]
    DEFAULT_CSS = """
    PickerScreen { align: center middle; }
    PickerScreen > Vertical {
        width: 60; height: auto; max-height: 80%; border: thick $primary; background: $surface; padding: 0 1;
    }
    PickerScreen OptionList { height: auto; max-height: 20; }
    """

    def __init__(self, title: str, options: Sequence[tuple[str, str]], current: str | None) -> None:
        super().__init__()
        self.title_text = title
        self.options = list(options)
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(safe.text(self.title_text, "bold"))
            yield Input(placeholder="type to narrow, enter to pick", id="picker-filter")
            yield OptionList(id="picker-list")

    def on_mount(self) -> None:
        self.query_one(Input).cursor_blink = getattr(self.app, "blink", True)
        self._show("")
        self.query_one(Input).focus()

    def _show(self, needle: str) -> None:
        ol = self.query_one(OptionList)
        ol.clear_options()
        n = needle.lower()
        shown = [(label, v) for label, v in self.options if n in label.lower()]
        ol.add_options([Option(safe.text(label, one_line=True), id=v) for label, v in shown])
        if shown:
            idx = next((i for i, (_, v) in enumerate(shown) if v == self.current), 0)
            ol.highlighted = idx

    @on(Input.Changed, "#picker-filter")
    def _filter(self, event: Input.Changed) -> None:
        self._show(event.value)

    @on(Input.Submitted, "#picker-filter")
    def _submit(self, _: Input.Submitted) -> None:
        ol = self.query_one(OptionList)
        if ol.highlighted is not None and ol.option_count:
            self.dismiss(ol.get_option_at_index(ol.highlighted).id)

    @on(OptionList.OptionSelected, "#picker-list")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    _MOVES: ClassVar[dict[str, str]] = {
        "up": "cursor_up",
        "down": "cursor_down",
        "pageup": "page_up",
        "pagedown": "page_down",
    }

    def on_key(self, event: events.Key) -> None:
        """Arrow keys move the list while typing in the filter."""
        if event.key in self._MOVES and self.focused is self.query_one(Input):
            getattr(self.query_one(OptionList), f"action_{self._MOVES[event.key]}")()
            event.stop()

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class Picker(Widget, can_focus=True):
    """A labelled choice. `value` is None for "any" (when `allow_any`)."""

    DEFAULT_CSS = """
    Picker {
        height: 1; width: 1fr; padding: 0 1; margin: 0 1 0 0;
        background: $boost; color: $foreground;
        &:focus { background: $block-cursor-background; color: $block-cursor-foreground; text-style: bold; }
        &:hover { background: $boost-lighten-1; }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter,space", "open", "Pick", show=False)]

    value: reactive[str | None] = reactive(None, init=False)

    class Changed(Message):
        def __init__(self, picker: Picker, value: str | None) -> None:
            super().__init__()
            self.picker, self.value = picker, value

        @property
        def control(self) -> Picker:
            return self.picker

    def __init__(
        self,
        label: str,
        options: Sequence[tuple[str, str]] = (),
        *,
        value: str | None = None,
        allow_any: bool = True,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.label = label
        self.allow_any = allow_any
        self._options: list[tuple[str, str]] = list(options)
        self.set_reactive(Picker.value, value)

    @property
    def options(self) -> list[tuple[str, str]]:
        return list(self._options)

    def set_options(self, options: Sequence[tuple[str, str]] | Sequence[str]) -> None:
        """Options as (label, value) pairs, or plain values. The current value is kept if still offered."""
        self._options = [o if isinstance(o, tuple) else (str(o), str(o)) for o in options]
        values = {v for _, v in self._options}
        if self.value is not None and self.value not in values:
            self.set_reactive(
                Picker.value, None if self.allow_any else (self._options[0][1] if self._options else None)
            )
        self.refresh()

    def watch_value(self, old: Any, new: Any) -> None:
        self.refresh()
        self.post_message(self.Changed(self, new))

    def render(self) -> Text:
        label = next((lbl for lbl, v in self._options if v == self.value), self.value)
        t = Text(f"{self.label}: ", style="dim", no_wrap=True, overflow="ellipsis")
        t.append_text(safe.text(label if label is not None else "any", one_line=True))
        t.append(" ▾", style="dim")
        return t

    def action_open(self) -> None:
        opts = ([("any", ANY)] if self.allow_any else []) + self._options
        self.app.push_screen(PickerScreen(self.label, opts, self.value or ANY), self._picked)

    def _picked(self, choice: str | None) -> None:
        if choice is None:
            return
        self.value = None if choice == ANY else choice

    def on_click(self) -> None:
        self.action_open()
