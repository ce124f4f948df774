"""Known-value tests: a hand-built store where every number of the report is worked out by hand."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest
from sklearn.metrics import cohen_kappa_score

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synth import insert_rows  # noqa: E402
from engine.analysis import PathMismatchError, build_report, compare, disagreements, lift  # noqa: E402
from engine.analysis.notices import Notice  # noqa: E402
from engine.store.aggregates import refresh  # noqa: E402
from engine.store.schema import ddl  # noqa: E402

V = {"P": "pass", "F": "fail", "E": "error"}
SCORING = {"t1": "answer_line", "t2": "answer_line", "t3": "llm"}
# verdicts[config][judge][task] = (no_skill samples 0,1 ; curated samples 0,1); "-" = not judged
VERDICTS = {
    "b": {
        "L": {"t1": ("PF", "PP"), "t2": ("FF", "PE"), "t3": ("PP", "FP")},
        "al": {"t1": ("PF", "FF"), "t2": ("FF", "FP")},
        "fa": {"t1": ("PF", "PP"), "t2": ("FF", "PP")},
    },
    "s": {
        "L": {"t1": ("FF", "PP"), "t2": ("FF", "PP"), "t3": ("EE", "PP")},
        "al": {"t1": ("FF", "PF"), "t2": ("FF", "PP")},
        "fa": {"t1": ("FF", "PP"), "t2": ("FF", "PP")},
    },
    "f": {"L": {"t1": ("PP", "PP"), "t2": ("PP", "PP"), "t3": ("PP", "PP")}},
}
# ANSWER: line per config: (no_skill samples over t1,t1,t2,t2,t3,t3 ; curated ...)
ANSWER_LINE = {"b": ("110100", "100000"), "s": ("111111", "000000"), "f": ("111111", "111111")}


def build(con: duckdb.DuckDBPyConnection) -> None:
    for s in ddl():
        con.execute(s)
    insert_rows(
        con,
        "configs",
        [
            {"config_id": "b", "config_fp": "fpb", "role": "student", "size_b": 2.0, "size": "2B"},
            {"config_id": "s", "config_fp": "fps", "role": "student", "size_b": 2.0, "base_config": "b"},
            {"config_id": "f", "config_fp": "fpf", "role": "frontier"},
        ],
    )
    kinds = {"L": "llm", "al": "answer_line", "fa": "final_answer"}
    insert_rows(con, "judges", [{"judge_id": j, "judge_fp": f"jfp{j}", "kind": k} for j, k in kinds.items()])
    insert_rows(con, "tasks", [{"task_id": t, "task_hash": "h" + t, "scoring": s} for t, s in SCORING.items()])
    eps, jds = [], []
    for cfg in VERDICTS:
        for ci, cond in enumerate(("no_skill", "curated")):
            for k, (task, sample) in enumerate((t, s) for t in ("t1", "t2", "t3") for s in (0, 1)):
                eid = f"{cfg}-{task}-{cond}-{sample}"
                row = {
                    "config_id": cfg,
                    "config_fp": f"fp{cfg}",
                    "task_id": task,
                    "condition": cond,
                    "sample": sample,
                }
                eps.append(
                    row
                    | {
                        "episode_id": eid,
                        "run_id": "r1",
                        "completion": f"[bold]{eid}[/]",
                        "task_hash": "h" + task,
                    }
                    | {"has_answer_line": ANSWER_LINE[cfg][ci][k] == "1"}
                )
                for judge, per_task in VERDICTS[cfg].items():
                    if task not in per_task:
                        continue
                    v = per_task[task][ci][sample]
                    jds.append(
                        row
                        | {"judgment_id": f"{eid}:{judge}", "episode_id": eid, "judge_id": judge}
                        | {"judge_fp": f"jfp{judge}", "scoring": SCORING[task], "verdict": V[v]}
                        | {"rationale": f"{judge} says {V[v]}", "run_id": "r1"}
                    )
    insert_rows(con, "episodes", eps)
    insert_rows(con, "judgments", jds)


@pytest.fixture(params=["direct", "aggregates"])
def con(request: pytest.FixtureRequest) -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    build(c)
    if request.param == "aggregates":
        refresh(c)
    return c


def test_source(con: duckdb.DuckDBPyConnection) -> None:
    r = build_report(con, n_boot=200)
    fresh = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'analysis_meta'").fetchall()[0][0]
    assert r.meta["source"] == ("aggregates" if fresh else "direct")


def test_paths_derived_and_headline(con: duckdb.DuckDBPyConnection) -> None:
    r = build_report(con, n_boot=200)
    assert [(p.name, p.answer_line, p.llm) for p in r.paths] == [
        ("bench:L", "al", "L"),
        ("llm:L", "L", "L"),
        ("lenient:L", "fa", "L"),
        ("extractor", "al", None),
        ("lenient", "fa", None),
    ]
    assert r.headline == "llm:L"
    assert [p.name for p in r.paths if p.partial] == ["extractor", "lenient"]


def test_pass_rates_errors_excluded_not_failed(con: duckdb.DuckDBPyConnection) -> None:
    r = build_report(con, n_boot=200)
    row = next(x for x in r.pass_rates if (x.config, x.judge, x.condition) == ("b", "L", "curated"))
    assert (row.n, row.passes, row.errors) == (5, 4, 1)
    assert row.pass_rate == pytest.approx(0.8)  # 4/6 if the error were a fail
    row = next(x for x in r.pass_rates if (x.config, x.judge, x.condition) == ("s", "L", "no_skill"))
    assert (row.n, row.passes, row.errors) == (4, 0, 2)


def test_delta_known_values(con: duckdb.DuckDBPyConnection) -> None:
    r = build_report(con, n_boot=500)
    d = r.delta("b", "llm:L")
    assert d.n_tasks == 3
    assert d.delta == pytest.approx(1 / 3)
    assert d.pass_no_skill == pytest.approx(0.5)
    assert d.pass_curated == pytest.approx(2.5 / 3)
    # (task, sample) pairs: pp=2, no_skill-only=1, curated-only=2, one pair lost to an error
    assert (d.discordant_no_skill_only, d.discordant_curated_only, d.n_pairs, d.errors) == (1, 2, 5, 1)
    # two samples per task: McNemar clustered by task (Durkalski 2003); per-task no_skill-only minus
    # curated-only: t1 0 − 1, t2 0 − 1, t3 1 − 0, so X² = (−1)² / 3 (the unclustered exact p was 1.0)
    assert d.mcnemar_method == "durkalski-clustered" and d.mcnemar_midp is None
    assert d.mcnemar_p == pytest.approx(0.5637028616507731)  # scipy.stats.chi2.sf(1 / 3, 1)
    assert d.ci_method == "bootstrap-task"
    assert d.ci_low <= d.delta <= d.ci_high
    assert r.delta("b", "bench:L").delta == pytest.approx(-1 / 6)
    s = r.delta("s", "llm:L")
    assert (s.n_tasks, s.tasks_dropped, s.errors) == (2, 1, 2)
    assert s.delta == pytest.approx(1.0)
    assert r.delta("s", "bench:L").delta == pytest.approx(0.75)
    assert r.delta("f", "llm:L").delta == pytest.approx(0.0)
    # every task's difference is 0: nothing to bootstrap, so Tango's interval over the 3 tasks, never [0, 0]
    f = r.delta("f", "llm:L")
    assert f.ci_method == "tango-tasks"
    assert f.ci_low == pytest.approx(-f.ci_high) and f.ci_high > 0.4


def test_lift_on_intersection_with_coverage_warning(con: duckdb.DuckDBPyConnection) -> None:
    r = build_report(con, n_boot=500)
    lf = next(x for x in r.lifts if x.path == "llm:L")
    assert (lf.a, lf.b, lf.n_tasks) == ("s", "b", 2)
    assert lf.delta_a == pytest.approx(1.0)
    assert lf.delta_b == pytest.approx(0.75)  # b on t1, t2 only
    assert lf.diff == pytest.approx(0.25)
    assert any("task coverage differs (2 vs 3 tasks)" in w and "'llm:L'" in w for w in r.warnings)
    assert {x.path for x in r.lifts} == {"bench:L", "llm:L", "lenient:L", "extractor", "lenient"}


def test_matched_path_guard(con: duckdb.DuckDBPyConnection) -> None:
    r = build_report(con, n_boot=200)
    with pytest.raises(PathMismatchError, match="different judge paths.*two false conclusions"):
        compare(r.delta("s", "llm:L"), r.delta("b", "bench:L"))
    with pytest.raises(PathMismatchError):
        lift(r.delta("s", "bench:L"), r.delta("b", "lenient:L"))
    with pytest.raises(PathMismatchError):
        r.compare("s", "b", "llm:L", path_b="bench:L")
    notes: list[Notice] = []
    c = lift(r.delta("s", "llm:L"), r.delta("b", "llm:L"), n_boot=200, notices=notes)
    assert c.diff == pytest.approx(0.25)
    assert [(n.kind, n.config, n.subject, n.path) for n in notes] == [("coverage_mismatch", "s", "b", "llm:L")]


def test_agreement_known_values(con: duckdb.DuckDBPyConnection) -> None:
    r = build_report(con, n_boot=200)
    a = next(x for x in r.agreement if (x.config, x.judge_a, x.judge_b) == ("b", "al", "L"))
    assert a.confusion == [[1, 0], [3, 3]]
    assert (a.n, a.agree) == (7, 4)
    assert a.pct_agreement == pytest.approx(4 / 7)
    al = [1, 0, 0, 0, 0, 0, 0]
    llm = [1, 0, 1, 1, 0, 0, 1]
    assert a.kappa == pytest.approx(cohen_kappa_score(al, llm), abs=1e-12)
    assert a.kappa == pytest.approx(2 / 9, abs=1e-12)
    assert a.kappa_low < a.kappa < a.kappa_high
    assert (a.n_tasks, a.delta_a, a.delta_b) == (2, pytest.approx(-0.25), pytest.approx(0.75))
    assert a.delta_shift == pytest.approx(1.0)
    assert any("fewer than 30 non-error items" in w for w in r.warnings)
    summary = next(x for x in r.agreement_summary if (x.judge_a, x.judge_b) == ("al", "L"))
    assert "b" in summary.direction_flips


def test_format_known_values(con: duckdb.DuckDBPyConnection) -> None:
    r = build_report(con, n_boot=200)
    shares = {(f.config, f.condition): f for f in r.format}
    assert shares[("b", "no_skill")].share == pytest.approx(0.5)
    assert shares[("b", "curated")].share == pytest.approx(1 / 6)
    assert shares[("s", "curated")].answer_line == 0
    g = next(x for x in r.format_gaps if x.config == "b" and x.llm == "L")
    assert (g.extractor, g.llm, g.n_no_skill, g.n_curated) == ("al", "L", 4, 3)
    assert (g.extractor_no_skill, g.llm_no_skill, g.gap_no_skill) == (0.25, 0.25, 0.0)
    assert (g.extractor_curated, g.llm_curated, g.gap_curated) == (0.0, 1.0, 1.0)
    assert g.gap_diff == pytest.approx(1.0)
    # the lenient judge reads prose too: al vs fa on the same answer_line episodes, worked out by hand
    f = next(x for x in r.format_gaps if x.config == "b" and x.llm == "fa")
    assert (f.n_no_skill, f.n_curated) == (4, 4)
    assert (f.extractor_no_skill, f.llm_no_skill, f.extractor_curated, f.llm_curated) == (0.25, 0.25, 0.25, 1.0)
    assert f.gap_diff == pytest.approx(0.75)
    assert any(w.startswith("format artifact") and "biased against curated" in w for w in r.warnings)


def test_trajectory_and_errors_warning(con: duckdb.DuckDBPyConnection) -> None:
    r = build_report(con, n_boot=200)
    assert [(p.config, p.series, p.size_b) for p in r.trajectory] == [
        ("b", "base", 2.0),
        ("s", "sft", 2.0),
        ("f", "frontier", None),
    ]
    assert any("never counted as fail" in w and "L 3" in w for w in r.warnings)


def test_explicit_paths_and_headline(con: duckdb.DuckDBPyConnection) -> None:
    from engine.config import PathSpec

    paths = [PathSpec(name="matched", answer_line="L", llm="L"), PathSpec(name="extr", answer_line="al")]
    r = build_report(con, paths=paths, n_boot=200)
    assert r.headline == "matched"
    assert r.delta("b", "matched").delta == pytest.approx(1 / 3)
    extr = r.delta("b", "extr")
    assert extr.partial
    assert extr.n_tasks == 2
    assert extr.delta == pytest.approx(0.0)  # (-0.5 + 0.5) / 2
    assert any("path 'extr' is partial" in w for w in r.warnings)
    assert build_report(con, paths=paths, headline="extr", n_boot=200).headline == "extr"
    with pytest.raises(ValueError, match="not one of the paths"):
        build_report(con, paths=paths, headline="nope")


def test_config_filter_and_json(con: duckdb.DuckDBPyConnection) -> None:
    import json

    r = build_report(con, configs=["s"], n_boot=200)
    assert {d.config for d in r.deltas} == {"s"}
    assert not r.lifts
    assert any("base config 'b' has no judgments" in w for w in r.warnings)
    d = json.loads(json.dumps(build_report(con, n_boot=200).to_dict()))
    assert set(d) >= {
        "pass_rates",
        "paths",
        "deltas",
        "lifts",
        "agreement",
        "format",
        "trajectory",
        "warnings",
    }
    assert d["paths"][1]["headline"] is True


def test_disagreements_browser(con: duckdb.DuckDBPyConnection) -> None:
    rows = disagreements(con, "al", "L", config_id="b")
    assert [(x.task_id, x.condition, x.sample) for x in rows] == [
        ("t1", "curated", 0),
        ("t1", "curated", 1),
        ("t2", "curated", 0),
    ]
    assert rows[0].completion == "[bold]b-t1-curated-0[/]"
    assert (rows[0].verdict_a, rows[0].verdict_b, rows[0].rationale_b) == ("fail", "pass", "L says pass")
    assert [x.task_id for x in disagreements(con, "al", "L", config_id="b", limit=1, offset=2)] == ["t2"]
    from engine.analysis import count_disagreements

    assert count_disagreements(con, "al", "L", config_id="b") == 3


def test_a_judge_with_one_verdict_everywhere_is_flagged() -> None:
    con = duckdb.connect()
    build(con)
    refresh(con)
    rep = build_report(con, n_boot=200)
    # frontier config f: judge L says pass on all 8 answer_line and 4 llm items -> too few (min 10)
    assert not any("gave 'pass' on all" in w for w in rep.warnings)
    rows = []
    for i in range(12):
        for cond in ("no_skill", "curated"):
            rows.append(
                {
                    "judgment_id": f"x{i}{cond}",
                    "episode_id": f"f-x{i}-{cond}",
                    "judge_id": "L",
                    "judge_fp": "jfpL",
                    "config_id": "f",
                    "config_fp": "fpf",
                    "task_id": f"x{i}",
                    "condition": cond,
                    "sample": 0,
                    "scoring": "llm",
                    "verdict": "pass",
                }
            )
    insert_rows(con, "judgments", rows)
    refresh(con)
    rep = build_report(con, n_boot=200)
    # no other judge or human scores f: constant, but no evidence that L is blind there
    assert not any("does not discriminate" in w for w in rep.warnings)
    flagged = [w for w in rep.warnings if "gave 'pass' on all" in w]
    assert len(flagged) == 1
    assert flagged[0].startswith("judge L gave 'pass' on all 28 llm-scored items of f: constant, unverified")


def test_trajectory_on_any_path_is_the_one_the_cockpit_draws(con: duckdb.DuckDBPyConnection) -> None:
    """One trajectory, computed in the engine: the cockpit's Δ screen draws `trajectory_on(path)`."""
    from cockpit.viewmodels.report import ReportView

    r = build_report(con, n_boot=200)
    assert r.trajectory_on(r.headline) == r.trajectory
    view = ReportView(report=r)
    for path in ("bench:L", "extractor"):
        pts = view.trajectory(path)
        deltas = {d.config: d.delta for d in r.deltas if d.path == path}
        assert [p.config for p in pts] == [c for c in ("b", "s", "f") if c in deltas], path
        assert [p.delta for p in pts] == [deltas[p.config] for p in pts]
