"""A run on a Ray cluster in the cockpit: the Runs screen names each run's executor; Live shows the
run's workers (episodes, tokens/s, judgments each: generation replicas and an LLM judge's replica)
and every host's latest telemetry, the run's own host first.
Worker and host names come from other machines' journals: shown literally, never as markup."""

from __future__ import annotations

import json
from pathlib import Path

from cockpit.screens.live import LiveScreen
from cockpit.screens.runs import RunsScreen
from cockpit.services.tail import RunTail
from engine.events import EpisodeFinished, GpuSample, JudgmentRecorded, RunFinished, RunStarted, TelemetrySampled
from engine.host import this_host
from engine.store import journal as jr
from engine.store.manifest import RunInfo, write_info
from tests.cockpit.conftest import SIZE, make_app, ready, settle, wait_for
from tests.cockpit.journals import T0
from tests.cockpit.screen_text import screen_text
from tests.cockpit.test_hostile import _assert_inert

RAY_RUN = "20250103-000000-rayx-0001"
EVIL = "\u202e[@click=app.quit]Q[/]"  # a worker's node
EVIL_HOST = "\x1b]8;;h\x07L\x1b]8;;\x07"  # a host's telemetry
WORKERS = {  # worker -> (episodes at 1 s steps, tokens out each)
    "rayx:smol-1@node-a": (10, 50),
    "rayx:smol-2@node-b": (5, 40),
    f"rayx:smol-3@{EVIL}": (2, 10),
}
JUDGE_WORKER = "rayx:judge-llm-1@node-a"  # an LLM judge's replica: it judges, generates no episode


def _tel(host: str, cpu: float, t: float, gpus: tuple[GpuSample, ...] = ()) -> TelemetrySampled:
    return TelemetrySampled(
        RAY_RUN, cpu_pct=cpu, ram_used_gb=3.0, ram_total_gb=24.0, gpus=gpus, gpu_status="ok" if gpus else "no GPU",
        host=host, t=t,
    )  # fmt: skip


def write_ray_run(runs: Path) -> None:
    j = jr.RunJournal(runs, RAY_RUN)
    write_info(j.dir, RunInfo(run_id=RAY_RUN, kind="eval", experiment="rayx", started_at=T0, pid=1))
    (j.dir / "options.json").write_text(json.dumps({"executor": "ray", "address": None}))  # as the runner writes it
    j.emit(RunStarted(RAY_RUN, kind="eval", experiment="rayx", configs=("smol",), total_episodes=20, t=T0))
    n = 0
    for worker, (count, toks) in WORKERS.items():
        step = 10 / count
        for i in range(count):
            n += 1
            j.emit(
                EpisodeFinished(
                    RAY_RUN, episode_id=f"e{n}", config_id="smol", task_id=f"t{n}", condition="curated", sample=0,
                    tokens_in=10, tokens_out=toks, latency_s=1.0, cost_usd=0.0, worker=worker, t=T0 + (i + 1) * step,
                )
            )  # fmt: skip
    for i in range(3):
        j.emit(
            JudgmentRecorded(
                RAY_RUN, episode_id=f"e{i + 1}", judge_id="llm", verdict="pass", worker=JUDGE_WORKER, t=T0 + 9 + i / 10
            )
        )
    j.emit(JudgmentRecorded(RAY_RUN, episode_id="e1", judge_id="extractor", verdict="pass", t=T0 + 9))  # the driver
    gpu = (GpuSample(0, "H200", 87.0, 40.5, 141.0, 60.0, 300.0),)
    # the workers' nodes first and last: the run's own host is listed first all the same
    j.emit(_tel("node-b", 90.0, T0 + 9, gpu))
    j.emit(_tel(this_host(), 12.0, T0 + 9.5))
    j.emit(_tel("node-a", 55.0, T0 + 9.6, gpu))
    j.emit(_tel("node-a", 66.0, T0 + 9.8, gpu))  # the latest reading of a host replaces the older one
    j.emit(_tel(EVIL_HOST, 1.0, T0 + 9.9))
    j.emit(RunFinished(RAY_RUN, episodes=17, judgments=0, wall_s=10.0, t=T0 + 10))
    j.close()


def test_tail_counts_each_worker_and_keeps_each_hosts_latest_reading(tmp_path: Path) -> None:
    write_ray_run(tmp_path)
    tail = RunTail(tmp_path / RAY_RUN)
    tail.poll()
    p = tail.progress()
    assert p.executor == "ray"
    got = {w.worker: (w.episodes, w.tokens_out, w.tokens_per_s, w.judgments) for w in p.workers}
    # a finished run: each worker's rate over its own last 30 s, from the run's start; the judge's
    # replica has judgments and no rate
    assert got == {
        "rayx:smol-1@node-a": (10, 500, 50.0, 0),
        "rayx:smol-2@node-b": (5, 200, 20.0, 0),
        f"rayx:smol-3@{EVIL}": (2, 20, 2.0, 0),
        JUDGE_WORKER: (0, 0, None, 3),
    }
    assert [(h.host, h.cpu_pct) for h in p.hosts] == [
        (this_host(), 12.0),
        (EVIL_HOST, 1.0),
        ("node-a", 66.0),
        ("node-b", 90.0),
    ]
    assert p.telemetry is not None and p.telemetry.host == this_host()  # the machine panel: the run's own


def test_a_local_run_has_no_workers_and_says_local(fixture_runs: Path) -> None:
    tail = RunTail(fixture_runs / "20250101-000000-study-a1b2")
    tail.poll()
    p = tail.progress()
    assert p.workers == () and p.executor == "local"


async def test_runs_and_live_show_the_cluster_literally(fixture_runs: Path) -> None:
    write_ray_run(fixture_runs)
    app = make_app(fixture_runs)
    async with app.run_test(size=(200, 60)) as pilot:
        await ready(pilot)
        assert isinstance(app.screen, RunsScreen)
        lines = screen_text(app).splitlines()
        assert any(RAY_RUN in ln and " ray " in ln for ln in lines)
        assert any("20250101-010000-train-sft-c3d4" in ln and " local " in ln for ln in lines)

        app.select_run(RAY_RUN, show_live=True)
        await wait_for(pilot, lambda: isinstance(app.screen, LiveScreen) and "workers (4)" in screen_text(app))
        await settle(pilot)
        text = screen_text(app)
        rows = {ln.split()[1]: ln.split()[2:] for ln in text.splitlines() if "rayx:smol-" in ln or "rayx:judge" in ln}
        assert rows["rayx:smol-1@node-a"][:3] == ["10", "50.0", "0"]
        assert rows["rayx:smol-2@node-b"][:3] == ["5", "20.0", "0"]
        assert rows[JUDGE_WORKER][:3] == ["0", "–", "3"]
        host_lines = [ln for ln in text.splitlines() if "%" in ln and "/24" in ln]
        assert "▸ " + this_host() in host_lines[0]  # the run's own host first, marked
        assert "node-a" in host_lines[2] and "66.0%" in host_lines[2] and "0: 87% 40.5/141 GB" in host_lines[2]
        _assert_inert(app, expect=("rayx:smol-3@\\u202e[@click=app.quit]…", "  ␛]8;;h␇L␛]8;;␇ "))


async def test_live_of_a_local_run_shows_no_cluster_panel(fixture_runs: Path) -> None:
    app = make_app(fixture_runs)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.select_run("20250101-000000-study-a1b2", show_live=True)
        await wait_for(pilot, lambda: isinstance(app.screen, LiveScreen) and app.screen.samples > 0)
        await settle(pilot)
        assert not app.screen.query_one("#live-cluster").display
        assert "workers (" not in screen_text(app)


def test_the_panel_names_workers_without_their_run_id() -> None:
    """Actor names start with the run id (`<run>:smol-1`, `<run>:judge-llm-1`): long enough to cut the
    part that says which pool and which node. The panel's header names the run; rows leave it out."""
    from cockpit.viewmodels.run_progress import RunProgress, WorkerProgress
    from cockpit.widgets.workers import render_cluster

    workers = (
        WorkerProgress(f"{RAY_RUN}:judge-smol-judge-1@node-b", 0, 0, None, T0, judgments=12),
        WorkerProgress(f"{RAY_RUN}:smol-1@node-a", 12, 400, 13.8, T0),
    )
    text = render_cluster(RunProgress(RAY_RUN, workers=workers), now=T0 + 5).plain
    assert "judge-smol-judge-1@node-b" in text
    assert "smol-1@node-a" in text
    assert RAY_RUN not in text
