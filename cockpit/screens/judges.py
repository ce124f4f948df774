"""Judges: per config and judge pair, Cohen's κ with CI, % agreement, the confusion matrix and the
headline-Δ shift; the format-compliance table; each judge against the human verdicts (precision,
recall, accuracy with Wilson CIs, and Δ corrected for its measured errors); each judge's coverage
(abstentions apart from errors); the disagreement browser (enter or d on a row) and the audit walk (a)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Static, TabbedContent, TabPane

from cockpit import safe
from cockpit.screens.base import CockpitScreen, ms
from cockpit.screens.coverage import COVERAGE_COLS, coverage_rows, coverage_status
from cockpit.screens.disagreements import DisagreementsScreen
from cockpit.screens.judges_rates import (
    CORRECTED_CAPTION,
    CORRECTED_COLS,
    RATES_CAPTION,
    RATES_COLS,
    corrected_row,
    rates_rows,
)
from cockpit.viewmodels.report import ReportView
from cockpit.widgets.panels import Notes
from cockpit.widgets.picker import Picker
from cockpit.widgets.table import SafeTable, ci, fmt

if TYPE_CHECKING:
    from engine.analysis.agreement import Agreement, AgreementSummary
    from engine.analysis.artifacts import FormatGap, FormatShare
    from engine.analysis.audit_sample import Rate
    from engine.analysis.human import HumanBasis, JudgeAccuracy

AGREE_COLS = (
    "config",
    "judge A",
    "judge B",
    "n",
    "κ",
    "κ 95% CI",
    "agree",
    "A✓B✓",
    "A✓B✗",
    "A✗B✓",
    "A✗B✗",
    "Δ by A",
    "Δ by B",
    "Δ shift",
)
SUMMARY_COLS = (
    "judge A",
    "judge B",
    "configs",
    "n",
    "κ pooled",
    "κ min",
    "agree min",
    "max |Δ shift|",
    "Δ changes sign in",
)
FORMAT_COLS = (
    "config",
    "condition",
    "completions",
    "ANSWER: line",
    "share",
    "at max_tokens",
    "gen errors",
    "aimed at judge",
)
HUMAN_COLS = ("judge", "n", "precision", "recall", "specificity", "accuracy", "judge errors")
GAP_COLS = (
    "config",
    "extractor",
    "reader",
    "extr no_skill",
    "extr curated",
    "reader no_skill",
    "reader curated",
    "gap no_skill",
    "gap curated",
    "gap diff",
    "Δ extractor",
    "Δ reader",
)


TAB_FOCUS = {
    "tab-agreement": "#judges-table",
    "tab-format": "#format-table",
    "tab-human": "#human-table",
    "tab-coverage": "#coverage-table",
}


HUMAN_SOURCES = {"audit": "the audit sample", "all": "all human verdicts (not a drawn sample)"}


def rate(r: Rate | None) -> Text:
    """A proportion with its Wilson CI and counts: `80% [49, 94] 8/10`."""
    if r is None or r.value is None or r.low is None or r.high is None:
        return Text("–", style="dim", justify="right")
    return Text(f"{r.value * 100:.0f}% [{r.low * 100:.0f}, {r.high * 100:.0f}] {r.k}/{r.n}", justify="right")


class JudgesScreen(CockpitScreen):
    watches = ("report",)
    BINDINGS = [
        Binding("d", "disagreements", "Disagreements"),
        Binding("a", "audit", "Audit walk"),
        Binding("t", "toggle_tab", "Next tab"),
        Binding("ctrl+e", "export", "Export report", priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.config: str | None = None

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="judges-controls"):
            yield Picker("config", id="judges-config")
        with TabbedContent(id="judges-tabs"):
            with TabPane("Agreement", id="tab-agreement"):
                yield Static(id="judges-status")
                yield SafeTable(id="judges-summary", classes="short")
                yield SafeTable(id="judges-table")
            with TabPane("Format", id="tab-format"):
                yield Static("ANSWER:-line compliance per config and condition", classes="caption")
                yield SafeTable(id="format-table", classes="short")
                yield Static(
                    "extractor vs judges that read prose (lenient, LLM) on answer_line tasks (the format artifact)",
                    classes="caption",
                )
                yield SafeTable(id="gap-table", classes="short")
            with TabPane("Human", id="tab-human"):
                yield Static(id="human-status")
                yield SafeTable(id="human-table", classes="short")
                yield Static(RATES_CAPTION, classes="caption")
                yield SafeTable(id="rates-table", classes="short")
                yield Static(CORRECTED_CAPTION, classes="caption")
                yield SafeTable(id="corrected-table", classes="short")
            with TabPane("Coverage", id="tab-coverage"):
                yield Static(id="coverage-status")
                yield SafeTable(id="coverage-table")
        yield Notes("warnings", id="judges-warnings")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#judges-table", SafeTable).focus()

    def reload(self) -> None:
        view = self.cockpit.report
        if view is None:
            self.query_one("#judges-status", Static).update(Text("computing the report…", style="dim"))
            return
        self.render_view(view)

    @on(Picker.Changed, "#judges-config")
    def _config(self, event: Picker.Changed) -> None:
        self.config = event.value
        if self.cockpit.report is not None:
            self.render_view(self.cockpit.report)

    def render_view(self, view: ReportView) -> None:
        picker = self.query_one("#judges-config", Picker)
        picker.set_options(view.agreement_configs())
        self.config = picker.value
        rows = view.agreement(self.config)
        summary = [((s.judge_a, s.judge_b), _summary_row(s)) for s in view.agreement_summary()]
        self.query_one("#judges-summary", SafeTable).fill(SUMMARY_COLS, summary)
        self.query_one("#judges-table", SafeTable).fill(AGREE_COLS, [self._agree_row(a) for a in rows])
        self.query_one("#format-table", SafeTable).fill(
            FORMAT_COLS,
            [
                ((f.config, f.condition), _format_row(f))
                for f in view.format_shares()
                if self.config in (None, f.config)
            ],
        )
        self.query_one("#gap-table", SafeTable).fill(
            GAP_COLS,
            [
                ((g.config, g.extractor, g.llm), _gap_row(g))
                for g in view.format_gaps()
                if self.config in (None, g.config, "*")
            ],
        )
        self._render_human(view)
        self.query_one("#coverage-status", Static).update(coverage_status(view.judge_coverage()))
        self.query_one("#coverage-table", SafeTable).fill(
            COVERAGE_COLS, coverage_rows(view.judge_coverage(), self.config)
        )
        n_h = len(view.human_episodes)
        self.query_one("#judges-status", Static).update(
            safe.join(
                (f"{len(rows)} config × judge-pair rows", "bold"),
                f" · {n_h} human adjudications{ms(self, view.seconds)}",
                ("   enter/d: disagreement browser for the highlighted pair", "dim"),
            )
        )
        self.query_one("#judges-warnings", Notes).lines = tuple(view.judge_warnings())
        self.loaded()

    def _render_human(self, view: ReportView) -> None:
        self.query_one("#human-status", Static).update(_human_status(view.human_basis))
        self.query_one("#human-table", SafeTable).fill(
            HUMAN_COLS, [(a.judge, _human_row(a)) for a in view.judge_accuracy()]
        )
        self.query_one("#rates-table", SafeTable).fill(RATES_COLS, rates_rows(view.error_rates(), self.config))
        self.query_one("#corrected-table", SafeTable).fill(
            CORRECTED_COLS,
            [
                ((c.config, c.path), corrected_row(c))
                for c in view.corrected_deltas()
                if self.config in (None, c.config)
            ],
        )

    def action_audit(self) -> None:
        from cockpit.screens.audit import AuditScreen

        self.app.push_screen(AuditScreen())

    @staticmethod
    def _agree_row(a: Agreement) -> tuple[tuple[str, str, str], list[Any]]:
        (n11, n10), (n01, n00) = a.confusion
        low_kappa = a.kappa is not None and a.kappa < 0.6
        return (
            (a.config, a.judge_a, a.judge_b),
            [
                a.config,
                a.judge_a,
                a.judge_b,
                fmt(a.n),
                Text(
                    f"{a.kappa:.3f}" if a.kappa is not None else "undefined" if a.kappa_undefined else "–",
                    style="yellow" if low_kappa or a.kappa_undefined else "",
                    justify="right",
                ),
                Text(a.kappa_undefined, style="yellow") if a.kappa_undefined else ci(a.kappa_low, a.kappa_high),
                fmt(a.pct_agreement, 3, pct=True),
                fmt(n11),
                fmt(n10),
                fmt(n01),
                fmt(n00),
                fmt(a.delta_a, signed=True),
                fmt(a.delta_b, signed=True),
                fmt(a.delta_shift, signed=True),
            ],
        )

    def action_export(self) -> None:
        """The paper report; this screen's figure: the κ heatmap, or ANSWER:-line compliance on Format."""
        fmt_tab = self.query_one("#judges-tabs", TabbedContent).active == "tab-format"
        self.cockpit.export_report("format_compliance" if fmt_tab else "kappa")

    def action_toggle_tab(self) -> None:
        tabs = self.query_one("#judges-tabs", TabbedContent)
        order = ["tab-agreement", "tab-format", "tab-human", "tab-coverage"]
        tabs.active = order[(order.index(tabs.active) + 1) % len(order)] if tabs.active in order else order[0]
        # focus follows the tab: a focused widget in a hidden pane would switch it right back
        self.query_one(TAB_FOCUS[tabs.active], SafeTable).focus()

    @on(TabbedContent.TabActivated, "#judges-tabs")
    def _tab(self, event: TabbedContent.TabActivated) -> None:
        self.query_one(TAB_FOCUS.get(event.pane.id or "", "#judges-table"), SafeTable).focus()

    @on(SafeTable.RowSelected, "#judges-table")
    def _selected(self, _: SafeTable.RowSelected) -> None:
        self.action_disagreements()

    @on(SafeTable.RowSelected, "#judges-summary")
    def _summary_selected(self, _: SafeTable.RowSelected) -> None:
        table: SafeTable[tuple[str, str]] = self.query_one("#judges-summary", SafeTable)
        key = table.current_key()
        if key:
            a, b = key
            self.app.push_screen(DisagreementsScreen(a, b, None))

    def action_disagreements(self) -> None:
        table: SafeTable[tuple[str, str, str]] = self.query_one("#judges-table", SafeTable)
        key = table.current_key()
        if key:
            cfg, a, b = key
            self.app.push_screen(DisagreementsScreen(a, b, cfg))
            return
        pairs = self.cockpit.report.judge_pairs() if self.cockpit.report else []
        if pairs:
            self.app.push_screen(DisagreementsScreen(pairs[0][0], pairs[0][1], self.config))
        else:
            self.notify("no judge pair to compare yet", severity="warning")


def _summary_row(s: AgreementSummary) -> list[Any]:
    """One judge pair across configs: pooled and worst κ, worst agreement, the largest Δ shift."""
    return [
        s.judge_a,
        s.judge_b,
        fmt(s.configs),
        fmt(s.n),
        fmt(s.kappa_pooled),
        fmt(s.kappa_min),
        fmt(s.pct_agreement_min, 3, pct=True),
        fmt(s.max_abs_delta_shift),
        safe.cell(", ".join(s.direction_flips) or "–", limit=40),
    ]


def _format_row(f: FormatShare) -> list[Any]:
    """ANSWER:-line compliance of one config and condition, completions cut off at max_tokens (yellow
    from 10 %), and those aimed at the judge (red)."""
    return [
        f.config,
        f.condition,
        fmt(f.n),
        fmt(f.answer_line),
        fmt(f.share, 3, pct=True),
        Text(str(f.at_limit), style="bold yellow" if (f.at_limit_share or 0) >= 0.1 else "", justify="right"),
        fmt(f.generation_errors),
        Text(str(f.flagged), style="bold red" if f.flagged else "", justify="right"),
    ]


def _gap_row(g: FormatGap) -> list[Any]:
    """The format artifact: extractor against llm judge pass rates per condition, and the two Δ."""
    return [
        g.config,
        g.extractor,
        g.llm,
        fmt(g.extractor_no_skill),
        fmt(g.extractor_curated),
        fmt(g.llm_no_skill),
        fmt(g.llm_curated),
        fmt(g.gap_no_skill, signed=True),
        fmt(g.gap_curated, signed=True),
        fmt(g.gap_diff, signed=True),
        fmt(g.delta_extractor, signed=True),
        fmt(g.delta_llm, signed=True),
    ]


def _human_status(basis: HumanBasis | None) -> Text:
    """Which human verdicts the judges are measured against, and how many; or how to get some."""
    source = None if basis is None else HUMAN_SOURCES.get(basis.source)
    if source is None:
        return safe.join(
            ("no human verdicts yet", "bold yellow"),
            ("   `engine judge --audit N` draws a stratified sample; a walks it here", "dim"),
        )
    return safe.join(
        ("judges against ", "bold"),
        (source, "bold cyan"),
        f"   {basis.used if basis else 0} episodes used of {basis.adjudicated if basis else 0} adjudicated"
        f" · {basis.sampled if basis else 0} in audit samples",
        ("   a: walk the audit sample · HT-weighted · Kish–Wilson 95% CI · pass is positive", "dim"),
    )


def _human_row(a: JudgeAccuracy) -> list[Any]:
    return [
        a.judge,
        fmt(a.n),
        rate(a.precision),
        rate(a.recall),
        rate(a.specificity),
        rate(a.accuracy),
        fmt(a.errors),
    ]
