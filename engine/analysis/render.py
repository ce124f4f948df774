"""Rich tables for `engine report`. Store text (ids, labels, warnings) is never parsed as markup."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from engine.analysis.eligibility import WHY, caveat_parts
from engine.analysis.render_cells import ci, literal, pct, signed
from engine.analysis.render_coverage import coverage_tables
from engine.analysis.render_design import design_tables
from engine.analysis.render_methods import kappa_caption, kappa_cells, methods_line, units_line
from engine.analysis.render_shift import shift_table
from engine.analysis.report import Report


def _p(p: float | None) -> str:
    if p is None:
        return "—"
    return "<1e-4" if p < 1e-4 else f"{p:.4f}"


def _table(title: str | Text, headers: Iterable[str], right_from: int = 1) -> Table:
    t = Table(title=literal(title) if isinstance(title, str) else title, title_justify="left", header_style="bold")
    for i, h in enumerate(headers):
        t.add_column(literal(h), justify="right" if i >= right_from else "left", no_wrap=i < right_from)
    return t


def _row(t: Table, *cells: Any) -> None:
    t.add_row(*(c if isinstance(c, Text) else literal(c) for c in cells))


NOT_FINDING = "†"  # marks a Δ or lift under a judge that does not discriminate: shown, not a finding
DIM = "dim"


def _paths(r: Report) -> Table:
    t = _table("Judge paths", ["path", "answer_line tasks", "llm tasks", "note"], right_from=9)
    for p in r.paths:
        note = ["headline" if p.name == r.headline else "exploratory"]
        note += ["partial"] if p.partial else []
        e = r.path_eligibility(p.name)
        if e is not None and not e.eligible:
            note += ["not eligible as headline: " + ", ".join(sorted({c.judge for c in e.blind})) + " blind"]
            if not e.blind:
                note[-1] = "not eligible as headline: no Δ"
        _row(
            t,
            literal(p.name, "bold" if p.name == r.headline else ""),
            p.answer_line or "—",
            p.llm or "—",
            ", ".join(note),
        )
    return t


def _pass_rates(r: Report) -> Table:
    t = _table(
        "Pass rates (pass/fail verdicts; errors and abstentions apart)",
        ["config", "judge", "no_skill", "curated", "errors"],
        2,
    )
    cells: dict[tuple[str, str], dict[str, Any]] = {}
    for pr in r.pass_rates:
        cells.setdefault((pr.config, pr.judge), {})[pr.condition] = pr
    for (cfg, judge), by in cells.items():
        shown = [
            f"{pct(by[c].pass_rate)} ({by[c].passes}/{by[c].n})" if c in by else "—" for c in ("no_skill", "curated")
        ]
        _row(t, cfg, judge, *shown, sum(x.errors for x in by.values()))
    return t


def _deltas(r: Report) -> list[Table]:
    out = []
    order = sorted(r.paths, key=lambda p: p.name != r.headline)
    for p in order:
        rows = [d for d in r.deltas if d.path == p.name]
        if not rows:
            continue
        title = Text("Procedural Δ on path ")
        title.append(literal(p.name, "bold"))
        title.append(" (headline)" if p.name == r.headline else " (exploratory)")
        title.append(" — partial: answer_line tasks only" if p.partial and p.answer_line else "")
        title.append(" — partial: llm tasks only" if p.partial and not p.answer_line else "")
        headers = [
            "config",
            "tasks",
            "no_skill",
            "curated",
            "Δ",
            "95% CI",
            "McNemar p",
            "ns>cu / cu>ns",
            "errors",
        ]
        t = _table(title, headers)
        for d in rows:
            disc = f"{d.discordant_no_skill_only} / {d.discordant_curated_only}"
            _row(
                t,
                *_greyed(
                    d.finding,
                    d.config,
                    d.n_tasks,
                    pct(d.pass_no_skill),
                    pct(d.pass_curated),
                    _marked(signed(d.delta), d.finding),
                    ci(d.ci_low, d.ci_high),
                    _p(d.mcnemar_p) + ("" if d.mcnemar_midp is None else f" (mid-p {_p(d.mcnemar_midp)})"),
                    disc,
                    d.errors,
                ),
            )
        _caption(t, [d.caveat for d in rows if not d.finding and d.caveat])
        _note_constant(t, [d.caveat for d in rows if d.finding and d.caveat])
        out.append(t)
    return out


def _greyed(finding: bool, *cells: object) -> list[Text]:
    """Cells of a row; dimmed when the row is not a finding."""
    return [c if isinstance(c, Text) else literal(c, "" if finding else DIM) for c in cells]


def _marked(value: str, finding: bool) -> str:
    return value if finding else f"{value} {NOT_FINDING}"


def _caption(t: Table, caveats: list[str]) -> None:
    parts = caveat_parts(caveats)
    if parts:
        t.caption = literal(f"{NOT_FINDING} not a finding ({WHY} by construction): " + "; ".join(parts), "yellow")
        t.caption_justify = "left"


def _note_constant(t: Table, notes: list[str]) -> None:
    """Findings with a constant judge: at floor/ceiling (all judges agree), or constant and unverified."""
    parts = caveat_parts(notes)
    if parts:
        text = "; ".join(parts)
        t.caption = literal(f"{t.caption}\n{text}" if t.caption else text, "yellow")
        t.caption_justify = "left"


def _lifts(r: Report) -> Table:
    t = _table(
        "SFT lift = Δ(sft) − Δ(base), same path",
        ["config", "base", "path", "tasks", "Δ sft", "Δ base", "lift", "95% CI"],
        3,
    )
    for c in r.lifts:
        _row(
            t,
            *_greyed(
                c.finding,
                c.a,
                c.b,
                c.path,
                c.n_tasks,
                signed(c.delta_a),
                signed(c.delta_b),
                _marked(signed(c.diff), c.finding),
                ci(c.ci_low, c.ci_high),
            ),
        )
    _caption(t, [c.caveat for c in r.lifts if not c.finding and c.caveat])
    return t


def _agreement(r: Report) -> list[Table]:
    headers = [
        "judges",
        "config",
        "n",
        "agree",
        "κ",
        "κ 95% CI",
        "κ ns / cu",
        "++ / +− / −+ / −−",
        "Δ a",
        "Δ b",
        "shift",
    ]
    t = _table("Judge agreement (episodes both judged non-error; ++ = a pass, b pass)", headers, 2)
    for a in r.agreement:
        conf = a.confusion
        _row(
            t,
            f"{a.judge_a} vs {a.judge_b}",
            a.config,
            a.n,
            pct(a.pct_agreement, 2),
            *kappa_cells(a),
            f"{conf[0][0]} / {conf[0][1]} / {conf[1][0]} / {conf[1][1]}",
            signed(a.delta_a),
            signed(a.delta_b),
            signed(a.delta_shift),
        )
    why = kappa_caption(r.agreement)
    if why:
        t.caption, t.caption_justify = literal(why, "yellow"), "left"
    s = _table(
        "Judge validation summary",
        ["judges", "configs", "κ pooled", "κ min", "agree min", "max |Δ shift|", "Δ sign flips"],
        1,
    )
    for x in r.agreement_summary:
        _row(
            s,
            f"{x.judge_a} vs {x.judge_b}",
            x.configs,
            "—" if x.kappa_pooled is None else f"{x.kappa_pooled:.3f}",
            "—" if x.kappa_min is None else f"{x.kappa_min:.3f}",
            pct(x.pct_agreement_min, 2),
            "—" if x.max_abs_delta_shift is None else f"{x.max_abs_delta_shift:.3f}",
            ", ".join(x.direction_flips) or "none",
        )
    return [t, s]


def _format(r: Report) -> list[Table]:
    t = _table(
        "ANSWER: line compliance; cut off at max_tokens; aimed at the judge (verdict / grader / delimiters)",
        [
            "config",
            "condition",
            "completions",
            "with ANSWER:",
            "share",
            "at max_tokens",
            "gen. errors",
            "aimed at judge",
            "v / g / d",
        ],
        2,
    )
    for f in r.format:
        _row(
            t,
            f.config,
            f.condition,
            f.n,
            f.answer_line,
            pct(f.share),
            literal(f"{f.at_limit} ({pct(f.at_limit_share)})", "bold yellow" if (f.at_limit_share or 0) >= 0.1 else ""),
            f.generation_errors,
            literal(f.flagged, "bold red" if f.flagged else ""),
            f"{f.flag_verdict} / {f.flag_grader} / {f.flag_delimiter}",
        )
    g = _table(
        "Format artifact: extractor vs judges that read prose, on answer_line tasks (same episodes)",
        [
            "config",
            "judges",
            "extr. ns",
            "extr. cu",
            "reader ns",
            "reader cu",
            "gap ns",
            "gap cu",
            "gap cu−ns",
            "Δ extr.",
            "Δ reader",
        ],
        2,
    )
    for x in r.format_gaps:
        _row(
            g,
            x.config,
            f"{x.extractor} vs {x.llm}",
            pct(x.extractor_no_skill),
            pct(x.extractor_curated),
            pct(x.llm_no_skill),
            pct(x.llm_curated),
            pct(x.gap_no_skill),
            pct(x.gap_curated),
            pct(x.gap_diff),
            signed(x.delta_extractor),
            signed(x.delta_llm),
        )
    return [t, g]


def _rate(x: Any) -> str:
    if x.value is None:
        return "—"
    return f"{x.value * 100:.0f}% [{x.low * 100:.0f}, {x.high * 100:.0f}] ({x.k}/{x.n})"


def _human(r: Report) -> list[Table]:
    b = r.human_basis
    where = "the audit sample" if b is not None and b.source == "audit" else "all human verdicts (no audit sample)"
    t = _table(
        f"Judges against human verdicts ({where}; HT-weighted, Kish–Wilson 95% CI; pass is positive)",
        ["judge", "n", "precision", "recall", "specificity", "accuracy", "judge errors"],
        1,
    )
    for a in r.judge_accuracy:
        _row(t, a.judge, a.n, _rate(a.precision), _rate(a.recall), _rate(a.specificity), _rate(a.accuracy), a.errors)
    from engine.analysis.render_correction import correction_tables  # a local import: fewer merge conflicts

    return [t, *correction_tables(r)]


def _trajectory(r: Report) -> Table:
    t = _table(
        Text(f"Δ by size on the headline path ({r.headline or '—'})"),
        ["series", "config", "size (B)", "Δ", "95% CI"],
        2,
    )
    for p in r.trajectory:
        _row(
            t,
            p.series,
            p.config,
            "—" if p.size_b is None else f"{p.size_b:g}",
            signed(p.delta),
            ci(p.ci_low, p.ci_high),
        )
    tests = [f"{x.series}: {x.verdict()}" for x in r.size_tests]
    if tests:  # a shape across sizes is claimed only where the test rejects (engine.analysis.size_interaction)
        t.caption, t.caption_justify = literal("Across sizes — " + "; ".join(tests)), "left"
    return t


def render_report(report: Report, console: Console) -> None:
    """Print every section of a report that has rows, then its warnings."""
    head = Text("Report — headline path: ")
    head.append(literal(report.headline or "—", "bold"))
    head.append(f"  (source: {report.meta.get('source', '?')}, bootstrap: {report.meta.get('n_boot')} resamples)")
    console.print(head)
    console.print(literal(report.headline_reason, "bold" if report.headline else "bold yellow"))
    if report.preregistration is not None:  # the analysis against the run journal's record
        console.print(
            literal(report.preregistration.line(), "bold yellow" if report.preregistration.exploratory else "")
        )
    console.print(literal(methods_line(report), "dim"))
    console.print(literal(units_line(report), "dim"))
    sections: list[Table] = [_paths(report), _pass_rates(report), *_deltas(report)]
    sections.extend(coverage_tables(report))  # only rows where a judge abstained / a Δ excluded verdicts
    if report.lifts:
        sections.append(_lifts(report))
    if report.agreement:
        sections.extend(_agreement(report))
    if report.format or report.format_gaps:
        sections.extend(_format(report))
    sections.append(shift_table(report))  # what SFT moved: the format, the answers
    if report.judge_accuracy:
        sections.extend(_human(report))
    if report.trajectory:
        sections.append(_trajectory(report))
    sections.extend(design_tables(report))  # the MDE of every Δ and lift; the per-skill Δ
    for s in sections:
        if s.row_count:
            console.print(s)
    if report.warnings:
        console.print(Text("Warnings", style="bold yellow"))
        for w in report.warnings:
            line = Text("• ", style="yellow")
            line.append(literal(w))
            console.print(line)
