"""Episodes: filter by run, config, skill, condition and any judge's verdict; the flips list; open a
task side by side (no skill vs curated, or base vs SFT)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Static, TabbedContent, TabPane

from cockpit import safe
from cockpit.screens.base import CockpitScreen
from cockpit.screens.sidebyside import SideBySideScreen
from cockpit.viewmodels import queries
from cockpit.viewmodels.queries import EpisodeFilter, EpisodeRow, FlipRow, Options
from cockpit.widgets.picker import Picker
from cockpit.widgets.table import MARKS, SafeTable, fmt, latency, marks, verdict

FILTERS = ("run_id", "config_id", "skill_id", "condition", "judge_id", "verdict")
LABELS = {
    "run_id": "run",
    "config_id": "config",
    "skill_id": "skill",
    "condition": "condition",
    "judge_id": "judge",
    "verdict": "verdict",
}


@dataclass
class PageLoaded(Message):
    seq: int
    rows: list[EpisodeRow]
    final: bool  # details (verdicts) included


@dataclass
class CountLoaded(Message):
    seq: int
    n: int


@dataclass
class FlipsLoaded(Message):
    seq: int
    rows: list[FlipRow]
    left: str
    right: str
    error: str | None = None


class EpisodesScreen(CockpitScreen):
    watches = ("store_version", "options")
    BINDINGS = [
        Binding("enter", "open('conditions')", "Side by side"),
        Binding("b", "open('sft')", "Base vs SFT"),
        Binding("x", "clear_filters", "Clear filters"),
        Binding("right_square_bracket", "page(1)", "Next page", key_display="]"),
        Binding("left_square_bracket", "page(-1)", "Prev page", key_display="["),
        Binding("t", "toggle_tab", "Episodes/Flips"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filter = EpisodeFilter()
        self.page_offset = 0
        self._seq = 0
        self._painted = 0  # seq of the page on screen (benchmarks wait on it)
        self._flip_seq = 0
        self._options: Options | None = None
        self.rows: list[EpisodeRow] = []
        self.judges: list[str] = []  # the order of the verdict marks
        self.total: int | None = None

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="ep-filters"):
            for f in FILTERS:
                yield Picker(LABELS[f], id=f"f-{f}", classes="filter")
        with TabbedContent(id="ep-tabs"):
            with TabPane("Episodes", id="tab-episodes"):
                yield Static(id="ep-status")
                yield SafeTable(id="ep-table")
            with TabPane("Flips", id="tab-flips"):
                with Horizontal(id="flip-controls"):
                    yield Picker(
                        "flips",
                        [("no_skill → curated (per config)", "conditions"), ("base → SFT (per condition)", "sft")],
                        value="conditions",
                        allow_any=False,
                        id="flip-mode",
                    )
                    yield Picker("config", allow_any=False, id="flip-config")
                    yield Picker(
                        "condition",
                        [(c, c) for c in queries.CONDITIONS],
                        value="curated",
                        allow_any=False,
                        id="flip-condition",
                    )
                    yield Picker("judge", allow_any=False, id="flip-judge")
                with Vertical():
                    yield Static(id="flip-status")
                    yield SafeTable(id="flip-table")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#ep-table", SafeTable).focus()

    # -- options -------------------------------------------------------------------------------
    def _apply_options(self, opts: Options) -> None:
        if opts == self._options:
            return
        self._options = opts
        values = {
            "run_id": opts.runs,
            "config_id": opts.configs,
            "skill_id": opts.skills,
            "condition": queries.CONDITIONS,
            "judge_id": opts.judges,
            "verdict": queries.VERDICTS,
        }
        for f, vals in values.items():
            self.query_one(f"#f-{f}", Picker).set_options(list(vals))
        for pid, vals in (("#flip-config", opts.configs), ("#flip-judge", opts.judges)):
            picker = self.query_one(pid, Picker)
            picker.set_options(list(vals))
            if picker.value is None and vals:
                picker.set_reactive(Picker.value, vals[0])
                picker.refresh()

    def reload(self) -> None:
        opts = self.cockpit.options
        if isinstance(opts, Options):
            self._apply_options(opts)
        self.load_page()
        if self.query_one("#ep-tabs", TabbedContent).active == "tab-flips":
            self.load_flips()

    # -- filters ---------------------------------------------------------------------------------
    @on(Picker.Changed, ".filter")
    def _filter_changed(self, event: Picker.Changed) -> None:
        name = (event.picker.id or "").removeprefix("f-")
        if getattr(self.filter, name) != event.value:
            self.set_filter(**{name: event.value})

    def set_filter(self, **changes: Any) -> None:
        self.filter = replace(self.filter, **changes)
        self.page_offset = 0
        self.load_page()

    def action_clear_filters(self) -> None:
        for f in FILTERS:
            picker = self.query_one(f"#f-{f}", Picker)
            picker.set_reactive(Picker.value, None)
            picker.refresh()
        self.filter = EpisodeFilter()
        self.page_offset = 0
        self.load_page()

    def action_page(self, step: int) -> None:
        if step < 0 and self.page_offset == 0:
            return
        if step > 0 and len(self.rows) < queries.PAGE:
            return
        self.page_offset = max(0, self.page_offset + step * queries.PAGE)
        self.load_page()

    # -- loading -------------------------------------------------------------------------------
    def load_page(self) -> None:
        if not self.cockpit.service.is_open:
            self._stale = True
            return
        self._seq += 1
        self.total = None
        self._fetch(self._seq, self.filter, self.page_offset)

    @work(thread=True, exclusive=True, group="episodes-page", exit_on_error=False)
    def _fetch(self, seq: int, f: EpisodeFilter, offset: int) -> None:
        with self.cockpit.service.cursor() as cur:
            rows = queries.page(cur, f, offset=offset)
        self.post_message(PageLoaded(seq, rows, False))

    def _after_paint(self, seq: int, f: EpisodeFilter, rows: list[EpisodeRow]) -> None:
        """The rows are on screen: now fetch every judge's verdict and the count (second phase, so
        it never competes with painting the rows)."""
        if seq == self._seq:
            self._fetch_details(seq, f, rows)

    @work(thread=True, exclusive=True, group="episodes-details", exit_on_error=False)
    def _fetch_details(self, seq: int, f: EpisodeFilter, rows: list[EpisodeRow]) -> None:
        svc = self.cockpit.service
        with svc.cursor() as cur:
            rows = queries.details(cur, rows)
        self.post_message(PageLoaded(seq, rows, True))
        with svc.cursor() as cur:
            n = queries.count(cur, f)
        self.post_message(CountLoaded(seq, n))

    def on_page_loaded(self, msg: PageLoaded) -> None:
        if msg.seq != self._seq:
            return
        self._painted = msg.seq
        self.rows = msg.rows
        judges = list(self._options.judges) if self._options else []
        for r in msg.rows:
            for j in r.verdicts or {}:
                if j not in judges:
                    judges.append(j)
        self.judges = judges
        # verdicts first, one compact mark per judge (legend in the status line): always on screen
        cols = ["config", "task", "condition", "#", "verdicts", "flags", "skill", "run", "tokens", "latency s", "error"]
        rows = []
        for r in msg.rows:
            rows.append(
                (
                    r.episode_id,
                    [
                        safe.cell(r.config_id, limit=24),
                        safe.cell(r.task_id, limit=32),
                        r.condition,
                        fmt(r.sample),
                        marks(r.verdicts, judges),
                        safe.cell(r.flags or "", "bold red", limit=24) if r.flags else Text(""),
                        r.skill_id,
                        safe.cell(r.run_id, limit=28),
                        fmt(r.tokens_out),
                        latency(r.latency_s, r.latency_kind),
                        safe.cell(r.error, "red", limit=24),
                    ],
                )
            )
        self.query_one("#ep-table", SafeTable).fill(cols, rows)
        self._status()
        if msg.final:
            self.loaded()
        else:
            self.call_after_refresh(self._after_paint, msg.seq, self.filter, msg.rows)

    def on_count_loaded(self, msg: CountLoaded) -> None:
        if msg.seq == self._seq:
            self.total = msg.n
            self._status()

    def _status(self) -> None:
        total = "counting…" if self.total is None else f"{self.total:,}"
        first = self.page_offset + 1 if self.rows else 0
        legend = Text("\nverdicts: ", style="dim")
        legend.append_text(safe.join(*((f"{j}" if i == 0 else f" · {j}", "bold") for i, j in enumerate(self.judges))))
        legend.append("  ")
        for name, (mark, style) in MARKS.items():
            legend.append(mark, style=style)
            legend.append(f" {name} ", style="dim")
        legend.append("· none  latency b: whole batch", style="dim")
        self.query_one("#ep-status", Static).update(  # two fixed lines: no layout pass needed
            layout=False,
            content=safe.join(
                (f"{first:,}–{self.page_offset + len(self.rows):,} of {total}", "bold"),
                "  ",
                (self.filter.describe(), "cyan"),
                ("   enter: side by side · b: base vs SFT · [ ]: page · x: clear · t: flips", "dim"),
                legend,
            ),
        )

    # -- flips -------------------------------------------------------------------------------------
    def action_toggle_tab(self) -> None:
        tabs = self.query_one("#ep-tabs", TabbedContent)
        tabs.active = "tab-flips" if tabs.active == "tab-episodes" else "tab-episodes"
        self.query_one("#flip-table" if tabs.active == "tab-flips" else "#ep-table", SafeTable).focus()

    @on(TabbedContent.TabActivated, "#ep-tabs")
    def _tab(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "tab-flips":
            self.load_flips()
            self.query_one("#flip-table", SafeTable).focus()
        else:
            self.query_one("#ep-table", SafeTable).focus()

    @on(Picker.Changed, "#flip-mode, #flip-config, #flip-condition, #flip-judge")
    def _flip_changed(self, _: Picker.Changed) -> None:
        self.load_flips()

    def load_flips(self) -> None:
        if not self.cockpit.service.is_open:
            return
        mode = self.query_one("#flip-mode", Picker).value
        cfg = self.query_one("#flip-config", Picker).value
        cond = self.query_one("#flip-condition", Picker).value
        judge = self.query_one("#flip-judge", Picker).value
        self.query_one("#flip-condition", Picker).display = mode == "sft"
        if not isinstance(cfg, str) or not isinstance(judge, str):
            return
        self._flip_seq += 1
        self._fetch_flips(self._flip_seq, str(mode), cfg, str(cond), judge)

    @work(thread=True, exclusive=True, group="episodes-flips", exit_on_error=False)
    def _fetch_flips(self, seq: int, mode: str, cfg: str, cond: str, judge: str) -> None:
        bases = self._options.bases if self._options else {}
        try:
            with self.cockpit.service.cursor() as cur:
                if mode == "conditions":
                    rows = queries.flips_between_conditions(cur, cfg, judge)
                    self.post_message(FlipsLoaded(seq, rows, f"{cfg} no_skill", f"{cfg} curated"))
                    return
                base = bases.get(cfg)
                sft = cfg
                if base is None:  # a base config: its SFT config(s)
                    sfts = [s for s, b in bases.items() if b == cfg]
                    if not sfts:
                        self.post_message(FlipsLoaded(seq, [], "", "", f"{cfg} is neither an SFT config nor a base"))
                        return
                    base, sft = cfg, sfts[0]
                rows = queries.flips_between_configs(cur, base, sft, cond, judge)
                self.post_message(FlipsLoaded(seq, rows, f"{base} {cond}", f"{sft} {cond}"))
        except Exception as exc:  # noqa: BLE001
            self.post_message(FlipsLoaded(seq, [], "", "", f"{type(exc).__name__}: {exc}"))

    def on_flips_loaded(self, msg: FlipsLoaded) -> None:
        if msg.seq != self._flip_seq:
            return
        status = self.query_one("#flip-status", Static)
        if msg.error:
            status.update(safe.text(msg.error, "yellow"))
        else:
            gains = sum(1 for r in msg.rows if r.direction == "gain")
            status.update(
                safe.join(
                    (f"{len(msg.rows)} flips", "bold"),
                    f" ({gains} gains, {len(msg.rows) - gains} losses) · ",
                    (f"{msg.left} → {msg.right}", "cyan"),
                    ("   sorted by skill · enter: side by side", "dim"),
                )
            )
        self.query_one("#flip-table", SafeTable).fill(
            ["skill", "task", "sample", msg.left or "left", msg.right or "right", "change"],
            [
                (
                    (r.left_episode, r.right_episode),
                    [
                        r.skill_id,
                        r.task_id,
                        fmt(r.sample),
                        verdict(r.left),
                        verdict(r.right),
                        Text(r.direction, style="green" if r.direction == "gain" else "red"),
                    ],
                )
                for r in msg.rows[:5000]
            ],
        )

    # -- side by side -------------------------------------------------------------------------------
    @on(SafeTable.RowSelected, "#ep-table")
    def _row_selected(self, event: SafeTable.RowSelected) -> None:
        self.action_open("conditions")

    @on(SafeTable.RowSelected, "#flip-table")
    def _flip_selected(self, event: SafeTable.RowSelected) -> None:
        key = self._flip_table().current_key()
        if key:
            mode = self.query_one("#flip-mode", Picker).value
            self.app.push_screen(SideBySideScreen(key[1], str(mode)))  # the right (curated / SFT) episode

    def _flip_table(self) -> SafeTable[tuple[str, str]]:
        """The flips table, keyed by (left episode, right episode)."""
        return self.query_one("#flip-table", SafeTable)

    def action_open(self, mode: str) -> None:
        tabs = self.query_one("#ep-tabs", TabbedContent)
        if tabs.active == "tab-flips":
            flip = self._flip_table().current_key()
            episode = flip[1] if flip else None
        else:
            table: SafeTable[str] = self.query_one("#ep-table", SafeTable)
            episode = table.current_key()
        if episode:
            self.app.push_screen(SideBySideScreen(episode, mode))
