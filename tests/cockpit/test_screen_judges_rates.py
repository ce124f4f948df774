"""Pilot test: the Judges screen's Human tab shows each judge's error rates per condition and Δ
corrected two ways (Rogan–Gladen per condition with its CI, PPI with its CI), from a real store."""

from __future__ import annotations

from pathlib import Path

from cockpit.widgets.table import SafeTable
from tests.cockpit.conftest import SIZE, make_app, ready, settle, wait_for
from tests.cockpit.screen_text import screen_text


async def test_human_tab_shows_per_condition_rates_and_both_corrections(fixture_runs: Path) -> None:
    from engine.store import audit as audits
    from engine.store import human
    from engine.store.db import Store

    with Store.open(fixture_runs) as store:
        store.ingest()
        sample = audits.draw(store.con, 200, seed=2)  # PPI needs >= 10 per config x condition
        audits.record(fixture_runs, sample)
        claude = dict(store.query("SELECT episode_id, verdict FROM judgments WHERE judge_id = 'claude'"))
        for i, item in enumerate(sample.items):  # a person who agrees with claude but on every fifth
            v = claude[item.episode_id]
            human.adjudicate(store.con, fixture_runs, item.episode_id, v if i % 5 else {"pass": "fail"}.get(v, "pass"))
        store.ingest()
    app = make_app(fixture_runs)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: app.report is not None and bool(app.report.error_rates()), what="error rates")
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("t", "t")
        await settle(pilot)
        rates = app.screen.query_one("#rates-table", SafeTable)
        conds = {(e.judge, e.condition) for e in app.report.error_rates() if e.config is None}
        assert {("claude", "no_skill"), ("claude", "curated"), ("extractor", "curated")} <= conds
        assert rates.row_count == len(app.report.error_rates())
        corrected = app.screen.query_one("#corrected-table", SafeTable)
        assert corrected.row_count == len(app.report.corrected_deltas()) > 0
        assert any(c.ppi is not None and c.ppi.value is not None for c in app.report.corrected_deltas())
        text = screen_text(app)
        assert "judge error rates per condition" in text
        assert "sensitivity" in text
        assert "no_skill" in text and "curated" in text
