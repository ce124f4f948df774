"""Typed notices (`engine.analysis.notices`): every kind comes out of a real store (hand-built, the
synthetic one, a runs directory), each notice names what it is about, and no consumer in engine/ or
cockpit/ routes a warning by its text."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from bench.synth import make_synthetic_store
from engine.analysis import build_report
from engine.analysis.eligibility import MIN_ITEMS
from engine.analysis.notices import KINDS, Notice, about_judges, on_path
from engine.analysis.power_design import load_pilot
from engine.analysis.preregistration import from_runs
from engine.cli import app
from engine.config import PathSpec
from engine.store import journal as jr
from engine.store.aggregates import refresh
from engine.store.manifest import RunInfo, write_info
from engine.store.schema import ddl
from tests.test_analysis_eligibility import items
from tests.test_analysis_floor_ceiling import _declare
from tests.test_analysis_known import build
from tests.test_cli_outputs import _write_run

ROOT = Path(__file__).resolve().parents[1]


def _known() -> duckdb.DuckDBPyConnection:
    """tests/test_analysis_known.py's hand-built store, aggregates fresh."""
    c = duckdb.connect()
    build(c)
    refresh(c)
    return c


def _synth(**kw: object) -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    for s in ddl():
        c.execute(s)
    make_synthetic_store(c, 3000, n_tasks=24, n_skills=4, seed=5, **kw)  # type: ignore[arg-type]
    return c


def _known_report(**kw: object) -> list[Notice]:
    return build_report(_known(), n_boot=50, **kw).notices  # type: ignore[arg-type]


def _stale(_: Path) -> list[Notice]:
    con = _known()
    con.execute(
        "INSERT INTO judgments SELECT * REPLACE (judgment_id || '-again' AS judgment_id) FROM judgments LIMIT 1"
    )
    return build_report(con, n_boot=50).notices


def _snapshot(tmp: Path) -> list[Notice]:
    """`engine report` while another process holds the store file: built from the journals."""
    runs = tmp / "runs"
    _write_run(runs)
    code = "import duckdb,sys,time; c=duckdb.connect(sys.argv[1]); print('held', flush=True); time.sleep(60)"
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(runs / jr.STORE_NAME)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        res = CliRunner().invoke(app, ["report", "--runs-dir", str(runs), "--json", "--boot", "50"])
    finally:
        holder.kill()
        holder.wait()
    assert res.exit_code == 0, res.output
    return [Notice.from_dict(n) for n in json.loads(res.output)["notices"]]


def _fingerprints(_: Path) -> list[Notice]:
    configs = [
        {"id": "q", "fp": "aaaaaa111", "size": "2B", "ability": 0.0, "effect": 0.2},
        {"id": "q", "fp": "bbbbbb222", "size": "2B", "ability": 0.5, "effect": 0.0},
        {"id": "q-sft", "size": "2B", "base": "q", "ability": 0.5, "effect": 0.3},
    ]
    return build_report(_synth(configs=configs), n_boot=50).notices


def _two_claudes() -> duckdb.DuckDBPyConnection:
    judges = [
        {"id": "extractor", "kind": "answer_line"},
        {"id": "claude", "kind": "llm", "fp": "old000", "flip": 0.05},
        {"id": "claude", "kind": "llm", "fp": "new111", "flip": 0.02},
    ]
    return _synth(judges=judges)


def _judge_resolution(_: Path) -> list[Notice]:
    paths = [PathSpec(name="m", answer_line="claude", llm="claude")]
    return build_report(_two_claudes(), paths=paths, n_boot=50).notices


def _unknown_judge(_: Path) -> list[Notice]:
    con = _known()
    con.execute("DELETE FROM judges WHERE judge_id = 'fa'")
    return build_report(con, n_boot=50).notices


def _no_path(_: Path) -> list[Notice]:
    con = _known()
    con.execute("DELETE FROM judges")  # every judge of unknown kind: no path can be derived
    return build_report(con, n_boot=50).notices


def _headline_conflict(tmp: Path) -> list[Notice]:
    runs = tmp / "runs"
    _write_run(runs)
    (runs / "r2").mkdir()
    (runs / "r2" / "run.json").write_text(json.dumps({"run_id": "r2", "kind": "eval"}))
    _declare(runs, "r1", "other")
    _declare(runs, "r2", "mine")
    return list(from_runs(runs).notices)


def _plan_conflict(tmp: Path) -> list[Notice]:
    runs = tmp / "runs"
    for name, alpha in (("a", 0.05), ("b", 0.01)):
        j = jr.RunJournal(runs, name)
        write_info(j.dir, RunInfo(run_id=name, kind="eval", experiment="x"))
        plan = {"experiment": "x", "headline_path": None, "effect_of_interest": "delta"}
        plan |= {"minimum_effect": None, "alpha": alpha, "cluster": "task"}
        (j.dir / "events.jsonl").write_text(json.dumps({"type": "RunStarted", "run_id": name, "preregistration": plan}))
    return list(from_runs(runs).record_notices)


def _with_items(cfg: str, verdicts: dict[str, str]) -> list[Notice]:
    con = _known()
    items(con, cfg, "llm", MIN_ITEMS, verdicts)
    return build_report(con, n_boot=50).notices


GHOST = [PathSpec(name="ghost", answer_line="nope", llm="L")]
SYNTH_JUDGES = [
    {"id": "extractor", "kind": "answer_line", "flip": 0.01, "error": 0.01},
    {"id": "lenient", "kind": "final_answer", "flip": 0.05, "error": 0.02, "abstain": (0.05, 0.2)},
    {"id": "claude", "kind": "llm", "flip": 0.04, "error": 0.03},
]


def _synthetic(_: Path) -> list[Notice]:
    """Abstaining judge, failed generations, 4 skills: the synthetic store clustered by skill."""
    return build_report(_synth(judges=SYNTH_JUDGES, episode_error_rate=0.05), n_boot=50, cluster="skill").notices


def _truncated(_: Path) -> list[Notice]:
    """The hand-built store with a third of the curated completions cut off at max_tokens."""
    con = _known()
    con.execute("UPDATE episodes SET finish_reason = 'length' WHERE condition = 'curated' AND sample = 0")
    refresh(con)  # a full rebuild: an UPDATE leaves the row counts the freshness check reads unchanged
    return build_report(con, n_boot=50).notices


CASES: dict[str, Callable[[Path], list[Notice]]] = {
    "stale_aggregates": _stale,
    "store_snapshot": _snapshot,
    "fingerprints": _fingerprints,
    "unknown_judge": _unknown_judge,
    "judge_resolution": _judge_resolution,
    "headline_conflict": _headline_conflict,
    "plan_conflict": _plan_conflict,
    "no_headline": lambda _: _known_report(paths=GHOST, headline="elsewhere", preregistered=True),
    "no_path": _no_path,
    "pilot_path": lambda _: load_pilot(_known(), paths=[PathSpec(name="ghost", answer_line="x", llm="y")]).notices,
    "missing_judge": lambda _: _known_report(paths=GHOST),
    "partial_path": lambda _: _known_report(),
    "tasks_dropped": lambda _: _known_report(),
    "missing_config": lambda _: _known_report(configs=["s"]),
    "coverage_mismatch": lambda _: _known_report(),
    "error_verdicts": lambda _: _known_report(),
    "abstention": _synthetic,
    "generation_errors": _synthetic,
    "blind_judge": lambda _: _with_items("z", {"L": "pass", "human": "fail"}),
    "unverified_judge": lambda _: _with_items("f", {"L": "pass"}),
    "floor_ceiling": lambda _: _with_items("z", {"L": "pass", "human": "pass"}),
    "small_n": lambda _: _known_report(),
    "human_sample": lambda _: _with_items("z", {"L": "pass", "human": "pass"}),
    "format_gap": lambda _: _known_report(),
    "format_flag": lambda _: _known_report(),
    "truncation": _truncated,
    "cluster": _synthetic,
}


def test_every_kind_has_a_store_case() -> None:
    assert set(CASES) == set(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_comes_out_of_a_real_store(kind: str, tmp_path: Path) -> None:
    got = CASES[kind](tmp_path)
    assert kind in {n.kind for n in got}, [n.kind for n in got]
    for n in got:
        assert n.message and Notice.from_dict(json.loads(json.dumps(n.to_dict()))) == n


def test_notices_name_their_path_config_and_judge() -> None:
    ns = _known_report(paths=[*GHOST, PathSpec(name="extr", answer_line="al")])
    by = {n.kind: n for n in ns}
    assert (by["missing_judge"].path, by["missing_judge"].judge, by["missing_judge"].subject) == (
        "ghost",
        "nope",
        "answer_line",
    )
    assert (by["partial_path"].path, by["partial_path"].subject) == ("extr", "answer_line")
    assert {(n.judge, n.subject) for n in ns if n.kind == "small_n"} == {("al", "fa"), ("al", "L"), ("fa", "L")}
    assert (by["coverage_mismatch"].config, by["coverage_mismatch"].subject, by["coverage_mismatch"].path) == (
        "s",
        "b",
        "ghost",
    )
    assert (by["format_gap"].judge, by["format_gap"].subject) == ("al", "L")
    (blind,) = [n for n in _with_items("z", {"L": "pass", "human": "fail"}) if n.kind == "blind_judge"]
    assert (blind.config, blind.judge, blind.subject) == ("z", "L", "llm")


def test_the_report_json_carries_the_notices_and_their_sentences() -> None:
    rep = build_report(_known(), n_boot=50)
    d = json.loads(json.dumps(rep.to_dict()))
    assert d["version"] == 4
    assert d["warnings"] == [n["message"] for n in d["notices"]] == rep.warnings
    assert [Notice.from_dict(n) for n in d["notices"]] == rep.notices
    with pytest.raises(ValueError, match="notice kind must be one of"):
        Notice.from_dict({"kind": "judge-ish", "message": "x"})
    with pytest.raises(ValueError, match="notice kind must be one of"):
        Notice("judge-ish", "x")  # type: ignore[arg-type]


def test_routing_reads_the_fields() -> None:
    """A judge id that is also a path name ('extractor') no longer sends a judge notice to that
    path's Δ screen only, as matching "'extractor'" in the text did."""
    n = Notice("unknown_judge", "judge 'extractor' is not in the judges table; its kind is unknown", judge="extractor")
    assert on_path(n, "llm:L") and on_path(n, "extractor") and about_judges(n)
    p = Notice("partial_path", "path 'extractor' is partial", path="extractor")
    assert on_path(p, "extractor") and not on_path(p, "llm:L") and not about_judges(p)


# -- no consumer matches warning text ---------------------------------------------------------

TEXT_NAMES = {"w", "warn", "warning"}  # the names the warning loops used
TEXT_ATTRS = {"warnings", "message", "record_warnings"}
TEXT_METHODS = {"startswith", "endswith", "find", "index", "count", "split", "partition"}


def _is_text(node: ast.expr, names: set[str]) -> bool:
    if isinstance(node, ast.Name):
        return node.id in names
    return isinstance(node, ast.Attribute) and node.attr in TEXT_ATTRS


def text_matches(source: str) -> list[int]:
    """Lines where warning text is matched: `... in w`, `w.startswith(...)`, `x in rep.warnings`,
    or a comprehension over `.warnings` filtered by a condition."""
    hits = []
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops):
            if any(_is_text(c, TEXT_NAMES) for c in node.comparators):
                hits.append(node.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in TEXT_METHODS and _is_text(node.func.value, TEXT_NAMES):
                hits.append(node.lineno)
        elif isinstance(node, ast.comprehension) and node.ifs:
            if isinstance(node.iter, ast.Attribute) and node.iter.attr in {"warnings", "record_warnings"}:
                hits.append(node.iter.lineno)
    return hits


@pytest.mark.parametrize(
    "snippet",
    [
        'lines = [w for w in view.warnings if "judge" in w or "κ" in w]',
        "mentioned = [n for n in names if f\"'{n}'\" in w]",
        'items = tuple(w for w in rep.warnings if w.startswith("format artifact"))',
        "others = [w for w in rep.warnings if not any(k in w for k in SHOWN)]",
        "rep.warnings.extend(w for w in pre.warnings if w not in rep.warnings)",
        'skip = "stale" in n.message',
    ],
)
def test_the_text_matching_detector_catches_the_old_routing(snippet: str) -> None:
    assert text_matches(snippet)


def test_no_consumer_routes_warnings_by_their_text() -> None:
    found = {
        f"{p.relative_to(ROOT)}:{line}"
        for top in ("engine", "cockpit")
        for p in sorted((ROOT / top).rglob("*.py"))
        for line in text_matches(p.read_text(encoding="utf-8"))
    }
    assert not found, sorted(found)
