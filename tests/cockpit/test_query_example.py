"""The Query screen's example SQL gives the engine's pass rates, abstentions and errors excluded."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.screens.query import EXAMPLE
from engine.analysis import build_report
from engine.store.db import Store
from tests.cockpit.exclusions import add_exclusions


def test_example_query_pass_rates_equal_the_reports(fixture_runs: Path) -> None:
    add_exclusions(fixture_runs)
    with Store.open(fixture_runs) as store:
        store.ingest()
        got = {(c, cond, j): (n, rate) for c, cond, j, n, rate in store.con.execute(EXAMPLE).fetchall()}
        rates = build_report(store.con, n_boot=10).pass_rates
    assert any(r.abstentions for r in rates) and any(r.errors for r in rates)
    for r in rates:
        n, rate = got[(r.config, r.condition, r.judge)]
        assert n == r.n and rate == pytest.approx(r.pass_rate), r
