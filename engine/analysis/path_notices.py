"""The report's notices about its judge paths (missing judges, partial coverage, tasks dropped from
Δ) and its excluded verdicts (errors, abstentions, failed generations)."""

from __future__ import annotations

import numpy as np

from engine.analysis.artifacts import FormatShare
from engine.analysis.coverage import abstention_notices
from engine.analysis.delta import Delta
from engine.analysis.inputs import Inputs
from engine.analysis.notices import Notice
from engine.analysis.passrates import PassRate
from engine.analysis.paths import JudgePath


def path_notices(inp: Inputs, paths: list[JudgePath], ds: list[Delta], found: list[Notice]) -> None:
    """Per path: judges it names that have no judgments, partial coverage, tasks dropped from Δ."""
    have = {j.label for j in inp.judges}
    t = inp.task
    n_tasks = {
        fam: len(np.unique(t.codes["task_id"][t.codes["scoring"] == t.code("scoring", fam)])) if t.n else 0
        for fam in ("answer_line", "llm")
    }
    for p in paths:
        for fam in ("answer_line", "llm"):
            j = p.judge_for(fam)
            if j is not None and j not in have:
                msg = f"path '{p.name}' names judge '{j}' for {fam} tasks, which has no judgments here"
                found.append(Notice("missing_judge", msg, subject=fam, judge=j, path=p.name))
        if p.partial:
            fam = "answer_line" if p.answer_line else "llm"
            other = "llm" if fam == "answer_line" else "answer_line"
            msg = (
                f"path '{p.name}' is partial: it scores only {fam}-scored tasks ({n_tasks[fam]}), "
                f"not the {n_tasks[other]} {other}-scored ones; "
                "compare its numbers only with numbers on this path"
            )
            found.append(Notice("partial_path", msg, subject=fam, path=p.name))
        dropped = [f"{d.config} ({d.tasks_dropped})" for d in ds if d.path == p.name and d.tasks_dropped]
        if dropped:
            msg = (
                f"path '{p.name}': tasks left out of Δ for lack of a pass/fail verdict in one condition: "
                + ", ".join(dropped)
            )
            found.append(Notice("tasks_dropped", msg, path=p.name))


def error_notices(rates: list[PassRate], shares: list[FormatShare], found: list[Notice]) -> None:
    """Error verdicts and abstentions per judge (excluded from every rate), and failed generations."""
    errs: dict[str, int] = {}
    for r in rates:
        errs[r.judge] = errs.get(r.judge, 0) + r.errors
    listed = ", ".join(f"{j} {n}" for j, n in errs.items() if n)
    if listed:
        msg = f"error verdicts are excluded from every rate, never counted as fail: {listed}"
        found.append(Notice("error_verdicts", msg))
    abstention_notices(rates, found)
    gen = sum(s.generation_errors for s in shares)
    if gen:
        msg = f"{gen} episodes failed to generate; their verdicts are errors and are excluded"
        found.append(Notice("generation_errors", msg))
