"""The per-skill figure of the embedded model on a tier of the bundled suite (docs/embedded-model.md).

One row per skill: the ANSWER-line rate and the pass rates under the ANSWER-line extractor and the
lenient judge, per condition, as horizontal bars. The rows are the CSV written beside the figure
(`scripts/measure_embedded.py`), so a reader can check the numbers, not the pixels.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from engine.paper.draw_style import BASE, DPI, GREY, RC, SFT, new

SERIES = (("answer_line_rate", "ANSWER-line rate", GREY), ("extractor", "extractor", BASE), ("lenient", "lenient", SFT))
CALIBRATION = (0.15, 0.85)  # the micro tier's target band of no-skill pass rates


def draw_tier_rates(rows: Sequence[dict[str, Any]], out: Path, title: str) -> Path:
    """Draw `rows` (skill_id, condition, answer_line_rate, extractor, lenient) to `out` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    conditions = sorted({str(r["condition"]) for r in rows}, key=lambda c: c != "no_skill")
    skills = sorted({str(r["skill_id"]) for r in rows}, reverse=True)
    by = {(str(r["skill_id"]), str(r["condition"])): r for r in rows}
    with matplotlib.rc_context(RC):  # type: ignore[arg-type]
        fig, axes = new(3.2 * len(conditions) + 1.6, 0.34 * len(skills) * 1.0 + 1.2, 1, len(conditions), sharey=True)
        for ax, cond in zip(axes[0], conditions, strict=True):
            h = 0.8 / len(SERIES)
            for k, (field, label, colour) in enumerate(SERIES):
                ys = [i + (k - 1) * h for i in range(len(skills))]
                xs = [_val(by.get((s, cond), {}).get(field)) for s in skills]
                ax.barh(ys, xs, height=h, color=colour, label=label)
            for x in CALIBRATION:
                ax.axvline(x, color=GREY, linewidth=0.6, linestyle=":")
            ax.set_xlim(0, 1)
            ax.set_title(cond.replace("_", "-"))
            ax.set_xlabel("rate")
        axes[0][0].set_yticks(range(len(skills)), skills)
        axes[0][-1].legend(loc="lower right")
        fig.suptitle(title)
        fig.savefig(out, dpi=DPI // 2)
    return out


def _val(x: Any) -> float:
    return 0.0 if x is None or x == "" else float(x)
