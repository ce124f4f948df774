"""The per-skill Δ figure: one panel per config, its skills sorted by Δ with their 95% CIs."""

from __future__ import annotations

import math
from typing import Any

from engine.paper.draw_style import BASE, GREY, SFT, ci_err, new, zero_line
from engine.paper.model import FigureData

SURVIVES = "#000000"
LABELS_UP_TO = 40  # skills with Δ < 0 a panel names on its axis (the worst first); the rest are unnamed


def per_skill(f: FigureData) -> Any:
    rows = f.records()
    configs = list(dict.fromkeys(r["config"] for r in rows))
    alpha = float(f.options.get("alpha", 0.05))
    n_skills = max(sum(1 for r in rows if r["config"] == c) for c in configs)
    ncols = min(4, len(configs))
    nrows = math.ceil(len(configs) / ncols)
    fig, axes = new(2.4 * ncols + 0.6, (0.11 * n_skills + 0.9) * nrows, nrows, ncols, sharex=True)
    for k, c in enumerate(configs):
        ax = axes[k // ncols][k % ncols]
        pts = sorted((r for r in rows if r["config"] == c), key=lambda r: (r["delta"], r["p"], r["skill"]))
        groups: dict[tuple[str, bool], list[int]] = {}
        for y, r in enumerate(pts):
            color = SURVIVES if r["p_holm"] <= alpha else SFT if r["delta"] < 0 else BASE if r["delta"] > 0 else GREY
            groups.setdefault((color, bool(r["finding"])), []).append(y)
        for (color, finding), ys in groups.items():  # one errorbar call per colour: 40 skills x 7 configs is many
            sel = [pts[y] for y in ys]
            err = ci_err([(r["delta"], r["ci_low"], r["ci_high"]) for r in sel])
            face = color if finding else "white"
            ax.errorbar([r["delta"] for r in sel], ys, xerr=err, fmt="o", color=color, mfc=face, mec=color, ms=3.5,
                        capsize=0, lw=1.0)  # fmt: skip
        zero_line(ax, horizontal=False)
        hurt_y = [y for y, r in enumerate(pts) if r["delta"] < 0][:LABELS_UP_TO]  # name the skills that hurt
        ax.set_yticks(hurt_y, [pts[y]["skill"] for y in hurt_y], fontsize=5)
        ax.set_ylim(-0.7, len(pts) - 0.3)
        hurt = sum(1 for r in pts if r["delta"] < 0)
        ax.set_title(f"{c}\n{hurt} of {len(pts)} skills Δ < 0", fontsize=8)
        if k // ncols == nrows - 1:
            ax.set_xlabel("Δ per skill [95% CI]")
    for k in range(len(configs), nrows * ncols):
        axes[k // ncols][k % ncols].set_visible(False)
    path = f.options.get("path")
    fig.suptitle("Per-skill Δ" + (f", path {path}" if path else ""), fontsize=10)
    return fig
