"""No headline on a judge that cannot discriminate: which paths are eligible, which Δ are findings."""

from __future__ import annotations

import io
import json

import duckdb
import pytest
from rich.console import Console

from bench.synth import insert_rows
from engine.analysis import build_report
from engine.analysis.eligibility import MIN_ITEMS
from engine.analysis.render import render_report
from engine.config import PathSpec
from engine.store.aggregates import refresh
from tests.test_analysis_known import build

PATHS = [PathSpec(name="matched", answer_line="L", llm="L"), PathSpec(name="extr", answer_line="al")]


def _constant(con: duckdb.DuckDBPyConnection, judge: str, cfg: str, scoring: str, verdict: str, n_tasks: int) -> None:
    """n_tasks more tasks of `scoring` for config `cfg`, which `judge` scores `verdict` in both conditions."""
    rows = []
    for i in range(n_tasks):
        for cond in ("no_skill", "curated"):
            rows.append(
                {
                    "judgment_id": f"{judge}{cfg}x{i}{cond}",
                    "episode_id": f"{cfg}-x{i}-{cond}",
                    "judge_id": judge,
                    "judge_fp": f"jfp{judge}",
                    "config_id": cfg,
                    "config_fp": f"fp{cfg}",
                    "task_id": f"x{scoring}{i}",
                    "condition": cond,
                    "sample": 0,
                    "scoring": scoring,
                    "verdict": verdict,
                }
            )
    insert_rows(con, "judgments", rows)
    refresh(con)


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    build(c)
    refresh(c)
    return c


def _render(rep: object) -> str:
    buf = io.StringIO()
    render_report(rep, Console(file=buf, width=200, color_system=None))  # type: ignore[arg-type]
    return buf.getvalue()


def test_discriminating_judges_everywhere(con: duckdb.DuckDBPyConnection) -> None:
    r = build_report(con, n_boot=100)
    assert r.eligible_paths() == ["bench:L", "llm:L", "lenient:L", "extractor", "lenient"]
    assert r.headline == "llm:L"
    assert "default" in r.headline_reason
    # f: L passes all 12 of its items, but only 8 answer_line and 4 llm ones per path scope: too few to tell
    assert all(d.finding and d.caveat is None for d in r.deltas)
    assert all(c.finding for c in r.lifts)


def test_a_constant_judge_makes_every_path_using_it_ineligible(con: duckdb.DuckDBPyConnection) -> None:
    _constant(con, "L", "f", "llm", "pass", MIN_ITEMS)  # f's llm scope: 4 + 20 items, all pass
    r = build_report(con, n_boot=100)
    # derived paths: every complete one uses L; the deterministic partial paths remain
    assert r.eligible_paths() == ["extractor", "lenient"]
    assert r.headline == "extractor"
    assert "partial" in r.headline_reason
    r = build_report(
        con,
        paths=[
            PathSpec(name="bench:L", answer_line="al", llm="L"),
            PathSpec(name="llm:L", answer_line="L", llm="L"),
            PathSpec(name="lenient:L", answer_line="fa", llm="L"),
        ],
        n_boot=100,
    )
    assert r.eligible_paths() == []
    assert r.headline is None
    assert r.headline_reason.startswith("No judge path is eligible")
    assert r.trajectory == []
    for p in ("bench:L", "llm:L", "lenient:L"):
        e = r.path_eligibility(p)
        assert e is not None
        assert not e.eligible
        assert [(c.config, c.judge, c.scoring, c.verdict, c.n) for c in e.constant] == [("f", "L", "llm", "pass", 24)]
        f = r.delta("f", p)
        assert not f.finding
        assert "gave 'pass' on all 24 llm-scored items of f" in (f.caveat or "")
        assert r.delta("b", p).finding
        assert r.delta("s", p).finding  # other configs keep their findings
    out = _render(r)
    assert "No judge path is eligible as the headline" in out
    assert "†" in out
    assert "by construction): judge L gave 'pass' on all 24" in out
    d = json.loads(json.dumps(r.to_dict()))
    assert d["headline"] is None
    assert d["headline_reason"].startswith("No judge path")
    assert not any(p["eligible"] for p in d["paths"])
    assert {(x["config"], x["finding"]) for x in d["deltas"] if x["path"] == "llm:L"} == {
        ("b", True),
        ("s", True),
        ("f", False),
    }


def test_headline_falls_back_to_an_eligible_partial_path(con: duckdb.DuckDBPyConnection) -> None:
    _constant(con, "L", "f", "llm", "pass", MIN_ITEMS)
    r = build_report(con, paths=PATHS, n_boot=100)
    assert r.headline == "extr"
    assert "partial" in r.headline_reason
    assert r.requested_headline is None
    r = build_report(con, paths=PATHS, headline="matched", n_boot=100)
    assert r.headline == "extr"
    assert r.requested_headline == "matched"
    assert any(
        w.startswith("the requested headline path 'matched' is not eligible (judge L gave 'pass'") for w in r.warnings
    )
    out = _render(r)
    assert "Report — headline path: extr" in out
    assert "not eligible as headline: L constant" in out


def test_a_judge_failing_everything_is_not_a_finding_either(con: duckdb.DuckDBPyConnection) -> None:
    _constant(con, "al", "s", "answer_line", "fail", MIN_ITEMS)
    r = build_report(con, paths=PATHS, n_boot=100)
    assert r.path_eligibility("extr").eligible  # type: ignore[union-attr]  # s's t1, t2 have passes under al
    con.execute("UPDATE judgments SET verdict = 'fail' WHERE judge_id = 'al' AND config_id = 's'")
    refresh(con)
    r = build_report(con, paths=PATHS, headline="extr", n_boot=100)
    e = r.path_eligibility("extr")
    assert e is not None
    assert not e.eligible
    assert [(c.config, c.verdict, c.n) for c in e.constant] == [("s", "fail", 28)]
    assert r.headline == "matched"
    assert r.requested_headline == "extr"
    assert not r.delta("s", "extr").finding
    assert r.delta("b", "extr").finding


def test_lift_is_not_a_finding_when_either_delta_is_not(con: duckdb.DuckDBPyConnection) -> None:
    _constant(con, "L", "b", "llm", "fail", MIN_ITEMS)
    r = build_report(con, n_boot=100)
    assert r.delta("b", "llm:L").finding  # t3 of b has passes under L: the llm scope is not constant
    con.execute("UPDATE judgments SET verdict = 'fail' WHERE judge_id = 'L' AND config_id = 'b' AND scoring = 'llm'")
    refresh(con)
    r = build_report(con, n_boot=100)
    assert not r.delta("b", "llm:L").finding
    lf = next(x for x in r.lifts if x.path == "llm:L")
    assert not lf.finding
    assert "of b" in (lf.caveat or "")
    assert "lift" in _render(r)
    assert "not a finding" in _render(r)
