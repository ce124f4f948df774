"""The words naming the interval methods a report used (`ci_method` of its Δs and lifts,
`kappa_ci_method` of its agreement rows), for the paper's captions and design paragraph."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

_WORDS = {
    "tango-score": "Tango score CIs (one sample per task)",
    "tango-tasks": "Tango score CIs over tasks",
    "bootstrap-task": "bootstrap CIs over tasks",
    "mover-tango": "MOVER CIs from Tango score intervals (one sample per task)",
    "mover-tango-tasks": "MOVER CIs from Tango score intervals over tasks",
    "bootstrap-skill": "bootstrap CIs over skills (clusters of tasks)",
}


_MCNEMAR = {
    "exact": "exact, over (task, sample) pairs",
    "durkalski-clustered": "clustered by task (Durkalski et al. 2003)",
    "durkalski-skill": "clustered by skill (Durkalski et al. 2003)",
}
_KAPPA = {
    "bootstrap-task-percentile": "bootstrap over tasks",
    "bootstrap-skill-percentile": "bootstrap over skills",
    "asymptotic": "asymptotic (fewer than 10 tasks)",
    "wilson-agreement": "Wilson limits on the agreement",
}


def _joined(methods: Iterable[str | None], words: dict[str, str], default: str) -> str:
    seen = list(dict.fromkeys(m for m in methods if m))
    return " or ".join(words.get(m, m) for m in seen) or default


def mcnemar_words(deltas: Iterable[Any]) -> str:
    """The McNemar test(s) the Δs used, e.g. "exact, over (task, sample) pairs"."""
    return _joined((d.mcnemar_method for d in deltas), _MCNEMAR, _MCNEMAR["exact"])


def kappa_words(rows: Iterable[Any]) -> str:
    """The κ interval method(s) the agreement rows used, e.g. "bootstrap over tasks"."""
    return _joined((a.kappa_ci_method for a in rows), _KAPPA, _KAPPA["bootstrap-task-percentile"])


def ci_words(items: Iterable[Any]) -> str:
    """e.g. "bootstrap CIs over tasks", or several joined by "or" when the items differ."""
    return _joined((it.ci_method for it in items), _WORDS, "bootstrap CIs over tasks")


def unit_sentence(rep: Any) -> str:
    """Which unit the intervals resample: tasks, or skills as clusters of tasks (`--cluster`)."""
    if rep.meta.get("cluster") == "skill":
        return (
            " Resampling unit: the skill (whole skills with all their tasks, the cluster bootstrap of "
            "Davison & Hinkley 1997 §3.8 and Field & Welsh 2007), since tasks of one skill are correlated."
        )
    return " Resampling unit: the task (the samples of a task move together)."


def design_sentence(rep: Any) -> str:
    n_boot, seed = rep.meta.get("n_boot"), rep.meta.get("seed")
    return (
        f"95% CIs: {ci_words(rep.deltas)} for Δ; {ci_words(rep.lifts)} for the lift "
        f"(bootstrap: {n_boot} resamples, seed {seed}); {kappa_words(rep.agreement)} for κ." + unit_sentence(rep)
    )
