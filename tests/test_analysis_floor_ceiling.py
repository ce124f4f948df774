"""A constant judge is blind only on evidence: floor/ceiling that every judge agrees on is a finding,
a constant judge nothing checks is flagged unverified, and one threshold (MIN_ITEMS) serves the
report, the paper writer and the cockpit (engine.analysis.eligibility)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import duckdb
import pytest
from rich.console import Console
from scipy.stats import binomtest
from typer.testing import CliRunner

from engine.analysis import build_report
from engine.analysis.eligibility import ALPHA, MIN_ITEMS, TOLERANCE, UNVERIFIED, Check, binom_sf
from engine.analysis.preregistration import from_runs
from engine.analysis.render import render_report
from engine.cli import app
from engine.paper import paper_from_store, write_report
from engine.store.aggregates import refresh
from tests.test_analysis_eligibility import items
from tests.test_analysis_known import build
from tests.test_cli_outputs import _write_run


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    build(c)
    refresh(c)
    return c


def _render(rep: object) -> str:
    buf = io.StringIO()
    render_report(rep, Console(file=buf, width=240, color_system=None))  # type: ignore[arg-type]
    return buf.getvalue()


@pytest.mark.parametrize(("verdict", "level"), [("pass", "ceiling"), ("fail", "floor")])
def test_floor_or_ceiling_all_judges_agree_is_a_finding(
    con: duckdb.DuckDBPyConnection, verdict: str, level: str
) -> None:
    """Before: every path was ineligible (no headline) and Δ = 0 of z was 'not a finding'."""
    items(con, "z", "answer_line", MIN_ITEMS, {"al": verdict, "fa": verdict, "L": verdict})
    items(con, "z", "llm", MIN_ITEMS, {"L": verdict, "human": verdict})
    r = build_report(con, n_boot=100)
    assert r.eligible_paths() == ["bench:L", "llm:L", "lenient:L", "extractor", "lenient"]
    assert r.headline == "llm:L"
    for p in r.paths:
        d = r.delta("z", p.name)
        assert (d.delta, d.finding) == (0.0, True)
        assert f"at {level} (all judges agree)" in (d.caveat or "")
        e = r.path_eligibility(p.name)
        assert e is not None
        assert {c.status for c in e.constant} == {"agreed"}
    lm = r.path_eligibility("llm:L").constant  # type: ignore[union-attr]
    assert [(c.scoring, [(k.source, k.shared, k.opposite) for k in c.checks]) for c in lm] == [
        ("answer_line", [("al", 20, 0), ("fa", 20, 0)]),
        ("llm", [("human", 20, 0)]),
    ]
    d = json.loads(json.dumps(r.to_dict()))
    assert {x["floor_ceiling"] for x in d["deltas"] if x["config"] == "z"} == {"agreed"}
    assert all(x["finding"] for x in d["deltas"] if x["config"] == "z")
    out = _render(r)
    assert f"at {level} (all judges agree): judge L gave '{verdict}' on all 20 llm-scored items of z" in out
    assert "†" not in out


def test_a_few_disagreements_within_the_tolerance_are_not_evidence(con: duckdb.DuckDBPyConnection) -> None:
    items(con, "z", "llm", MIN_ITEMS, {"L": "pass", "human": "PPPPPPPPPPPPPPPPPPPF"})  # 1 of 20 opposite
    r = build_report(con, n_boot=100)
    (c,) = [c for c in r.path_eligibility("llm:L").constant if c.config == "z"]  # type: ignore[union-attr]
    assert (c.status, c.checks[0].opposite) == ("agreed", 1)
    assert "the others agree (human 19 of 20)" in c.describe()
    assert r.delta("z", "llm:L").finding


def test_a_constant_judge_nothing_checks_is_a_finding_flagged_unverified(con: duckdb.DuckDBPyConnection) -> None:
    """Before: 'not a finding' and every path using L ineligible, with no evidence that L is blind."""
    items(con, "f", "llm", MIN_ITEMS, {"L": "pass"})  # only L judges f's llm tasks
    r = build_report(con, n_boot=100)
    assert r.headline == "llm:L"
    assert "llm:L" in r.eligible_paths()
    f = r.delta("f", "llm:L")
    assert f.finding
    assert f.caveat == f"judge L gave 'pass' on all 24 llm-scored items of f: {UNVERIFIED}"
    assert f.caveat in r.warnings
    assert r.to_dict()["deltas"][[x.path == "llm:L" and x.config == "f" for x in r.deltas].index(True)][
        "floor_ceiling"
    ] == ("unverified")
    assert UNVERIFIED in _render(r)


def test_the_binomial_evidence_is_the_exact_one_sided_test() -> None:
    for m in (1, 2, 5, 10, 20, 33, 100):
        for d in range(m + 1):
            ref = binomtest(d, m, TOLERANCE, alternative="greater").pvalue
            assert binom_sf(d, m, TOLERANCE) == pytest.approx(ref, rel=1e-9, abs=1e-300)
            assert Check("x", m, d, human=True).blind == (ref < ALPHA)
            assert Check("x", m, d).blind == (ref < ALPHA and d < m)  # a machine source all-opposite: contested
    assert not Check("x", 1000, 1).blind  # one opposite verdict is never evidence
    assert Check("x", 2, 2, human=True).blind
    assert not Check("x", 2, 2).blind and Check("x", 2, 2).contested


def test_one_threshold_a_blind_judge_under_20_items_is_warned_and_a_threat(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """Before: eligibility (10) marked Δ 'not a finding' but the report's warning and the paper's
    threats used 20, so the threats section listed it as 'checked, not found'."""
    items(con, "z", "llm", 7, {"L": "pass", "human": "FFFFFFFFFFFFPP"})  # z: 14 items, all llm-scored
    rep = build_report(con, paths=None, n_boot=100)
    assert not rep.delta("z", "llm:L").finding
    warned = [w for w in rep.warnings if w.startswith("judge L") and "does not discriminate" in w]
    assert len(warned) == 1
    assert warned[0].startswith("judge L gave 'pass' on all 14 llm-scored items of z, but human gave the opposite")
    write_report(paper_from_store(con, rep), tmp_path / "r", figures=False)
    md = (tmp_path / "r/report.md").read_text(encoding="utf-8")
    threats = md.split("## Threats to validity")[1]
    assert "### Judges that do not discriminate" in threats
    assert "judge L gave 'pass' on all 14 llm-scored items of z, but human" in threats
    checked = threats.split("### Checked, not found")[1] if "### Checked, not found" in threats else ""
    assert "judges that do not discriminate" not in checked.lower()


def test_an_unverified_constant_judge_is_a_threat_in_the_paper(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    items(con, "f", "llm", MIN_ITEMS, {"L": "pass"})
    rep = build_report(con, n_boot=100)
    write_report(paper_from_store(con, rep), tmp_path / "r", figures=False)
    md = (tmp_path / "r/report.md").read_text(encoding="utf-8")
    threats = md.split("## Threats to validity")[1]
    assert f"judge L gave 'pass' on all 24 llm-scored items of f: {UNVERIFIED}" in threats
    assert "judges that do not discriminate" not in threats.split("### Checked, not found")[-1].lower()
    assert "Exploratory paths (not the headline): `bench:L`, `lenient:L`, `extractor`, `lenient`." in md
    assert "Headline path: `llm:L` (default, not pre-registered)." in md


def _declare(runs: Path, run: str, headline: str | None) -> None:
    paths = [
        {"name": "mine", "answer_line": "ext", "llm": "llm"},
        {"name": "other", "answer_line": "llm", "llm": "llm"},
    ]
    (runs / run / "experiment.json").write_text(json.dumps({"name": "x", "paths": paths, "headline_path": headline}))


def test_report_on_a_store_takes_the_runs_pre_registered_headline(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    _write_run(runs)
    res = CliRunner().invoke(app, ["report", "--runs-dir", str(runs), "--json", "--boot", "50"])
    assert res.exit_code == 0, res.output
    rep = json.loads(res.output)
    assert (rep["headline"], rep["headline_basis"]) == ("llm:llm", "default")
    assert "(default, not pre-registered)" in rep["headline_reason"]
    _declare(runs, "r1", "other")
    assert from_runs(runs).headline == "other"
    rep = json.loads(CliRunner().invoke(app, ["report", "--runs-dir", str(runs), "--json", "--boot", "50"]).output)
    assert (rep["headline"], rep["headline_basis"]) == ("other", "pre-registered")
    assert {p["name"]: p["role"] for p in rep["paths"]} == {"mine": "exploratory", "other": "headline"}
    rep = json.loads(
        CliRunner().invoke(app, ["report", "--runs-dir", str(runs), "--json", "--boot", "50", "--path", "mine"]).output
    )
    assert (rep["headline"], rep["headline_basis"]) == ("mine", "requested")


def test_runs_that_pre_register_different_headlines_pre_register_none(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    _write_run(runs)
    (runs / "r2").mkdir()
    (runs / "r2" / "run.json").write_text(json.dumps({"run_id": "r2", "kind": "eval"}))
    _declare(runs, "r1", "other")
    _declare(runs, "r2", "mine")
    pre = from_runs(runs)
    assert pre.headline is None
    assert [p.name for p in pre.paths] == ["mine", "other"]
    assert pre.warnings[0].startswith("the runs' experiments pre-register different headline paths ('other' (r1)")


def test_two_constant_judges_that_contradict_each_other_are_contested(con: duckdb.DuckDBPyConnection) -> None:
    """Before: al (all fail) made L (all pass) 'blind' and L made al 'blind', each on the other's word
    alone, though at least one of them is right; now neither is evidence, and a person settles it."""
    items(con, "z", "answer_line", MIN_ITEMS, {"al": "fail", "L": "pass"})
    r = build_report(con, n_boot=100)
    for path, judge, other in (("extractor", "al", "L"), ("bench:L", "al", "L")):
        e = r.path_eligibility(path)
        assert e is not None
        (c,) = [c for c in e.constant if c.config == "z" and c.judge == judge]
        assert c.status == "unverified"
        assert [(k.source, k.contested, k.blind) for k in c.checks] == [(other, True, False)]
        assert "one of them is blind, and only human verdicts can tell which" in c.describe()
    assert r.delta("z", "extractor").finding
    assert r.to_dict()["paths"][0]["constant_judges"] is not None


def test_a_person_settles_which_of_two_contradicting_constant_judges_is_blind(
    con: duckdb.DuckDBPyConnection,
) -> None:
    items(con, "z", "answer_line", MIN_ITEMS, {"al": "fail", "L": "pass", "human": "fail"})
    r = build_report(con, n_boot=100)
    by = {
        (c.judge, c.path): c
        for p in r.paths
        for c in r.path_eligibility(p.name).constant
        if c.config == "z"  # type: ignore[union-attr]
    }
    assert by[("al", "extractor")].status == "agreed"  # the person agrees with al; L's word is no evidence
    assert by[("L", "llm:L")].status == "blind"  # the person disagrees with L on every item
    assert not r.delta("z", "llm:L").finding
    assert r.delta("z", "extractor").finding


def test_a_judge_blind_on_one_family_is_blind_on_the_other(con: duckdb.DuckDBPyConnection) -> None:
    """Before: L, passing everything on z, was blind on the ANSWER-line tasks (al and fa discriminate
    there) but 'unverified' on the llm tasks no other judge scores, so path llm:L stayed eligible."""
    items(con, "z", "answer_line", MIN_ITEMS, {"al": "PFPFPFPFPFPFPFPFPFPF", "fa": "PFPFPFPFPFPFPFPFPFPF", "L": "pass"})
    items(con, "z", "llm", MIN_ITEMS, {"L": "pass"})
    r = build_report(con, n_boot=100)
    (c,) = [c for c in r.path_eligibility("llm:L").constant if c.config == "z" and c.scoring == "llm"]  # type: ignore[union-attr]
    assert (c.status, c.blind_in, c.checks) == ("blind", "answer_line", ())
    assert "shown blind on this config's answer_line-scored items" in c.describe()
    assert "llm:L" not in r.eligible_paths()
    assert not r.delta("z", "llm:L").finding


def test_blindness_shown_on_a_family_no_path_routes_to_the_judge_counts(con: duckdb.DuckDBPyConnection) -> None:
    """The micro demo: its paths give the SmolLM2 judge only the prose-scored tasks, but it also scored
    (and passed) every ANSWER-line item, where the lenient judge discriminates. Before: 'lenient'
    (lenient + L on llm tasks) stayed eligible, as no path routed the ANSWER-line tasks to L."""
    from engine.config import PathSpec

    items(con, "z", "answer_line", MIN_ITEMS, {"fa": "PFPFPFPFPFPFPFPFPFPF", "L": "pass"})
    items(con, "z", "llm", MIN_ITEMS, {"L": "pass"})
    paths = [PathSpec(name="lenient", answer_line="fa", llm="L"), PathSpec(name="lenient-al", answer_line="fa")]
    r = build_report(con, paths=paths, headline="lenient-al", n_boot=100)
    (c,) = [c for c in r.path_eligibility("lenient").constant if c.config == "z"]  # type: ignore[union-attr]
    assert (c.judge, c.scoring, c.status, c.blind_in) == ("L", "llm", "blind", "answer_line")
    assert "lenient" not in r.eligible_paths()
