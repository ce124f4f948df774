"""report.md: findings, tables, figures, threats, notes. No timestamps: the same store gives the same bytes."""

from __future__ import annotations

from engine.paper import fmt
from engine.paper.model import Column, PaperReport, Row, Stat, Table, escape


def _header(t: Table, i: int, c: Column) -> str:
    if not c.is_stat:
        return escape(c.label)
    n = t.uniform_n(i)
    return escape(c.label) + " [95% CI]" + (f", n = {n} {c.unit}" if n is not None else "")


def _cell(t: Table, i: int, c: Column, r: Row) -> str:
    v = r.cells[i]
    if c.fmt == "text" or isinstance(v, str):
        return escape(v) if v is not None else fmt.NONE
    text = fmt.cell(v, c.fmt)
    if isinstance(v, Stat) and v.value is not None and v.n is not None and t.uniform_n(i) is None:
        text += f", n = {v.n}"
    return text


def table_md(t: Table) -> str:
    m = t.marks()
    head = "| " + " | ".join(_header(t, i, c) for i, c in enumerate(t.columns)) + " |"
    rule = "|" + "|".join(":--" if c.fmt == "text" else "--:" for c in t.columns) + "|"
    lines = [head, rule]
    for r in t.rows:
        cells = [_cell(t, i, c, r) for i, c in enumerate(t.columns)]
        if r.note:
            cells[0] += " " + m[r.note]
        lines.append("| " + " | ".join(cells) + " |")
    for note, mark in m.items():
        lines.append("")
        lines.append(f"{mark} Not a finding: {escape(note)}.")
    return "\n".join(lines)


def render_markdown(p: PaperReport) -> str:
    out = [f"# {escape(p.title)}", ""]
    out += [f"- {line}" for line in p.context]
    if p.design:
        out += ["", "## Design", ""]
        out += [f"- {line}" for line in p.design]
    out += ["", "## Findings", ""]
    out += [f"- {f.text}" for f in p.findings]
    out += ["", "## Tables", ""]
    for k, t in enumerate(p.tables, 1):
        out += [f"### Table {k}. {t.title}", "", t.caption, "", table_md(t), ""]
        out += [f"Files: [tables/{t.id}.csv](tables/{t.id}.csv), [tables/{t.id}.tex](tables/{t.id}.tex)", ""]
    drawn = [f for f in p.figures if f.skipped is None]
    if drawn:
        out += ["## Figures", ""]
    for k, f in enumerate(drawn, 1):
        out += [f"### Figure {k}. {f.title}", "", f"![{f.title}](figures/{f.id}.png)", ""]
        out += [f.caption, ""]
        out += [f"Files: [figures/{f.id}.svg](figures/{f.id}.svg), data [figures/{f.id}.csv](figures/{f.id}.csv)", ""]
    out += ["## Threats to validity", ""]
    for th in p.threats:
        out += [f"### {th.title}", ""]
        out += [f"- {item}" for item in th.items]
        out.append("")
    if p.notes:
        out += ["## Notes", ""]
        out += [f"- {n}" for n in p.notes]
        out.append("")
    out += ["---", "", "`report.json` holds every number of this report (the output of `engine report --json`)."]
    return "\n".join(out) + "\n"
