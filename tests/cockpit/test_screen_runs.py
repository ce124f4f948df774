"""Pilot tests: the Runs screen, driven by keys as a person would, on fixture journals."""

from __future__ import annotations

from pathlib import Path

from cockpit.screens.runs import RunsScreen
from tests.cockpit.conftest import SIZE, make_app, ready, settle, wait_for
from tests.cockpit.screen_text import screen_text


async def test_opens_on_runs_and_lists_every_run(fixture_runs: Path) -> None:
    app = make_app(fixture_runs)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert isinstance(app.screen, RunsScreen)
        text = screen_text(app)
        for rid, status in (
            ("20250101-000000-study-a1b2", "finished"),
            ("20250101-010000-train-sft-c3d4", "finished"),
            ("20250101-020000-study-e5f6", "interrupted"),
        ):
            line = next(ln for ln in text.splitlines() if rid in ln)
            assert status in line
        assert "160/160" in text  # episodes done/total of the study run
        assert "1 Runs" in text
        assert "? Help" in text  # bindings in the footer


async def test_runs_screen_names_the_host_of_a_remote_run(tmp_path: Path) -> None:
    import subprocess

    from tests.test_remote_runs import RUN, _remote_run

    runs = tmp_path / "runs"
    bystander = subprocess.Popen(["sleep", "60"])
    try:
        _remote_run(runs, bystander.pid, host="gpu-box-7")
        app = make_app(runs)
        async with app.run_test(size=SIZE) as pilot:
            await ready(pilot)
            await wait_for(pilot, lambda: any(r.run_id == RUN for r in app.runs), what="the remote run listed")
            await settle(pilot)
            assert "running @gpu-box-7" in screen_text(app)
            app.selected_run = RUN
            await pilot.press("c")  # cancel is refused with the reason; the local pid is not signalled
            await wait_for(
                pilot,
                lambda: any("gpu-box-7" in str(n.message) for n in app._notifications),
                what="the refusal",
            )
            assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()
