"""Pilot tests: the Live screen (progress, machine, loss) on fixture journals."""

from __future__ import annotations

from pathlib import Path

from cockpit.screens.live import LiveScreen
from cockpit.widgets.panels import MachinePanel, ProgressPanel
from engine.tally import EvalProgress, TrainProgress
from tests.cockpit.conftest import SIZE, make_app, ready, settle, wait_for
from tests.cockpit.screen_text import screen_text


async def test_live_shows_progress_machine_and_loss(fixture_runs: Path) -> None:
    app = make_app(fixture_runs)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.select_run("20250101-000000-study-a1b2", show_live=True)
        await wait_for(pilot, lambda: isinstance(app.screen, LiveScreen) and app.screen.samples > 0)
        await settle(pilot)
        p = app.screen.query_one(ProgressPanel).progress
        assert p is not None
        assert isinstance(p.job, EvalProgress)
        assert p.job.episodes_done == p.job.episodes_total == 160
        assert p.status == "finished"
        assert p.pace.episodes_per_s
        assert p.pace.episodes_per_s > 0
        text = screen_text(app)
        assert "episodes 160/160" in text
        assert "GPU" in text
        assert "no GPU" in text  # the fixed sampler has no GPU
        app.select_run("20250101-010000-train-sft-c3d4")
        await wait_for(pilot, lambda: (app.screen.query_one(ProgressPanel).progress or p).run_id.endswith("c3d4"))
        p2 = app.screen.query_one(ProgressPanel).progress
        assert p2 is not None
        assert isinstance(p2.job, TrainProgress) and p2.training is not None  # a training has no episodes
        assert len(p2.training.loss) == 40
        assert p2.training.loss[-1][1] < p2.training.loss[0][1]
        assert p2.job.loss == p2.training.loss[-1][1]
        assert app.screen.query_one(MachinePanel).state is not None


async def test_live_shows_each_gpu(fixture_runs: Path) -> None:
    from cockpit.services.machine import fixed_sampler
    from engine.events import GpuSample

    gpus = (
        GpuSample(0, "NVIDIA H100 80GB HBM3", 87.0, 61.5, 79.6, 64.0, 512.0),
        GpuSample(1, "NVIDIA H100 80GB HBM3", None, None, 79.6, None, None),
    )
    app = make_app(fixture_runs, sampler=fixed_sampler(gpus=gpus))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("2")
        await wait_for(pilot, lambda: isinstance(app.screen, LiveScreen) and app.screen.samples > 0)
        await settle(pilot)
        text = screen_text(app)
        assert "GPU0" in text
        assert "util  87.0%" in text
        assert "mem 61.5/79.6 GB" in text
        assert "64°C" in text
        assert "512 W" in text
        assert "GPU1" in text
        assert "util –%" in text  # a reading NVML could not take shows as NA
        assert "no GPU" not in text


def test_real_nvml_or_a_clear_no_gpu_state() -> None:
    """Whatever the machine: engine.telemetry gives per-GPU samples or a 'no GPU' status, never raises."""
    from cockpit.services.machine import Machine

    st = Machine().sample()
    assert st.sample.gpus or st.sample.gpu_status
    assert 0.0 <= st.sample.cpu_pct <= 100.0 * 64


async def test_live_shows_the_run_machine_when_it_runs_elsewhere(tmp_path: Path) -> None:
    """A run on another host (shared runs directory) journals its own readings: Live shows those,
    labelled with the host (literally); stale readings fall back to this machine."""
    import os
    import time
    from dataclasses import asdict

    from cockpit.services.machine import fixed_sampler
    from engine.events import GpuSample, TelemetrySampled
    from engine.store import journal as jr
    from engine.store.manifest import read_info
    from tests.cockpit.journals import write_eval_run

    runs = tmp_path / "runs"
    run_id = "20250101-030000-remote-a9b8"
    write_eval_run(runs, run_id, n_per_skill=1, finished=False, hostile=False, pid=os.getpid())
    info = read_info(runs / run_id)  # as if the run's own process wrote it over there
    assert info is not None
    (runs / run_id / jr.RUN_FILE).write_text(jr.dumps({**asdict(info), "host": "gpu-box-7[bold]"}) + "\n")
    gpu = GpuSample(0, "NVIDIA H200", 93.0, 120.5, 139.8, 71.0, 640.0)

    def journal_sample(host: str, age: float) -> None:
        j = jr.RunJournal(runs, run_id)
        try:
            j.emit(
                TelemetrySampled(
                    run_id,
                    cpu_pct=55.0,
                    ram_used_gb=40.0,
                    ram_total_gb=128.0,
                    gpus=(gpu,),
                    gpu_status="ok",
                    host=host,
                    t=time.time() - age,
                )
            )
        finally:
            j.close()

    journal_sample("gpu-box-7[bold]", 1.0)
    app = make_app(runs, sampler=fixed_sampler())  # this machine: no GPU
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.select_run(run_id, show_live=True)
        await wait_for(pilot, lambda: isinstance(app.screen, LiveScreen) and app.screen.samples > 0)
        panel = app.screen.query_one(MachinePanel)
        await wait_for(pilot, lambda: panel.state is not None and panel.state.source != "", what="remote readings")
        await settle(pilot)
        text = screen_text(app)
        assert "machine gpu-box-7[bold] (the run's machine" in text  # the host name shown literally
        assert "GPU0" in text
        assert "util  93.0%" in text
        assert "mem 120.5/139.8 GB" in text
        assert "640 W" in text
        assert "no GPU" not in text
        # the run's readings go stale (say its host dropped off the share): this machine again
        journal_sample("gpu-box-7[bold]", 120.0)
        await wait_for(pilot, lambda: panel.state is not None and panel.state.source == "", what="local readings")
        await settle(pilot)
        text = screen_text(app)
        assert "gpu-box-7" not in text
        assert "no GPU" in text
