"""Live follows every kind of job: a training's lr, tokens/s, step ETA, checkpoints and GPU memory; a
corpus build's teacher calls, verdicts, rows kept and cost (a real offline build); a re-judge's rate,
errors and cost against the projection its run started with."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from cockpit.screens.live import LiveScreen
from engine.events import JudgmentRecorded, RunStarted
from engine.runs import run_status
from engine.store import journal as jr
from engine.store.manifest import RunInfo, read_info, write_info
from tests.cockpit.conftest import SIZE, make_app, ready, wait_for
from tests.cockpit.journals import T0
from tests.cockpit.screen_text import screen_text
from tests.conftest import engine_cmd
from tests.test_study import tiny_inputs

TRAIN = "20250101-010000-train-sft-c3d4"


def write_rejudge(runs: Path, run_id: str = "20250102-000000-judge-mini-0001") -> str:
    j = jr.RunJournal(runs, run_id)
    write_info(j.dir, RunInfo(run_id=run_id, kind="judge", experiment="mini", started_at=T0, pid=None))
    j.emit(RunStarted(run_id, kind="judge", experiment="mini", total_judgments=40, projected_cost_usd=0.02, t=T0))
    for i in range(30):  # 30 judgments in 10 s, 3 of them errors, $0.0005 each
        verdict = "error" if i % 10 == 9 else ("pass" if i % 2 else "fail")
        j.emit(
            JudgmentRecorded(run_id, episode_id=f"e{i}", judge_id="gpt", verdict=verdict, cost_usd=0.0005, t=T0 + i / 3)
        )
    j.close()
    return run_id


async def test_live_shows_each_job_kind(fixture_runs: Path, tmp_path: Path) -> None:
    for step in (20, 40):
        (fixture_runs / TRAIN / "checkpoints" / f"checkpoint-{step}").mkdir(parents=True)
    rejudge = write_rejudge(fixture_runs)
    _, spec, _ = tiny_inputs(tmp_path)
    res = subprocess.run(
        engine_cmd("corpus", "build", str(spec), "--limit", "40", "--runs-dir", str(fixture_runs), "--events", "none"),
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "300"},
    )
    assert res.returncode == 0, res.stderr
    corpus_run = next(d.name for d in jr.run_dirs(fixture_runs) if run_status(d).kind == "corpus")
    app = make_app(fixture_runs)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.select_run(TRAIN, show_live=True)
        await wait_for(pilot, lambda: isinstance(app.screen, LiveScreen) and "training:" in screen_text(app))
        text = screen_text(app)
        assert "training: lr 1.00e-04   tokens/s 900   step ETA –   checkpoints 2 (latest step 40)   GPU mem NA" in text
        assert "lr (right)" in text  # the schedule is drawn beside the loss

        app.select_run(corpus_run)
        await wait_for(pilot, lambda: "corpus:" in screen_text(app), what="the corpus line")
        line = next(ln for ln in screen_text(app).splitlines() if "corpus:" in ln)
        assert "teacher calls 40/40" in line and "verdicts pass 3" in line and "cost $0.0000" in line
        info = read_info(fixture_runs / corpus_run)
        assert info is not None and info.rows_kept is not None
        assert f"rows kept {info.rows_kept}" in line and 0 < info.rows_kept <= 40

        app.select_run(rejudge)
        await wait_for(pilot, lambda: "re-judge:" in screen_text(app), what="the re-judge line")
        line = next(ln for ln in screen_text(app).splitlines() if "re-judge:" in ln)
        assert (
            "judgments/s 3.10" in line
        )  # 30 over 29 intervals of 1/3 s and "verdicts error 3  fail 15  pass 12" in line
        assert "errors 3" in line and "cost $0.0150 of projected $0.0200" in line
