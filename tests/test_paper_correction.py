"""The paper's judge-error threat carries the report's own corrected Δ (Rogan–Gladen per condition
and PPI, each with its CI) and names a judge whose errors differ by condition."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synth_paper import HEADLINE, PATHS, make_paper_store  # noqa: E402
from engine.analysis import build_report  # noqa: E402
from engine.paper.correction import correction_threat  # noqa: E402
from engine.paper.fmt import ci, signed  # noqa: E402
from engine.paper.model import code  # noqa: E402
from engine.store.aggregates import refresh  # noqa: E402
from engine.store.schema import ddl  # noqa: E402


def test_threat_states_the_reports_corrected_deltas() -> None:
    con = duckdb.connect()
    for s in ddl():
        con.execute(s)
    make_paper_store(con)
    refresh(con)
    rep = build_report(con, paths=PATHS, headline=HEADLINE, n_boot=200)
    t = correction_threat(rep)
    assert t is not None
    assert "all human verdicts, which were not drawn as a sample" in t.items[0]
    head = [c for c in rep.corrected if c.path == rep.headline]
    assert head
    for c in head:
        line = next(x for x in t.items if x.startswith(code(c.config) + ":"))
        assert f"Rogan–Gladen {signed(c.corrected)} {ci(c.ci_low, c.ci_high)}" in line
        if c.ppi is not None and c.ppi.value is not None:
            assert f"PPI {signed(c.ppi.value)} {ci(c.ppi.ci_low, c.ppi.ci_high)}" in line
