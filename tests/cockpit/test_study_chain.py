"""The Runs screen shows a study chain as a tree with each job's state; x cancels it (SIGTERM to the
chain), R refuses to resume a running one; on Live, j steps through the chain's jobs."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from cockpit.screens.live import LiveScreen
from engine import study as st
from tests.cockpit.conftest import SIZE, make_app, ready, settle, wait_for
from tests.cockpit.screen_text import screen_text
from tests.test_study import DATA, tiny_inputs


def notes(app: Any) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_chain_tree_cancel_and_next_job(fixture_runs: Path, tmp_path: Path) -> None:
    recipe, spec, _ = tiny_inputs(tmp_path)
    study = st.plan_study(DATA / "experiments" / "demo.toml", fixture_runs, recipe=recipe, corpus_spec=spec, limit=1)
    st.save_plan(study)
    base, train = study.job("base-eval"), study.job("train-smollm2-135m")
    for job in (base, train):
        (fixture_runs / str(job.run_id)).mkdir()
    chain = subprocess.Popen(["sleep", "120"])  # stands for the chain process and its job in flight
    try:
        evs = [
            {"t": 1.0, "event": "chain_started", "pid": chain.pid},
            {"t": 2.0, "event": "job_started", "job": "base-eval", "pid": chain.pid, "run_id": base.run_id},
        ]
        (study.dir / st.EVENTS_FILE).write_text("".join(json.dumps(e) + "\n" for e in evs))
        app = make_app(fixture_runs)
        async with app.run_test(size=SIZE) as pilot:
            await ready(pilot)
            await wait_for(pilot, lambda: study.study_id in screen_text(app), what="the chain tree")
            text = screen_text(app)
            assert f"{study.study_id}  running" in text
            lines = {ln.split()[1]: ln for ln in text.splitlines() if ln.strip().startswith(("├─", "└─"))}
            assert list(lines) == ["base-eval", "corpus", "train-smollm2-135m", "sft-eval", "report"]
            assert "running" in lines["base-eval"]
            assert str(base.run_id) in lines["base-eval"]
            assert all("waiting" in lines[j] for j in ("corpus", "train-smollm2-135m", "sft-eval", "report"))

            await pilot.press("R")
            await wait_for(pilot, lambda: any("is still running" in m for m in notes(app)), what="resume refused")

            await pilot.press("2")
            await wait_for(pilot, lambda: isinstance(app.screen, LiveScreen))
            await pilot.press("j")  # the running job first
            await wait_for(pilot, lambda: app.selected_run == base.run_id, what="the running job")
            await pilot.press("j")  # then the chain's other jobs with a run
            await wait_for(pilot, lambda: app.selected_run == train.run_id, what="the next job")
            await pilot.press("j")
            await wait_for(pilot, lambda: app.selected_run == base.run_id, what="wrapping around")

            await pilot.press("1")
            await settle(pilot)
            await pilot.press("x")
            await wait_for(pilot, lambda: chain.poll() is not None, what="SIGTERM to the chain")
            assert chain.returncode == -15
            assert any(f"sent SIGTERM to study {study.study_id}" in m for m in notes(app))
            app.refresh_runs()  # the periodic poll is off in tests
            await wait_for(pilot, lambda: f"{study.study_id}  interrupted" in screen_text(app), what="new state")
    finally:
        chain.kill()
        chain.wait()
