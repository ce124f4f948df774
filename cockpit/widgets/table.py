"""`SafeTable`: a row table on Textual's Line API, holding literal cells only.

Why not `DataTable`: its cell cache is keyed by focus state and an update counter, so every screen
switch (focus leaves, focus returns) re-rendered every visible cell through Rich, and that was most
of a switch's cost. Here a row is turned into segments once per fill and kept as a `Strip`; a
repaint only crops cached strips. Cells are `Text` (str values are wrapped literally, never parsed
as markup); widths are computed from the content at fill time.

Row keys are typed: any hashable value (a str, a tuple, a small frozen dataclass) given to `fill`
comes back unchanged from `current_key` and the messages' `row_key`, so a screen never encodes
fields into a string and splits them apart again. Equal keys may repeat: each row is identified
internally by (key, occurrence), which keeps the cursor on the same duplicate across a refill.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Any, ClassVar, Generic, TypeVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from cockpit import safe

Cell = Any
K = TypeVar("K", bound=Hashable)
MAX_WIDTH = 80
PAD = 1


def fmt(value: Any, digits: int = 3, *, signed: bool = False, pct: bool = False) -> Text:
    """A number (or None) as a right-aligned literal cell."""
    if value is None:
        return Text("–", style="dim", justify="right")
    if isinstance(value, bool):
        return Text(str(value), justify="right")
    if isinstance(value, int):
        return Text(f"{value:,}", justify="right")
    if isinstance(value, float):
        if pct:
            return Text(f"{value * 100:.{max(0, digits - 2)}f}%", justify="right")
        return Text(f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}", justify="right")
    return safe.cell(value)


def ci(lo: float | None, hi: float | None) -> Text:
    """A confidence interval cell."""
    if lo is None or hi is None:
        return Text("–", style="dim", justify="right")
    return Text(f"[{lo:+.3f}, {hi:+.3f}]", justify="right")


def value(v: Any) -> Text:
    """Any SQL value as a literal cell (NULL shown as such)."""
    if v is None:
        return Text("NULL", style="dim italic")
    if isinstance(v, bool):
        return Text(str(v).lower())
    if isinstance(v, int | float):
        return Text(f"{v:.6g}" if isinstance(v, float) else str(v), justify="right")
    return safe.cell(v, limit=120)


VERDICT_STYLE = {
    "pass": "green",
    "fail": "red",
    "error": "yellow",
    "abstain": "cyan",
    "running": "cyan",
    "finished": "green",
    "failed": "red",
    "cancelled": "yellow",
    "interrupted": "magenta",
    "starting": "cyan",
}


MARKS = {"pass": ("✓", "green"), "fail": ("✗", "red"), "error": ("!", "bold yellow"), "abstain": ("?", "bold cyan")}


def marks(verdicts: dict[str, str] | None, judges: list[str]) -> Text:
    """One compact mark per judge, in `judges` order: ✓ pass, ✗ fail, ! error, ? abstain, · not judged
    (… loading)."""
    if verdicts is None:
        return Text("…", style="dim")
    t = Text(end="")
    for i, j in enumerate(judges):
        if i:
            t.append(" ")
        mark, style = MARKS.get(verdicts.get(j) or "", ("·", "dim"))
        t.append(mark, style=style)
    return t


def latency(seconds: float | None, kind: str | None) -> Text:
    """A latency cell: a request's own latency plain; a whole batch's marked `b` and dimmed."""
    if seconds is None:
        return Text("–", style="dim", justify="right")
    if kind == "batch":
        return Text(f"{seconds:.2f} b", style="dim", justify="right")
    return Text(f"{seconds:.2f}", justify="right")


NOT_FINDING = "†"  # a Δ or lift under a judge that does not discriminate: shown greyed, not a finding


def marked(cell: Text, finding: bool) -> Text:
    """A number cell with the not-a-finding mark appended when `finding` is false."""
    if finding:
        return cell
    out = cell.copy()
    out.append(f" {NOT_FINDING}", style="yellow")
    return out


def greyed(finding: bool, cells: list[Any]) -> list[Any]:
    """A row's cells, dimmed when the row is not a finding (plain strings become literal dim cells)."""
    if finding:
        return cells
    out: list[Any] = []
    for c in cells:
        t = c.copy() if isinstance(c, Text) else safe.cell(c)
        t.stylize("dim")
        out.append(t)
    return out


def verdict(v: str | None) -> Text:
    if v is None:
        return Text("·", style="dim")
    return safe.cell(v, VERDICT_STYLE.get(v, ""))


def _segments(cell: Text, console: Any) -> list[Segment]:
    """A cell's segments; one style and no spans (most cells) skips Rich's span machinery."""
    if not cell.spans:
        raw = cell.style
        style: Style | None = (Style.parse(raw) if raw else None) if isinstance(raw, str) else raw
        return [Segment(cell.plain, style or None)]
    return [seg for seg in cell.render(console) if seg.text != "\n"]


class SafeTable(ScrollView, Generic[K], can_focus=True):
    """Rows are `(key, cells)` with typed keys (K); a cursor row; enter (or a click on the cursor row)
    selects. Annotate where a screen reads keys: `t: SafeTable[tuple[str, str]] = self.query_one(...)`."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"safe-table--header", "safe-table--cursor", "safe-table--even"}
    DEFAULT_CSS = """
    SafeTable {
        height: 1fr;
        background: $surface;
        color: $foreground;
        & > .safe-table--header { text-style: bold; background: $panel; color: $foreground; }
        & > .safe-table--even { background: $surface-lighten-1 50%; }
        & > .safe-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
        }
        &:focus > .safe-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        &:dark > .safe-table--even { background: $surface-darken-1 40%; }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "edge(0)", "First", show=False),
        Binding("end", "edge(1)", "Last", show=False),
        Binding("left", "scroll_left", "Left", show=False),
        Binding("right", "scroll_right", "Right", show=False),
        Binding("enter", "select", "Select", show=False),
    ]

    cursor_row: reactive[int] = reactive(0, always_update=False, init=False)

    class RowHighlighted(Message):
        def __init__(self, table: SafeTable[Any], cursor_row: int, row_key: Hashable | None) -> None:
            super().__init__()
            self.table, self.cursor_row, self.row_key = table, cursor_row, row_key

        @property
        def control(self) -> SafeTable[Any]:
            return self.table

    class RowSelected(RowHighlighted):
        pass

    def __init__(self, *, id: str | None = None, classes: str | None = None, cursor_type: str = "row") -> None:
        super().__init__(id=id, classes=classes)
        self._columns: list[str] = []
        self._widths: list[int] = []
        self._keys: list[K] = []  # each row's key as given
        self._ids: list[tuple[K, int]] = []  # each row's (key, occurrence among equal keys): unique
        self._cells: list[list[Text]] = []
        self._index: dict[tuple[K, int], int] = {}
        self._sig: tuple[Any, ...] | None = None
        self._strips: dict[tuple[int, int], Strip] = {}  # (row, kind) -> full-width strip; row -1: header
        self._last_highlight: tuple[int, K | None] | None = None
        self._style_cache: dict[str, Style] | None = None

    # -- data ----------------------------------------------------------------------------------------
    @property
    def row_count(self) -> int:
        return len(self._keys)

    @property
    def columns(self) -> list[str]:
        return list(self._columns)

    def get_row_at(self, index: int) -> list[Text]:
        return list(self._cells[index])

    def get_row_index(self, key: K, occurrence: int = 0) -> int:
        """The row of `key` (its `occurrence`-th row when the key repeats); KeyError when absent."""
        return self._index[(key, occurrence)]

    def current_key(self) -> K | None:
        if not self._keys:
            return None
        return self._keys[min(self.cursor_row, len(self._keys) - 1)]

    def _current_id(self) -> tuple[K, int] | None:
        return self._ids[min(self.cursor_row, len(self._ids) - 1)] if self._ids else None

    def fill(self, columns: Sequence[str], rows: Iterable[tuple[K, Sequence[Cell]]]) -> None:
        """Replace every row, keeping the cursor on the same key when it is still there (no-op when
        nothing changed, so a periodic refresh costs nothing)."""
        cooked = [(k, [c if isinstance(c, Text) else safe.cell(c) for c in cells]) for k, cells in rows]
        sig = (tuple(columns), tuple((k, tuple(c.plain for c in cells)) for k, cells in cooked))
        if sig == self._sig:
            return
        self._sig = sig
        old_id = self._current_id()
        old_row = self.cursor_row
        widths = [cell_len(c) for c in columns]
        for _, cells in cooked:
            for i, c in enumerate(cells[: len(widths)]):
                widths[i] = max(widths[i], max((cell_len(line) for line in c.plain.split("\n")), default=0))
        self._columns = list(columns)
        self._widths = [min(w, MAX_WIDTH) for w in widths]
        self._keys, self._ids, self._cells, self._index = [], [], [], {}
        seen: dict[K, int] = {}
        for k, cells in cooked:
            n = seen.get(k, 0)  # a repeated key: its n-th row
            seen[k] = n + 1
            self._index[(k, n)] = len(self._keys)
            self._keys.append(k)
            self._ids.append((k, n))
            self._cells.append(cells)
        self._strips.clear()
        self.virtual_size = Size(sum(w + 2 * PAD for w in self._widths), len(self._keys) + 1)
        target = min(old_row, max(0, len(self._keys) - 1))
        if old_id is not None and old_id in self._index:
            target = self._index[old_id]
        self.set_reactive(SafeTable.cursor_row, target)
        self._scroll_to_cursor()
        self.refresh()
        self._highlight()

    def clear(self) -> None:
        self.fill(self._columns, [])

    # -- cursor ------------------------------------------------------------------------------------------
    def move_cursor(self, *, row: int, animate: bool = False) -> None:
        self.cursor_row = max(0, min(row, len(self._keys) - 1))

    def watch_cursor_row(self, old: int, new: int) -> None:
        self._strips.pop((old, 1), None)
        self._strips.pop((new, 1), None)
        self._scroll_to_cursor()
        self.refresh()
        self._highlight()

    def _highlight(self) -> None:
        if not self._keys:
            self._last_highlight = None
            return
        state = (self.cursor_row, self.current_key())
        if state != self._last_highlight:
            self._last_highlight = state
            self.post_message(self.RowHighlighted(self, *state))

    def _scroll_to_cursor(self) -> None:
        body = max(1, self.scrollable_content_region.height - 1)
        y = int(self.scroll_y)
        if self.cursor_row < y:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= y + body:
            self.scroll_to(y=self.cursor_row - body + 1, animate=False, immediate=True)

    def action_cursor(self, step: int) -> None:
        self.move_cursor(row=self.cursor_row + step)

    def action_page(self, step: int) -> None:
        self.move_cursor(row=self.cursor_row + step * max(1, self.scrollable_content_region.height - 2))

    def action_edge(self, end: int) -> None:
        self.move_cursor(row=len(self._keys) - 1 if end else 0)

    def action_select(self) -> None:
        if self._keys:
            self.post_message(self.RowSelected(self, self.cursor_row, self.current_key()))

    def on_click(self, event: events.Click) -> None:
        row = int(self.scroll_y) + event.y - 1
        if event.y < 1 or not 0 <= row < len(self._keys):
            return
        if row == self.cursor_row or event.chain > 1:
            self.action_select()
        else:
            self.move_cursor(row=row)

    # -- rendering -------------------------------------------------------------------------------------
    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()
        self._style_cache = None

    def _styles(self) -> dict[str, Style]:
        """Row styles, resolved once per style change (`rich_style` walks the DOM: slow per line)."""
        if self._style_cache is None:
            base = self.rich_style
            cursor = self.get_component_rich_style("safe-table--cursor")
            self._style_cache = {
                "base": base,
                "header": base + self.get_component_rich_style("safe-table--header"),
                "even": base + self.get_component_rich_style("safe-table--even"),
                "cursor": Style(bgcolor=cursor.bgcolor, color=cursor.color, bold=cursor.bold),
            }
        return self._style_cache

    def _row_strip(self, row: int, kind: int) -> Strip:
        """kind: 0 plain, 1 cursor, 2 header."""
        cached = self._strips.get((row, kind))
        if cached is not None:
            return cached
        console = self.app.console
        styles = self._styles()
        if kind == 2:
            cells: list[Text] = [safe.text(c, one_line=True) for c in self._columns]
            row_style = styles["header"]
        else:
            cells = self._cells[row]
            row_style = styles["even"] if row % 2 == 0 else styles["base"]
        post = styles["cursor"] if kind == 1 else None
        pad_style = row_style + post if post is not None else row_style
        line: list[Segment] = []
        for i, w in enumerate(self._widths):
            cell = cells[i] if i < len(cells) else Text("")
            n = cell_len(cell.plain)
            if n > w:
                cell = cell.copy()
                cell.truncate(w, overflow="ellipsis")
                n = w
            pad = w - n
            left = pad if cell.justify == "right" and kind != 2 else 0
            line.append(Segment(" " * (PAD + left), pad_style))
            for seg in _segments(cell, console):
                st = row_style + seg.style if seg.style is not None else row_style
                line.append(Segment(seg.text, st + post if post is not None else st))
            line.append(Segment(" " * (PAD + pad - left), pad_style))
        strip = Strip(Segment.simplify(line))  # fewer segments: less work in every filter pass
        self._strips[(row, kind)] = strip
        return strip

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        base = self._styles()["base"]
        if y == 0:
            strip = self._row_strip(-1, 2) if self._columns else Strip.blank(width, base)
        else:
            row = scroll_y + y - 1
            if not 0 <= row < len(self._keys):
                return Strip.blank(width, base)
            strip = self._row_strip(row, 1 if row == self.cursor_row else 0)
        return strip.crop(scroll_x, scroll_x + width).extend_cell_length(width, base)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._keys) + 1
