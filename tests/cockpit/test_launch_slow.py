"""Launch a real run from the cockpit (SmolLM2 on CPU through `engine run`), cancel it, resume it, and
watch it finish; the cockpit holds the store, so the run's episodes arrive through the cockpit's ingest."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest

from cockpit.screens.launch import LaunchScreen
from cockpit.screens.live import LiveScreen
from cockpit.widgets.panels import ProgressPanel
from engine.host import pid_alive
from engine.store.manifest import read_info
from tests.cockpit.conftest import SIZE, make_app, settle, wait_for
from tests.cockpit.screen_text import screen_text


@pytest.mark.slow
async def test_launch_cancel_resume_and_watch_a_real_run_finish(tmp_path: Path, mini_experiment: Path) -> None:
    runs = tmp_path / "runs"
    runs.mkdir()
    app = make_app(runs, background=True, ingest_interval=0.5, runs_interval=0.25, live_interval=0.25)
    run_id = None
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: app.service.is_open, what="store open")
            await pilot.press("n")
            await wait_for(pilot, lambda: isinstance(app.screen, LaunchScreen))
            form = app.screen
            form.query_one("#launch-path").value = str(mini_experiment)
            form.query_one("#launch-path").focus()
            await pilot.press("enter")
            await wait_for(pilot, lambda: form.choice is not None and form.choice.name == "mini")
            await settle(pilot)
            form.query_one("#launch-limit").value = "2"
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: not isinstance(app.screen, LaunchScreen))
            await wait_for(pilot, lambda: bool(app.selected_run) and app.selected_run.startswith("20"), what="run id")
            run_id = app.selected_run
            await wait_for(
                pilot,
                lambda: any(r.run_id == run_id for r in app.runs) or any(p.run_id == run_id for p in app.pending),
                what="the run listed",
            )
            # cancel as soon as the engine runs it (clean stop: RunCancelled, resumable)
            await wait_for(
                pilot,
                lambda: any(r.run_id == run_id and r.status == "running" for r in app.runs),
                timeout=120,
                what="running",
            )
            await pilot.press("c")
            await wait_for(
                pilot,
                lambda: any(r.run_id == run_id and r.status == "cancelled" for r in app.runs),
                timeout=180,
                what="cancelled",
            )
            await pilot.press("r")
            await wait_for(
                pilot,
                lambda: any(r.run_id == run_id and r.status == "running" for r in app.runs),
                timeout=60,
                what="running again",
            )
            await pilot.press("2")
            await wait_for(
                pilot,
                lambda: any(r.run_id == run_id and r.status == "finished" for r in app.runs),
                timeout=300,
                what="finished",
            )
            await wait_for(pilot, lambda: isinstance(app.screen, LiveScreen) and app.screen.samples > 0)

            def live_progress() -> Any:
                return app.screen.query_one(ProgressPanel).progress if isinstance(app.screen, LiveScreen) else None

            # the Live panel catches up on its next tick (the "finished –" label alone proves nothing)
            await wait_for(
                pilot,
                lambda: (p := live_progress()) is not None and p.run_id == run_id and p.status == "finished",
                timeout=30,
                what="live shows finished",
            )
            await settle(pilot)
            text = screen_text(app)
            assert "episodes 4/4" in text, text
            assert f"run {run_id}  finished" in text, text
            # the cockpit held the store: the run skipped its own ingest and the cockpit's brought its rows in
            await wait_for(
                pilot,
                lambda: app.service.query("SELECT count(*) FROM episodes WHERE run_id = ?", [run_id])[0][0] == 4,
                timeout=30,
                what="ingest",
            )
            assert app.service.query("SELECT count(*) FROM judgments WHERE run_id = ?", [run_id])[0][0] >= 4
            assert (runs / run_id / "launch.log").exists()
    finally:
        if run_id:
            pid = getattr(read_info(runs / run_id), "pid", None)
            if pid and pid_alive(pid):
                os.kill(pid, signal.SIGKILL)
