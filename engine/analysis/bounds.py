"""Worst-case bounds of procedural Δ over the verdicts it excludes (errors and abstentions).

Δ leaves out every verdict that is neither pass nor fail: judge errors and abstentions ("cannot
tell"). Nothing in the data says what those verdicts would have been, so next to Δ the report gives
the range Δ would lie in were each of them known: the no-assumption (worst-case) bounds for an
outcome that is missing, at random or not (Manski 1989, "Anatomy of the selection problem",
J. Human Resources 24:343–360, the bound P(y=1) ∈ [P(y=1, seen), P(y=1, seen) + P(missing)];
for a difference of two arms, Horowitz & Manski 2000, JASA 95:77–84, Section 2).

Per task t and condition c, with d decided verdicts, p of them pass and x excluded (m = d + x), the
task's pass rate lies in [p / m, (p + x) / m]. Δ is the mean over tasks of curated − no_skill: it
rises with every curated verdict and falls with every no-skill one, so its extremes are

    Δ_low  = mean_t [ p_cu / m_cu − (p_ns + x_ns) / m_ns ]   (excluded no-skill → pass, curated → fail)
    Δ_high = mean_t [ (p_cu + x_cu) / m_cu − p_ns / m_ns ]   (excluded no-skill → fail, curated → pass)

over the tasks with m > 0 in both conditions. A task Δ dropped for want of a decided verdict in one
condition comes back here with its imputed values, so every assignment of pass/fail to the excluded
verdicts gives a Δ inside [Δ_low, Δ_high]. The observed Δ is inside too when no task was dropped
(p / d lies in [p / m, (p + x) / m]); with dropped tasks it is a Δ on fewer tasks and may fall outside.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def excluded_bounds(num: Mapping[str, np.ndarray]) -> tuple[float | None, float | None]:
    """(Δ_low, Δ_high) from per-task counts (`analysis_task` columns ns_n, ns_pass, ns_err, ns_abs
    and the cu_ ones, one entry per task); (None, None) when no verdict was excluded."""
    x_ns = num["ns_err"] + num["ns_abs"]
    x_cu = num["cu_err"] + num["cu_abs"]
    if int(x_ns.sum() + x_cu.sum()) == 0:
        return None, None
    m_ns, m_cu = num["ns_n"] + x_ns, num["cu_n"] + x_cu
    keep = (m_ns > 0) & (m_cu > 0)
    if not keep.any():
        return None, None
    m_ns, m_cu, x_ns, x_cu = m_ns[keep], m_cu[keep], x_ns[keep], x_cu[keep]
    p_ns, p_cu = num["ns_pass"][keep], num["cu_pass"][keep]
    low = p_cu / m_cu - (p_ns + x_ns) / m_ns
    high = (p_cu + x_cu) / m_cu - p_ns / m_ns
    return float(low.mean()), float(high.mean())
