"""Live: the selected run's progress, throughput and training loss, and the machine's telemetry
(this machine's; or, for a run on another host writing to a shared runs directory, the readings
that run journals). A run on a Ray cluster also shows its workers (episodes, tokens/s each) and
every host's latest journaled reading (cockpit.widgets.workers).

While the screen is shown, a timer (twice a second) starts a worker that reads what the run
appended to its journal and takes one machine snapshot; the result arrives as a replaceable
message, so a slow UI sees the latest sample, never a backlog.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.timer import Timer

from cockpit.messages import LiveSampled
from cockpit.screens.base import CockpitScreen
from cockpit.services.machine import REMOTE_FRESH_S, Machine, MachineState
from cockpit.viewmodels.run_progress import RunProgress
from cockpit.widgets.panels import MachinePanel, ProgressPanel
from cockpit.widgets.plots import SeriesPlot
from cockpit.widgets.workers import ClusterPanel, shows_cluster


class LiveScreen(CockpitScreen):
    watches = ("selected_run",)
    BINDINGS = [
        Binding("c", "app.cancel_run", "Cancel run"),
        Binding("r", "app.resume_run", "Resume run"),
        Binding("j", "next_job", "Next job of the chain"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._timer: Timer | None = None
        self._busy = threading.Event()
        self.samples = 0
        self._remote: dict[str, Machine] = {}  # per host of a run's journaled readings

    def compose_body(self) -> ComposeResult:
        yield ProgressPanel(id="live-progress")
        yield ClusterPanel(id="live-cluster")
        yield MachinePanel(id="live-machine")
        with Horizontal(id="live-plots"):
            yield SeriesPlot("throughput", "seconds since start", id="live-throughput")
            yield SeriesPlot("training loss", "step", id="live-loss")

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        if self._timer is None:
            self._timer = self.set_interval(self.cockpit.live_interval, self.tick, name="live")
        else:
            self._timer.resume()
        self.tick()

    def on_screen_suspend(self) -> None:
        if self._timer is not None:
            self._timer.pause()

    def reload(self) -> None:
        self.tick()

    def action_next_job(self) -> None:
        self._next_job(self.cockpit.selected_run)

    @work(thread=True, exclusive=True, group="live-next-job", exit_on_error=False)
    def _next_job(self, current: str | None) -> None:
        from cockpit.viewmodels import studies

        chain = studies.chain_of(studies.poll(self.cockpit.runs_dir), current)
        run_id = studies.next_job_run(chain, current) if chain is not None else None
        if run_id is None:
            self.app.call_from_thread(self.notify, "no study chain with a job to follow", severity="warning")
        else:
            self.app.call_from_thread(self.cockpit.select_run, run_id)

    def tick(self) -> None:
        if self._busy.is_set():
            return
        self._busy.set()
        self.run_worker(self._sample, thread=True, group="live-sample", exit_on_error=False)

    def _sample(self) -> None:
        try:
            run_id = self.cockpit.selected_run
            progress = self.cockpit.tails.poll(run_id) if run_id else None
            self.post_message(LiveSampled(run_id, progress, self._machine(progress)))
        finally:
            self._busy.clear()

    def _machine(self, progress: RunProgress | None) -> MachineState:
        """This machine, sampled now; or, for a run running on another host (a shared runs
        directory), the fresh readings it journals."""
        tel = progress.telemetry if progress is not None else None
        if (
            progress is not None
            and progress.remote_host
            and progress.status == "running"
            and tel is not None
            and time.time() - tel.t < REMOTE_FRESH_S
        ):
            host = tel.host or progress.remote_host
            age = max(0.0, time.time() - tel.t)
            m = self._remote.setdefault(host, Machine())  # fed by observe(), never sampled here
            return m.observe(tel, f"{host} (the run's machine, from its journal, {age:.0f} s ago)")
        return self.cockpit.machine.sample()

    def on_live_sampled(self, msg: LiveSampled) -> None:
        self.samples += 1
        p = msg.progress
        with self.app.batch_update():
            self.query_one(ProgressPanel).progress = p
            cluster = self.query_one(ClusterPanel)
            cluster.display = shows_cluster(p)
            cluster.progress = p
            self.query_one(MachinePanel).state = msg.machine
            thr = self.query_one("#live-throughput", SeriesPlot)
            loss = self.query_one("#live-loss", SeriesPlot)
            if p is None:
                thr.set_data([], {}, empty="no run selected")
                loss.set_data([], {}, empty="no run selected")
            else:
                throughput = p.pace.throughput
                xs = [x for x, _, _ in throughput]
                thr.set_data(
                    xs,
                    {
                        "episodes/s": [e for _, e, _ in throughput],
                        "tokens/s (right)": [t for _, _, t in throughput],
                    },
                    empty="no episodes yet",
                    right=("tokens/s (right)",),
                )
                train = p.training.loss if p.training else ()
                lrs = dict(p.training.lr if p.training else ())
                series: dict[str, Sequence[float]] = {"loss": [v for _, v in train]}
                if train and all(s in lrs for s, _ in train):  # the schedule beside the loss
                    series["lr (right)"] = [lrs[s] for s, _ in train]
                loss.set_data(
                    [float(s) for s, _ in train],
                    series,
                    empty="no training steps (an `engine train` run logs them)",
                    right=("lr (right)",) if "lr (right)" in series else (),
                )
        self.loaded()
