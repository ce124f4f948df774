"""The power of a planned design: MDE of every Δ and lift, power at a target effect, tasks × samples
needed for it; from stated rates (`assumed_rows`) or from a pilot's per-task outcomes (`load_pilot`,
`pilot_rows`). The formulas are in `engine.analysis.power`.

A pilot is read through `engine.analysis.inputs` and `engine.analysis.delta.deltas` on one judge path
(the experiment's headline, else the store's default): per task, the pass rate of each condition (the
mean over its samples). With k ≥ 2 pilot samples the one-way decomposition separates the within-task
variance σ²_w (per task Σ_j c_j² k/(k−1) p̂_j(1 − p̂_j), the unbiased binomial variance of each column,
the conditions sampled independently given the task) from the between-task τ² = Var(d̄_i) − σ²_w/k
(Miller 2024, arXiv 2411.00640, variance of a mean over resampled questions).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from engine.analysis import power as pw
from engine.analysis.delta import deltas
from engine.analysis.inputs import load
from engine.analysis.notices import Notice, messages
from engine.analysis.paths import choose_headline, derive_paths, from_specs
from engine.store.reader import Con

SAMPLE_STEPS = (1, 2, 4, 8)


@dataclass(frozen=True)
class Design:
    n_tasks: int
    samples: int
    n_configs: int
    n_conditions: int
    n_lifts: int
    greedy: bool  # every config decodes at temperature 0: repeated samples are identical
    alpha: float = 0.05
    power: float = 0.8

    @property
    def episodes(self) -> int:
        return self.n_tasks * self.samples * self.n_conditions * self.n_configs


@dataclass
class Row:
    kind: str  # delta | lift
    label: str  # "every config" (assumed) or a config label / "sft vs base"
    source: str  # assumed | pilot
    omega2: float  # per-task difference variance at the planned samples
    mde: float
    mde_bonferroni: float  # at α / family (the number of Δs, or of lifts)
    family: int = 1
    sim_at_mde: pw.SimPower | None = None
    path: str | None = None
    n_pilot: int | None = None
    k_pilot: int | None = None
    estimate: float | None = None  # the pilot's Δ or lift
    effect: float | None = None
    power_at_effect: float | None = None
    mcnemar_at_effect: float | None = None  # Connor's asymptotic power (Δ, one sample)
    sim_at_effect: pw.SimPower | None = None
    needed: dict[int, int] = field(default_factory=dict)  # samples per task -> tasks for `effect`
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("sim_at_mde", "sim_at_effect"):
            sim = getattr(self, k)
            d[k] = None if sim is None else {"z_test": sim.z_test, "mcnemar_exact": sim.mcnemar, "sims": sim.sims}
        d["needed"] = [{"samples": k, "tasks": n} for k, n in sorted(self.needed.items())]
        return d


def design_of(
    exp: Any,
    *,
    tasks: int | None = None,
    samples: int | None = None,
    limit: int | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
) -> Design:
    """The planned design of an `engine.config.Experiment`: its holdout selection's tasks (under `limit`,
    as `engine run --limit`; or `tasks`), samples, configs, conditions and SFT configs whose base is in
    the file."""
    if not {"no_skill", "curated"} <= set(exp.conditions):
        raise ValueError(f"{exp.source}: conditions: Δ needs both no_skill and curated, got {exp.conditions}")
    if tasks is None:
        from engine.plan import select

        tasks = len(select(exp, limit).tasks)
    ids = {c.id for c in exp.configs}
    return Design(
        n_tasks=tasks,
        samples=samples or exp.samples,
        n_configs=len(exp.configs),
        n_conditions=len(exp.conditions),
        n_lifts=sum(1 for c in exp.configs if c.base in ids),
        greedy=all(c.sampling.temperature == 0 for c in exp.configs),
        alpha=alpha,
        power=power,
    )


def summary(design: Design, assumed: pw.Assumed | None = None) -> str:
    """The closed-form MDE in two lines (the cockpit's launch form): no simulation, no store."""
    a = assumed or pw.Assumed(within=0.0 if design.greedy else 0.5)
    n, k = design.n_tasks, design.samples
    parts = [f"MDE |Δ| {pw.mde_assumed(a, 'delta', n, k, design.alpha, design.power):.3f}"]
    if design.n_lifts:
        parts.append(f"|lift| {pw.mde_assumed(a, 'lift', n, k, design.alpha, design.power):.3f}")
    return (
        f"power: {', '.join(parts)} at {n} tasks x {k} sample(s), two-sided α {design.alpha:g}, "
        f"power {design.power:g}\nassumed: no_skill pass {a.p_no_skill:g}, discordance {a.discordance:g}, "
        f"within-task share {a.within:g}; `engine power` takes a pilot"
    )


def sample_steps(design: Design, within: float) -> list[int]:
    """The samples per task to show: the planned one, and 1/2/4/8 when samples reduce the variance."""
    return [design.samples] if within == 0 else sorted({design.samples, *SAMPLE_STEPS})


def _n_family(design: Design, kind: str) -> int:
    return max(1, design.n_configs if kind == "delta" else design.n_lifts)


def assumed_rows(
    design: Design, assumed: pw.Assumed, effect: float | None, *, sims: int = 2000, seed: int = 0
) -> list[Row]:
    """One Δ row and (when the design has lifts) one lift row from the stated rates."""
    assumed.check()
    a, p, n, k = design.alpha, design.power, design.n_tasks, design.samples
    rows = []
    for kind in ("delta", "lift") if design.n_lifts else ("delta",):
        m = pw.mde_assumed(assumed, kind, n, k, a, p)
        row = Row(
            kind,
            "every config" if kind == "delta" else "every SFT config vs its base",
            "assumed",
            omega2=assumed.omega2(kind, m, k),
            mde=m,
            mde_bonferroni=pw.mde_assumed(assumed, kind, n, k, a / _n_family(design, kind), p),
            family=_n_family(design, kind),
        )
        simulable = (k == 1 or assumed.within == 0) and (kind == "delta" or assumed.corr == 0)
        row.sim_at_mde = _sim_assumed(assumed, kind, m, n, a, sims, seed) if simulable else None
        if not simulable:
            row.note = "not simulated: the stated rates give one-sample outcomes (samples > 1 with w > 0, or ρ ≠ 0)"
        if effect is not None:
            row.effect = effect
            row.power_at_effect = pw.power_z(effect, assumed.omega2(kind, effect, k), n, a)
            if kind == "delta" and k == 1:
                row.mcnemar_at_effect = pw.mcnemar_power(effect, assumed.discordance, n, a)
            row.sim_at_effect = _sim_assumed(assumed, kind, effect, n, a, sims, seed) if simulable else None
            row.needed = {
                s: pw.tasks_needed_assumed(assumed, kind, effect, s, a, p) for s in sample_steps(design, assumed.within)
            }
        rows.append(row)
    return rows


def _sim_assumed(assumed: pw.Assumed, kind: str, delta: float, n: int, alpha: float, sims: int, seed: int) -> Any:
    if kind == "delta":
        rates, w = pw.assumed_patterns(assumed, delta)
        contrast = pw.DELTA_CONTRAST
    else:
        rates, w = pw.assumed_lift_patterns(assumed, delta)
        contrast = pw.LIFT_CONTRAST
    return pw.simulate(rates, w, contrast, n, k=1, k_pilot=1, target=None, alpha=alpha, sims=sims, seed=seed)


# ---------------------------------------------------------------- pilot


@dataclass
class Series:
    """A pilot's per-task pass rates for one Δ (columns no_skill, curated) or lift (base ns, cu, sft ns, cu)."""

    kind: str
    label: str
    path: str
    rates: np.ndarray
    k: int  # samples per task in the pilot

    @property
    def contrast(self) -> np.ndarray:
        return pw.DELTA_CONTRAST if self.kind == "delta" else pw.LIFT_CONTRAST

    @property
    def diffs(self) -> np.ndarray:
        return self.rates @ self.contrast

    def components(self) -> tuple[float, float | None]:
        """(τ², σ²_w): between-task and one-sample within-task variance; σ²_w None when k = 1 (one
        sample cannot separate them: τ² is then the whole one-sample ω²)."""
        total = float(np.var(self.diffs, ddof=1)) if len(self.diffs) > 1 else 0.0
        if self.k < 2:
            return total, None
        r = self.rates
        within = float(np.mean((self.contrast**2 * (self.k / (self.k - 1)) * r * (1 - r)).sum(1)))
        return max(0.0, total - within / self.k), within

    def omega2(self, k: int, within_share: float) -> float:
        tau2, sw = self.components()
        if sw is None:  # one pilot sample: the stated within-task share splits it
            return tau2 * pw.k_factor(within_share, k)
        return tau2 + sw / k


@dataclass
class Pilot:
    path: str
    series: list[Series]
    notices: list[Notice] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        return messages(self.notices)


def load_pilot(
    con: Con,
    *,
    run_ids: Sequence[str] | None = None,
    paths: Sequence[Any] | None = None,
    headline: str | None = None,
    configs: Sequence[str] | None = None,
) -> Pilot:
    """The pilot's Δ and lift series on one judge path: `headline` among `paths` (the experiment's) when
    the store has Δs there, else the store's default path (with a notice)."""
    inp = load(con, run_ids=run_ids)
    found = list(inp.notices)
    jpaths = from_specs(paths, inp.judges, found) if paths else []
    chosen = [p for p in jpaths if p.name == (headline or (jpaths[0].name if jpaths else ""))]
    ds = deltas(inp, chosen) if chosen else []
    if not any(d.n_tasks for d in ds):
        derived = derive_paths(inp.judges)
        name = choose_headline(derived, headline if headline in {p.name for p in derived} else None, False)
        if name is None:
            raise ValueError("the pilot has no judged episodes (run `engine run` and `engine judge` first)")
        if chosen:
            msg = f"the pilot has no Δ on path '{chosen[0].name}'; using the store's path '{name}'"
            found.append(Notice("pilot_path", msg, subject=name, path=chosen[0].name))
        chosen = [p for p in derived if p.name == name]
        ds = deltas(inp, chosen)
    path = chosen[0].name
    wanted = set(configs or [])
    by = {d.config: d for d in ds if d.n_tasks}
    out = []
    for d in by.values():
        if wanted and d.config.split("@")[0] not in wanted:
            continue
        k = max(1, round(d.n_pairs / max(1, d.n_tasks + d.tasks_dropped)))
        out.append(Series("delta", d.config, path, np.column_stack([d.rates_no_skill, d.rates_curated]), k))
    for c in inp.configs:
        base = next((b for b in inp.configs if b.config_id == c.base_config), None)
        if base is None or c.label not in by or base.label not in by:
            continue
        if wanted and c.config_id not in wanted:
            continue
        s, b = by[c.label], by[base.label]
        _, i_s, i_b = np.intersect1d(s.task_ids, b.task_ids, return_indices=True)
        rates = np.column_stack(
            [b.rates_no_skill[i_b], b.rates_curated[i_b], s.rates_no_skill[i_s], s.rates_curated[i_s]]
        )
        k = next(x.k for x in out if x.label == c.label) if any(x.label == c.label for x in out) else 1
        out.append(Series("lift", f"{c.label} vs {base.label}", path, rates, k))
    if not out:
        raise ValueError(f"the pilot has no Δ on path '{path}' for the configs asked for")
    return Pilot(path, out, found)


def pilot_rows(
    design: Design, pilot: Pilot, effect: float | None, within: float, *, sims: int = 2000, seed: int = 0
) -> list[Row]:
    """One row per pilot series: ω² from the pilot's per-task differences, MDE at the planned tasks and
    samples, and the simulated power of the pilot's outcomes shifted to the MDE and to `effect`."""
    a, p, n, k = design.alpha, design.power, design.n_tasks, design.samples
    rows = []
    for s in pilot.series:
        om = s.omega2(k, within)
        m = pw.mde(om, n, a, p)
        fam = sum(1 for x in pilot.series if x.kind == s.kind)
        est = float(s.diffs.mean())
        row = Row(s.kind, s.label, "pilot", om, m, pw.mde(om, n, a / max(1, fam), p), family=fam, path=s.path)
        row.n_pilot, row.k_pilot, row.estimate = len(s.diffs), s.k, est
        if om == 0:
            row.note = (
                "the pilot's per-task differences are all equal (no discordant task): its MDE is 0 by construction"
            )
        row.sim_at_mde = _sim_pilot(s, m if est >= 0 else -m, n, k, a, sims, seed, row)
        if effect is not None:
            row.effect = effect
            row.power_at_effect = pw.power_z(effect, om, n, a)
            row.sim_at_effect = _sim_pilot(s, effect, n, k, a, sims, seed, row)
            steps = sample_steps(design, 0.0 if s.k == 1 and within == 0 else 1.0)
            row.needed = {j: pw.tasks_needed(s.omega2(j, within), effect, a, p) for j in steps}
        rows.append(row)
    return rows


def _sim_pilot(s: Series, target: float, n: int, k: int, alpha: float, sims: int, seed: int, row: Row) -> Any:
    try:
        return pw.simulate(
            s.rates, np.ones(len(s.rates)), s.contrast, n, k=k, k_pilot=s.k, target=target,
            alpha=alpha, sims=sims, seed=seed,
        )  # fmt: skip
    except ValueError as exc:
        row.note = str(exc)
        return None
