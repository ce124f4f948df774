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
}


def ci_words(items: Iterable[Any]) -> str:
    """e.g. "bootstrap CIs over tasks", or several joined by "or" when the items differ."""
    seen = list(dict.fromkeys(it.ci_method for it in items if it.ci_method))
    return " or ".join(_WORDS.get(m, m) for m in seen) or "bootstrap CIs over tasks"


def design_sentence(rep: Any) -> str:
    n_boot, seed = rep.meta.get("n_boot"), rep.meta.get("seed")
    return (
        f"95% CIs: {ci_words(rep.deltas)} for Δ; {ci_words(rep.lifts)} for the lift "
        f"(bootstrap: {n_boot} resamples, seed {seed}); a bootstrap over tasks for κ."
    )
