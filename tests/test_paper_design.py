"""The paper's Design section and per-skill Δ on the synthesised reference store: the study's MDE in
report.md, "underpowered (MDE x)" in the findings, the design and per-skill tables (CSV, LaTeX) and the
per-skill figure with its data."""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synth_paper import HEADLINE, PATHS, make_paper_store  # noqa: E402
from engine.analysis import build_report  # noqa: E402
from engine.paper import paper_from_store, write_report  # noqa: E402
from engine.store.aggregates import refresh  # noqa: E402
from engine.store.schema import ddl  # noqa: E402


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    con = duckdb.connect()
    for s in ddl():
        con.execute(s)
    make_paper_store(con)
    refresh(con)
    rep = build_report(con, paths=PATHS, headline=HEADLINE, n_boot=300)
    d = tmp_path_factory.mktemp("paper") / "report"
    write_report(paper_from_store(con, rep), d, figures=False)
    return d


def test_design_section_states_the_study_mde(out: Path) -> None:
    md = (out / "report.md").read_text(encoding="utf-8")
    design = md.split("## Design")[1].split("## Findings")[0]
    assert "MDE |Δ| 0.070–0.091 (200 tasks) and MDE |lift| 0.105–0.122 (200 tasks)" in design
    assert "**underpowered (MDE x)** when its MDE exceeds its own |estimate|" in design
    assert "5 of the 5 Δs and lifts whose CI covers 0 are underpowered" in design
    assert "no skill can be significant" in design


def test_findings_word_a_ci_covering_zero_as_underpowered(out: Path) -> None:
    md = (out / "report.md").read_text(encoding="utf-8")
    findings = md.split("## Findings")[1].split("## Tables")[0]
    haiku = next(ln for ln in findings.splitlines() if ln.startswith("- **Δ, ") and "haiku-4.5" in ln)
    assert "not significant (the 95% CI includes 0); underpowered (MDE 0.077 > |estimate| 0.030)" in haiku
    assert "not evidence of no effect" in haiku
    low = next(ln for ln in findings.splitlines() if "0.8B base" in ln and ln.startswith("- **Δ, "))
    assert "underpowered" not in low  # significant: no power caveat
    lift2 = next(ln for ln in findings.splitlines() if ln.startswith("- **SFT lift at 2B"))
    assert "underpowered (MDE 0.122 > |estimate| 0.040)" in lift2
    skills = next(ln for ln in findings.splitlines() if ln.startswith("- **Per-skill Δ**"))
    assert "0.8B base (`qwen3.5-0.8b`): 20 of 40 skills" in skills


def test_design_and_per_skill_tables(out: Path) -> None:
    design = rows(out / "tables/design.csv")
    assert len(design) == 10
    haiku = next(r for r in design if r["config"] == "haiku-4.5")
    assert (haiku["reading"], round(float(haiku["mde"]), 3)) == ("underpowered", 0.077)
    tex = (out / "tables/design.tex").read_text(encoding="utf-8")
    assert r"\toprule" in tex and r"$\omega^2$" in tex and r"($n=200$)" in tex
    summary = {r["config"]: r for r in rows(out / "tables/per_skill_summary.csv")}
    assert len(summary) == 7
    assert summary["qwen3.5-0.8b"]["n_hurt"] == "20" and summary["qwen3.5-0.8b"]["holm"] == "none"
    assert float(summary["qwen3.5-0.8b"]["smallest_p"]) == 0.0625
    listed = rows(out / "tables/per_skill.csv")
    assert listed and all(float(r["delta"]) != 0 for r in listed)
    first = [r for r in listed if r["config"] == "qwen3.5-0.8b"]
    assert [float(r["delta"]) for r in first] == sorted(float(r["delta"]) for r in first)
    fig = rows(out / "figures/per_skill.csv")
    assert len(fig) == 280 and {r["finding"] for r in fig} == {"true"}


def test_the_per_skill_figure_draws(out: Path, tmp_path: Path) -> None:
    import matplotlib

    from engine.paper.draw import drawers, save
    from engine.paper.draw_style import RC
    from engine.paper.model import FigureData

    data = rows(out / "figures/per_skill.csv")
    cols = list(data[0])
    conv: dict[str, Callable[[str], object]] = {k: float for k in ("delta", "ci_low", "ci_high", "p", "p_holm", "p_bh")}
    conv |= {"n_tasks": int, "finding": lambda s: s == "true"}
    f = FigureData("per_skill", "t", "c", cols, [tuple(conv.get(k, str)(r[k]) for k in cols) for r in data])
    with matplotlib.rc_context(RC):  # type: ignore[arg-type]
        fig = drawers()["per_skill"](f)
        written = save(fig, tmp_path, "per_skill")
    assert len(fig.axes) == 8 and sum(ax.get_visible() for ax in fig.axes) == 7  # 7 configs, 4 x 2 grid
    assert all(p.stat().st_size > 0 for p in written)
