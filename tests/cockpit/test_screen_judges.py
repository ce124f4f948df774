"""Pilot tests: the Judges screen, the audit walk and adjudication, on fixture journals."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Input

from cockpit.screens.adjudicate import AdjudicateScreen
from cockpit.screens.audit import AuditScreen
from cockpit.screens.disagreements import DisagreementsScreen
from cockpit.widgets.table import SafeTable
from tests.cockpit.conftest import SIZE, make_app, ready, settle, wait_for
from tests.cockpit.screen_text import screen_text


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


async def test_judges_coverage_tab_shows_abstentions(fixture_runs: Path) -> None:
    """The Coverage tab: per config and judge, decided / abstained / errors and coverage = decided /
    (decided + abstained), the lenient judge's abstentions counted apart from claude's errors."""
    from tests.cockpit.exclusions import add_exclusions

    counts = add_exclusions(fixture_runs)
    app = make_app(fixture_runs)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("t", "t", "t")
        await settle(pilot)
        text = screen_text(app)
        assert "abstained: lenient" in text
        assert "coverage = decided / (decided + abstained)" in text
        decided, abstained, errors = counts[("q2b", "lenient")]
        row = next(ln for ln in text.splitlines() if "q2b " in ln and " lenient " in ln and "%" in ln)
        assert f" {decided} " in row and f" {abstained} " in row
        assert f"{100 * decided / (decided + abstained):.1f}%" in row
        claude = next(ln for ln in text.splitlines() if "q2b " in ln and " claude " in ln and "%" in ln)
        assert "100.0%" in claude and f" {counts[('q2b', 'claude')][2]} " in claude  # errors, not abstentions
        assert errors == 0
        assert any("abstentions (the judge could not tell)" in w for w in app.report.warnings)
