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


async def test_a_finished_chain_shows_the_headline_finding(fixture_runs: Path, tmp_path: Path) -> None:
    """After a chain ends (as after `engine demo`), the Runs screen states the store's headline under
    it, with the numbers the Δ screen shows (the cockpit's own report of the store)."""
    recipe, spec, _ = tiny_inputs(tmp_path)
    study = st.plan_study(DATA / "experiments" / "demo.toml", fixture_runs, recipe=recipe, corpus_spec=spec, limit=1)
    st.save_plan(study)
    evs = [{"t": 1.0, "event": "chain_started", "pid": 1}, {"t": 9.0, "event": "chain_ended", "status": "finished"}]
    (study.dir / st.EVENTS_FILE).write_text("".join(json.dumps(e) + "\n" for e in evs))
    app = make_app(fixture_runs)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: f"{study.study_id}  finished" in screen_text(app), what="the finished chain")
        await wait_for(pilot, lambda: "finding on the headline" in screen_text(app), what="the finding line")
        head = app.report.headline
        assert head is not None
        d = app.report.deltas(head)[0]
        text = " ".join(screen_text(app).split())  # the line wraps at the terminal's width
        first = f"Δ {d.config} {d.delta:+.3f} [{d.ci_low:+.3f}, {d.ci_high:+.3f}]"
        assert f"finding on the headline {head}: {first}" in text


def test_the_finding_line_gives_each_delta_and_lift_with_its_ci(tmp_path: Path) -> None:
    """On a store whose pre-registered headline is eligible: the Δ screen's numbers, in one line."""
    from cockpit.screens.runs import finding_line
    from cockpit.viewmodels import report as cockpit_report
    from engine.store.db import Store
    from engine.store.manifest import EXPERIMENT_FILE
    from tests.cockpit.journals import PATHS, write_eval_run

    runs = tmp_path / "runs"
    run = "20250101-000000-study-a1b2"
    write_eval_run(runs, run, hostile=False)
    (runs / run / EXPERIMENT_FILE).write_text(json.dumps({"name": "s", "paths": PATHS, "headline_path": "llm-only"}))
    with Store.open(runs, fallback=None) as store:
        store.ingest()
        view = cockpit_report.compute(store.con, runs, n_boot=200)
    assert view.headline == "llm-only"
    line = finding_line(view).plain
    assert line.startswith("finding on the headline llm-only: ")
    for d in view.deltas("llm-only"):
        assert f"Δ {d.config} {d.delta:+.3f} [{d.ci_low:+.3f}, {d.ci_high:+.3f}]" in line
    for lf in view.lifts("llm-only"):
        assert f"lift {lf.a} {lf.diff:+.3f} [{lf.ci_low:+.3f}, {lf.ci_high:+.3f}]" in line
    assert view.deltas("llm-only") and view.lifts("llm-only")
