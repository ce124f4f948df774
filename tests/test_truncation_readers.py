"""Completions cut off at max_tokens, the format artifact against the lenient judge, and the report's
α reaching the Design section and `engine power` (all on hand-built DuckDB stores, counted by hand)."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synth import insert_rows  # noqa: E402
from engine.analysis import build_report  # noqa: E402
from engine.paper.findings import _truncation  # noqa: E402
from engine.store.aggregates import refresh  # noqa: E402
from engine.store.schema import ddl  # noqa: E402

N_TASKS = 20
KINDS = {"al": "answer_line", "fa": "final_answer", "L": "llm"}


def _store(con: duckdb.DuckDBPyConnection, *, cut: dict[str, int], seed: int = 0, llm_constant: bool = False) -> dict:
    """Config `b`, N_TASKS answer_line tasks in both conditions; the first cut[cond] completions of a
    condition end at the token limit. Verdicts are drawn at random; returns the rows written."""
    rng = random.Random(seed)
    for s in ddl():
        con.execute(s)
    insert_rows(con, "configs", [{"config_id": "b", "config_fp": "fpb", "role": "student"}])
    insert_rows(con, "judges", [{"judge_id": j, "judge_fp": f"jfp{j}", "kind": k} for j, k in KINDS.items()])
    tasks = [f"t{i:02d}" for i in range(N_TASKS)]
    insert_rows(con, "tasks", [{"task_id": t, "task_hash": "h" + t, "scoring": "answer_line"} for t in tasks])
    eps, jds = [], []
    for cond in ("no_skill", "curated"):
        for i, t in enumerate(tasks):
            eid = f"b-{t}-{cond}"
            row = {"config_id": "b", "config_fp": "fpb", "task_id": t, "condition": cond, "sample": 0}
            line = rng.random() < 0.5
            eps.append(
                row
                | {"episode_id": eid, "run_id": "r1", "completion": "x", "task_hash": "h" + t}
                | {"has_answer_line": line, "finish_reason": "length" if i < cut[cond] else "stop"}
            )
            lenient = rng.random() < 0.6
            verdicts = {"al": lenient and line, "fa": lenient, "L": True if llm_constant else rng.random() < 0.5}
            for j, ok in verdicts.items():
                jds.append(
                    row
                    | {"judgment_id": f"{eid}:{j}", "episode_id": eid, "judge_id": j, "judge_fp": f"jfp{j}"}
                    | {"scoring": "answer_line", "verdict": "pass" if ok else "fail", "run_id": "r1"}
                )
    insert_rows(con, "episodes", eps)
    insert_rows(con, "judgments", jds)
    return {"episodes": eps, "judgments": jds}


@pytest.fixture(params=["direct", "aggregates"])
def source(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _report(con: duckdb.DuckDBPyConnection, source: str, **kw: object):
    if source == "aggregates":
        refresh(con)
    return build_report(con, n_boot=200, **kw)


def test_cut_off_completions_are_counted_warned_and_found(source: str) -> None:
    con = duckdb.connect()
    rows = _store(con, cut={"no_skill": 0, "curated": 7})
    r = _report(con, source)
    by_hand = {
        c: sum(e["finish_reason"] == "length" for e in rows["episodes"] if e["condition"] == c)
        for c in ("no_skill", "curated")
    }
    got = {f.condition: f.at_limit for f in r.format}
    assert got == by_hand == {"no_skill": 0, "curated": 7}
    w = [x for x in r.warnings if x.startswith("truncation:")]
    assert len(w) == 1
    assert "b/curated 7 of 20 (35%)" in w[0] and "b/no_skill" not in w[0]
    assert "differ by at least 10 pp on b" in w[0]
    (finding,) = _truncation(r)
    assert "7 of 20 (35%)" in finding.text
    assert json.loads(json.dumps(r.to_dict()))["format"]["answer_line"][1]["at_limit"] == 7


def test_rare_or_even_cut_offs_raise_no_warning_or_no_uneven_clause(source: str) -> None:
    con = duckdb.connect()
    _store(con, cut={"no_skill": 1, "curated": 1})  # 5 %: under the 10 % line
    r = _report(con, source)
    assert not [x for x in r.warnings if x.startswith("truncation:")]
    assert _truncation(r) == []
    con = duckdb.connect()
    _store(con, cut={"no_skill": 6, "curated": 6})  # common but the same in both conditions
    (w,) = [x for x in _report(con, source).warnings if x.startswith("truncation:")]
    assert "differ" not in w


def test_cut_offs_added_later_are_counted_by_the_incremental_refresh() -> None:
    con = duckdb.connect()
    _store(con, cut={"no_skill": 0, "curated": 2})
    refresh(con)
    con.execute("UPDATE episodes SET finish_reason = 'length' WHERE episode_id = 'b-t05-no_skill'")
    import pyarrow as pa

    refresh(con, new_episodes=pa.table({"config_id": ["b"], "config_fp": ["fpb"]}))
    got = dict(con.execute("SELECT condition, at_limit FROM analysis_format").fetchall())
    assert got == {"no_skill": 1, "curated": 2}


def test_the_lenient_judge_is_a_reader_of_the_format_artifact(source: str) -> None:
    con = duckdb.connect()
    rows = _store(con, cut={"no_skill": 0, "curated": 0})
    r = _report(con, source)
    g = next(x for x in r.format_gaps if x.config == "*" and x.llm == "fa")
    v = {(j["episode_id"], j["judge_id"]): j["verdict"] == "pass" for j in rows["judgments"]}
    cells = (("no_skill", g.extractor_no_skill, g.llm_no_skill), ("curated", g.extractor_curated, g.llm_curated))
    for cond, ex, rd in cells:
        eids = [e["episode_id"] for e in rows["episodes"] if e["condition"] == cond]
        assert ex == pytest.approx(sum(v[(e, "al")] for e in eids) / len(eids))
        assert rd == pytest.approx(sum(v[(e, "fa")] for e in eids) / len(eids))
    assert {x.llm for x in r.format_gaps} == {"fa", "L"}


def test_a_constant_reader_raises_no_format_artifact_warning(source: str) -> None:
    con = duckdb.connect()
    _store(con, cut={"no_skill": 0, "curated": 0}, seed=3, llm_constant=True)
    r = _report(con, source)
    const = next(x for x in r.format_gaps if x.config == "*" and x.llm == "L")
    assert const.llm_no_skill == const.llm_curated == 1.0
    assert const.gap_diff is not None and abs(const.gap_diff) >= 0.02  # it would have warned before
    assert not [w for w in r.warnings if w.startswith("format artifact") and "relative to L " in w]


def test_the_reports_alpha_sets_the_design_sections_level(source: str) -> None:
    con = duckdb.connect()
    _store(con, cut={"no_skill": 0, "curated": 0})
    at05 = _report(con, source, alpha=0.05).design
    at20 = build_report(con, n_boot=200, alpha=0.2).design
    assert (at05.alpha, at20.alpha) == (0.05, 0.2)
    m05 = [x.mde for x in at05.rows if x.mde is not None]
    m20 = [x.mde for x in at20.rows if x.mde is not None]
    assert m05 and len(m05) == len(m20)
    assert all(b < a for a, b in zip(m05, m20, strict=True))  # a looser α detects smaller effects


def test_engine_power_reads_the_experiments_alpha_and_minimum_effect(tmp_path: Path) -> None:
    from engine.cli import app

    src = Path(__file__).resolve().parents[1] / "data" / "experiments" / "paper.toml"
    text = src.read_text(encoding="utf-8").replace('"../suite/', f'"{src.parent.parent / "suite"}/')
    head, sep, rest = text.partition("\n[")
    head = "\n".join(x for x in head.splitlines() if not x.startswith(("alpha", "minimum_effect")))
    exp = tmp_path / "paper.toml"
    exp.write_text(head + "\nalpha = 0.1\nminimum_effect = 0.06\n" + sep + rest, encoding="utf-8")
    res = CliRunner().invoke(app, ["power", str(exp), "--json", "--sims", "200"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["design"]["alpha"] == 0.1
    assert out["rows"] and all(r["effect"] == pytest.approx(0.06) for r in out["rows"]), out["rows"]
    res = CliRunner().invoke(app, ["power", str(exp), "--json", "--sims", "200", "--alpha", "0.05"])
    explicit = json.loads(res.output)
    assert explicit["design"]["alpha"] == 0.05
