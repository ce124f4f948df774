"""Δ figures: the trajectory across model sizes, the forest per judge path, the SFT lift per size."""

from __future__ import annotations

import math
from typing import Any

from engine.paper.draw_style import BASE, FRONTIER, SFT, new, point, zero_line
from engine.paper.model import FigureData
from engine.paper.tables import size_label

DELTA_LABEL = "Δ = pass(curated) − pass(no skill)"


def trajectory(f: FigureData) -> Any:
    rows = f.records()
    log = bool(f.options.get("log_x"))
    fig, axes = new(6.2, 4.0)
    ax = axes[0][0]
    sizes = sorted({r["size_b"] for r in rows if r["series"] != "frontier" and r["size_b"] is not None})
    span = (max(sizes) - min(sizes)) or 1.0
    for series, color, marker, shift, name in (
        ("base", BASE, "o", -1, "before SFT"),
        ("sft", SFT, "s", 1, "after SFT"),
    ):
        pts = sorted(
            (r for r in rows if r["series"] == series and r["size_b"] is not None and r["delta"] is not None),
            key=lambda r: r["size_b"],
        )
        if not pts:
            continue
        xs = [r["size_b"] * (1.0 + 0.035 * shift) if log else r["size_b"] + 0.012 * span * shift for r in pts]
        ax.plot(xs, [r["delta"] for r in pts], color=color, lw=1.2, alpha=0.8, marker=marker, ms=5, label=name)
        for x, r in zip(xs, pts, strict=True):
            point(ax, x, r["delta"], r["ci_low"], r["ci_high"], color, marker=marker, finding=r["finding"])
    for r in (r for r in rows if r["series"] == "frontier" and r["delta"] is not None):
        ax.axhline(r["delta"], color=FRONTIER, ls="--", lw=1.1, label=f"frontier: {r['config']}")
        if r["ci_low"] is not None and r["ci_high"] is not None:
            ax.axhspan(r["ci_low"], r["ci_high"], color=FRONTIER, alpha=0.10, lw=0)
        ax.annotate(
            f"{r['config']} {r['delta']:+.3f}",
            xy=(0.01, r["delta"]),
            xycoords=("axes fraction", "data"),
            ha="left",
            va="bottom",
            color=FRONTIER,
            fontsize=8,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
        )
    zero_line(ax)
    if log:
        from matplotlib.ticker import NullLocator

        ax.set_xscale("log")
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xlim(min(sizes) / 1.4, max(sizes) * 1.4)
    else:
        ax.set_xlim(min(sizes) - 0.15 * span, max(sizes) + 0.15 * span)
    ax.set_xticks(sizes, [size_label(s) for s in sizes])
    ax.set_xlabel("model size (parameters" + (", log scale)" if log else ")"))
    ax.set_ylabel(DELTA_LABEL)
    path = f.options.get("path")
    ax.set_title("Δ by model size" + (f", path {path}" if path else ""))
    ax.legend(loc="best")
    return fig


def forest(f: FigureData) -> Any:
    rows = f.records()
    paths = list(dict.fromkeys(r["path"] for r in rows))
    configs = list(dict.fromkeys(r["config"] for r in rows))
    ncols = min(3, len(paths))
    nrows = math.ceil(len(paths) / ncols)
    fig, axes = new(3.0 * ncols + 1.2, (0.28 * len(configs) + 0.9) * nrows, nrows, ncols, sharex=True)
    y = {c: len(configs) - 1 - i for i, c in enumerate(configs)}
    for k, p in enumerate(paths):
        ax = axes[k // ncols][k % ncols]
        for r in (r for r in rows if r["path"] == p and r["delta"] is not None):
            point(
                ax, r["delta"], y[r["config"]], r["ci_low"], r["ci_high"], BASE, horizontal=True, finding=r["finding"]
            )
        zero_line(ax, horizontal=False)
        ax.set_yticks(list(y.values()), list(y.keys()) if k % ncols == 0 else [""] * len(y))
        ax.set_ylim(-0.7, len(configs) - 0.3)
        ax.set_title(p + (" (headline)" if k == 0 and f.options.get("headline") == p else ""), fontsize=9)
        if k // ncols == nrows - 1:
            ax.set_xlabel("Δ [95% CI]")
    for k in range(len(paths), nrows * ncols):
        axes[k // ncols][k % ncols].set_visible(False)
    return fig


def lift(f: FigureData) -> Any:
    rows = [r for r in f.records() if r["lift"] is not None]
    fig, axes = new(max(3.6, 1.3 * len(rows) + 1.6), 3.6)
    ax = axes[0][0]
    for i, r in enumerate(rows):
        point(ax, i, r["lift"], r["ci_low"], r["ci_high"], SFT, marker="s", finding=r["finding"])
    zero_line(ax)
    labels = [f"{size_label(r['size_b'])}\n{r['sft']}" if r["size_b"] is not None else r["sft"] for r in rows]
    ax.set_xticks(range(len(rows)), labels, fontsize=7)
    ax.set_xlim(-0.6, len(rows) - 0.4)
    ax.set_ylabel("SFT lift = Δ(SFT) − Δ(base)")
    ax.set_title(f"SFT lift, path {rows[0]['path']}" if rows else "SFT lift")
    return fig
