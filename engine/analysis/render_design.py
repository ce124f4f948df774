"""Rich tables of `engine report` for the Design section (the MDE of every Δ and lift,
`engine.analysis.design`) and the per-skill Δ (`engine.analysis.per_skill`). Store text is never
parsed as markup."""

from __future__ import annotations

from rich.table import Table

from engine.analysis.design import DesignSection
from engine.analysis.per_skill import PerSkill
from engine.analysis.render_cells import ci, literal, signed
from engine.analysis.report import Report

STYLE = {"significant": "bold", "underpowered": "yellow", "powered": "", "not estimable": "dim", "no CI": "dim"}


def _num(x: float | None, digits: int = 3) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def _p(p: float | None) -> str:
    return "—" if p is None else "<1e-4" if p < 1e-4 else f"{p:.4f}"


def _table(title: str, headers: list[str], right_from: int) -> Table:
    t = Table(title=literal(title), title_justify="left", header_style="bold")
    for i, h in enumerate(headers):
        t.add_column(literal(h), justify="right" if i >= right_from else "left", no_wrap=i < right_from)
    return t


def _caption(t: Table, lines: list[str]) -> None:
    t.caption = literal("\n".join(lines), "dim")
    t.caption_justify = "left"


def design_table(d: DesignSection) -> Table:
    """Every Δ and lift with its MDE and how it reads; the headline path first."""
    ref = f"effect of interest {d.effect:g}" if d.effect is not None else "|estimate| (no effect of interest declared)"
    t = _table(
        f"Design: minimum detectable effect at power {d.power:g}, two-sided α {d.alpha:g} (compared with {ref})",
        ["number", "config", "base", "path", "tasks", "estimate", "95% CI", "ω²", "MDE", "reading"],
        4,
    )
    rows = sorted(d.rows, key=lambda r: (r.path != d.headline, r.kind != "delta"))  # stable: report order kept
    for r in rows:
        style = STYLE.get(r.reading, "")
        t.add_row(
            literal("Δ" if r.kind == "delta" else "lift"),
            literal(r.config),
            literal(r.base or "—"),
            literal(r.path, "bold" if r.path == d.headline else ""),
            literal(r.n_tasks),
            literal(signed(r.estimate)),
            literal(ci(r.ci_low, r.ci_high)),
            literal(_num(r.omega2, 4)),
            literal(_num(r.mde)),
            literal(r.reading, style),
        )
    _caption(
        t,
        [
            d.summary(),
            "underpowered: the CI covers 0 and the MDE exceeds the "
            + ("effect of interest" if d.effect is not None else "estimate (no effect of interest was declared)")
            + ": not evidence of no effect. MDE = (z_(1-α/2) + z_(power)) ω/√n, ω² the variance of the "
            "number's per-task paired differences (Miller 2024, arXiv 2411.00640).",
        ],
    )
    return t


def skill_family_table(ps: PerSkill) -> Table:
    """Per config: the skills, what one can show at all, and the skills whose curated block hurts."""
    t = _table(
        f"Per-skill Δ on path {ps.path}: skills whose curated block hurts (Δ < 0), worst first",
        ["config", "skills", "tasks a skill", "smallest possible p", "Δ < 0", "survive Holm", "survive BH", "hurt"],
        1,
    )
    for f in ps.families:
        tasks = str(f.tasks_min) if f.tasks_min == f.tasks_max else f"{f.tasks_min}–{f.tasks_max}"
        t.add_row(
            literal(f.config),
            literal(f.n_skills),
            literal(tasks),
            literal(_p(f.smallest_possible_p), "" if f.can_survive else "yellow"),
            literal(len(f.hurt)),
            literal(", ".join(f.hurt_survive_holm) or "none"),
            literal(", ".join(f.hurt_survive_bh) or "none"),
            literal(", ".join(f.hurt) or "none"),
        )
    _caption(t, [ps.plain_words()])
    return t


def skill_rows_table(ps: PerSkill) -> Table:
    """The per-skill Δs that differ from 0, by config then Δ (worst first)."""
    t = _table(
        f"Per-skill Δ on path {ps.path} (sorted by Δ within a config; exact p, Holm and BH adjusted within a config)",
        ["config", "skill", "tasks", "no_skill", "curated", "Δ", "95% CI", "worse / better", "p", "Holm p", "BH p"],
        2,
    )
    shown = [r for r in ps.rows if r.delta != 0]
    for r in shown:
        t.add_row(
            literal(r.config),
            literal(r.skill, "yellow" if r.delta < 0 else ""),
            literal(r.n_tasks),
            literal(_num(r.pass_no_skill)),
            literal(_num(r.pass_curated)),
            literal(signed(r.delta)),
            literal(ci(r.ci_low, r.ci_high)),
            literal(f"{r.worse} / {r.better}"),
            literal(_p(r.p)),
            literal(_p(r.p_holm), "bold" if r.p_holm <= ps.alpha else ""),
            literal(_p(r.p_bh), "bold" if r.p_bh <= ps.alpha else ""),
        )
    hidden = len(ps.rows) - len(shown)
    if hidden:
        _caption(t, [f"{hidden} config × skill Δs of exactly 0 are not shown (all are in --json, key per_skill)."])
    return t


def design_tables(r: Report) -> list[Table]:
    """The Design section and the per-skill Δ of a report (empty tables are not printed)."""
    out = [design_table(r.design)] if r.design is not None else []
    if r.per_skill is not None and r.per_skill.rows:
        out += [skill_family_table(r.per_skill), skill_rows_table(r.per_skill)]
    return out
