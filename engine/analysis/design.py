"""The report's Design section: the minimum detectable effect (MDE) of every Δ and SFT lift it reports,
and which of those whose CI covers 0 are underpowered.

Each Δ and lift is its own pilot. Miller (2024), "Adding Error Bars to Evals", arXiv 2411.00640, power
analysis of a paired comparison: with ω² the variance of the per-task paired differences and n tasks,
the two-sided paired z-test at level α has power 1 − β at |δ| = (z_{1−α/2} + z_{1−β}) ω / √n, the MDE
(`engine.analysis.power.mde`). ω² is the sample variance (ddof 1) of the number's own per-task
differences: curated − no_skill per task for Δ, Δ_sft − Δ_base per task (on the tasks both cover) for a
lift. With k samples a task those differences are means over the k samples, so ω² is ω²_k of the design
the store holds. Defaults: power 0.8, α 0.05 two-sided.

How a number reads (`reading`):
- significant: its 95% CI excludes 0 (the MDE is reported beside it all the same);
- underpowered: its CI covers 0 and its MDE exceeds the reference effect, worded "underpowered
  (MDE x)", never "no effect";
- powered: its CI covers 0 and its MDE is at most the reference: the design had power 0.8 at that
  effect and did not detect it;
- not estimable: fewer than two tasks, or every task's difference the same (ω² = 0: no task's
  conditions differ, or all differ alike), where the closed form gives no MDE.

The reference effect is the smallest effect worth detecting the experiment declares (`minimum_effect`,
or `engine report --effect`). Without one, it is |estimate|. That choice is deliberate: an estimate inside
a 95% CI that covers 0 is within about 2 standard errors of 0, the MDE is about 2.8 of them, so without
a declared effect a CI covering 0 reads underpowered. No effect size was declared in advance, so a null
result is not evidence that there is no effect.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from engine.analysis import power as pw
from engine.analysis.delta import Comparison, Delta
from engine.analysis.stats import json_float

ALPHA = 0.05
POWER = 0.8
READINGS = ("significant", "underpowered", "powered", "not estimable", "no CI")
METHOD = (
    "MDE = (z_(1-α/2) + z_(power)) ω / √n, ω² the variance of the number's own per-task paired differences "
    "(Miller 2024, arXiv 2411.00640)"
)


@dataclass(frozen=True)
class Detectable:
    """The MDE of one reported Δ (base None) or lift (config: the SFT config, base: its base)."""

    kind: str  # delta | lift
    config: str
    base: str | None
    path: str
    n_tasks: int
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    omega2: float | None  # variance of the per-task differences; None under two tasks
    mde: float | None  # None when not estimable
    reference: float | None  # the effect the MDE is compared with: the effect of interest, else |estimate|
    reading: str  # one of READINGS
    power_at_effect: float | None = None  # closed-form power at the declared effect of interest

    @property
    def covers_zero(self) -> bool:
        return self.ci_low is not None and self.ci_high is not None and self.ci_low <= 0 <= self.ci_high

    def words(self) -> str:
        """The reading with its MDE: "underpowered (MDE 0.083)", "significant (MDE 0.083)", ..."""
        if self.mde is None:
            return self.reading
        return f"{self.reading} (MDE {self.mde:.3f})"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"words": self.words()}


@dataclass
class DesignSection:
    """Every reported Δ and lift with its MDE, at `power` and two-sided `alpha`."""

    rows: list[Detectable] = field(default_factory=list)
    alpha: float = ALPHA
    power: float = POWER
    effect: float | None = None  # the declared effect of interest
    headline: str | None = None

    @property
    def reference(self) -> str:
        return "effect of interest" if self.effect is not None else "|estimate|"

    def row(self, kind: str, config: str, path: str, base: str | None = None) -> Detectable | None:
        for r in self.rows:
            if (r.kind, r.config, r.path) == (kind, config, path) and (kind == "delta" or r.base == base):
                return r
        return None

    def of(self, item: Delta | Comparison) -> Detectable | None:
        """The row of a Δ or a lift of the report."""
        if isinstance(item, Comparison):
            return self.row("lift", item.a, item.path, item.b)
        return self.row("delta", item.config, item.path)

    def span(self, kind: str, path: str | None = None) -> tuple[float, float] | None:
        """(smallest, largest) MDE of the Δs or lifts on `path` (default the headline)."""
        got = [r.mde for r in self.rows if r.kind == kind and r.path == (path or self.headline) and r.mde is not None]
        return (min(got), max(got)) if got else None

    def underpowered(self, path: str | None = None) -> list[Detectable]:
        return [r for r in self.rows if r.path == (path or self.headline) and r.reading == "underpowered"]

    def summary(self, path: str | None = None, name: Callable[[str], str] = lambda p: f"'{p}'") -> str:
        """One sentence: the design's MDE for Δ and for the lift on the headline path (named by `name`)."""
        path = path or self.headline
        if path is None:
            return "No headline path: no MDE is stated for the study."
        parts = []
        for kind, what in (("delta", "|Δ|"), ("lift", "|lift|")):
            s = self.span(kind, path)
            n = sorted({r.n_tasks for r in self.rows if r.kind == kind and r.path == path and r.mde is not None})
            if s is None:
                continue
            tasks = f"{n[0]} tasks" if len(n) == 1 else f"{n[0]}–{n[-1]} tasks"
            val = f"{s[0]:.3f}" if abs(s[1] - s[0]) < 5e-4 else f"{s[0]:.3f}–{s[1]:.3f}"
            parts.append(f"MDE {what} {val} ({tasks})")
        if not parts:
            return f"No MDE on path {name(path)}: no Δ there has two tasks with differing paired outcomes."
        return (
            f"At power {self.power:g}, two-sided α {self.alpha:g}, this design detects "
            + " and ".join(parts)
            + f" on path {name(path)}, each from its own per-task paired differences (Miller 2024)."
        )

    def to_dict(self) -> dict[str, Any]:
        spans = {k: self.span(k) for k in ("delta", "lift")}
        return {
            "alpha": self.alpha,
            "power": self.power,
            "effect_of_interest": self.effect,
            "reference": self.reference,
            "method": METHOD,
            "headline": self.headline,
            "headline_mde": {k: None if s is None else {"min": s[0], "max": s[1]} for k, s in spans.items()},
            "summary": self.summary(),
            "rows": [r.to_dict() for r in self.rows],
        }


def reading(
    estimate: float | None, low: float | None, high: float | None, mde: float | None, effect: float | None
) -> tuple[str, float | None]:
    """(reading, reference effect) of one number; see the module docstring."""
    if estimate is None or low is None or high is None:
        return "no CI", None
    if low > 0 or high < 0:
        return "significant", abs(effect) if effect is not None else abs(estimate)
    ref = abs(effect) if effect is not None else abs(estimate)
    if mde is None:
        return "not estimable", ref
    return ("underpowered" if mde > ref else "powered"), ref


def detectable(
    kind: str,
    diffs: np.ndarray,
    *,
    config: str,
    base: str | None,
    path: str,
    estimate: float | None,
    low: float | None,
    high: float | None,
    effect: float | None = None,
    alpha: float = ALPHA,
    power: float = POWER,
) -> Detectable:
    """The MDE of one number from its per-task paired differences."""
    d = np.asarray(diffs, dtype=float)
    n = int(d.size)
    om = float(np.var(d, ddof=1)) if n >= 2 else None
    m = pw.mde(om, n, alpha, power) if om is not None and om > 0 else None
    what, ref = reading(estimate, low, high, m, effect)
    at = pw.power_z(effect, om, n, alpha) if effect is not None and om is not None and om > 0 else None
    return Detectable(kind, config, base, path, n, estimate, low, high, json_float(om), json_float(m), ref, what, at)


def design_section(
    deltas: Sequence[Delta],
    lifts: Sequence[Comparison],
    *,
    headline: str | None,
    effect: float | None = None,
    alpha: float = ALPHA,
    power: float = POWER,
) -> DesignSection:
    """The MDE of every Δ and lift (after their CIs are filled: `engine.analysis.delta.with_cis`)."""
    if effect is not None and not 0.0 < abs(effect) < 1.0:
        raise ValueError(f"the effect of interest must be a difference of pass rates, 0 < |effect| < 1, got {effect}")
    pw.check_levels(alpha, power)
    rows = [
        detectable(
            "delta",
            d.diffs,
            config=d.config,
            base=None,
            path=d.path,
            estimate=d.delta,
            low=d.ci_low,
            high=d.ci_high,
            effect=effect,
            alpha=alpha,
            power=power,
        )
        for d in deltas
    ]
    rows += [
        detectable(
            "lift",
            c.diffs,
            config=c.a,
            base=c.b,
            path=c.path,
            estimate=c.diff,
            low=c.ci_low,
            high=c.ci_high,
            effect=effect,
            alpha=alpha,
            power=power,
        )
        for c in lifts
    ]
    return DesignSection(rows, alpha, power, abs(effect) if effect is not None else None, headline)


def row_keys(section: DesignSection | None, item: Delta | Comparison) -> dict[str, Any]:
    """The keys a Δ or lift row of the report's JSON gains: its MDE and reading."""
    r = section.of(item) if section is not None else None
    return {"mde": r.mde if r else None, "power_reading": r.words() if r else None}
