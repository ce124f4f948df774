"""The data of every figure (`FigureData`): what `draw.py` plots and what is written beside each
figure as CSV, so tests check numbers, not pixels. A figure without data is kept, `skipped`, with
the reason the report prints."""

from __future__ import annotations

from engine.analysis.report import Report
from engine.paper.design import per_skill_figure
from engine.paper.facts import StudyFacts
from engine.paper.methods import ci_words
from engine.paper.model import FigureData, code
from engine.paper.validity import Validity

LOG_SPAN = 4.0  # sizes spanning more than this factor go on a log axis


def trajectory(rep: Report, val: Validity) -> FigureData:
    f = FigureData(
        "trajectory",
        "Δ by model size",
        f"Procedural Δ (curated − no skill) by model size on path {code(rep.headline)}, before and after SFT, with 95% "
        f"{ci_words(rep.deltas)}; the frontier reference as a horizontal line. Hollow markers: not a finding."
        + "".join(f" {t.series.upper() if t.series == 'sft' else 'Base'}: {t.verdict()}." for t in rep.size_tests),
        ["series", "config", "size_b", "delta", "ci_low", "ci_high", "n_tasks", "finding"],
    )
    for p in rep.trajectory:
        finding = val.delta_reason(p.config, rep.headline or "") is None
        f.rows.append((p.series, p.config, p.size_b, p.delta, p.ci_low, p.ci_high, p.n_tasks, finding))
    sizes = [r[2] for r in f.rows if r[0] != "frontier" and r[2] is not None and r[3] is not None]
    if not sizes:
        f.skipped = "no config has a model size (size_b) with a Δ on the headline path, so there is no trajectory"
    else:
        f.options["log_x"] = min(sizes) > 0 and max(sizes) / min(sizes) > LOG_SPAN
    f.options["path"] = rep.headline
    return f


def forest(rep: Report, val: Validity) -> FigureData:
    f = FigureData(
        "forest",
        "Δ per config on every judge path",
        "Procedural Δ with 95% CI per config, one panel per judge path (the headline first). Numbers are "
        "comparable only within a panel. Hollow markers: not a finding.",
        ["path", "config", "delta", "ci_low", "ci_high", "n_tasks", "finding"],
    )
    order = sorted(rep.paths, key=lambda p: p.name != rep.headline)
    for p in order:
        for d in (d for d in rep.deltas if d.path == p.name):
            finding = val.delta_reason(d.config, p.name) is None
            f.rows.append((p.name, d.config, d.delta, d.ci_low, d.ci_high, d.n_tasks, finding))
    f.options["headline"] = rep.headline
    if not f.rows:
        f.skipped = "no Δ was computed (no judge path has verdicts in both conditions)"
    return f


def lift(rep: Report, val: Validity) -> FigureData:
    f = FigureData(
        "lift",
        "SFT lift per size",
        f"SFT lift = Δ(SFT) − Δ(base) with paired 95% {ci_words(rep.lifts)}, path {code(rep.headline)}.",
        ["path", "sft", "base", "size_b", "lift", "ci_low", "ci_high", "n_tasks", "finding"],
    )
    size = {c.label: c.size_b for c in rep.configs}
    for c in rep.lifts:
        if c.path == rep.headline:
            finding = val.lift_reason(c.a, c.b, c.path) is None
            f.rows.append((c.path, c.a, c.b, size.get(c.a), c.diff, c.ci_low, c.ci_high, c.n_tasks, finding))
    if not f.rows:
        f.skipped = "no SFT config with its base config on the headline path, so there is no lift"
    return f


def kappa(rep: Report) -> FigureData:
    f = FigureData(
        "kappa",
        "Judge agreement",
        "Cohen's κ (colour and first line), its 95% CI and % agreement per judge pair × config, on the "
        "episodes both judges scored non-error.",
        ["judge_a", "judge_b", "config", "n", "kappa", "kappa_low", "kappa_high", "agreement"],
    )
    for a in rep.agreement:
        f.rows.append((a.judge_a, a.judge_b, a.config, a.n, a.kappa, a.kappa_low, a.kappa_high, a.pct_agreement))
    f.options["configs"] = [c.label for c in rep.configs]
    if not f.rows:
        f.skipped = "fewer than two judges scored the same episodes, so there is no agreement to show"
    return f


def delta_shift(rep: Report) -> FigureData:
    f = FigureData(
        "delta_shift",
        "Δ shift between judges",
        "Δ by judge B − Δ by judge A on the same episodes, per config and judge pair: how far the conclusion "
        "moves with the judge.",
        ["judge_a", "judge_b", "config", "delta_a", "delta_b", "delta_shift"],
    )
    for a in rep.agreement:
        if a.delta_shift is not None:
            f.rows.append((a.judge_a, a.judge_b, a.config, a.delta_a, a.delta_b, a.delta_shift))
    f.options["configs"] = [c.label for c in rep.configs]
    if not f.rows:
        f.skipped = "no two judges scored both conditions of the same tasks, so there is no Δ shift"
    return f


def format_compliance(rep: Report) -> FigureData:
    f = FigureData(
        "format_compliance",
        "ANSWER: line compliance",
        "Share of completions with an ANSWER: line by config and condition (the extractor sees only these).",
        ["config", "condition", "completions", "answer_line", "share"],
    )
    for s in rep.format:
        f.rows.append((s.config, s.condition, s.n, s.answer_line, s.share))
    if not f.rows:
        f.skipped = "no episodes"
    return f


def format_gap(rep: Report) -> FigureData:
    f = FigureData(
        "format_gap",
        "Extractor vs LLM judge",
        "Pass rate by the ANSWER:-line extractor and by the LLM judge on the same answer-line episodes, per "
        "condition; the gap is what the extractor misses (answers concluded in prose). Config * pools all.",
        ["config", "extractor", "llm", "condition", "n", "extractor_pass", "llm_pass", "gap"],
    )
    for g in rep.format_gaps:
        for cond, n, ex, lm, gap in (
            ("no_skill", g.n_no_skill, g.extractor_no_skill, g.llm_no_skill, g.gap_no_skill),
            ("curated", g.n_curated, g.extractor_curated, g.llm_curated, g.gap_curated),
        ):
            f.rows.append((g.config, g.extractor, g.llm, cond, n, ex, lm, gap))
    if not f.rows:
        f.skipped = "no episode was scored by both an ANSWER:-line extractor and an LLM judge"
    return f


def loss(facts: StudyFacts) -> FigureData:
    f = FigureData(
        "loss",
        "Training loss",
        "Training loss per logged step of each SFT run (and the config that evaluates its adapter).",
        ["run_id", "config", "step", "loss"],
    )
    for c in facts.curves:
        f.rows.extend((c.run_id, c.config, s, x) for s, x in zip(c.steps, c.loss, strict=True))
    if not f.rows:
        f.skipped = "no run in this store trained a model"
    return f


def cost(facts: StudyFacts) -> FigureData:
    f = FigureData(
        "cost",
        "Tokens and cost per config",
        "Generation tokens (in, out) and cost per config; hatched: the projected cost of the full holdout "
        "when the run covered part of it.",
        ["config", "episodes", "full", "tokens_in", "tokens_out", "cost_usd", "projected_cost_usd", "estimated"],
    )
    for u in facts.usage:
        f.rows.append(
            (u.config, u.episodes, u.full, u.tokens_in, u.tokens_out, u.cost_usd, u.projected_cost_usd)
            + (u.tokens_estimated,)
        )
    if not f.rows:
        f.skipped = "no episodes"
    return f


def build_figures(rep: Report, facts: StudyFacts, val: Validity) -> list[FigureData]:
    return [
        trajectory(rep, val),
        forest(rep, val),
        lift(rep, val),
        per_skill_figure(rep, val),
        kappa(rep),
        delta_shift(rep),
        format_compliance(rep),
        format_gap(rep),
        loss(facts),
        cost(facts),
    ]
