"""Run the embedded study chain from the cockpit: start it from the launch form's "Run the study" tab,
close the cockpit mid-training while the chain and its training are killed (a crash), reopen the
cockpit, resume the chain with R, and watch it continue to the report."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from cockpit.screens import jobs
from cockpit.screens.launch import LaunchScreen
from cockpit.screens.live import LiveScreen
from engine import study as st
from tests.cockpit.conftest import SIZE, make_app, settle, wait_for
from tests.cockpit.screen_text import screen_text
from tests.test_study import tiny_experiment, tiny_inputs


def chain_pid(runs: Path, study_id: str) -> int | None:
    try:
        return st.chain_pid(st.events(st.load_study(runs, study_id)))
    except ValueError:
        return None


@pytest.mark.slow
@pytest.mark.timeout(1800)  # a whole chain twice over: minutes on 2 shared cores
async def test_study_from_the_cockpit_survives_a_crash_mid_training(tmp_path: Path) -> None:
    recipe, spec, corpus = tiny_inputs(tmp_path, max_steps=4)
    runs = tmp_path / "runs"
    runs.mkdir()
    fast = {"background": True, "ingest_interval": 0.5, "runs_interval": 0.25, "live_interval": 0.25}
    app = make_app(runs, **fast)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.service.is_open, what="store open")
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, LaunchScreen))
        app.screen.show_tab("study")
        await settle(pilot)
        form = app.screen.query_one(jobs.StudyForm)
        form.set_values(experiment=str(tiny_experiment(tmp_path)), recipe=str(recipe), corpus=str(spec), limit="1")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, LaunchScreen), what="the chain started")
        study_id = str(app.selected_run)
        assert study_id.startswith("tiny-study-")
        plan = runs / st.STUDIES / study_id / st.PLAN_FILE
        await wait_for(pilot, plan.exists, timeout=60, what="the chain's plan")  # written by the chain process
        study = st.load_study(runs, study_id)
        train = study.job("train-smollm2-135m")
        ckpts = runs / str(train.run_id) / "checkpoints"
        await wait_for(pilot, lambda: f"{study_id}  running" in screen_text(app), timeout=60, what="tree: running")
        await wait_for(
            pilot, lambda: bool(list(ckpts.glob("checkpoint-*/trainer_state.json"))), timeout=900, what="mid-training"
        )
        # Live follows the chain's running job: the training, with its loss and schedule
        await pilot.press("2")
        await wait_for(pilot, lambda: isinstance(app.screen, LiveScreen))
        await pilot.press("j")
        await wait_for(pilot, lambda: app.selected_run == train.run_id, what="j: the running training")
        await wait_for(pilot, lambda: "training: lr" in screen_text(app), what="the training line")
    # the cockpit is closed; the chain (detached) and its training die as in a crash
    pid = chain_pid(runs, study_id)
    assert pid is not None
    os.killpg(pid, signal.SIGKILL)
    deadline = time.time() + 30  # SIGKILL is asynchronous: each process of the group dies in its own time
    while time.time() < deadline and (
        st.job_states(study)["train-smollm2-135m"] == "running" or st.chain_status(study) == "running"
    ):
        time.sleep(0.1)
    assert st.job_states(study)["train-smollm2-135m"] != "running"
    assert st.chain_status(study) == "interrupted"

    app = make_app(runs, **fast)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: f"{study_id}  interrupted" in screen_text(app), timeout=60, what="reopened")
        await pilot.press("R")
        await wait_for(pilot, lambda: st.chain_status(study) == "running", timeout=60, what="resumed")
        await wait_for(pilot, lambda: f"{study_id}  finished" in screen_text(app), timeout=1200, what="finished")
        lines = [ln for ln in screen_text(app).splitlines() if ln.strip().startswith(("├─", "└─"))]
        assert [ln.split()[1] for ln in lines] == ["base-eval", "corpus", "train-smollm2-135m", "sft-eval", "report"]
        assert all(ln.split()[3] == "done" for ln in lines), lines
    report = (study.dir / st.REPORT_FILE).read_text()
    assert "SFT lift" in report
    assert "smollm2-135m-sft" in report
    started = [e["job"] for e in st.events(study) if e["event"] == "job_started"]
    assert started == ["base-eval", "corpus", "train-smollm2-135m", "train-smollm2-135m", "sft-eval", "report"]
    result = json.loads((runs / str(train.run_id) / "result.json").read_text())
    assert result["step"] == 4
    assert (result["resumed_from"] or 0) >= 1
    assert corpus.exists()
