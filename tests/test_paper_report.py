"""The paper report's content: the paper check (the reference study's published numbers come back out
of a store built to hold them), figure data, findings wording, threats, and marked non-findings."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synth import make_synthetic_store  # noqa: E402
from bench.synth_paper import HEADLINE, PATHS, PUBLISHED, make_paper_store  # noqa: E402
from engine.analysis import build_report  # noqa: E402
from engine.paper import paper_from_store, write_report  # noqa: E402
from engine.paper.markdown import table_md  # noqa: E402
from engine.paper.model import Column, Row, Table, code  # noqa: E402
from engine.store.aggregates import refresh  # noqa: E402
from engine.store.schema import ddl  # noqa: E402


def store(fill: Any = None, **kw: Any) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for s in ddl():
        con.execute(s)
    if fill is not None:
        fill(con, **kw)
    refresh(con)
    return con


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def paper_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    con = store(make_paper_store)
    rep = build_report(con, paths=PATHS, headline=HEADLINE, n_boot=500)
    out = tmp_path_factory.mktemp("paper") / "report"
    write_report(paper_from_store(con, rep), out, figures=False)
    return out


def test_paper_check_delta_lift_kappa_equal_the_published_values(paper_dir: Path) -> None:
    head = rows(paper_dir / "tables" / "headline.csv")
    got_base, got_sft, got_lift = {}, {}, {}
    for r in head:
        key = "Haiku 4.5" if r["size"] == "frontier" else r["size"]
        got_base[key] = round(float(r["delta_base"]), 3)
        if r["sft"]:
            got_sft[key], got_lift[key] = round(float(r["delta_sft"]), 3), round(float(r["lift"]), 3)
        assert r["delta_base_n"] == "200"
        assert float(r["delta_base_ci_low"]) < float(r["delta_base_ci_high"])
    assert got_base == PUBLISHED["delta_base"]
    assert got_sft == PUBLISHED["delta_sft"]
    assert got_lift == PUBLISHED["lift"]
    lifts = {r["sft"]: round(float(r["lift"]), 3) for r in rows(paper_dir / "tables/lift.csv")}
    assert lifts == {f"qwen3.5-{k.lower()}-sft": v for k, v in PUBLISHED["lift"].items()}
    summary = next(
        r for r in rows(paper_dir / "tables/judge_summary.csv") if (r["judge_a"], r["judge_b"]) == ("claude", "gpt-5.4")
    )
    assert round(float(summary["kappa_min"]), 3) == PUBLISHED["kappa_min"]
    assert float(summary["agreement_min"]) == pytest.approx(PUBLISHED["agreement_min"])
    assert float(summary["max_abs_delta_shift"]) == pytest.approx(PUBLISHED["max_delta_shift"])
    assert summary["sign_flips"] == "none"  # every per-student finding kept its direction
    kappa = [r for r in rows(paper_dir / "tables/kappa.csv") if (r["judge_a"], r["judge_b"]) == ("claude", "gpt-5.4")]
    assert min(round(float(r["kappa"]), 3) for r in kappa) == PUBLISHED["kappa_min"]
    assert all(float(r["kappa"]) >= PUBLISHED["kappa_min"] for r in kappa)
    assert len(kappa) == 7
    md = (paper_dir / "report.md").read_text(encoding="utf-8")
    assert "| 0.8B | qwen3.5-0.8b | qwen3.5-0.8b-sft | −0.075 [" in md
    assert "n = 200 tasks" in md
    tex = (paper_dir / "tables/headline.tex").read_text(encoding="utf-8")
    assert r"\toprule" in tex
    assert r"\midrule" in tex
    assert r"\bottomrule" in tex
    assert r"($n=200$)" in tex
    assert r"$-0.075$ {\scriptsize $[" in tex


def test_figure_data_sits_beside_each_figure(paper_dir: Path) -> None:
    traj = rows(paper_dir / "figures/trajectory.csv")
    base = {r["size_b"]: round(float(r["delta"]), 3) for r in traj if r["series"] == "base"}
    assert base == {"0.8": -0.075, "2.0": 0.06, "4.0": -0.01}
    assert [r["config"] for r in traj if r["series"] == "frontier"] == ["haiku-4.5"]
    forest = rows(paper_dir / "figures/forest.csv")
    assert [r["path"] for r in forest][::7] == [HEADLINE, "llm-only-gpt", "bench-claude"]
    assert len(rows(paper_dir / "figures/lift.csv")) == 3
    assert {r["run_id"] for r in rows(paper_dir / "figures/loss.csv")} == {
        f"paper-train-qwen3.5-{s}-sft" for s in ("0.8b", "2b", "4b")
    }
    cost = {r["config"]: r for r in rows(paper_dir / "figures/cost.csv")}
    assert float(cost["haiku-4.5"]["cost_usd"]) > 0
    assert cost["qwen3.5-2b"]["cost_usd"] == "0.0"
    gaps = [r for r in rows(paper_dir / "figures/format_gap.csv") if r["config"] == "*" and r["llm"] == "claude"]
    assert float(gaps[1]["gap"]) > float(gaps[0]["gap"])  # curated loses more passes to the extractor
    assert not list((paper_dir / "figures").glob("*.png"))  # figures=False: the data, not the pixels


def test_findings_state_ci_n_and_significance(paper_dir: Path) -> None:
    md = (paper_dir / "report.md").read_text(encoding="utf-8")
    findings = md.split("## Findings")[1].split("## Tables")[0]
    delta_lines = [ln for ln in findings.splitlines() if ln.startswith("- **Δ, ")]
    assert len(delta_lines) == 7
    for ln in delta_lines:
        assert "[" in ln
        assert "n = 200 tasks" in ln
    low = next(ln for ln in delta_lines if "0.8B base" in ln)
    assert "−0.075 [−0.1" in low
    assert "significant (the 95% CI excludes 0); the skill block lowers" in low
    haiku = next(ln for ln in delta_lines if "haiku-4.5" in ln)
    assert "not significant (the 95% CI includes 0)" in haiku
    assert findings.count("**SFT lift at") == 3
    assert "**Judges `claude` vs `gpt-5.4`**: κ ≥ 0.754 [" in findings
    assert "agreement ≥ 93.25%" in findings
    assert "biased against curated" in findings
    threats = md.split("## Threats to validity")[1]
    assert "### Single seed or sample" in threats
    assert "One generation seed" not in threats  # seed unknown here
    assert "### Human adjudication sample" in threats
    assert "60 episodes carry a human verdict" in threats
    assert "### Comparisons the matched-path guard refused" in threats
    assert "None refused" in threats
    checked = threats.split("### Checked, not found")[1]
    assert "judges that do not discriminate" in checked.lower()
    assert "partial coverage" in checked


def test_a_judge_that_does_not_discriminate_gives_marks_not_findings(tmp_path: Path) -> None:
    con = store(make_synthetic_store, n_episodes=2 * 7 * 40, n_tasks=40, n_skills=8)
    con.execute("UPDATE judgments SET verdict = 'pass' WHERE judge_id = 'claude' AND config_id = 'q2b'")
    refresh(con)
    rep = build_report(con, n_boot=200)
    assert any("judge claude gave 'pass' on all" in w for w in rep.warnings)
    write_report(paper_from_store(con, rep), tmp_path / "r", figures=False)
    md = (tmp_path / "r/report.md").read_text(encoding="utf-8")
    delta = {(r["path"], r["config"]): r["note"] for r in rows(tmp_path / "r/tables/delta_paths.csv")}
    assert delta[("llm:claude", "q2b")].startswith("judge claude gave 'pass' on all")
    assert delta[("llm:claude", "q2b-sft")] == ""
    assert delta[("bench:claude", "q4b")] == ""
    lift = {(r["path"], r["sft"]): r["note"] for r in rows(tmp_path / "r/tables/lift_paths.csv")}
    assert lift[("llm:claude", "q2b-sft")]
    assert not lift[("llm:claude", "q0.8b-sft")]
    forest = {(r["path"], r["config"]): r["finding"] for r in rows(tmp_path / "r/figures/forest.csv")}
    assert forest[("llm:claude", "q2b")] == "false"
    assert forest[("llm:claude", "q4b")] == "true"
    assert "### Judges that do not discriminate" in md
    assert "† Not a finding: judge claude gave" in md
    if rep.headline == "llm:claude":  # the analysis leads with it (it may choose an eligible path instead)
        q2b = next(ln for ln in md.splitlines() if ln.startswith("- **Δ, 2B base (`q2b`)"))
        assert "not a finding: judge claude gave 'pass' on all" in q2b
        assert "not significant" not in q2b
        assert "It routes some configs' tasks to a judge that does not discriminate" in md
        assert "| q2b † |" in md
        traj = {r["config"]: r["finding"] for r in rows(tmp_path / "r/figures/trajectory.csv")}
        assert traj["q2b"] == "false"
        assert traj["q4b"] == "true"


def test_empty_store_and_store_without_sizes(tmp_path: Path) -> None:
    con = store()
    rep = build_report(con, n_boot=100)
    w = write_report(paper_from_store(con, rep), tmp_path / "empty")
    md = (tmp_path / "empty/report.md").read_text(encoding="utf-8")
    assert "The store holds no judged episodes: there is nothing to report yet." in md
    assert "Figure `trajectory` is not drawn" in md
    assert w.count(".png", "figures") == 0
    sized = store(make_synthetic_store, n_episodes=2 * 7 * 30, n_tasks=30, n_skills=6)
    sized.execute("UPDATE configs SET size_b = NULL")
    rep = build_report(sized, n_boot=100)
    write_report(paper_from_store(sized, rep), tmp_path / "nosize", figures=False)
    md = (tmp_path / "nosize/report.md").read_text(encoding="utf-8")
    assert "Figure `trajectory` is not drawn: no config has a model size" in md
    assert not (tmp_path / "nosize/figures/trajectory.csv").exists()
    assert (tmp_path / "nosize/figures/forest.csv").exists()


def test_store_text_is_literal_in_markdown() -> None:
    t = Table("t", "T", "c", [Column("config", "config"), Column("x", "x", "signed")])
    t.rows.append(Row(("a|b [x](http://e) *y* <img>\x1b[31m", -0.5)))
    md = table_md(t)
    assert r"a\|b \[x\](http://e) \*y\* \<img\>\[31m" in md
    assert "\x1b" not in md
    assert "−0.500" in md
    assert code("a`b") == "``a`b``"
    assert code("`x") == "`` `x ``"


def test_sizes_go_on_a_log_axis_when_they_span_more_than_4x() -> None:
    from engine.paper.facts import gather
    from engine.paper.figures import trajectory
    from engine.paper.validity import validity

    con = store(make_synthetic_store, n_episodes=2 * 7 * 20, n_tasks=20, n_skills=4)
    rep = build_report(con, n_boot=50)
    assert trajectory(rep, validity(rep)).options["log_x"] is True  # 0.8B .. 4B: 5x
    con.execute("UPDATE configs SET size_b = size_b + 1.2 WHERE size_b IS NOT NULL")  # 2B .. 5.2B: 2.6x
    rep = build_report(con, n_boot=50)
    fig = trajectory(rep, validity(rep))
    assert fig.options["log_x"] is False
    assert fig.skipped is None
    assert gather(con, rep.configs).design.tasks == 20


def test_partial_coverage_estimates_and_unfinished_runs_are_threats(tmp_path: Path) -> None:
    con = store(make_synthetic_store, n_episodes=7 * 40 * 2 - 30, n_tasks=40, n_skills=8)  # haiku: 50 of 80
    con.execute("UPDATE episodes SET cost_usd = 0.01 WHERE config_id = 'haiku'")
    con.execute("UPDATE episodes SET tokens_estimated = true WHERE config_id = 'haiku' AND task_id < 't0005'")
    con.execute("UPDATE runs SET status = 'interrupted' WHERE run_id = 'synth-eval'")
    rep = build_report(con, n_boot=100)
    write_report(paper_from_store(con, rep), tmp_path / "r", figures=False)
    md = (tmp_path / "r/report.md").read_text(encoding="utf-8")
    threats = md.split("## Threats to validity")[1]
    assert "- `haiku`: 50 of the 80 episodes of the full holdout (25 of 40 tasks, 62.5%)." in threats
    assert "Run `synth-eval` (eval) is interrupted, not finished." in threats
    assert "### Token estimates" in threats
    assert "- `haiku`: 10 of 50 episodes have estimated token counts" in threats
    cost = {r["name"]: r for r in rows(tmp_path / "r/tables/cost.csv")}
    assert float(cost["haiku"]["projected_usd"]) == pytest.approx(0.8)  # $0.50 for 50 episodes -> 80
    assert cost["q2b"]["projected_usd"] == ""
    assert cost["haiku"]["note"].startswith("tokens of 10 episodes")


def test_a_judge_constant_across_small_configs_is_caught_pooled(tmp_path: Path) -> None:
    # 8 items per config, under the one threshold (engine.analysis.eligibility.MIN_ITEMS = 10)
    con = store(make_synthetic_store, n_episodes=7 * 4 * 2, n_tasks=4, n_skills=4)
    con.execute("UPDATE judgments SET verdict = 'pass' WHERE judge_id = 'claude'")
    refresh(con)
    rep = build_report(con, n_boot=100)
    assert not any("does not discriminate" in w for w in rep.warnings)  # too few items per config
    write_report(paper_from_store(con, rep), tmp_path / "r", figures=False)
    md = (tmp_path / "r/report.md").read_text(encoding="utf-8")
    assert "**Judges `lenient` vs `claude`**: not a finding: judge claude gave 'pass' on all 56 items" in md
    assert "**Format artifact: not a finding**: judge claude gave 'pass' on all 56 items" in md
    threats = md.split("## Threats to validity")[1]
    assert "(across configs; no config alone has the 10 items the per-config check needs)" in threats


def test_the_analysis_own_marks_are_the_authority(tmp_path: Path) -> None:
    """When the analysis marks Δ and lifts itself (finding / caveat, eligibility per path), the report
    uses those marks as they are instead of its own rule."""
    from types import SimpleNamespace

    con = store(make_synthetic_store, n_episodes=2 * 7 * 40, n_tasks=40, n_skills=8)
    rep = build_report(con, n_boot=100)
    caveat = (
        "judge lenient gave 'fail' on all 33 answer_line-scored items of q4b: "
        "it does not discriminate there, so Δ under it is 0 by construction"
    )
    for d in rep.deltas:
        d.finding, d.caveat = d.config != "q4b", caveat if d.config == "q4b" else None  # type: ignore[attr-defined]
    for c in rep.lifts:
        c.finding, c.caveat = c.b != "q4b", caveat if c.b == "q4b" else None  # type: ignore[attr-defined]
    rep.eligibility = [  # type: ignore[attr-defined]
        SimpleNamespace(path=p.name, eligible=False, partial=p.partial, reasons=(caveat,), constant=())
        for p in rep.paths
    ]
    rep.headline_reason = "the requested path is not eligible; the first eligible one leads"  # type: ignore[attr-defined]
    write_report(paper_from_store(con, rep), tmp_path / "r", figures=False)
    md = (tmp_path / "r/report.md").read_text(encoding="utf-8")
    line = next(ln for ln in md.splitlines() if ln.startswith("- **Δ, 4B base (`q4b`)"))
    assert "not a finding: judge lenient gave 'fail' on all 33" in line
    assert line.count("by construction") == 1
    assert "Headline choice: the requested path is not eligible" in md
    assert "It routes some configs' tasks to a judge that does not discriminate" in md  # eligible=False
    assert "| q4b † |" in md
    assert "| q2b † |" not in md
    lift = {r["sft"]: r["note"] for r in rows(tmp_path / "r/tables/lift.csv")}
    assert lift["q4b-sft"] == caveat
    assert lift["q2b-sft"] == ""


def test_captions_name_the_mcnemar_and_kappa_methods_the_numbers_used() -> None:
    """Before: 'McNemar: exact, over (task, sample) pairs' and 'bootstrap over tasks' for κ whatever
    the Δs and κ rows used (with several samples a task, McNemar is clustered by task)."""
    from types import SimpleNamespace as NS

    from engine.paper.methods import kappa_words, mcnemar_words

    assert mcnemar_words([NS(mcnemar_method="exact")]) == "exact, over (task, sample) pairs"
    clustered = mcnemar_words([NS(mcnemar_method="durkalski-clustered")])
    assert clustered == "clustered by task (Durkalski et al. 2003)"
    both = kappa_words([NS(kappa_ci_method="bootstrap-task-percentile"), NS(kappa_ci_method="asymptotic")])
    assert both == "bootstrap over tasks or asymptotic (fewer than 10 tasks)"
