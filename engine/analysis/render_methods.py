"""Report text naming each interval's method, and κ cells that say when κ is undefined and why
(used by `engine.analysis.render`)."""

from __future__ import annotations

from collections import Counter
from typing import Any

METHODS = {
    "tango-score": "Tango score (one sample per task)",
    "tango-tasks": "Tango score over tasks (bootstrap degenerate)",
    "bootstrap-task": "bootstrap over tasks",
    "mover-tango": "MOVER of Tango intervals (one sample per task)",
    "mover-tango-tasks": "MOVER of Tango intervals over tasks",
    "bootstrap-task-percentile": "bootstrap over tasks",
    "wilson-agreement": "Wilson on agreement",
    "asymptotic": "asymptotic (< 10 tasks)",
    "exact": "exact (mid-p beside it)",
    "durkalski-clustered": "clustered by task (Durkalski 2003)",
    "bootstrap-skill": "bootstrap over skills",
    "bootstrap-skill-percentile": "bootstrap over skills",
    "durkalski-skill": "clustered by skill (Durkalski 2003)",
}
# the unit each method treats as independent (resamples, or counts as one observation)
UNITS = {
    "tango-score": "task",
    "tango-tasks": "task",
    "bootstrap-task": "task",
    "mover-tango": "task",
    "mover-tango-tasks": "task",
    "bootstrap-task-percentile": "task",
    "durkalski-clustered": "task",
    "bootstrap-skill": "skill",
    "bootstrap-skill-percentile": "skill",
    "durkalski-skill": "skill",
    "exact": "(task, sample) pair",
    "wilson-agreement": "episode",
    "asymptotic": "episode",
}


def _count(methods: list[str | None]) -> str:
    c = Counter(m for m in methods if m)
    return ", ".join(f"{METHODS.get(m, m)} ({k})" for m, k in c.most_common()) or "—"


def _units(methods: list[str | None]) -> str:
    return " / ".join(dict.fromkeys(UNITS.get(m, m) for m in methods if m)) or "—"


def units(report: Any) -> dict[str, str]:
    """The resampling unit of each kind of interval and test, e.g. {"Δ CI": "skill", ...}."""
    out = {
        "Δ CI": _units([d.ci_method for d in report.deltas]),
        "McNemar": _units([d.mcnemar_method for d in report.deltas]),
    }
    if report.lifts:
        out["lift CI"] = _units([c.ci_method for c in report.lifts])
    if report.agreement:
        out["κ CI"] = _units([a.kappa_ci_method for a in report.agreement])
    return out


def units_line(report: Any) -> str:
    """One line: the unit each kind of interval resamples (the report's --cluster choice)."""
    cluster = report.meta.get("cluster", "task")
    got = "; ".join(f"{k}: {v}" for k, v in units(report).items())
    return f"Resampling unit (--cluster {cluster}) — {got}"


def methods_line(report: Any) -> str:
    """One line: which interval and test each kind of number uses, with counts."""
    parts = [
        f"Δ CI: {_count([d.ci_method for d in report.deltas])}",
        f"McNemar: {_count([d.mcnemar_method for d in report.deltas])}",
    ]
    if report.lifts:
        parts.append(f"lift CI: {_count([c.ci_method for c in report.lifts])}")
    if report.agreement:
        parts.append(f"κ CI: {_count([a.kappa_ci_method for a in report.agreement])}")
    return "Methods — " + "; ".join(parts)


def _k(x: object) -> str:
    return "—" if x is None else f"{x:.3f}"


def kappa_cells(a: Any) -> tuple[str, str, str]:
    """(κ, κ 95% CI, κ no_skill / curated) cells of an agreement row."""
    kappa = "undefined" if a.kappa_undefined else _k(a.kappa)
    ci = "—" if a.kappa_low is None or a.kappa_high is None else f"[{a.kappa_low:.3f}, {a.kappa_high:.3f}]"
    conds = []
    for cond in ("no_skill", "curated"):
        kc = a.kappa_by_condition.get(cond, {})
        conds.append("undef." if kc.get("kappa_undefined") else _k(kc.get("kappa")))
    return kappa, ci, " / ".join(conds)


def kappa_caption(rows: list[Any]) -> str | None:
    """Why each undefined κ (pooled) is undefined."""
    why = [f"{a.judge_a} vs {a.judge_b} on {a.config}: {a.kappa_undefined}" for a in rows if a.kappa_undefined]
    return "κ undefined: " + "; ".join(why) if why else None
