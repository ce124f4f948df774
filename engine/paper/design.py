"""The paper's Design section and per-skill Δ: the MDE of every headline Δ and lift
(`engine.analysis.design`), per config × skill Δ with Holm / BH adjusted p (`engine.analysis.per_skill`),
as Markdown lines, tables, findings and the per-skill figure's data."""

from __future__ import annotations

from engine.analysis.design import Detectable
from engine.analysis.report import Report
from engine.paper import fmt
from engine.paper.model import Column, FigureData, Finding, Row, Stat, Table, code, escape
from engine.paper.validity import Validity

MILLER = "Miller 2024, arXiv 2411.00640"


def power_words(r: Detectable | None, declared: bool) -> str:
    """What a finding whose CI covers 0 adds: underpowered (MDE x), or powered at the effect of interest;
    `declared`: the reference is the declared effect of interest (else the number's |estimate|)."""
    if r is None or r.reading in ("significant", "no CI"):
        return ""
    than = "the effect of interest" if declared else "|estimate|"
    if r.reading == "underpowered":
        why = "has power below 0.8 at the effect of interest" if declared else "cannot tell an effect this small from 0"
        return (
            f"; underpowered (MDE {fmt.plain(r.mde)} > {than} {fmt.plain(r.reference)}): this design {why}, so this "
            "is not evidence of no effect"
        )
    if r.reading == "powered":
        return (
            f"; powered (MDE {fmt.plain(r.mde)} ≤ {than} {fmt.plain(r.reference)}): no effect of that size or more "
            "was detected, at power 0.8"
        )
    return "; MDE not estimable (every task's paired difference is the same), so this is not evidence of no effect"


def design_lines(rep: Report) -> list[str]:
    """The Design section of report.md: the study's MDE and the rule that words each number."""
    d = rep.design
    if d is None:
        return []
    lines = [d.summary(name=code)]  # authored text around the path's code span
    ref = (
        f"the effect of interest ({fmt.plain(d.effect)})"
        if d.effect is not None
        else "its own |estimate| (the experiment declares no effect of interest)"
    )
    lines.append(
        f"MDE = (z₁₋α/₂ + z_power) ω / √n at power {d.power:g}, two-sided α {d.alpha:g}, ω² the variance of each "
        f"number's own per-task paired differences ({MILLER}). A number whose 95% CI covers 0 is worded "
        f"**underpowered (MDE x)** when its MDE exceeds {ref}, never “no effect”."
    )
    head = [r for r in d.rows if r.path == d.headline and r.covers_zero]
    n = sum(r.reading == "underpowered" for r in head)
    lines.append(
        f"On the headline path, {n} of the {len(head)} Δs and lifts whose CI covers 0 are underpowered "
        "(table `design`)."
    )
    if rep.per_skill is not None and rep.per_skill.families:
        lines.append("Per-skill Δ: " + escape(rep.per_skill.plain_words()))
    return lines


def design_table(rep: Report) -> Table:
    d = rep.design
    ref = "effect of interest" if d is not None and d.effect is not None else "|estimate|"
    t = Table(
        "design",
        f"Minimum detectable effect of every Δ and lift (path {code(rep.headline)})",
        f"MDE at power {d.power if d else 0.8:g}, two-sided α {d.alpha if d else 0.05:g}, from each number's own "
        f"per-task paired differences ({MILLER}); ω² their variance. Reading: significant when the 95% CI excludes "
        f"0; else underpowered when the MDE exceeds the {ref}, powered when it does not.",
        [
            Column("number", "number"),
            Column("config", "config"),
            Column("base", "base config"),
            Column("estimate", "estimate", "signed", unit="tasks"),
            Column("omega2", "ω²", "num3", r"$\omega^2$"),
            Column("mde", "MDE", "num3"),
            Column("reading", "reading"),
        ],
    )
    for r in d.rows if d is not None else []:
        if r.path != rep.headline:
            continue
        cells = (
            "Δ" if r.kind == "delta" else "lift",
            r.config,
            r.base,
            Stat(r.estimate, r.ci_low, r.ci_high, r.n_tasks),
            r.omega2,
            r.mde,
            r.reading,
        )
        t.rows.append(Row(cells))
    return t


def per_skill_tables(rep: Report, val: Validity) -> list[Table]:
    ps = rep.per_skill
    if ps is None or not ps.rows:
        return []
    fam = Table(
        "per_skill_summary",
        f"Skills whose curated block hurts, per config (path {code(ps.path)})",
        "Per config: its skills, their tasks, the smallest exact p a skill of that many tasks can reach, the skills "
        "with Δ < 0 (worst first), and those of them whose Holm (1979) or Benjamini–Hochberg (1995) adjusted p ≤ "
        f"α = {ps.alpha:g} across the config's skills. " + escape(ps.plain_words()),
        [
            Column("config", "config"),
            Column("skills", "skills", "int"),
            Column("tasks", "tasks a skill"),
            Column("smallest_p", "smallest possible p", "p"),
            Column("n_hurt", "Δ < 0", "int", r"$\Delta < 0$"),
            Column("holm", "survive Holm"),
            Column("bh", "survive BH"),
            Column("hurt", "hurt"),
        ],
    )
    for f in ps.families:
        tasks = str(f.tasks_min) if f.tasks_min == f.tasks_max else f"{f.tasks_min}–{f.tasks_max}"
        holm, bh = ", ".join(f.hurt_survive_holm) or "none", ", ".join(f.hurt_survive_bh) or "none"
        cells = (f.config, f.n_skills, tasks, f.smallest_possible_p, len(f.hurt), holm, bh, ", ".join(f.hurt) or "none")
        fam.rows.append(Row(cells, val.delta_reason(f.config, ps.path or "") or ""))
    zero = sum(1 for r in ps.rows if r.delta == 0)
    rows = Table(
        "per_skill",
        f"Per-skill Δ, sorted within each config (path {code(ps.path)})",
        "Δ per config × skill with Tango 95% CI; exact McNemar p (one sample a task; the exact sign test over tasks "
        "with more), Holm and Benjamini–Hochberg adjusted across the config's skills."
        + (f" The {zero} Δs of exactly 0 are not listed (all are in report.json, key `per_skill`)." if zero else ""),
        [
            Column("config", "config"),
            Column("skill", "skill"),
            Column("pass_no_skill", "pass no skill", "rate"),
            Column("pass_curated", "pass curated", "rate"),
            Column("delta", "Δ", "signed", r"$\Delta$", unit="tasks"),
            Column("p", "p", "p"),
            Column("p_holm", "Holm p", "p"),
            Column("p_bh", "BH p", "p"),
        ],
    )
    for r in ps.rows:
        if r.delta != 0:
            s = Stat(r.delta, r.ci_low, r.ci_high, r.n_tasks)
            row = (r.config, r.skill, r.pass_no_skill, r.pass_curated, s, r.p, r.p_holm, r.p_bh)
            rows.rows.append(Row(row, val.delta_reason(r.config, r.path) or ""))
    return [fam, rows]


def per_skill_findings(rep: Report, names: dict[str, str]) -> list[Finding]:
    """One finding: whether any skill could be significant, and per config the skills that hurt."""
    ps = rep.per_skill
    if ps is None or not ps.families:
        return []
    parts = []
    for f in ps.families:
        survive = ", ".join(code(s) for s in f.hurt_survive_holm) or "none"
        bh = ", ".join(code(s) for s in f.hurt_survive_bh) or "none"
        parts.append(
            f"{names.get(f.config, code(f.config))}: {len(f.hurt)} of {f.n_skills} skills"
            + (f" (survive Holm: {survive}; BH: {bh})" if f.can_survive else "")
        )
    text = (
        f"**Per-skill Δ** (path {code(ps.path)}, Holm and Benjamini–Hochberg across each config's skills): "
        f"{escape(ps.plain_words())} Skills whose curated block hurts (Δ < 0): " + "; ".join(parts) + "."
    )
    return [Finding("per_skill", text)]


def per_skill_figure(rep: Report, val: Validity) -> FigureData:
    ps = rep.per_skill
    f = FigureData(
        "per_skill",
        "Per-skill Δ",
        "Procedural Δ per skill with Tango 95% CI, one panel per config, skills sorted by Δ; orange: Δ < 0 (the "
        "curated block hurts; those skills are named), blue: Δ > 0, grey: Δ = 0; black: the skill's Holm-adjusted "
        "p ≤ α. Hollow markers: not a finding.",
        ["config", "skill", "n_tasks", "delta", "ci_low", "ci_high", "p", "p_holm", "p_bh", "finding"],
    )
    for r in ps.rows if ps is not None else []:
        finding = val.delta_reason(r.config, r.path) is None
        f.rows.append((r.config, r.skill, r.n_tasks, r.delta, r.ci_low, r.ci_high, r.p, r.p_holm, r.p_bh, finding))
    f.options["alpha"] = ps.alpha if ps is not None else 0.05
    f.options["path"] = ps.path if ps is not None else None
    if not f.rows:
        f.skipped = (ps.note if ps is not None and ps.note else "no per-skill Δ") + ", so there is no per-skill figure"
    return f
