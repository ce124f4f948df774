"""Figures with matplotlib (Agg, no pyplot): one function per figure, `FigureData` in, `Figure` out.

matplotlib is imported inside the functions, so importing the engine (and `engine --help`) never
loads it. `save` writes PNG at 300 dpi and SVG with no date and a fixed hash salt, so the same
store gives the same SVG bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine.paper.model import FigureData

DPI = 300
HASH_SALT = "skill-cockpit-report"
BASE, SFT, FRONTIER, GREY = "#0072B2", "#D55E00", "#009E73", "#8c8c8c"
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
RC: dict[str, Any] = {
    "text.parse_math": False,  # store labels are text: a "$" in one is a dollar sign, never mathtext
    "svg.hashsalt": HASH_SALT,
    "svg.fonttype": "path",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.fontsize": 8,
    "legend.frameon": False,
}


def new(width: float, height: float, nrows: int = 1, ncols: int = 1, **kw: Any) -> tuple[Any, Any]:
    """A constrained-layout Figure (not registered with pyplot) and a 2-D array of axes."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.subplots(nrows, ncols, squeeze=False, **kw)


def ci_err(rows: list[tuple[float, float | None, float | None]]) -> list[list[float]]:
    """Error bar half-lengths [[below...], [above...]] for (value, low, high); no CI -> 0."""
    lo = [v - lo if lo is not None else 0.0 for v, lo, _ in rows]
    hi = [hi - v if hi is not None else 0.0 for v, _, hi in rows]
    return [[max(0.0, x) for x in lo], [max(0.0, x) for x in hi]]


def point(ax: Any, x: float, y: float, low: float | None, high: float | None, color: str, **kw: Any) -> None:
    """One estimate with its CI; `finding=False` draws it hollow."""
    finding = kw.pop("finding", True)
    horizontal = kw.pop("horizontal", False)
    err = ci_err([(x if horizontal else y, low, high)])
    face = color if finding else "white"
    opts = {"fmt": kw.pop("marker", "o"), "color": color, "mfc": face, "mec": color, "ms": 5, "capsize": 3, "lw": 1.2}
    if horizontal:
        ax.errorbar([x], [y], xerr=err, **opts, **kw)
    else:
        ax.errorbar([x], [y], yerr=err, **opts, **kw)


def zero_line(ax: Any, horizontal: bool = True) -> None:
    (ax.axhline if horizontal else ax.axvline)(0.0, color="0.35", lw=0.8, zorder=0)


def save(fig: Any, out_dir: Path, stem: str) -> list[Path]:
    import matplotlib

    png, svg = out_dir / f"{stem}.png", out_dir / f"{stem}.svg"
    with matplotlib.rc_context({"svg.hashsalt": HASH_SALT, "svg.fonttype": "path"}):
        fig.savefig(png, dpi=DPI, metadata={"Software": None}, pil_kwargs={"compress_level": 4})
        fig.set_layout_engine("none")  # laid out by the PNG's draw (in inches): the SVG reuses it
        fig.savefig(svg, metadata={"Date": None})
    return [png, svg]


def drawers() -> dict[str, Callable[[FigureData], Any]]:
    from engine.paper import draw_delta, draw_judges, draw_runs

    return {
        "trajectory": draw_delta.trajectory,
        "forest": draw_delta.forest,
        "lift": draw_delta.lift,
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
