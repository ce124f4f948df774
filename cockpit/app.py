"""`cockpit [--runs-dir DIR]`: the Textual app. Screens, bindings and the background workers that
keep the shared state fresh (store ingest, run list, report); each screen runs its own queries.

State flows one way: a worker (thread) does the blocking work and posts a message; the handler
sets a reactive on the app; screens watch those reactives and render.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import App
from textual.binding import Binding
from textual.reactive import var
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from cockpit.commands import CockpitCommands
from cockpit.control import CancelRun, Control, LaunchRun, ResumeRun, StartJob, control
from cockpit.messages import (
    Ingested,
    OptionsReady,
    ReportExported,
    ReportReady,
    RunControlled,
    RunsPolled,
    WorkFailed,
)
from cockpit.screens.delta import DeltaScreen
from cockpit.screens.episodes import EpisodesScreen
from cockpit.screens.help import HelpScreen
from cockpit.screens.judges import JudgesScreen
from cockpit.screens.live import LiveScreen
from cockpit.screens.query import QueryScreen
from cockpit.screens.runs import RunsScreen
from cockpit.services import launcher
from cockpit.services.machine import Machine, Sampler
from cockpit.services.store import StoreService
from cockpit.services.tail import Tails
from cockpit.viewmodels.report import ReportView
from cockpit.viewmodels.run_progress import RunProgress
from engine.store.request import RunRequest

if TYPE_CHECKING:
    from cockpit.viewmodels.forms import JobRequest

REPORT_GAP_S = 3.0
# the app's background jobs by worker group, as a failure names them (their bodies have no except:
# a failure reaches `_on_worker_state`); a refused run control is a `WorkFailed` message instead
WORK_FAILURES = {
    "export": "writing the report",
    "runs": "reading run journals",
    "ingest": "ingesting journals",
    "report": "computing the report",
}
REPORT_MODES = ("judges", "delta")  # the screens that show the report
SCREENS = {
    "runs": ("1", "Runs"),
    "live": ("2", "Live"),
    "episodes": ("3", "Episodes"),
    "judges": ("4", "Judges"),
    "delta": ("5", "Δ"),
    "query": ("6", "Query"),
}


class CockpitApp(App[int]):
    CSS_PATH = Path(__file__).with_name("cockpit.tcss")  # absolute: subclasses live elsewhere
    TITLE = "skill cockpit"
    MODES = {
        "runs": RunsScreen,
        "live": LiveScreen,
        "episodes": EpisodesScreen,
        "judges": JudgesScreen,
        "delta": DeltaScreen,
        "query": QueryScreen,
    }
    DEFAULT_MODE = "runs"
    COMMANDS = App.COMMANDS | {CockpitCommands}
    BINDINGS = [
        *(Binding(key, f"show('{mode}')", label, id=f"screen.{mode}") for mode, (key, label) in SCREENS.items()),
        Binding("question_mark,f1", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
        Binding("ctrl+s", "save_svg", "Screenshot", show=False),
    ]

    runs: var[tuple[RunProgress, ...]] = var((), always_update=True)
    pending: var[tuple[launcher.PendingLaunch, ...]] = var(())
    selected_run: var[str | None] = var(None)
    store_version: var[int] = var(0)
    report: var[ReportView | None] = var(None)
    options: var[object | None] = var(None)
    store_label: var[str] = var("store: opening")

    def __init__(
        self,
        runs_dir: Path | str,
        *,
        ingest_interval: float = 2.0,
        runs_interval: float = 1.0,
        live_interval: float = 0.5,
        sampler: Sampler | None = None,
        background: bool = True,
        blink: bool = True,
        timings: bool = True,
        display_dir: str | None = None,
    ) -> None:
        super().__init__()
        self.runs_dir = Path(runs_dir).resolve()
        self.service = StoreService(self.runs_dir)
        self.tails = Tails(self.runs_dir)
        self.machine = Machine(sampler)
        self.ingest_interval = ingest_interval
        self.runs_interval = runs_interval
        self.live_interval = live_interval
        self.background = background
        self._busy: set[str] = set()
        self._report_at = 0.0
        self.report_gap = REPORT_GAP_S
        self._report_timer: Timer | None = None
        self._instant = False
        self._report_for = -1
        self.blink = blink  # False in snapshot tests: no cursor blink
        self.timings = timings  # False in snapshot tests: no wall-clock numbers on screen
        self.sub_title = display_dir or str(self.runs_dir)
        self.last_export: Path | None = None  # the latest report written by ctrl+e (tests wait on it)
        self.last_screenshot: Path | None = None

    # -- lifecycle ------------------------------------------------------------------------------
    def on_mount(self) -> None:
        # workers (DuckDB calls, the report) share the GIL with the UI: hand it over sooner
        sys.setswitchinterval(0.001)
        self.refresh_runs()
        self.ingest()
        if self.background:
            self.set_interval(self.runs_interval, self.refresh_runs, name="runs")
            self.set_interval(self.ingest_interval, self.ingest, name="ingest")

    async def on_unmount(self) -> None:
        self.workers.cancel_all()
        self.service.close()

    # -- actions --------------------------------------------------------------------------------
    def action_show(self, mode: str) -> None:
        if self.current_mode == mode:
            return
        try:
            mounted = bool(self.get_screen_stack(mode))
        except KeyError:
            mounted = False
        self._instant = mounted
        try:
            self.switch_mode(mode)
        finally:
            self._instant = False
        if mode in REPORT_MODES:
            self._maybe_report()

    def delay_update(self, delay: float = 0.05) -> None:
        """`switch_mode` holds the display for 50 ms to hide a screen being composed; a screen that
        is already mounted has nothing to hide, so switching back to it paints at once."""
        if not self._instant:
            super().delay_update(delay)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_launch(self) -> None:
        from cockpit.screens.launch import LaunchScreen

        self.push_screen(LaunchScreen(self.runs_dir), self._launch)

    def _launch(self, req: RunRequest | JobRequest | None) -> None:
        if isinstance(req, RunRequest):
            self._control(LaunchRun(req))
        elif req is not None:
            self._control(StartJob(req))

    def action_cancel_run(self) -> None:
        if self.selected_run:
            self._control(CancelRun(self.selected_run))
        else:
            self.notify("select a run first", severity="warning")

    def action_resume_run(self) -> None:
        if self.selected_run:
            self._control(ResumeRun(self.selected_run))
        else:
            self.notify("select a run first", severity="warning")

    @work(thread=True, group="control", exit_on_error=False)
    def _control(self, cmd: Control) -> None:
        try:
            self.post_message(control(cmd, self.runs_dir))
        except Exception as exc:  # noqa: BLE001 - a refused action is a message, not a crash
            self.post_message(WorkFailed(cmd.what, str(exc)))

    def on_run_controlled(self, msg: RunControlled) -> None:
        self.notify(msg.text, markup=False)
        if msg.op in ("launch", "resume"):
            self.selected_run = msg.run_id
        self.refresh_runs()

    def select_run(self, run_id: str | None, *, show_live: bool = False) -> None:
        self.selected_run = run_id
        if show_live:
            self.action_show("live")

    # -- exports (ctrl+e on Δ and Judges, ctrl+s anywhere) ---------------------------------------
    def export_report(self, figure: str | None = None, *, headline: str | None = None) -> None:
        """Write the paper report into <runs>/reports/<timestamp>/ in the background."""
        if not self._start("export"):
            self.notify("a report is being written already", severity="warning")
            return
        self.notify("writing the report…", timeout=3)
        self._export(figure, headline)

    @work(thread=True, group="export", exit_on_error=False)
    def _export(self, figure: str | None, headline: str | None) -> None:
        from cockpit.services import export

        try:
            with self.service.cursor() as cur:  # the analysis and the store facts: the cursor is released
                paper = export.build(cur, self.runs_dir, headline=headline)  # before the child renders
            if figure is not None and any(f.id == figure and f.skipped for f in paper.figures):
                figure = None
            out = export.render(paper, export.report_dir(self.runs_dir))
            self.post_message(ReportExported(out, figure))
        finally:
            self._busy.discard("export")

    def on_report_exported(self, msg: ReportExported) -> None:
        self.last_export = msg.out
        what = f"; this screen's figure: figures/{msg.figure}.png (.svg)" if msg.figure else ""
        self.notify(f"report written to {msg.out}/ (report.md, tables/, figures/){what}", markup=False, timeout=10)

    def action_save_svg(self) -> None:
        """An SVG screenshot of the current screen (Textual's own export) into <runs>/reports/screenshots/."""
        from cockpit.services import export

        path = export.screenshot_path(self.runs_dir, str(self.current_mode or "screen"))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.save_screenshot(filename=path.name, path=str(path.parent))
        except OSError as exc:
            self.notify_error("saving a screenshot", str(exc))
            return
        self.last_screenshot = path
        self.notify(f"screenshot saved: {path}", markup=False)

    def notify_error(self, what: str, error: str) -> None:
        self.notify(f"{what}: {error}", severity="error", markup=False, timeout=8)

    # -- background work -------------------------------------------------------------------------
    def _start(self, name: str) -> bool:
        """Skip a periodic job while its previous run is still going (no pile-up on a slow disk)."""
        if name in self._busy:
            return False
        self._busy.add(name)
        return True

    def refresh_runs(self) -> None:
        if self._start("runs"):
            self._poll_runs()

    @work(thread=True, group="runs", exit_on_error=False)
    def _poll_runs(self) -> None:
        try:
            runs = tuple(self.tails.poll_all())
            pending = tuple(launcher.pending(self.runs_dir))
            self.post_message(RunsPolled(runs, pending))
        finally:
            self._busy.discard("runs")

    def ingest(self) -> None:
        if self._start("ingest"):
            self._ingest()

    @work(thread=True, group="ingest", exit_on_error=False)
    def _ingest(self) -> None:
        from cockpit.viewmodels import queries

        try:
            before = self.service.version
            res = self.service.ingest()
            if res.version != before or self.options is None:
                with self.service.cursor() as cur:
                    self.post_message(OptionsReady(queries.options(cur)))
            self.post_message(Ingested(res.rows, res.seconds, res.version, self.service.describe()))
        finally:
            self._busy.discard("ingest")

    def refresh_report(self) -> None:
        if self._start("report"):
            self._build_report(self.service.version)

    @work(thread=True, group="report", exit_on_error=False)
    def _build_report(self, version: int) -> None:
        from cockpit.viewmodels import report

        try:
            with self.service.cursor() as cur:
                view = report.compute(cur, self.runs_dir, version=version)
            self.post_message(ReportReady(view))
        finally:
            self._busy.discard("report")

    # -- message handlers ------------------------------------------------------------------------
    def on_runs_polled(self, msg: RunsPolled) -> None:
        self.pending = msg.pending
        self.runs = msg.runs
        if self.selected_run is None and msg.runs:
            running = [r for r in msg.runs if r.status == "running"]
            pick = running[-1] if running else max(msg.runs, key=lambda r: r.started_at or 0.0)
            self.selected_run = pick.run_id

    def on_ingested(self, msg: Ingested) -> None:
        self.store_label = msg.store
        if msg.version != self.store_version:
            self.store_version = msg.version
        self._maybe_report()

    def _maybe_report(self) -> None:
        """Recompute the report when the store moved, at most once per `report_gap` seconds: while a
        run streams, the Δ and κ panels follow it without the report hogging a core (and the GIL)."""
        version = self.store_version
        if self._report_for == version or "report" in self._busy:
            return
        if self.report is not None and self.current_mode not in REPORT_MODES:
            return  # nobody looks at Δ or κ now: computed when Judges or Δ is shown
        wait = self._report_at + self.report_gap - time.monotonic()
        if wait > 0 and self.report is not None:
            if self._report_timer is None:
                self._report_timer = self.set_timer(wait, self._report_due, name="report")
            return
        self._report_for = version
        self.refresh_report()

    def _report_due(self) -> None:
        self._report_timer = None
        self._maybe_report()

    def on_options_ready(self, msg: OptionsReady) -> None:
        self.options = msg.options

    def on_report_ready(self, msg: ReportReady) -> None:
        self._report_at = time.monotonic()
        self.report_gap = max(REPORT_GAP_S, 5 * msg.view.seconds)
        self.report = msg.view
        self._maybe_report()  # the store may have moved while it was computed

    def on_work_failed(self, msg: WorkFailed) -> None:
        self.notify_error(msg.what, msg.error)

    @on(Worker.StateChanged)
    def _on_worker_state(self, event: Worker.StateChanged) -> None:
        """Every background job's failure in one place: a notification naming the job, never a crash."""
        what = WORK_FAILURES.get(event.worker.group)
        if event.state == WorkerState.ERROR and what is not None:
            exc = event.worker.error
            self.notify_error(what, f"{type(exc).__name__}: {exc}")

    def after_adjudication(self) -> None:
        """A human verdict was journaled: ingest now so κ updates without waiting for the timer."""
        self._report_for = -1
        self._report_at = 0.0  # the human verdict should show in κ right away
        self.ingest()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="cockpit", description="Terminal experiment cockpit.")
    parser.add_argument(
        "--runs-dir", type=Path, default=None, help="Runs directory (default: $SKILL_COCKPIT_RUNS or ./runs)."
    )
    args = parser.parse_args(argv)
    runs_dir = args.runs_dir or Path(os.environ.get("SKILL_COCKPIT_RUNS", "runs"))
    app = CockpitApp(runs_dir)
    app.run()
    sys.exit(app.return_code or 0)


if __name__ == "__main__":
    main()
