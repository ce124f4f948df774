"""Run figures: training loss curves, and tokens and cost per config (with the projected full-holdout cost)."""

from __future__ import annotations

from typing import Any

from engine.paper.draw_style import BASE, GREY, PALETTE, SFT, new


def loss(f: Any) -> Any:
    rows = f.records()
    runs = list(dict.fromkeys(r["run_id"] for r in rows))
    fig, axes = new(6.0, 3.6)
    ax = axes[0][0]
    for k, run in enumerate(runs):
        pts = [r for r in rows if r["run_id"] == run]
        cfg = pts[0]["config"]
        ax.plot(
            [r["step"] for r in pts],
            [r["loss"] for r in pts],
            color=PALETTE[k % len(PALETTE)],
            lw=1.2,
            label=f"{run} → {cfg}" if cfg else run,
        )
    ax.set_xlabel("step")
    ax.set_ylabel("training loss")
    ax.set_title("SFT training loss")
    ax.legend(loc="upper right", fontsize=7)
    return fig


def cost(f: Any) -> Any:
    rows = f.records()
    configs = [r["config"] for r in rows]
    xs = list(range(len(rows)))
    fig, axes = new(max(6.0, 1.1 * len(rows) + 2.5), 3.6, 1, 2)
    ax = axes[0][0]
    tin = [r["tokens_in"] / 1e3 for r in rows]
    tout = [r["tokens_out"] / 1e3 for r in rows]
    ax.bar(xs, tin, 0.7, color=GREY, label="tokens in")
    ax.bar(xs, tout, 0.7, bottom=tin, color=BASE, label="tokens out")
    ax.set_xticks(xs, configs, rotation=30, ha="right", fontsize=7)
    ax.set_ylabel("generation tokens (thousands)")
    ax.set_title("Tokens per config")
    ax.set_ylim(0, max([a + b for a, b in zip(tin, tout, strict=True)] + [1e-3]) * 1.2)
    ax.legend(loc="upper left", ncols=2)
    ax = axes[0][1]
    spent = [r["cost_usd"] or 0.0 for r in rows]
    proj = [r["projected_cost_usd"] for r in rows]
    if not any(spent) and not any(p for p in proj if p):
        ax.text(0.5, 0.5, "no cost recorded\n(local models)", ha="center", va="center", transform=ax.transAxes)
        ax.set_xticks([])
        ax.set_yticks([])
    else:
        if any(p for p in proj if p):
            ax.bar(xs, [p or 0.0 for p in proj], 0.7, color="white", edgecolor=SFT, hatch="///", label="projected")
        ax.bar(xs, spent, 0.7, color=SFT, label="spent")
        ax.set_xticks(xs, configs, rotation=30, ha="right", fontsize=7)
        ax.set_ylabel("generation cost (USD)")
        ax.set_ylim(0, max(spent + [p or 0.0 for p in proj]) * 1.2)
        ax.legend(loc="upper left", ncols=2)
    ax.set_title("Cost per config")
    return fig
