"""Pilot tests: the Δ screen (panels, judge paths, the discrimination guard) on fixture journals."""

from __future__ import annotations

import json
from pathlib import Path

from cockpit.screens.delta import DeltaScreen
from cockpit.widgets.picker import Picker
from cockpit.widgets.table import SafeTable
from engine.store.manifest import RunInfo, write_info
from tests.cockpit.conftest import SIZE, make_app, ready, settle
from tests.cockpit.screen_text import screen_text


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
    write_info(j.dir, RunInfo(run_id=j.run_id, kind="judge", experiment="study", started_at=1735862400.0))
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
        assert "headline path 'llm-only' (pre-registered)" in text  # the runs' experiment.json
        picker = scr.query_one("#delta-path", Picker)
        labels = {value: str(label) for label, value in picker.options}
        assert labels["llm-only"] == "llm-only (headline)"
        assert labels["yes"] == "yes (exploratory, not eligible)"
        table = scr.query_one("#delta-table", SafeTable)
        deltas = [table.get_row_at(i)[4].plain for i in range(table.row_count)]
        assert len(deltas) == 5, deltas
        assert all(d == "+0.000 †" for d in deltas), deltas
        assert "+0.000 †" in text
        assert "† not a finding, shown greyed" in text


async def test_delta_bounds_only_with_excluded_verdicts(tmp_path: Path) -> None:
    """The Δ table gains `abstained` and `Δ bounds` columns (and a note) only when a Δ on the path
    excluded verdicts: not on the fixture's clean store, yes once claude errs and lenient abstains."""
    from tests.cockpit.exclusions import add_exclusions
    from tests.cockpit.journals import write_fixture

    for runs, excluded in ((write_fixture(tmp_path / "clean"), False), (write_fixture(tmp_path / "excl"), True)):
        if excluded:
            add_exclusions(runs)
        app = make_app(runs)
        async with app.run_test(size=SIZE) as pilot:
            await ready(pilot)
            await pilot.press("5")
            await settle(pilot)
            text = screen_text(app)
            assert ("Δ bounds" in text) is excluded
            assert ("Δ bounds: Δ with every excluded verdict" in text) is excluded
            if excluded:
                d = next(d for d in app.report.deltas("llm-only") if d.config == "q2b")
                assert d.errors > 0 and d.delta_low_bound is not None
                assert f"[{d.delta_low_bound:+.3f}, {d.delta_high_bound:+.3f}]" in text


async def test_delta_shows_each_mde_and_words_underpowered_numbers(fixture_runs: Path) -> None:
    """The Design section on the Δ screen: an MDE column in both tables, the design's MDE, and each Δ or
    lift whose CI covers 0 said to be underpowered (or its MDE not estimable), never "no effect"."""
    app = make_app(fixture_runs)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("5")
        await settle(pilot)
        scr = app.screen
        assert isinstance(scr, DeltaScreen)
        view = scr.cockpit.report
        assert view is not None and view.report.design is not None
        rows = {r.config: r for r in view.report.design.rows if r.path == scr.path and r.kind == "delta"}
        text = " ".join(screen_text(app).split())
        assert "MDE" in text
        assert "this design detects MDE |Δ|" in text
        for cfg, r in rows.items():
            if r.reading == "underpowered":
                assert f"Δ {cfg}: CI covers 0, underpowered (MDE {r.mde:.3f} > |Δ| {r.reference:.3f})" in text
            if r.reading == "not estimable":
                assert f"Δ {cfg}: CI covers 0, MDE not estimable" in text
        assert {r.reading for r in rows.values()} >= {"underpowered", "not estimable"}
        assert "no effect:" not in text
