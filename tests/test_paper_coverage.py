"""The paper report of a store where a judge abstains and judges err: pass rates carry abstentions
and coverage, a table gives the bounds of Δ over the excluded verdicts, and the threats section
names abstentions apart from errors."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synth import make_synthetic_store  # noqa: E402
from engine.analysis import build_report  # noqa: E402
from engine.paper import paper_from_store, write_report  # noqa: E402
from engine.store.aggregates import refresh  # noqa: E402
from engine.store.schema import ddl  # noqa: E402

JUDGES = [
    {"id": "extractor", "kind": "answer_line", "flip": 0.01},
    {"id": "lenient", "kind": "final_answer", "flip": 0.05, "abstain": (0.05, 0.2)},
    {"id": "claude", "kind": "llm", "flip": 0.04, "error": 0.03},
]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    con = duckdb.connect()
    for s in ddl():
        con.execute(s)
    make_synthetic_store(con, 2000, judges=JUDGES, n_tasks=30, n_skills=6, seed=3, episode_error_rate=0.0)
    refresh(con)
    rep = build_report(con, n_boot=100)
    d = tmp_path_factory.mktemp("paper") / "report"
    write_report(paper_from_store(con, rep), d, figures=False)
    return d


def test_pass_rates_table_has_abstentions_and_coverage(out: Path) -> None:
    rows = _rows(out / "tables" / "pass_rates.csv")
    lenient = [r for r in rows if r["judge"] == "lenient"]
    assert lenient and all(int(r["abstentions"]) > 0 and float(r["coverage"]) < 1 for r in lenient)
    for r in lenient:
        n, a = int(r["n"]), int(r["abstentions"])
        assert float(r["coverage"]) == pytest.approx(n / (n + a))
    assert all(r["abstentions"] == "0" and r["errors"] != "0" for r in rows if r["judge"] == "claude")


def test_bounds_table_and_threats(out: Path) -> None:
    bounds = _rows(out / "tables" / "delta_bounds.csv")
    assert {r["path"] for r in bounds} >= {"lenient", "llm:claude"}
    assert "extractor" not in {r["path"] for r in bounds}  # nothing excluded there: no row
    for r in (r for r in bounds if r["dropped"] == "0"):  # every task in Δ: Δ is inside its bounds
        assert float(r["delta_low"]) <= float(r["delta"]) <= float(r["delta_high"])
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "Bounds of Δ over the excluded verdicts" in md
    threats = md.split("## Threats to validity")[1]
    assert "Abstentions (the judge could not tell; excluded like errors, counted apart): `lenient`" in threats
    assert "Error verdicts per judge (excluded from every rate, never counted as fail): `claude`" in threats
    assert "with the excluded verdicts counted as fail or pass, Δ lies in [" in threats
