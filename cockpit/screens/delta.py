"""Δ: procedural Δ per config with CI whiskers on a chosen judge path, the SFT lift per size, the
trajectory of Δ across model sizes (base and SFT lines, frontier marker) and matched-path warnings.
Redrawn from the latest report, which the app recomputes in a worker whenever the store grows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from cockpit import safe
from cockpit.screens.base import CockpitScreen, ms
from cockpit.screens.coverage import BOUND_COLS, BOUNDS_NOTE, bound_cells, bounded
from cockpit.viewmodels.report import ReportView
from cockpit.widgets.panels import Notes
from cockpit.widgets.picker import Picker
from cockpit.widgets.plots import DeltaBars, TrajectoryPlot
from cockpit.widgets.table import NOT_FINDING, SafeTable, ci, fmt, greyed, marked

if TYPE_CHECKING:
    from engine.analysis.delta import Comparison, Delta
    from engine.analysis.design import Detectable

SAME = "__same__"
DELTA_COLS = (
    "config",
    "tasks",
    "pass no_skill",
    "pass curated",
    "Δ",
    "95% CI",
    "MDE",
    "McNemar p",
    "ns✓cu✗",
    "ns✗cu✓",
    "errors",
    "dropped",
)
LIFT_COLS = ("SFT config", "base", "size", "Δ base", "Δ SFT", "lift", "95% CI", "MDE", "tasks")


class DeltaScreen(CockpitScreen):
    watches = ("report",)
    BINDINGS = [
        Binding("p", "next_path", "Next path"),
        Binding("ctrl+e", "export", "Export report", priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.path: str | None = None
        self.base_path: str = SAME

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="delta-controls"):
            yield Picker("judge path", allow_any=False, id="delta-path")
            yield Picker("base scored on", [("the same path", SAME)], value=SAME, allow_any=False, id="delta-base-path")
        yield Static(id="delta-path-info")
        with Horizontal(id="delta-plots"):
            yield DeltaBars(id="delta-bars")
            yield TrajectoryPlot(id="delta-trajectory")
        with Vertical(id="delta-tables"):
            yield SafeTable(id="delta-table", classes="short")
            yield SafeTable(id="lift-table", classes="short")
        yield Notes("matched-path warnings", id="delta-warnings")

    def reload(self) -> None:
        view = self.cockpit.report
        if view is None:
            self.query_one("#delta-path-info", Static).update(Text("computing the report…", style="dim"))
            return
        self.render_view(view)

    @on(Picker.Changed, "#delta-path")
    def _path(self, event: Picker.Changed) -> None:
        if isinstance(event.value, str) and event.value != self.path:
            self.path = event.value
            self.reload()

    @on(Picker.Changed, "#delta-base-path")
    def _base_path(self, event: Picker.Changed) -> None:
        if isinstance(event.value, str) and event.value != self.base_path:
            self.base_path = event.value
            self.reload()

    def action_export(self) -> None:
        """The paper report, led by the path shown here; this screen's figure is the Δ trajectory."""
        self.cockpit.export_report("trajectory", headline=self.path)

    def action_next_path(self) -> None:
        view = self.cockpit.report
        if view is None or not view.path_names:
            return
        names = view.path_names
        i = names.index(self.path) if self.path in names else -1
        self.query_one("#delta-path", Picker).value = names[(i + 1) % len(names)]

    def render_view(self, view: ReportView) -> None:
        names = view.path_names
        if self.path not in names:
            self.path = view.headline if view.headline in names else (names[0] if names else None)
        self._fill_pickers(view)
        self.query_one("#delta-path-info", Static).update(self._path_info(view))
        deltas = view.deltas(self.path)
        with self.app.batch_update():
            self.query_one(DeltaBars).set_data(
                [(d.config, d.delta, d.ci_low, d.ci_high) for d in deltas],
                title=f"procedural Δ on {safe.clean(self.path or '–', one_line=True)} (bars) with 95% CI",
            )
            self._plot_trajectory(view)
            cols, extra = (DELTA_COLS + BOUND_COLS, True) if bounded(deltas) else (DELTA_COLS, False)
            rows = [(d.config, _delta_row(d, extra, view.power(d))) for d in deltas]
            self.query_one("#delta-table", SafeTable).fill(cols, rows)
            sizes = {c.label: c.size_b for c in view.configs}
            self.query_one("#lift-table", SafeTable).fill(LIFT_COLS, self._lift_rows(view, sizes))
            self.query_one("#delta-warnings", Notes).lines = tuple(self._warnings(view))
        self.loaded()

    def _fill_pickers(self, view: ReportView) -> None:
        """The judge path picker (the headline, every other path exploratory, ineligible ones said) and the
        base-path picker."""
        names = view.path_names
        path_picker = self.query_one("#delta-path", Picker)
        path_picker.set_options(
            [(n + (" (headline)" if n == view.headline else _exploratory(view.eligible(n))), n) for n in names]
        )
        path_picker.set_reactive(Picker.value, self.path)
        path_picker.refresh()
        base_picker = self.query_one("#delta-base-path", Picker)
        base_picker.set_options([("the same path", SAME), *((n, n) for n in names)])
        if self.base_path not in (SAME, *names):
            self.base_path = SAME
        base_picker.set_reactive(Picker.value, self.base_path)
        base_picker.refresh()

    def _path_info(self, view: ReportView) -> Text:
        """Which judge scores which tasks on the chosen path, whether it may be the headline, and why
        the headline is what it is."""
        p = view.path(self.path)
        info = Text()
        if p is not None:
            info.append_text(
                safe.join(
                    ("path ", "bold"),
                    (p.name, "bold cyan"),
                    ": answer_line tasks → ",
                    (p.answer_line or "–", "cyan"),
                    ", llm tasks → ",
                    (p.llm or "–", "cyan"),
                )
            )
            if p.partial:
                info.append("  PARTIAL: covers one scoring family only", style="yellow")
            info.append(f"   ({p.source}{ms(self, view.seconds)})", style="dim")
            if not view.eligible(p.name):
                e = view.eligibility(p.name)
                reasons = list(e.reasons) if e is not None else ["not assessed"]
                info.append("\n")
                info.append_text(
                    safe.text(f"{NOT_FINDING} not eligible as the headline: " + "; ".join(reasons), "yellow")
                )
        else:
            info.append("no judge path: Δ needs judgments in both conditions", style="dim")
        if view.headline_reason:
            info.append("\n")
            info.append_text(safe.text(view.headline_reason, "bold" if view.headline else "bold yellow"))
        return info

    def _plot_trajectory(self, view: ReportView) -> None:
        traj = view.trajectory(self.path)
        lines = {
            s: [(t.size_b, t.delta) for t in traj if t.series == s and t.size_b is not None and t.delta is not None]
            for s in ("base", "sft")
        }
        frontier = [(t.config, t.delta) for t in traj if t.series == "frontier" and t.delta is not None]
        self.query_one(TrajectoryPlot).set_data(lines, frontier, title="Δ by model size (base, SFT; ◆ frontier)")

    def _lift_rows(
        self, view: ReportView, sizes: dict[str, float | None]
    ) -> list[tuple[tuple[str, str], list[object]]]:
        rows: list[tuple[tuple[str, str], list[object]]] = []
        for c in sorted(view.lifts(self.path), key=lambda c: (sizes.get(c.a) or 0.0, c.a)):
            size = sizes.get(c.a)  # c.a: the SFT config, c.b: its base; c.diff: the lift
            mixed = self.base_path != SAME and self.base_path != self.path
            rows.append(
                (
                    (c.a, c.b),
                    greyed(
                        c.finding,
                        [
                            c.a,
                            c.b,
                            f"{size:g}B" if size is not None else "–",
                            fmt(c.delta_b, signed=True),
                            fmt(c.delta_a, signed=True),
                            Text("refused", style="red", justify="right")
                            if mixed and self._refusal(view, c)
                            else marked(fmt(c.diff, signed=True), c.finding),
                            ci(c.ci_low, c.ci_high),
                            mde_cell(view.power(c)),
                            fmt(c.n_tasks),
                        ],
                    ),
                )
            )
        return rows

    def _refusal(self, view: ReportView, c: Comparison) -> str | None:
        if self.path is None:
            return None
        return view.mixed_path_check(c.a, c.b, self.path, self.base_path)

    def _warnings(self, view: ReportView) -> list[str]:
        out = []
        if self.base_path not in (SAME, self.path) and self.path is not None:
            refusals = {self._refusal(view, c) for c in view.lifts(self.path)} - {None}
            if refusals:
                out.extend(sorted(r for r in refusals if r))
            else:
                out.append(
                    f"paths '{self.path}' and '{self.base_path}' route every task to the same judges: "
                    "the lift is comparable"
                )
        from engine.analysis.eligibility import WHY, caveat_parts

        caveats = [d.caveat for d in view.deltas(self.path) if not d.finding]
        caveats += [c.caveat for c in view.lifts(self.path) if not c.finding]
        parts = caveat_parts(caveats)
        if parts:
            out.append(f"{NOT_FINDING} not a finding, shown greyed ({WHY} by construction): " + "; ".join(parts))
        out.extend(caveat_parts([d.caveat for d in view.deltas(self.path) if d.finding and d.caveat]))
        if bounded(view.deltas(self.path)):
            out.append(BOUNDS_NOTE)
        out.extend(self._power_notes(view))
        out.extend(view.path_warnings(self.path))
        return out

    def _power_notes(self, view: ReportView) -> list[str]:
        """The design's MDE on this path, and each Δ or lift whose CI covers 0 that is underpowered."""
        out = []
        summary = view.design_summary(self.path)
        if summary:
            out.append(summary)
        items: list[Delta | Comparison] = [*view.deltas(self.path), *view.lifts(self.path)]
        declared = view.report.design is not None and view.report.design.effect is not None
        for it in items:
            r = view.power(it)
            if r is None or r.reading not in ("underpowered", "not estimable"):
                continue
            what = f"Δ {r.config}" if r.kind == "delta" else f"lift {r.config} over {r.base}"
            than = "effect of interest" if declared else ("|Δ|" if r.kind == "delta" else "|lift|")
            why = (
                f"underpowered (MDE {r.mde:.3f} > {than} {r.reference or 0:.3f})"
                if r.mde is not None
                else "MDE not estimable (every task's paired difference is the same)"
            )
            out.append(f"{what}: CI covers 0, {why}: not evidence of no effect")
        return out


def mde_cell(r: Detectable | None) -> Text:
    """The MDE of a Δ or lift, yellow when its CI covers 0 and it is underpowered."""
    if r is None or r.mde is None:
        return fmt(None)
    return Text(f"{r.mde:.3f}", style="yellow" if r.reading == "underpowered" else "", justify="right")


def _exploratory(eligible: bool) -> str:
    """The picker's label of a path that is not the headline (engine.analysis.headline: no fallback)."""
    return " (exploratory)" if eligible else " (exploratory, not eligible)"


def _delta_row(d: Delta, bounds: bool = False, power: Detectable | None = None) -> list[object]:
    """One config's Δ table row, greyed when it is not a finding; `bounds`: with its abstentions and
    the bounds of Δ over the excluded verdicts; `power`: its MDE (engine.analysis.design)."""
    return greyed(
        d.finding,
        [
            d.config,
            fmt(d.n_tasks),
            fmt(d.pass_no_skill),
            fmt(d.pass_curated),
            marked(fmt(d.delta, signed=True), d.finding),
            ci(d.ci_low, d.ci_high),
            mde_cell(power),
            fmt(d.mcnemar_p, 4),
            fmt(d.discordant_no_skill_only),
            fmt(d.discordant_curated_only),
            fmt(d.errors),
            fmt(d.tasks_dropped),
            *(bound_cells(d) if bounds else []),
        ],
    )
