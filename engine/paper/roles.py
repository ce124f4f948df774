"""Which path is the headline and which are exploratory, in one sentence for the write-up
(`engine.analysis.headline`: the pre-registered path or none; every other path is exploratory)."""

from __future__ import annotations

from engine.analysis.headline import LABEL, path_role
from engine.analysis.report import Report
from engine.paper.model import code


def roles_text(rep: Report) -> str:
    """`Headline path: `x` (pre-registered). Exploratory paths (not the headline): `y`, `z`.`"""
    basis = getattr(rep, "headline_basis", None)
    head = (
        f"Headline path: {code(rep.headline)}" + (f" ({LABEL[basis]})" if basis in LABEL else "") + "."
        if rep.headline
        else "No headline path."
    )
    others = [code(p.name) for p in rep.paths if path_role(p.name, rep.headline) == "exploratory"]
    return head + (f" Exploratory paths (not the headline): {', '.join(others)}." if others else "")
