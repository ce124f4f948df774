"""Abstentions (verdict `abstain`) on a real DuckDB store: pass rates exclude them and count them
apart from errors, coverage is decided / (decided + abstained), and the report shows both."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synth import make_synthetic_store  # noqa: E402
from engine.analysis import build_report  # noqa: E402
from engine.store.aggregates import refresh  # noqa: E402
from engine.store.schema import ddl  # noqa: E402

JUDGES = [
    {"id": "extractor", "kind": "answer_line", "flip": 0.01, "error": 0.01},
    {"id": "lenient", "kind": "final_answer", "flip": 0.05, "error": 0.02, "abstain": (0.05, 0.2)},
    {"id": "claude", "kind": "llm", "flip": 0.04, "error": 0.03},
]


@pytest.fixture(scope="module", params=["direct", "aggregates"])
def synth(request: pytest.FixtureRequest) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for s in ddl():
        con.execute(s)
    make_synthetic_store(con, 3000, judges=JUDGES, n_tasks=30, n_skills=6, seed=5)
    if request.param == "aggregates":
        refresh(con)
    return con


def test_pass_rates_exclude_abstentions_and_count_them_apart(synth: duckdb.DuckDBPyConnection) -> None:
    r = build_report(synth, n_boot=50)
    sql = """SELECT config_id, judge_id, condition, count_if(verdict IN ('pass', 'fail')),
      count_if(verdict = 'pass'), count_if(verdict = 'error'), count_if(verdict = 'abstain')
      FROM judgments GROUP BY ALL"""
    direct = {(c, j, k): rest for c, j, k, *rest in synth.execute(sql).fetchall()}
    assert sum(x[3] for x in direct.values()) > 100  # the store has abstentions
    assert {k for k, v in direct.items() if v[3]} == {k for k in direct if k[1] == "lenient"}
    got = {(p.config, p.judge, p.condition): p for p in r.pass_rates}
    assert got.keys() == direct.keys()
    for key, (n, passes, errors, abst) in direct.items():
        p = got[key]
        assert (p.n, p.passes, p.errors, p.abstentions) == (n, passes, errors, abst), key
        assert p.pass_rate == pytest.approx(passes / n)
        assert p.coverage == pytest.approx(n / (n + abst))
    cov = {(c.config, c.judge): c for c in r.coverage}
    for (cfg, judge), c in cov.items():
        rows = [v for k, v in direct.items() if k[:2] == (cfg, judge)]
        d, a = sum(x[0] for x in rows), sum(x[3] for x in rows)
        assert (c.decided, c.abstentions, c.errors) == (d, a, sum(x[2] for x in rows))
        assert c.coverage == pytest.approx(d / (d + a))
    assert all(c.coverage == 1.0 for c in r.coverage if c.judge != "lenient")
    lenient = [c for c in r.coverage if c.judge == "lenient"]
    assert all(c.coverage_curated < c.coverage_no_skill for c in lenient)  # abstains 5% vs 20%


def test_report_json_shows_abstentions_and_coverage(synth: duckdb.DuckDBPyConnection) -> None:
    out = build_report(synth, n_boot=50).to_dict()
    rows = [p for p in out["pass_rates"] if p["judge"] == "lenient"]
    assert rows and all(p["abstentions"] > 0 and 0 < p["coverage"] < 1 for p in rows)
    assert {c["judge"] for c in out["judge_coverage"] if c["coverage"] < 1} == {"lenient"}
    lenient = [d for d in out["deltas"] if d["path"] == "lenient"]
    assert lenient and all(d["abstentions"] > 0 for d in lenient)
    assert all(d["delta_low_bound"] < d["delta"] < d["delta_high_bound"] for d in lenient if not d["tasks_dropped"])
    claude = [d for d in out["deltas"] if d["path"] == "llm:claude"]
    assert claude and all(d["abstentions"] == 0 and d["errors"] > 0 for d in claude)
    errs = next(w for w in out["warnings"] if w.startswith("error verdicts are excluded"))
    abst = next(w for w in out["warnings"] if w.startswith("abstentions (the judge could not tell)"))
    sql = "SELECT count_if(verdict = 'error'), count_if(verdict = 'abstain') FROM judgments WHERE judge_id = 'lenient'"
    n_err, n_abs = synth.execute(sql).fetchall()[0]
    assert f"lenient {n_err}," in errs  # errors not inflated by the abstentions
    assert f"lenient {n_abs} (coverage " in abst
    assert "claude" not in abst


def test_terminal_report_shows_coverage_and_bounds(synth: duckdb.DuckDBPyConnection) -> None:
    from rich.console import Console

    from engine.analysis.render import render_report

    console = Console(width=200, record=True)
    render_report(build_report(synth, n_boot=50), console)
    text = console.export_text()
    assert "Judge coverage (abstain: the judge could not tell" in text
    lenient = next(line for line in text.splitlines() if "│ q2b " in line and "│ lenient " in line and "%" in line)
    assert "100.0%" not in lenient  # the coverage row of an abstaining judge
    assert "Bounds of Δ over the excluded verdicts" in text
    assert "abstained" in text


def test_terminal_report_without_exclusions_has_neither_table() -> None:
    con = duckdb.connect()
    for s in ddl():
        con.execute(s)
    make_synthetic_store(
        con, 600, judges=[{"id": "claude", "kind": "llm", "flip": 0.04}], n_tasks=10, seed=1, episode_error_rate=0.0
    )
    from rich.console import Console

    from engine.analysis.render import render_report

    console = Console(width=200, record=True)
    render_report(build_report(con, n_boot=50), console)
    text = console.export_text()
    assert "Procedural Δ" in text
    assert "Judge coverage" not in text and "Bounds of Δ" not in text
