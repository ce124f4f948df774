"""Pilot tests: every screen, driven by keys as a person would, on fixture journals."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Input, TextArea

from cockpit.screens.adjudicate import AdjudicateScreen
from cockpit.screens.audit import AuditScreen
from cockpit.screens.delta import DeltaScreen
from cockpit.screens.disagreements import DisagreementsScreen
from cockpit.screens.episodes import EpisodesScreen
from cockpit.screens.help import HelpScreen
from cockpit.screens.judges import JudgesScreen
from cockpit.screens.launch import LaunchScreen
from cockpit.screens.live import LiveScreen
from cockpit.screens.query import QueryScreen
from cockpit.screens.runs import RunsScreen
from cockpit.screens.sidebyside import SideBySideScreen
from cockpit.widgets.panels import MachinePanel, ProgressPanel
from cockpit.widgets.picker import Picker
from cockpit.widgets.table import SafeTable
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


async def test_every_screen_is_reachable_by_key(fixture_runs: Path) -> None:
    app = make_app(fixture_runs)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        for key, cls in (
            ("2", LiveScreen),
            ("3", EpisodesScreen),
            ("4", JudgesScreen),
            ("5", DeltaScreen),
            ("6", QueryScreen),
            ("1", RunsScreen),
        ):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, cls), key
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "Runs, Live, Episodes, Judges" in screen_text(app)  # the keys come first
        app.screen.query_one("#help-box").scroll_end(animate=False)  # the store tables last
        await pilot.pause()
        assert "judgments" in screen_text(app)
        await pilot.press("escape")
        assert isinstance(app.screen, RunsScreen)


async def test_help_documents_the_store_tables(fixture_runs: Path) -> None:
    app = make_app(fixture_runs)
    async with app.run_test(size=(160, 200)) as pilot:
        await ready(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        text = screen_text(app)
        for table in ("runs", "configs", "episodes", "judgments", "telemetry", "train_steps"):
            assert f"{table}  (" in text, table
        assert "An error is never a fail" in text  # a schema.py comment, shown to users


async def test_command_palette_switches_screens(fixture_runs: Path) -> None:
    app = make_app(fixture_runs)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"go to judges")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, JudgesScreen)


async def test_live_shows_progress_machine_and_loss(fixture_runs: Path) -> None:
    app = make_app(fixture_runs)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.select_run("20250101-000000-study-a1b2", show_live=True)
        await wait_for(pilot, lambda: isinstance(app.screen, LiveScreen) and app.screen.samples > 0)
        await settle(pilot)
        p = app.screen.query_one(ProgressPanel).progress
        assert p is not None
        assert p.done_episodes == p.total_episodes == 160
        assert p.status == "finished"
        assert p.episodes_per_s
        assert p.episodes_per_s > 0
        text = screen_text(app)
        assert "episodes 160/160" in text
        assert "GPU" in text
        assert "no GPU" in text  # the fixed sampler has no GPU
        app.select_run("20250101-010000-train-sft-c3d4")
        await wait_for(pilot, lambda: (app.screen.query_one(ProgressPanel).progress or p).run_id.endswith("c3d4"))
        p2 = app.screen.query_one(ProgressPanel).progress
        assert p2 is not None
        assert len(p2.train) == 40
        assert p2.train[-1][1] < p2.train[0][1]
        assert app.screen.query_one(MachinePanel).state is not None


async def test_episodes_verdicts_always_visible(fixture_runs: Path) -> None:
    """At 160 columns every judge's verdict is on screen: one compact mark per judge, with a legend;
    a batch's latency is marked as such; a completion aimed at the judge shows its flag."""
    app = make_app(fixture_runs)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("3")
        await settle(pilot)
        scr = app.screen
        assert isinstance(scr, EpisodesScreen)
        await wait_for(pilot, lambda: bool(scr.rows) and scr.rows[0].verdicts is not None)
        text = screen_text(app)
        assert "verdicts: claude · extractor · lenient  ✓ pass ✗ fail ! error · none" in text
        line = next(ln for ln in text.splitlines() if "q0.8b" in ln and "add-h1" in ln and "no_skill" in ln)
        v = scr.rows[0].verdicts or {}
        expect = " ".join({"pass": "✓", "fail": "✗", "error": "!"}[v[j]] for j in ("claude", "extractor", "lenient"))
        assert expect in line, (expect, line)
        scr.query_one("#f-config_id", Picker).value = "q0.8b-sft"
        await wait_for(pilot, lambda: bool(scr.rows) and scr.rows[0].config_id == "q0.8b-sft")
        assert "0.25 b" in screen_text(app)  # the whole batch's latency, marked
        scr.query_one("#f-config_id", Picker).value = "q2b"
        await wait_for(pilot, lambda: bool(scr.rows) and scr.rows[0].config_id == "q2b")
        line = next(ln for ln in screen_text(app).splitlines() if "reverse-h1" in ln and "no_skill" in ln)
        assert "verdict" in line.split("no_skill", 1)[1]


async def test_episodes_filter_and_side_by_side(fixture_runs: Path) -> None:
    app = make_app(fixture_runs)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("3")
        await settle(pilot)
        scr = app.screen
        assert isinstance(scr, EpisodesScreen)
        assert scr.total == 160
        scr.query_one("#f-config_id", Picker).value = "q2b"
        await settle(pilot)
        scr.query_one("#f-judge_id", Picker).value = "claude"
        scr.query_one("#f-verdict", Picker).value = "fail"
        await settle(pilot)
        assert scr.rows
        assert all(r.config_id == "q2b" and r.verdicts and r.verdicts["claude"] == "fail" for r in scr.rows)
        n_fail = scr.total
        assert n_fail is not None
        assert 0 < n_fail < 32
        scr.query_one("#f-condition", Picker).value = "curated"
        await settle(pilot)
        assert all(r.condition == "curated" for r in scr.rows)
        table = scr.query_one("#ep-table", SafeTable)
        table.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SideBySideScreen) and app.screen.loads > 0)
        sbs = app.screen
        assert sbs.pair is not None
        assert sbs.pair.left is not None
        assert sbs.pair.right is not None
        assert sbs.pair.left.condition == "no_skill"
        assert sbs.pair.right.condition == "curated"
        assert sbs.pair.left.task_id == sbs.pair.right.task_id
        text = screen_text(app)
        assert "skill block (in this prompt)" in text
        assert "skill block (not in this prompt)" in text
        assert "claude (llm)" in text
        assert "tokens in/out" in text
        await pilot.press("m")  # base vs SFT for the same condition
        await wait_for(pilot, lambda: sbs.loads > 1)
        assert sbs.pair.mode == "sft"
        assert sbs.pair.left.config_id == "q2b"
        assert sbs.pair.right.config_id == "q2b-sft"
        await pilot.press("escape")
        assert isinstance(app.screen, EpisodesScreen)
        await pilot.press("x")
        await settle(pilot)
        assert scr.total == 160


async def test_flips_sorted_by_skill_open_side_by_side(fixture_runs: Path) -> None:
    app = make_app(fixture_runs)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("t")
        scr = app.screen
        scr.query_one("#flip-config", Picker).value = "q2b-sft"
        scr.query_one("#flip-judge", Picker).value = "claude"
        await settle(pilot)
        table = scr.query_one("#flip-table", SafeTable)
        assert table.row_count > 0
        skills = [table.get_row_at(i)[0].plain for i in range(table.row_count)]
        assert skills == sorted(skills)
        scr.query_one("#flip-mode", Picker).value = "sft"
        await settle(pilot)
        assert "q2b curated" in screen_text(app)
        assert "q2b-sft curated" in screen_text(app)
        table.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SideBySideScreen) and app.screen.loads > 0)
        assert app.screen.pair is not None
        assert app.screen.pair.mode == "sft"


async def test_judges_kappa_and_format(fixture_runs: Path) -> None:
    app = make_app(fixture_runs)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("4")
        await settle(pilot)
        text = screen_text(app)
        assert "κ 95% CI" in text
        assert "A✓B✓" in text
        assert "Δ shift" in text
        assert "extractor  lenient" in text
        await pilot.press("t")
        await settle(pilot)
        text = screen_text(app)
        assert "ANSWER: line" in text
        assert "gap diff" in text


async def test_audit_walk_measures_judges_against_people(fixture_runs: Path) -> None:
    """`engine judge --audit N` draws a sample; Judges → a walks it blind (p/f, then on to the next
    open episode); the Human tab then shows each judge's precision / recall / accuracy."""
    from engine.store import audit as audits
    from engine.store.db import Store

    with Store.open(fixture_runs) as store:
        store.ingest()
        sample = audits.draw(store.con, 6, seed=1)
        audits.record(fixture_runs, sample)
    app = make_app(fixture_runs)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AuditScreen) and app.screen.loads > 0)
        walk = app.screen
        assert [e.episode_id for e in walk.entries] == [i.episode_id for i in sample.items]
        text = screen_text(app)
        assert f"audit {sample.audit_id}" in text
        assert "0/6 adjudicated" in text
        assert "judges' verdicts hidden" in text
        assert "gold:" in text  # blind by default
        first = walk.entries[0].episode_id
        for key in ("p", "f"):
            await pilot.press(key)
            await wait_for(pilot, lambda: isinstance(app.screen, AdjudicateScreen))
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, AuditScreen))
        await wait_for(pilot, lambda: sum(1 for e in walk.entries if e.human) == 2, what="two verdicts")
        assert walk.entries[0].human == "pass"
        assert walk.entries[1].human == "fail"  # it walked on by itself
        assert walk._current().episode_id == walk.entries[2].episode_id
        await pilot.press("v")
        assert "judges: claude" in screen_text(app) or "judges: extractor" in screen_text(app)
        assert "2/6 adjudicated" in screen_text(app)
        await pilot.press("escape")
        await wait_for(
            pilot,
            lambda: app.report is not None and bool(app.report.judge_accuracy()),
            what="judges against the human verdicts",
        )
        await pilot.press("t", "t")
        await settle(pilot)
        text = screen_text(app)
        assert "judges against the audit sample" in text
        assert "2 episodes used of 2 adjudicated" in text
        assert "precision" in text
        assert "Se + Sp − 1" in text
        recs = [json.loads(x) for x in (fixture_runs / "human" / "judgments.jsonl").read_text().splitlines()]
        assert [(r["episode_id"], r["verdict"]) for r in recs][:1] == [(first, "pass")]


async def test_adjudicate_a_disagreement_changes_kappa(fixture_runs: Path) -> None:
    app = make_app(fixture_runs)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("4")
        await settle(pilot)
        assert not any("human" in (a.judge_a, a.judge_b) for a in app.report.agreement())
        table = app.screen.query_one("#judges-table", SafeTable)
        table.focus()
        await pilot.press("enter")  # first row: q0.8b extractor vs lenient
        await wait_for(pilot, lambda: isinstance(app.screen, DisagreementsScreen) and app.screen.loads > 0)
        dis = app.screen
        assert dis.total > 0
        assert dis.rows
        before = app.report.version
        for n_done, verdict_key in enumerate(("p", "f"), start=1):
            await pilot.press(verdict_key)
            await wait_for(pilot, lambda: isinstance(app.screen, AdjudicateScreen))
            await pilot.press(*"checked by hand")
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, DisagreementsScreen))
            await wait_for(pilot, lambda n=n_done: len(dis.human) >= n, what="adjudication")
            await pilot.press("down")
        journal = fixture_runs / "human" / "judgments.jsonl"
        assert journal.exists()
        assert len(journal.read_text().splitlines()) == 2
        assert (fixture_runs / "human" / "run.json").exists()
        await wait_for(
            pilot,
            lambda: (
                app.report is not None
                and app.report.version > before
                and any("human" in (a.judge_a, a.judge_b) for a in app.report.agreement())
            ),
            what="κ with the human judge",
        )
        human_rows = [a for a in app.report.agreement() if "human" in (a.judge_a, a.judge_b)]
        assert human_rows
        assert all(a.n >= 1 for a in human_rows)
        assert len(app.report.human_episodes) == 2
        # revise the first adjudication: the dialog shows the current verdict and keeps its note
        first = dis.rows[0].episode_id
        assert dis.human[first][0] == "pass"
        await pilot.press("up", "up", "f")
        await wait_for(pilot, lambda: isinstance(app.screen, AdjudicateScreen))
        dialog = app.screen
        assert isinstance(dialog, AdjudicateScreen)
        assert dialog.current == ("pass", "checked by hand")
        assert dialog.query_one("#adj-note", Input).value == "checked by hand"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DisagreementsScreen))
        await wait_for(pilot, lambda: dis.human[first][0] == "fail", what="revision")
        recs = [json.loads(x) for x in journal.read_text().splitlines()]
        assert len(recs) == 3
        assert (recs[-1]["episode_id"], recs[-1]["verdict"], recs[-1]["revises"]) == (
            first,
            "fail",
            "pass",
        )
        with app.service.cursor() as cur:
            await wait_for(
                pilot,
                lambda: (
                    cur.execute(
                        "SELECT verdict FROM judgments WHERE judge_id = 'human' AND episode_id = ?", [first]
                    ).fetchall()
                    == [("fail",)]
                ),
                what="revision ingested",
            )


async def test_delta_panels_paths_and_guard(fixture_runs: Path) -> None:
    app = make_app(fixture_runs)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("5")
        await settle(pilot)
        scr = app.screen
        assert isinstance(scr, DeltaScreen)
        assert scr.path == "llm-only"
        text = screen_text(app)
        assert "q2b-sft" in text
        assert "lift" in text
        assert "parameters (B)" in text
        await pilot.press("p")
        await settle(pilot)
        assert scr.path == "bench"
        scr.query_one("#delta-base-path", Picker).value = "llm-only"  # SFT on bench, base on llm-only
        await settle(pilot)
        text = screen_text(app)
        assert "refused" in text
        assert "refusing to compare" in text


def _add_constant_judge(runs: Path) -> None:
    """A judge run whose llm judge 'yes-man' passes every episode, and a path that uses it."""
    from engine.store import journal as jr

    src = runs / "20250101-000000-study-a1b2"
    j = jr.RunJournal(runs, "20250103-000000-judge-yes-0001")
    j.write_run_info({"run_id": j.run_id, "kind": "judge", "experiment": "study", "started_at": 1735862400.0})
    j.write_specs(
        "judges",
        [
            {
                "judge_id": "yes-man",
                "judge_fp": "jfp-yes",
                "kind": "llm",
                "backend": None,
                "model": None,
                "spec_json": "{}",
            }
        ],
    )
    for r in jr.iter_records(src / "judgments.jsonl"):
        if r["judge_id"] == "claude":
            j.append(
                "judgments",
                {
                    **r,
                    "judgment_id": r["judgment_id"] + "-yes",
                    "judge_id": "yes-man",
                    "judge_fp": "jfp-yes",
                    "verdict": "pass",
                    "run_id": j.run_id,
                },
            )
    j.close()
    (j.dir / "experiment.json").write_text(
        json.dumps({"name": "study", "paths": [{"name": "yes", "answer_line": "yes-man", "llm": "yes-man"}]})
    )


async def test_delta_greys_a_non_discriminating_path(fixture_runs: Path) -> None:
    _add_constant_judge(fixture_runs)
    app = make_app(fixture_runs)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("5")
        await settle(pilot)
        scr = app.screen
        assert isinstance(scr, DeltaScreen)
        assert scr.path == "llm-only"  # the requested headline is eligible
        assert app.report is not None
        assert not app.report.eligible("yes")
        scr.query_one("#delta-path", Picker).value = "yes"
        await settle(pilot)
        text = screen_text(app)
        assert "† not eligible as the headline: judge yes-man gave 'pass' on all" in text
        assert "headline path 'llm-only' (requested)" in text
        table = scr.query_one("#delta-table", SafeTable)
        deltas = [table.get_row_at(i)[4].plain for i in range(table.row_count)]
        assert len(deltas) == 5, deltas
        assert all(d == "+0.000 †" for d in deltas), deltas
        assert "+0.000 †" in text
        assert "† not a finding, shown greyed" in text


async def test_query_runs_read_only_sql(fixture_runs: Path) -> None:
    app = make_app(fixture_runs)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("6")
        await settle(pilot)
        scr = app.screen
        editor = scr.query_one(TextArea)
        editor.text = "SELECT config_id, count(*) AS n FROM episodes GROUP BY ALL ORDER BY ALL"
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: scr.last is not None)
        assert scr.last.columns == ("config_id", "n")
        assert len(scr.last.rows) == 5
        editor.text = "DELETE FROM episodes"
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "refused" in screen_text(app)
        editor.text = "SELECT * FROM no_such_table"
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "no_such_table" in screen_text(app)
        assert app.service.query("SELECT count(*) FROM episodes")[0][0] == 160


async def test_launch_form_parses_and_validates(fixture_runs: Path, mini_experiment: Path) -> None:
    app = make_app(fixture_runs)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, LaunchScreen))
        form = app.screen
        form.query_one("#launch-path").value = str(mini_experiment)
        form.query_one("#launch-path").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: form.choice is not None and form.choice.name == "mini")
        await settle(pilot)
        req = form.request()
        assert not isinstance(req, str)
        assert req.experiment == mini_experiment
        assert req.configs == []
        assert req.judges == []
        form.query_one("#launch-judges").deselect_all()
        assert form.request() == "tick at least one judge"
        form.query_one("#launch-judges").select("extractor")
        form.query_one("#launch-limit").value = "2"
        req = form.request()
        assert not isinstance(req, str)
        assert req.judges == ["extractor"]
        assert req.limit == 2
        form.query_one("#launch-path").value = str(fixture_runs / "nope.toml")
        form.query_one("#launch-path").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: form.choice is None)
        await settle(pilot)
        assert "file not found" in screen_text(app)
        await pilot.press("escape")
        assert isinstance(app.screen, RunsScreen)


async def test_live_shows_each_gpu(fixture_runs: Path) -> None:
    from cockpit.machine import fixed_sampler
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
    from cockpit.machine import Machine

    st = Machine().sample()
    assert st.sample.gpus or st.sample.gpu_status
    assert 0.0 <= st.sample.cpu_pct <= 100.0 * 64


async def test_live_shows_the_run_machine_when_it_runs_elsewhere(tmp_path: Path) -> None:
    """A run on another host (shared runs directory) journals its own readings: Live shows those,
    labelled with the host (literally); stale readings fall back to this machine."""
    import os
    import time

    from cockpit.machine import fixed_sampler
    from engine.events import GpuSample, TelemetrySampled
    from engine.store import journal as jr
    from tests.cockpit.journals import write_eval_run

    runs = tmp_path / "runs"
    run_id = "20250101-030000-remote-a9b8"
    write_eval_run(runs, run_id, n_per_skill=1, finished=False, hostile=False, pid=os.getpid())
    info = jr.read_run_info(runs / run_id)  # as if the run's own process wrote it over there
    (runs / run_id / jr.RUN_FILE).write_text(jr.dumps({**info, "host": "gpu-box-7[bold]"}) + "\n")
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
