"""Judge figures: the κ heatmap (with CIs and % agreement), the Δ shift between judges, ANSWER:-line
compliance and the extractor-vs-LLM gap (the format artifact)."""

from __future__ import annotations

import math
from typing import Any

from engine.analysis.agreement import MIN_KAPPA_ITEMS
from engine.paper.draw_style import BASE, GREY, PALETTE, SFT, new, zero_line


def _order(rows: list[dict[str, Any]], key: str, preferred: list[str] | None = None) -> list[str]:
    seen = list(dict.fromkeys(r[key] for r in rows))
    if preferred:
        return [c for c in preferred if c in seen] + [c for c in seen if c not in preferred]
    return seen


def kappa(f: Any) -> Any:
    import numpy as np

    rows = f.records()
    pairs = list(dict.fromkeys((r["judge_a"], r["judge_b"]) for r in rows))
    configs = _order(rows, "config", f.options.get("configs"))
    grid = np.full((len(pairs), len(configs)), np.nan)
    cells = {((r["judge_a"], r["judge_b"]), r["config"]): r for r in rows}
    for i, p in enumerate(pairs):
        for j, c in enumerate(configs):
            r = cells.get((p, c))
            if r is not None and r["kappa"] is not None:
                grid[i, j] = r["kappa"]
    fig, axes = new(1.6 + 1.15 * len(configs), 1.2 + 0.62 * len(pairs))
    ax = axes[0][0]
    from matplotlib import colormaps

    cmap = colormaps["YlGnBu"].with_extremes(bad="#eeeeee")
    im = ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, vmin=0.0, vmax=1.0, aspect="auto")
    for (p, c), r in cells.items():
        i, j = pairs.index(p), configs.index(c)
        if r["kappa"] is None:
            text, dark = f"κ n/a\nn={r['n']}", False
        else:
            ci = "" if r["kappa_low"] is None else f"\n[{r['kappa_low']:.2f}, {r['kappa_high']:.2f}]"
            agree = "" if r["agreement"] is None else f"\n{r['agreement'] * 100:.1f}%"
            few = f" n={r['n']}" if r["n"] < MIN_KAPPA_ITEMS else ""
            text, dark = f"{r['kappa']:.2f}{ci}{agree}{few}", r["kappa"] > 0.6
        ax.text(j, i, text, ha="center", va="center", fontsize=6, color="white" if dark else "black")
    ax.set_xticks(range(len(configs)), configs, rotation=30, ha="right", fontsize=7)
    ax.set_yticks(range(len(pairs)), [f"{a} vs {b}" for a, b in pairs], fontsize=7)
    ax.spines[:].set_visible(False)
    fig.colorbar(im, ax=ax, label="Cohen's κ", shrink=0.8)
    ax.set_title("Cohen's κ [95% CI], % agreement")
    return fig


def delta_shift(f: Any) -> Any:
    rows = f.records()
    pairs = list(dict.fromkeys((r["judge_a"], r["judge_b"]) for r in rows))
    configs = _order(rows, "config", f.options.get("configs"))
    fig, axes = new(6.4, 0.8 + 0.32 * len(configs) * max(1, math.ceil(len(pairs) / 3)))
    ax = axes[0][0]
    y = {c: len(configs) - 1 - i for i, c in enumerate(configs)}
    step = 0.7 / max(1, len(pairs))
    for k, p in enumerate(pairs):
        pts = [r for r in rows if (r["judge_a"], r["judge_b"]) == p]
        ys = [y[r["config"]] + 0.35 - step * (k + 0.5) for r in pts]
        ax.scatter([r["delta_shift"] for r in pts], ys, s=18, color=PALETTE[k % len(PALETTE)], label=f"{p[1]} − {p[0]}")
    zero_line(ax, horizontal=False)
    ax.set_yticks(list(y.values()), list(y.keys()), fontsize=7)
    ax.set_xlabel("Δ shift = Δ by judge B − Δ by judge A (same episodes)")
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=7)
    ax.set_title("How far Δ moves with the judge")
    return fig


def _grouped(ax: Any, labels: list[str], series: list[tuple[str, list[float | None], str]], pct: bool) -> None:
    width = 0.8 / len(series)
    for k, (name, values, color) in enumerate(series):
        xs = [i - 0.4 + width * (k + 0.5) for i in range(len(labels))]
        hs = [0.0 if v is None else v * (100 if pct else 1) for v in values]
        bars = ax.bar(xs, hs, width * 0.92, color=color, label=name)
        for b, v in zip(bars, values, strict=True):
            if v is not None:
                txt = f"{v * 100:.0f}" if pct else f"{v:+.2f}"
                ax.annotate(txt, (b.get_x() + b.get_width() / 2, b.get_height()), ha="center", va="bottom", fontsize=6)
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right", fontsize=7)


def format_compliance(f: Any) -> Any:
    rows = f.records()
    configs = _order(rows, "config")
    share = {(r["config"], r["condition"]): r["share"] for r in rows}
    fig, axes = new(max(4.0, 0.8 * len(configs) + 1.6), 3.4)
    ax = axes[0][0]
    _grouped(
        ax,
        configs,
        [
            ("no skill", [share.get((c, "no_skill")) for c in configs], GREY),
            ("curated", [share.get((c, "curated")) for c in configs], BASE),
        ],
        pct=True,
    )
    ax.set_ylim(0, 110)
    ax.set_ylabel("completions with an ANSWER: line (%)")
    ax.legend(loc="upper left", ncols=2)
    ax.set_title("ANSWER: line compliance")
    return fig


def format_gap(f: Any) -> Any:
    rows = f.records()
    pairs = list(dict.fromkeys((r["extractor"], r["llm"]) for r in rows))
    configs = _order(rows, "config")
    fig, axes = new(max(4.0, 0.8 * len(configs) + 1.6), 3.0 * len(pairs), len(pairs), 1)
    for k, p in enumerate(pairs):
        ax = axes[k][0]
        gap = {(r["config"], r["condition"]): r["gap"] for r in rows if (r["extractor"], r["llm"]) == p}
        labels = ["all" if c == "*" else c for c in configs]
        _grouped(
            ax,
            labels,
            [
                ("no skill", [gap.get((c, "no_skill")) for c in configs], GREY),
                ("curated", [gap.get((c, "curated")) for c in configs], SFT),
            ],
            pct=True,
        )
        zero_line(ax)
        ax.set_ylabel("LLM − extractor pass rate (pp)")
        ax.set_title(f"{p[0]} vs {p[1]} on answer-line tasks")
        ax.legend(loc="upper left", ncols=2)
    return fig
