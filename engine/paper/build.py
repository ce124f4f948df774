"""`build_paper`: the analysis `Report` and the store's facts -> a `PaperReport` (data, no rendering)."""

from __future__ import annotations

from typing import Any

from engine.analysis.report import Report
from engine.paper.design import design_lines
from engine.paper.facts import Design, StudyFacts, gather
from engine.paper.figures import build_figures
from engine.paper.findings import build_findings
from engine.paper.methods import design_sentence
from engine.paper.model import PaperReport, code
from engine.paper.tables import build_tables
from engine.paper.threats import build_threats
from engine.paper.validity import validity
from engine.store.reader import Con


def _context(rep: Report, facts: StudyFacts) -> list[str]:
    d = facts.design
    source = {"store": "what the store holds", "runs": "the experiments of the runs"}.get(d.source, code(d.source))
    episodes = sum(u.episodes for u in facts.usage)
    judges = ", ".join(code(j.judge) for j in facts.judges) or "none"
    lines = [
        f"{len(rep.configs)} configs, {episodes} episodes, judges: {judges}.",
        f"Design: {d.tasks or '?'} holdout tasks × {d.conditions} conditions × {d.samples} sample"
        f"{'s' if d.samples != 1 else ''} (from {source})."
        + (
            f" The experiment selects {d.planned_tasks} of these tasks."
            if d.planned_tasks and d.planned_tasks != d.tasks
            else ""
        ),
        f"Headline path: {code(rep.headline) if rep.headline else 'none'}. " + design_sentence(rep),
    ]
    filters = [f"{k}: {', '.join(map(code, v))}" for k in ("run_ids", "configs") if (v := rep.meta.get(k))]
    if filters:
        lines.append("Restricted to " + "; ".join(filters) + ".")
    return lines


def build_paper(rep: Report, facts: StudyFacts, *, title: str = "Procedural-skill study report") -> PaperReport:
    val = validity(rep)
    figures = build_figures(rep, facts, val)
    return PaperReport(
        title=title,
        headline=rep.headline,
        context=_context(rep, facts),
        findings=build_findings(rep, facts, val),
        tables=build_tables(rep, facts, val),
        figures=figures,
        threats=build_threats(rep, facts, val),
        data=rep.to_dict(),
        notes=[f"Figure {code(f.id)} is not drawn: {f.skipped}." for f in figures if f.skipped],
        design=design_lines(rep),
    )


def paper_from_store(con: Con, rep: Report, design: Design | None = None, **kw: Any) -> PaperReport:
    """The paper report of `rep`, with the facts read from the store behind `con`."""
    return build_paper(rep, gather(con, rep.configs, design), **kw)
