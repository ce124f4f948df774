"""No headline on a blind judge, and no other path promoted: which paths are eligible, which Δ are
findings, and the headline is the pre-registered path or none (engine.analysis.eligibility, .headline)."""

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
DERIVED_L = [
    PathSpec(name="bench:L", answer_line="al", llm="L"),
    PathSpec(name="llm:L", answer_line="L", llm="L"),
    PathSpec(name="lenient:L", answer_line="fa", llm="L"),
]


def items(
    con: duckdb.DuckDBPyConnection, cfg: str, scoring: str, n_tasks: int, verdicts: dict[str, str], tag: str = "x"
) -> None:
    """n_tasks more tasks of `scoring` for config `cfg`, each judged in both conditions by every judge
    of `verdicts`: judge -> a verdict for all, or a string of 'P'/'F' read per (task, condition)."""
    rows = []
    for i in range(n_tasks):
        for ci, cond in enumerate(("no_skill", "curated")):
            for judge, v in verdicts.items():
                verdict = v if v in ("pass", "fail") else {"P": "pass", "F": "fail"}[v[(2 * i + ci) % len(v)]]
                rows.append(
                    {
                        "judgment_id": f"{judge}{cfg}{tag}{i}{cond}",
                        "episode_id": f"{cfg}-{tag}{scoring}{i}-{cond}",
                        "judge_id": judge,
                        "judge_fp": f"jfp{judge}",
                        "config_id": cfg,
                        "config_fp": f"fp{cfg}",
                        "task_id": f"{tag}{scoring}{i}",
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
    assert r.headline_basis == "default"
    assert "(default, not pre-registered)" in r.headline_reason
    # f: L passes all 12 of its items, but only 8 answer_line and 4 llm ones per path scope: too few to tell
    assert all(d.finding and d.caveat is None for d in r.deltas)
    assert all(c.finding for c in r.lifts)


def test_a_blind_judge_makes_every_path_using_it_ineligible_and_nothing_is_promoted(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """Before: the derived headline fell back to the partial `extractor` path."""
    # f's llm scope: 4 + 10 items, L passes all; the human verdicts fail 8 of the 10 (the evidence)
    items(con, "f", "llm", MIN_ITEMS // 2, {"L": "pass", "human": "FFFFPFFFFP"})
    r = build_report(con, n_boot=100)
    assert r.eligible_paths() == ["extractor", "lenient"]  # every complete path uses L
    assert r.headline is None
    assert r.headline_basis == "default"
    assert r.headline_reason.startswith(
        "no eligible headline: the default path 'llm:L' (not pre-registered) is not eligible (judge L gave 'pass'"
    )
    assert "No other path is promoted" in r.headline_reason
    assert r.trajectory == []
    r = build_report(con, paths=DERIVED_L, n_boot=100)
    assert r.eligible_paths() == []
    assert r.headline is None
    for p in ("bench:L", "llm:L", "lenient:L"):
        e = r.path_eligibility(p)
        assert e is not None
        assert not e.eligible
        assert [(c.config, c.judge, c.scoring, c.verdict, c.n, c.status) for c in e.constant] == [
            ("f", "L", "llm", "pass", 14, "blind")
        ]
        assert [(k.source, k.shared, k.opposite) for k in e.constant[0].checks] == [("human", 10, 8)]
        f = r.delta("f", p)
        assert not f.finding
        assert "gave 'pass' on all 14 llm-scored items of f, but human gave the opposite verdict on 8 of the 10" in (
            f.caveat or ""
        )
        assert r.delta("b", p).finding
        assert r.delta("s", p).finding  # other configs keep their findings
    out = _render(r)
    assert "no eligible headline" in out
    assert "†" in out
    assert "by construction): judge L gave 'pass' on all 14" in out
    d = json.loads(json.dumps(r.to_dict()))
    assert d["headline"] is None
    assert d["headline_reason"].startswith("no eligible headline")
    assert not any(p["eligible"] for p in d["paths"])
    assert {p["role"] for p in d["paths"]} == {"exploratory"}
    assert d["paths"][1]["constant_judges"][0]["status"] == "blind"
    assert {(x["config"], x["finding"], x["floor_ceiling"]) for x in d["deltas"] if x["path"] == "llm:L"} == {
        ("b", True, None),
        ("s", True, None),
        ("f", False, "blind"),
    }


def test_the_headline_never_falls_back_to_another_path(con: duckdb.DuckDBPyConnection) -> None:
    """Before: an ineligible requested or default headline gave way to the partial extractor path."""
    items(con, "f", "llm", MIN_ITEMS // 2, {"L": "pass", "human": "FFFFPFFFFP"})
    r = build_report(con, paths=PATHS, n_boot=100)
    assert r.headline is None  # the default (the first explicit path) is not eligible
    assert r.requested_headline is None
    assert r.path_eligibility("extr").eligible  # type: ignore[union-attr]
    r = build_report(con, paths=PATHS, headline="matched", preregistered=True, n_boot=100)
    assert r.headline is None
    assert r.requested_headline == "matched"
    assert r.headline_basis == "pre-registered"
    why = "no eligible headline: the pre-registered path 'matched' is not eligible (judge L gave 'pass'"
    assert r.headline_reason.startswith(why)
    assert any(w.startswith(why) for w in r.warnings)
    out = _render(r)
    assert "Report — headline path: —" in out
    assert "not eligible as headline: L blind" in out
    assert "Procedural Δ on path extr (exploratory)" in out
    r = build_report(con, paths=PATHS, headline="extr", n_boot=100)  # asked for at report time: eligible
    assert (r.headline, r.headline_basis) == ("extr", "requested")
    assert "headline path 'extr' (requested, not pre-registered) (partial" in r.headline_reason
    roles = {p["name"]: p["role"] for p in r.to_dict()["paths"]}
    assert roles == {"matched": "exploratory", "extr": "headline"}


def test_a_pre_registered_name_that_is_no_path_is_said_not_raised(con: duckdb.DuckDBPyConnection) -> None:
    r = build_report(con, paths=PATHS, headline="nope", preregistered=True, n_boot=100)
    assert r.headline is None
    assert "the pre-registered path 'nope' is not eligible (it is not one of the paths)" in r.headline_reason
    with pytest.raises(ValueError, match="not one of the paths"):
        build_report(con, paths=PATHS, headline="nope", n_boot=100)


def test_a_judge_failing_everything_against_judges_that_pass_is_blind(con: duckdb.DuckDBPyConnection) -> None:
    items(con, "s", "answer_line", MIN_ITEMS, {"al": "fail"})
    r = build_report(con, paths=PATHS, n_boot=100)
    assert r.path_eligibility("extr").eligible  # type: ignore[union-attr]  # s's t1, t2 have passes under al
    con.execute("UPDATE judgments SET verdict = 'fail' WHERE judge_id = 'al' AND config_id = 's'")
    refresh(con)
    r = build_report(con, paths=PATHS, headline="extr", preregistered=True, n_boot=100)
    e = r.path_eligibility("extr")
    assert e is not None
    assert not e.eligible
    # L passes the 4 curated of the 8 (t1, t2) items it shares with al: P(X >= 4 | 8, 0.05) = 3.7e-4
    assert [(c.config, c.verdict, c.n, c.status) for c in e.constant] == [("s", "fail", 28, "blind")]
    assert [(k.source, k.shared, k.opposite) for k in e.constant[0].checks] == [("fa", 8, 4), ("L", 8, 4)]
    assert r.headline is None  # before: 'matched' was promoted
    assert r.requested_headline == "extr"
    assert not r.delta("s", "extr").finding
    assert r.delta("b", "extr").finding


def test_lift_is_not_a_finding_when_either_delta_is_not(con: duckdb.DuckDBPyConnection) -> None:
    items(con, "b", "llm", MIN_ITEMS, {"L": "fail", "human": "PPFPPF"})
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
