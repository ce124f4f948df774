"""Runs: every run with status, executor (local / ray), configs, progress, times and cost; launch,
cancel, resume. Study chains show above the table as trees: each job with its state (cockpit.viewmodels.studies)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Static

from cockpit import safe
from cockpit.screens.base import CockpitScreen
from cockpit.services import launcher
from cockpit.viewmodels import studies
from cockpit.viewmodels.run_progress import RunProgress, counts
from cockpit.widgets.panels import bar, stamp
from cockpit.widgets.table import VERDICT_STYLE, SafeTable, fmt
from engine.tally import CorpusProgress

COLUMNS = (
    "run",
    "kind",
    "executor",
    "experiment",
    "status",
    "progress",
    "episodes",
    "judgments",
    "configs",
    "started (UTC)",
    "finished (UTC)",
    "cost $",
    "errors",
)


@dataclass
class StoreRuns(Message):
    rows: list[tuple[Any, ...]]


@dataclass
class StudiesPolled(Message):
    studies: list[studies.StudyView]


STATE_STYLE = {
    "done": "green",
    "running": "bold yellow",
    "failed": "red",
    "cancelled": "magenta",
    "interrupted": "red",
    "waiting": "dim",
    "finished": "green",
    "planned": "dim",
}
SHOWN_CHAINS = 3


def _ci(lo: float | None, hi: float | None) -> str:
    return "" if lo is None or hi is None else f" [{lo:+.3f}, {hi:+.3f}]"


def finding_line(view: Any) -> Text:
    """The store's headline in one line under the newest finished chain: each config's Δ and each
    SFT lift on the headline path with its 95% CI, or why there is no headline (the Δ screen, 5,
    has the rest)."""
    head = view.headline
    if head is None:
        return safe.join(("no eligible headline: ", "bold yellow"), (view.headline_reason, "yellow"))
    parts: list[Text | tuple[Any, str] | str] = [("finding", "bold"), " on the headline ", (head, "bold"), ": "]
    for i, d in enumerate(view.deltas(head)):
        parts += [" · " if i else "", "Δ ", (d.config, "bold"), f" {d.delta:+.3f}" if d.delta is not None else " —"]
        parts.append(_ci(d.ci_low, d.ci_high))
    for lf in view.lifts(head):
        parts += [" · lift ", (lf.a, "bold"), f" {lf.diff:+.3f}" if lf.diff is not None else " —"]
        parts.append(_ci(lf.ci_low, lf.ci_high))
    parts.append(("   5: Δ screen", "dim"))
    return safe.join(*parts)


class RunsScreen(CockpitScreen):
    watches = ("store_version", "runs", "pending", "report")  # report: the finding line under a chain
    BINDINGS = [
        Binding("enter", "follow", "Follow live"),
        Binding("n", "app.launch", "Launch"),
        Binding("c", "app.cancel_run", "Cancel run"),
        Binding("r", "app.resume_run", "Resume run"),
        Binding("i", "app.ingest", "Ingest now"),
        Binding("x", "cancel_chain", "Cancel chain"),
        Binding("R", "resume_chain", "Resume chain"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._store_runs: list[tuple[Any, ...]] = []
        self._store_version = -1
        self.studies: list[studies.StudyView] = []

    def compose_body(self) -> ComposeResult:
        yield Static(id="runs-summary")
        yield Static(id="runs-studies")
        yield SafeTable(id="runs-table")
        yield Static(id="runs-detail")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#runs-table", SafeTable).focus()

    def reload(self) -> None:
        if self.cockpit.store_version != self._store_version and self.cockpit.service.is_open:
            self._store_version = self.cockpit.store_version
            self._load_store_runs()
        self._load_studies()
        self.render_runs()

    @work(thread=True, exclusive=True, group="runs-studies", exit_on_error=False)
    def _load_studies(self) -> None:
        self.post_message(StudiesPolled(studies.poll(self.cockpit.runs_dir)))

    def on_studies_polled(self, msg: StudiesPolled) -> None:
        self.studies = msg.studies
        box = self.query_one("#runs-studies", Static)
        box.display = bool(msg.studies)
        if not msg.studies:
            return
        text = safe.join(("study chains", "bold"), ("  x: cancel chain  R: resume chain  j on Live: next job", "dim"))
        for sv in msg.studies[:SHOWN_CHAINS]:
            text.append("\n")
            text.append_text(safe.join((sv.study_id, "bold"), "  ", (sv.status, STATE_STYLE.get(sv.status, ""))))
            for i, j in enumerate(sv.jobs):
                branch = "└─" if i == len(sv.jobs) - 1 else "├─"
                text.append_text(
                    safe.join(
                        f"\n  {branch} {j.job_id:<22} {j.kind:<7} ",
                        (f"{j.state:<12}", STATE_STYLE.get(j.state, "")),
                        (j.run_id or "", "dim"),
                    )
                )
        if len(msg.studies) > SHOWN_CHAINS:
            text.append(f"\n+ {len(msg.studies) - SHOWN_CHAINS} older chains", style="dim")
        if msg.studies[0].status == "finished" and self.cockpit.report is not None:
            text.append("\n")
            text.append_text(finding_line(self.cockpit.report))
        box.update(text)

    def _chain(self) -> studies.StudyView | None:
        chain = studies.chain_of(self.studies, self.cockpit.selected_run)
        if chain is None:
            self.notify("no study chain in this runs directory", severity="warning")
        return chain

    def action_cancel_chain(self) -> None:
        chain = self._chain()
        if chain is not None:
            self._chain_control("cancel", chain.study_id)

    def action_resume_chain(self) -> None:
        chain = self._chain()
        if chain is not None:
            self._chain_control("resume", chain.study_id)

    @work(thread=True, group="chain-control", exit_on_error=False)
    def _chain_control(self, op: Literal["cancel", "resume"], study_id: str) -> None:
        try:
            if op == "cancel":
                pid = launcher.cancel_study(self.cockpit.runs_dir, study_id)
                text = f"sent SIGTERM to study {study_id} (pid {pid}): it stops the job in flight and the rest"
            else:
                pid = launcher.resume_study(self.cockpit.runs_dir, study_id)
                text = f"resuming study {study_id} (pid {pid})"
            self.app.call_from_thread(self.notify, text, markup=False)
        except Exception as exc:  # noqa: BLE001 - a refused action is a message, not a crash
            self.app.call_from_thread(self.cockpit.notify_error, f"study {study_id}", str(exc))

    @work(thread=True, exclusive=True, group="runs-store", exit_on_error=False)
    def _load_store_runs(self) -> None:
        try:
            rows = self.cockpit.service.query(
                "SELECT run_id, kind, experiment, status, started_at, finished_at, total_episodes, total_judgments "
                "FROM runs"
            )
        except Exception:  # noqa: BLE001 - journals are enough to list runs
            rows = []
        self.post_message(StoreRuns(rows))

    def on_store_runs(self, msg: StoreRuns) -> None:
        self._store_runs = msg.rows
        self.render_runs()

    def render_runs(self) -> None:
        app = self.cockpit
        rows: list[tuple[str, list[Any]]] = [(p.run_id, self._pending_row(p)) for p in app.pending]
        journal_ids = set()
        for r in sorted(app.runs, key=lambda r: r.started_at or 0.0, reverse=True):
            journal_ids.add(r.run_id)
            rows.append((r.run_id, self._row(r)))
        rows += [(row[0], self._store_row(row)) for row in self._store_runs if row[0] not in journal_ids]
        table = self.query_one("#runs-table", SafeTable)
        table.fill(COLUMNS, rows)
        running = sum(1 for r in app.runs if r.status == "running")
        self.query_one("#runs-summary", Static).update(
            safe.join(
                (f"{len(rows)} runs", "bold"),
                f" · {running} running · ",
                (app.store_label, "dim"),
                (" · n: launch  c: cancel  r: resume  enter: follow live", "dim"),
            )
        )
        self._show_detail()
        self.loaded()

    @staticmethod
    def _pending_row(p: launcher.PendingLaunch) -> list[Any]:
        """A launch whose run has not written its run.json yet: starting, or failed if its process died."""
        status = "starting" if p.alive else "failed"
        return [
            p.run_id,
            p.kind,
            "",
            "",
            Text(status, style=VERDICT_STYLE[status]),
            "",
            "",
            "",
            "",
            stamp(p.started_at),
            "",
            "",
            "",
        ]

    @staticmethod
    def _store_row(row: tuple[Any, ...]) -> list[Any]:
        """A run the store knows that has no journal directory here: the store's columns only."""
        rid, kind, exp, status, started, finished, total_e, total_j = row
        return [
            rid,
            kind,
            "",
            exp,
            Text(str(status), style=VERDICT_STYLE.get(str(status), "")),
            "",
            fmt(total_e),
            fmt(total_j),
            "",
            stamp(started),
            stamp(finished),
            "",
            "",
        ]

    @staticmethod
    def _row(r: RunProgress) -> list[Any]:
        prog = bar(r.fraction, 12)
        prog.append(f" {r.fraction * 100:3.0f}%")
        done_e, total_e, done_j, total_j = counts(r.job)
        episodes = Text(f"{done_e:,}/{total_e:,}", justify="right")
        judgments = Text(f"{done_j:,}/{total_j:,}", justify="right")
        if isinstance(r.job, CorpusProgress):  # teacher answers, and the rows the judges kept (known when it finishes)
            episodes = Text(f"{done_e:,}/{total_e:,} answers", justify="right")
            kept = "judging…" if r.status == "running" else "–"
            if r.job.rows_kept is not None:
                kept = f"{r.job.rows_kept:,} rows kept"
            judgments = Text(kept, justify="right", style="" if r.job.rows_kept is not None else "dim")
        return [
            r.run_id,
            r.kind,
            safe.cell(r.executor, "cyan" if r.executor != "local" else "dim", limit=12),
            r.experiment,
            safe.join((r.status, VERDICT_STYLE.get(r.status, "")), (f" @{r.remote_host}", "dim"))
            if r.remote_host
            else Text(r.status, style=VERDICT_STYLE.get(r.status, "")),
            prog,
            episodes,
            judgments,
            safe.cell(", ".join(r.configs), limit=30),
            stamp(r.started_at),
            stamp(r.finished_at),
            fmt(r.cost_usd, 4),
            fmt(r.errors),
        ]

    @on(SafeTable.RowHighlighted, "#runs-table")
    def _highlighted(self, event: SafeTable.RowHighlighted) -> None:
        key = event.row_key  # a run id (a run both pending and journalled has two rows)
        if isinstance(key, str) and key and key != self.cockpit.selected_run:
            self.cockpit.selected_run = key
        self._show_detail()

    def _show_detail(self) -> None:
        app = self.cockpit
        rid = app.selected_run
        detail = Text()
        pend = next((p for p in app.pending if p.run_id == rid), None)
        run = next((r for r in app.runs if r.run_id == rid), None)
        if pend is not None:
            detail.append_text(
                safe.join(
                    ("launch log", "bold"),
                    f" (pid {pend.pid}, {'alive' if pend.alive else 'exited before the run started'}):\n",
                )
            )
            detail.append_text(safe.text("\n".join(pend.log_tail.splitlines()[-8:]), "dim"))
        elif run is not None:
            detail.append_text(safe.join(("selected ", "bold"), (run.run_id, "bold"), f"  pid {run.pid or '–'}  "))
            if run.judges:
                detail.append_text(safe.join("judges: ", ", ".join(run.judges), "  "))
            if run.error:
                detail.append("\n")
                detail.append_text(safe.text(run.error, "red", one_line=True, limit=400))
            if run.status in ("failed", "interrupted"):
                tail = launcher.log_tail(app.runs_dir / run.run_id, 1500)
                if tail:
                    detail.append("\n")
                    detail.append_text(safe.text("\n".join(tail.splitlines()[-5:]), "dim"))
        self.query_one("#runs-detail", Static).update(detail)

    @on(SafeTable.RowSelected, "#runs-table")
    def _selected(self, event: SafeTable.RowSelected) -> None:
        self.action_follow()

    def action_follow(self) -> None:
        table: SafeTable[str] = self.query_one("#runs-table", SafeTable)
        key = table.current_key()
        if key:
            self.cockpit.select_run(key, show_live=True)
