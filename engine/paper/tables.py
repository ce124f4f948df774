"""The report's tables as data (`Table`), from the analysis `Report` and the store facts.

Each table is written three ways (Markdown in report.md, booktabs LaTeX and CSV under tables/).
Rows whose number is not a finding (a judge that does not discriminate) carry a note and are
shown marked.
"""

from __future__ import annotations

from engine.analysis.report import Report
from engine.paper.design import design_table, per_skill_tables
from engine.paper.facts import StudyFacts
from engine.paper.methods import ci_words, kappa_words, mcnemar_words
from engine.paper.model import Column, Row, Stat, Table, code
from engine.paper.roles import roles_text
from engine.paper.validity import Validity


def size_label(size_b: float | None) -> str:
    if size_b is None:
        return "—"
    return f"{size_b:g}B" if size_b >= 0.5 else f"{size_b * 1000:g}M"


def _delta_stat(rep: Report, config: str, path: str | None) -> Stat | None:
    for d in rep.deltas:
        if d.config == config and d.path == path:
            return Stat(d.delta, d.ci_low, d.ci_high, d.n_tasks)
    return None


def headline_table(rep: Report, val: Validity) -> Table:
    """The study's main table: per size, Δ before and after SFT and the lift (the headline path)."""
    path = rep.headline
    t = Table(
        "headline",
        f"Procedural Δ and SFT lift by model size (path {code(path)})",
        "Δ = pass(curated) − pass(no skill), paired by task; lift = Δ(SFT) − Δ(base) on the tasks both cover. "
        f"95% {ci_words([*rep.deltas, *rep.lifts])}.",
        [
            Column("size", "size"),
            Column("base", "base config"),
            Column("sft", "SFT config"),
            Column("delta_base", "Δ base", "signed", r"$\Delta$ base", unit="tasks"),
            Column("delta_sft", "Δ after SFT", "signed", r"$\Delta$ after SFT", unit="tasks"),
            Column("lift", "SFT lift", "signed", unit="tasks"),
        ],
    )
    lifts = {(c.a, c.b): c for c in rep.lifts if c.path == path}
    for c in rep.configs:
        if c.base_config is not None:
            continue
        base = _delta_stat(rep, c.label, path)
        if base is None:
            continue
        size = "frontier" if c.role == "frontier" else size_label(c.size_b)
        sfts = [s for s in rep.configs if s.base_config == c.config_id]
        pairs = [(s, lifts.get((s.label, c.label))) for s in sfts if _delta_stat(rep, s.label, path) is not None]
        if not pairs:
            t.rows.append(Row((size, c.label, None, base, None, None), val.delta_reason(c.label, path or "") or ""))
        for s, lf in pairs:
            lift = Stat(lf.diff, lf.ci_low, lf.ci_high, lf.n_tasks) if lf is not None else None
            note = val.lift_reason(s.label, c.label, path or "") or ""
            t.rows.append(Row((size, c.label, s.label, base, _delta_stat(rep, s.label, path), lift), note))
    return t


def delta_table(rep: Report, val: Validity, *, all_paths: bool = False) -> Table:
    paths = [p.name for p in sorted(rep.paths, key=lambda p: p.name != rep.headline)] if all_paths else [rep.headline]
    t = Table(
        "delta_paths" if all_paths else "delta",
        "Procedural Δ on every judge path" if all_paths else f"Procedural Δ per config (path {code(rep.headline)})",
        "Pass rates are means over tasks of the pass/fail verdicts; errors and abstentions are excluded, never "
        f"failed. McNemar: {mcnemar_words(rep.deltas)}. Dropped: tasks without a pass/fail verdict in one "
        "condition." + (" " + roles_text(rep) if all_paths else ""),
        [
            *([Column("path", "path")] if all_paths else []),
            Column("config", "config"),
            Column("size", "size"),
            Column("pass_no_skill", "pass no skill", "rate"),
            Column("pass_curated", "pass curated", "rate"),
            Column("delta", "Δ", "signed", r"$\Delta$", unit="tasks"),
            Column("mcnemar_p", "McNemar p", "p"),
            Column("errors", "errors", "int"),
            Column("dropped", "dropped", "int"),
        ],
    )
    size = {c.label: ("frontier" if c.role == "frontier" else size_label(c.size_b)) for c in rep.configs}
    for p in paths:
        for d in (d for d in rep.deltas if d.path == p):
            cells = (
                d.config,
                size.get(d.config, "—"),
                d.pass_no_skill,
                d.pass_curated,
                Stat(d.delta, d.ci_low, d.ci_high, d.n_tasks),
                d.mcnemar_p,
                d.errors,
                d.tasks_dropped,
            )
            t.rows.append(Row(((p,) if all_paths else ()) + cells, val.delta_reason(d.config, p or "") or ""))
    return t


def lift_table(rep: Report, val: Validity, *, all_paths: bool = False) -> Table:
    t = Table(
        "lift_paths" if all_paths else "lift",
        "SFT lift on every judge path" if all_paths else f"SFT lift (path {code(rep.headline)})",
        "Lift = Δ(SFT) − Δ(base), both on the same judge path, on the tasks both cover; paired 95% "
        f"{ci_words(rep.lifts)}." + (" " + roles_text(rep) if all_paths else ""),
        [
            *([Column("path", "path")] if all_paths else []),
            Column("sft", "SFT config"),
            Column("base", "base config"),
            Column("delta_base", "Δ base", "signed", r"$\Delta$ base"),
            Column("delta_sft", "Δ SFT", "signed", r"$\Delta$ SFT"),
            Column("lift", "lift", "signed", unit="tasks"),
        ],
    )
    order = {p.name: i for i, p in enumerate(sorted(rep.paths, key=lambda p: p.name != rep.headline))}
    for c in sorted(rep.lifts, key=lambda c: order.get(c.path, len(order))):  # stable: config order kept
        if not all_paths and c.path != rep.headline:
            continue
        cells = (c.a, c.b, c.delta_b, c.delta_a, Stat(c.diff, c.ci_low, c.ci_high, c.n_tasks))
        t.rows.append(Row(((c.path,) if all_paths else ()) + cells, val.lift_reason(c.a, c.b, c.path) or ""))
    return t


def kappa_table(rep: Report, val: Validity) -> Table:
    t = Table(
        "kappa",
        "Judge agreement per config",
        f"Cohen's κ with its 95% CI ({kappa_words(rep.agreement)}) and % agreement on the episodes both judges scored "
        "non-error; "
        "Δ shift = Δ by judge B − Δ by judge A on the same episodes.",
        [
            Column("judge_a", "judge A"),
            Column("judge_b", "judge B"),
            Column("config", "config"),
            Column("agreement", "agreement", "pct"),
            Column("kappa", "κ", "kappa", r"$\kappa$", unit="episodes"),
            Column("delta_a", "Δ by A", "signed", r"$\Delta$ by A"),
            Column("delta_b", "Δ by B", "signed", r"$\Delta$ by B"),
            Column("delta_shift", "Δ shift", "signed", r"$\Delta$ shift"),
        ],
    )
    for a in rep.agreement:
        reason = val.judge_reason(a.config, a.judge_a) or val.judge_reason(a.config, a.judge_b) or ""
        cells = (a.judge_a, a.judge_b, a.config, a.pct_agreement, Stat(a.kappa, a.kappa_low, a.kappa_high, a.n))
        t.rows.append(Row(cells + (a.delta_a, a.delta_b, a.delta_shift), reason))
    return t


def judge_summary_table(rep: Report) -> Table:
    t = Table(
        "judge_summary",
        "Judge validation summary",
        "Per judge pair across configs: pooled κ (all episodes), the lowest per-config κ and agreement, the "
        "largest |Δ shift|, and the configs whose Δ changes sign between the two judges.",
        [
            Column("judge_a", "judge A"),
            Column("judge_b", "judge B"),
            Column("configs", "configs", "int"),
            Column("n", "n", "int"),
            Column("kappa_pooled", "κ pooled", "kappa", r"$\kappa$ pooled"),
            Column("kappa_min", "κ min", "kappa", r"$\kappa$ min"),
            Column("agreement_min", "agreement min", "pct"),
            Column("max_abs_delta_shift", "max |Δ shift|", "num3", r"max $|\Delta$ shift$|$"),
            Column("sign_flips", "Δ changes sign in"),
        ],
    )
    for s in rep.agreement_summary:
        cells = (s.judge_a, s.judge_b, s.configs, s.n, s.kappa_pooled, s.kappa_min, s.pct_agreement_min)
        t.rows.append(Row(cells + (s.max_abs_delta_shift, ", ".join(s.direction_flips) or "none")))
    return t


def pass_rate_table(rep: Report) -> Table:
    t = Table(
        "pass_rates",
        "Pass rates per config, judge and condition",
        "Pass/fail verdicts; errors and abstentions (the judge could not tell) are counted apart and never as "
        "fails. Coverage = decided / (decided + abstained).",
        [
            Column("config", "config"),
            Column("judge", "judge"),
            Column("condition", "condition"),
            Column("n", "n", "int"),
            Column("passes", "passes", "int"),
            Column("pass_rate", "pass rate", "rate"),
            Column("errors", "errors", "int"),
            Column("abstentions", "abstained", "int"),
            Column("coverage", "coverage", "pct"),
        ],
    )
    for r in rep.pass_rates:
        cells = (r.config, r.judge, r.condition, r.n, r.passes, r.pass_rate, r.errors, r.abstentions, r.coverage)
        t.rows.append(Row(cells))
    return t


def delta_bounds_table(rep: Report) -> Table:
    """Δ beside its bounds over the excluded verdicts, for each Δ that excluded any (else no rows)."""
    t = Table(
        "delta_bounds",
        "Bounds of Δ over the excluded verdicts",
        "Δ with every excluded verdict (error or abstention) of the no-skill condition counted as a pass and of "
        "the curated condition as a fail (low), then the opposite (high); tasks dropped from Δ for want of a "
        "decided verdict are back in. Any outcome of the excluded verdicts gives a Δ in this range.",
        [
            Column("path", "path"),
            Column("config", "config"),
            Column("delta", "Δ", "signed"),
            Column("errors", "errors", "int"),
            Column("abstentions", "abstained", "int"),
            Column("dropped", "dropped", "int"),
            Column("delta_low", "Δ low", "signed"),
            Column("delta_high", "Δ high", "signed"),
        ],
    )
    for p in sorted(rep.paths, key=lambda p: p.name != rep.headline):
        for d in (d for d in rep.deltas if d.path == p.name and d.delta_low_bound is not None):
            cells = (p.name, d.config, d.delta, d.errors, d.abstentions, d.tasks_dropped)
            t.rows.append(Row((*cells, d.delta_low_bound, d.delta_high_bound)))
    return t


def format_tables(rep: Report) -> list[Table]:
    comp = Table(
        "format_compliance",
        "ANSWER: line compliance",
        "Share of completions (generation errors excluded) with an `ANSWER:` line, which the extractor needs, "
        "and how many were cut off at the token limit (scored as written, unfinished).",
        [
            Column("config", "config"),
            Column("condition", "condition"),
            Column("completions", "completions", "int"),
            Column("answer_line", "with ANSWER line", "int"),
            Column("share", "share", "pct"),
            Column("at_limit", "at max_tokens", "int"),
            Column("generation_errors", "gen. errors", "int"),
        ],
    )
    for f in rep.format:
        comp.rows.append(Row((f.config, f.condition, f.n, f.answer_line, f.share, f.at_limit, f.generation_errors)))
    gap = Table(
        "format_gap",
        "Format artifact: extractor vs judges that read prose (lenient, LLM) on answer-line tasks",
        "Same episodes. Gap = the reader's pass rate − extractor pass rate; gap(curated) − gap(no skill) > 0 means the "
        "extractor is biased against the curated condition. Config * pools all configs.",
        [
            Column("config", "config"),
            Column("extractor", "extractor"),
            Column("llm", "reader"),
            Column("gap_no_skill", "gap no skill", "signed"),
            Column("gap_curated", "gap curated", "signed"),
            Column("gap_diff", "gap diff", "signed"),
            Column("delta_extractor", "Δ extractor", "signed", r"$\Delta$ extractor"),
            Column("delta_llm", "Δ reader", "signed", r"$\Delta$ reader"),
        ],
    )
    for g in rep.format_gaps:
        cells = (g.config, g.extractor, g.llm, g.gap_no_skill, g.gap_curated, g.gap_diff)
        gap.rows.append(Row(cells + (g.delta_extractor, g.delta_llm)))
    return [comp, gap]


def cost_table(facts: StudyFacts) -> Table:
    t = Table(
        "cost",
        "Tokens and cost",
        "Generation per config and judging per judge, as recorded. Projected: the full holdout "
        f"({facts.design.tasks or '?'} tasks × {facts.design.conditions} conditions × samples) at the cost per "
        "episode observed, when the run covers less.",
        [
            Column("what", "what"),
            Column("name", "config / judge"),
            Column("items", "episodes / judgments", "int"),
            Column("full", "full holdout", "int"),
            Column("tokens_in", "tokens in", "int"),
            Column("tokens_out", "tokens out", "int"),
            Column("cost_usd", "cost (USD)", "usd"),
            Column("projected_usd", "projected (USD)", "usd"),
        ],
    )
    scale = _scale(facts)
    for u in facts.usage:
        note = f"tokens of {u.tokens_estimated} episodes are estimates" if u.tokens_estimated else ""
        cells = ("generation", u.config, u.episodes, u.full, u.tokens_in, u.tokens_out, u.cost_usd)
        t.rows.append(Row(cells + (u.projected_cost_usd,), note))
    for j in facts.judges:
        proj = j.cost_usd * scale if scale and scale > 1 else None
        t.rows.append(Row(("judging", j.judge, j.judgments, None, j.tokens_in, j.tokens_out, j.cost_usd, proj)))
    return t


def _scale(facts: StudyFacts) -> float | None:
    """Full-holdout episodes over stored episodes (judging scales with it)."""
    done = sum(u.episodes for u in facts.usage)
    full = sum(u.full or 0 for u in facts.usage)
    return full / done if done and full else None


def build_tables(rep: Report, facts: StudyFacts, val: Validity) -> list[Table]:
    tables = [
        headline_table(rep, val),
        delta_table(rep, val),
        lift_table(rep, val),
        design_table(rep),
        *per_skill_tables(rep, val),
        delta_table(rep, val, all_paths=True),
        delta_bounds_table(rep),
        lift_table(rep, val, all_paths=True),
        kappa_table(rep, val),
        judge_summary_table(rep),
        pass_rate_table(rep),
        *format_tables(rep),
        cost_table(facts),
    ]
    return [t for t in tables if t.rows]
