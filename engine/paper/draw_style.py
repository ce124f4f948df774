"""The house style of the report's figures: colours, rcParams and the helpers every drawer uses.

matplotlib is imported inside the functions (`new`), so importing this never loads it.
"""

from __future__ import annotations

from typing import Any

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
