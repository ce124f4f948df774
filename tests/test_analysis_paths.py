"""Judge paths (derivation, headline), identities (config/judge fingerprints) and rendering."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import duckdb
import pytest
from rich.console import Console

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synth import make_synthetic_store  # noqa: E402
from engine.analysis import build_report, derive_paths  # noqa: E402
from engine.analysis.paths import JudgeInfo, JudgePath, choose_headline  # noqa: E402
from engine.analysis.render import render_report  # noqa: E402
from engine.store.schema import ddl  # noqa: E402


def _judges(*spec: tuple[str, str]) -> list[JudgeInfo]:
    return sorted((JudgeInfo(j, j, "fp", k) for j, k in spec), key=lambda j: j.rank)


def _store(**kw: object) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for s in ddl():
        con.execute(s)
    make_synthetic_store(con, 3000, n_tasks=24, n_skills=4, **kw)  # type: ignore[arg-type]
    return con


def test_derive_paths_per_llm_judge() -> None:
    js = _judges(("al", "answer_line"), ("fa", "final_answer"), ("c", "llm"), ("g", "llm"), ("human", "human"))
    names = [(p.name, p.answer_line, p.llm) for p in derive_paths(js)]
    assert names == [
        ("bench:c", "al", "c"),
        ("llm:c", "c", "c"),
        ("lenient:c", "fa", "c"),
        ("bench:g", "al", "g"),
        ("llm:g", "g", "g"),
        ("lenient:g", "fa", "g"),
        ("extractor", "al", None),  # partial, deterministic: the headline when no complete path is eligible
        ("lenient", "fa", None),
    ]
    assert choose_headline(derive_paths(js), None, explicit=False) == "llm:c"


def test_derive_paths_without_llm_judge_is_partial() -> None:
    paths = derive_paths(_judges(("al", "answer_line")))
    assert [(p.name, p.partial) for p in paths] == [("extractor", True)]
    assert choose_headline(paths, None, explicit=False) == "extractor"
    assert [p.name for p in derive_paths(_judges(("al", "answer_line"), ("fa", "final_answer")))] == [
        "extractor",
        "lenient",
    ]
    assert derive_paths([]) == []


def test_headline_rules() -> None:
    ps = [JudgePath("bench:x", "a", "x"), JudgePath("llm:x", "x", "x")]
    assert choose_headline(ps, None, explicit=True) == "bench:x"  # the experiment's first path
    assert choose_headline(ps, None, explicit=False) == "llm:x"
    assert choose_headline(ps, "bench:x", explicit=False) == "bench:x"
    with pytest.raises(ValueError):
        choose_headline(ps, "nope", explicit=False)


def test_report_without_llm_judge() -> None:
    con = _store(judges=[{"id": "extractor", "kind": "answer_line"}])
    r = build_report(con, n_boot=200)
    assert r.headline == "extractor"
    assert r.paths[0].partial
    assert all(d.partial for d in r.deltas)
    assert any("path 'extractor' is partial" in w for w in r.warnings)
    assert not r.agreement
    assert not r.format_gaps
    assert r.format  # ANSWER: line shares do not need a judge


def test_config_with_two_fingerprints_is_two_rows() -> None:
    configs = [
        {"id": "q", "fp": "aaaaaa111", "size": "2B", "ability": 0.0, "effect": 0.2},
        {"id": "q", "fp": "bbbbbb222", "size": "2B", "ability": 0.5, "effect": 0.0},
        {"id": "q-sft", "size": "2B", "base": "q", "ability": 0.5, "effect": 0.3},
    ]
    r = build_report(_store(configs=configs), n_boot=200)
    labels = {d.config for d in r.deltas}
    assert labels == {"q@aaaaaa", "q@bbbbbb", "q-sft"}
    assert any("config 'q' has 2 fingerprints" in w for w in r.warnings)
    assert {c.b for c in r.lifts if c.path == r.headline} == {"q@aaaaaa", "q@bbbbbb"}
    assert any("base config 'q' of q-sft has several fingerprints" in w for w in r.warnings)


def test_judge_with_two_fingerprints() -> None:
    judges = [
        {"id": "extractor", "kind": "answer_line"},
        {"id": "claude", "kind": "llm", "fp": "old000", "flip": 0.05},
        {"id": "claude", "kind": "llm", "fp": "new111", "flip": 0.02},
    ]
    con = _store(judges=judges)
    r = build_report(con, n_boot=200)
    assert {p.name for p in r.paths} >= {"llm:claude@new111", "llm:claude@old000"}
    assert any("judge 'claude' has several fingerprints" in w for w in r.warnings)
    from engine.config import PathSpec

    r2 = build_report(con, paths=[PathSpec(name="m", answer_line="claude", llm="claude")], n_boot=200)
    assert r2.paths[0].llm in ("claude@new111", "claude@old000")
    assert any("paths naming it use" in w for w in r2.warnings)


def test_render_is_literal() -> None:
    configs = [
        {"id": "[bold]q[/bold]", "size": "2B", "ability": 0.0, "effect": 0.2},
        {
            "id": "q\x1b]8;;http://x\x1b\\sft",
            "size": "2B",
            "base": "[bold]q[/bold]",
            "ability": 0.1,
            "effect": 0.3,
        },
    ]
    r = build_report(_store(configs=configs), n_boot=200)
    buf = io.StringIO()
    console = Console(file=buf, width=200, color_system=None)
    render_report(r, console)
    out = buf.getvalue()
    assert "[bold]q[/bold]" in out
    assert "\x1b" not in out
    assert "]8;;http://x" in out
    for title in ("Judge paths", "Pass rates", "Procedural Δ on path llm:claude (headline)", "SFT lift"):
        assert title in out
    assert "Judge agreement" in out
    assert "Format artifact" in out
    assert "Warnings" in out
