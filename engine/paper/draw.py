"""Figures with matplotlib (Agg, no pyplot): one function per figure, `FigureData` in, `Figure` out.

matplotlib is imported inside the functions, so importing the engine (and `engine --help`) never
loads it. `save` writes PNG at 300 dpi and SVG with no date and a fixed hash salt, so the same
store gives the same SVG bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine.paper.draw_style import DPI, HASH_SALT, RC
from engine.paper.model import FigureData


def save(fig: Any, out_dir: Path, stem: str) -> list[Path]:
    import matplotlib

    png, svg = out_dir / f"{stem}.png", out_dir / f"{stem}.svg"
    with matplotlib.rc_context({"svg.hashsalt": HASH_SALT, "svg.fonttype": "path"}):
        fig.savefig(png, dpi=DPI, metadata={"Software": None}, pil_kwargs={"compress_level": 4})
        fig.set_layout_engine("none")  # laid out by the PNG's draw (in inches): the SVG reuses it
        fig.savefig(svg, metadata={"Date": None})
    return [png, svg]


def drawers() -> dict[str, Callable[[FigureData], Any]]:
    from engine.paper import draw_delta, draw_judges, draw_runs, draw_skills

    return {
        "trajectory": draw_delta.trajectory,
        "forest": draw_delta.forest,
        "lift": draw_delta.lift,
        "per_skill": draw_skills.per_skill,
        "kappa": draw_judges.kappa,
        "delta_shift": draw_judges.delta_shift,
        "format_compliance": draw_judges.format_compliance,
        "format_gap": draw_judges.format_gap,
        "loss": draw_runs.loss,
        "cost": draw_runs.cost,
    }


def render_figures(figures: list[FigureData], out_dir: Path) -> list[Path]:
    """Draw and save every figure that has data; returns the files written."""
    import matplotlib

    todo = [f for f in figures if f.skipped is None]
    if not todo:
        return []
    fns = drawers()
    written: list[Path] = []
    with matplotlib.rc_context(RC):  # type: ignore[arg-type]
        for f in todo:
            fig = fns[f.id](f)
            written += save(fig, out_dir, f.id)
    return written
