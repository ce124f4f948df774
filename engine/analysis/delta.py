"""Procedural Δ (curated − no_skill, paired by task), its CI, McNemar, and the SFT lift.

Δ for a config on a path: per task, the pass rate of each condition is the mean over samples of
its non-error verdicts (by the judge the path assigns to the task's scoring family); Δ is the mean
over tasks of curated − no_skill, on the tasks where both conditions have a non-error verdict.
The CI (`engine.analysis.delta_ci`): with one sample per task and condition, Tango's score interval
for paired proportions (the lift: MOVER of two of them); with more, a bootstrap over tasks (the two
conditions of a task are one unit). McNemar: with one sample, the exact test on the (task, sample)
pairs and its mid-p beside it; with more, the test clustered by task (Durkalski et al. 2003), since
the samples of a task are not independent pairs. Clustered by skill (`engine report --cluster
skill`, `engine.analysis.clusters`): the bootstrap over skills and McNemar with the skill as the
cluster. Errors are excluded and counted, never failed.

The matched-path guard: `compare` (and `lift`) refuse numbers from different judge paths.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from engine.analysis import delta_ci
from engine.analysis.bounds import excluded_bounds
from engine.analysis.inputs import Inputs
from engine.analysis.intervals import durkalski, mcnemar_midp
from engine.analysis.notices import Notice
from engine.analysis.paths import JudgePath
from engine.analysis.stats import mcnemar_exact


class PathMismatchError(ValueError):
    """Two numbers compared come from different judge paths."""


@dataclass
class Delta:
    config: str
    path: str
    n_tasks: int
    pass_no_skill: float | None
    pass_curated: float | None
    delta: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    mcnemar_p: float | None = None
    mcnemar_midp: float | None = None  # one sample per task only (Fagerland et al. 2013)
    mcnemar_method: str | None = None  # exact | durkalski-clustered | durkalski-skill
    ci_method: str | None = None  # tango-score | bootstrap-task | tango-tasks (engine.analysis.delta_ci)
    single_sample: bool = False  # every task has one non-error verdict per condition
    discordant_no_skill_only: int = 0  # (task, sample) pairs: no_skill pass, curated fail
    discordant_curated_only: int = 0  # curated pass, no_skill fail
    n_pairs: int = 0
    errors: int = 0  # error verdicts in the path's scope, excluded
    tasks_dropped: int = 0  # tasks without a non-error verdict in one condition
    abstentions: int = 0  # abstain verdicts in the path's scope, excluded and counted apart from errors
    # Δ with every excluded verdict (error or abstain) counted no_skill pass / curated fail (low) and the
    # opposite (high), dropped tasks back in; None when nothing was excluded (engine.analysis.bounds)
    delta_low_bound: float | None = None
    delta_high_bound: float | None = None
    partial: bool = False
    # False when a judge of the path gives one verdict on all of this config's items it scores
    # (engine.analysis.eligibility): shown greyed and marked, never as a finding; caveat says why
    finding: bool = True
    caveat: str | None = None
    route: tuple[str | None, str | None] = field(default=(None, None), repr=False)
    task_ids: np.ndarray = field(default_factory=lambda: np.array([], dtype=object), repr=False)
    diffs: np.ndarray = field(default_factory=lambda: np.array([]), repr=False)
    rates_no_skill: np.ndarray = field(default_factory=lambda: np.array([]), repr=False)  # per task, as task_ids
    rates_curated: np.ndarray = field(default_factory=lambda: np.array([]), repr=False)
    task_pf: np.ndarray = field(default_factory=lambda: np.array([]), repr=False)  # per task: McNemar's b, c
    task_fp: np.ndarray = field(default_factory=lambda: np.array([]), repr=False)

    def to_dict(self) -> dict[str, object]:
        return {
            "config": self.config,
            "path": self.path,
            "n_tasks": self.n_tasks,
            "pass_no_skill": self.pass_no_skill,
            "pass_curated": self.pass_curated,
            "delta": self.delta,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "mcnemar_p": self.mcnemar_p,
            "mcnemar_midp": self.mcnemar_midp,
            "mcnemar_method": self.mcnemar_method,
            "ci_method": self.ci_method,
            "discordant_no_skill_only": self.discordant_no_skill_only,
            "discordant_curated_only": self.discordant_curated_only,
            "n_pairs": self.n_pairs,
            "errors": self.errors,
            "tasks_dropped": self.tasks_dropped,
            "abstentions": self.abstentions,
            "delta_low_bound": self.delta_low_bound,
            "delta_high_bound": self.delta_high_bound,
            "partial": self.partial,
            "finding": self.finding,
            "caveat": self.caveat,
        }


@dataclass
class Comparison:
    a: str  # config label of the minuend
    b: str
    path: str
    n_tasks: int
    delta_a: float | None  # on the tasks both cover
    delta_b: float | None
    diff: float | None  # delta_a − delta_b
    ci_low: float | None = None
    ci_high: float | None = None
    notices: list[Notice] = field(default_factory=list)
    finding: bool = True  # False when either Δ is not a finding (see Delta.finding)
    caveat: str | None = None
    ci_method: str | None = None  # mover-tango | bootstrap-task | mover-tango-tasks | bootstrap-skill
    single_sample: bool = False
    task_ids: np.ndarray = field(default_factory=lambda: np.array([], dtype=object), repr=False)  # common tasks
    diffs: np.ndarray = field(default_factory=lambda: np.array([]), repr=False)
    diffs_a: np.ndarray = field(default_factory=lambda: np.array([]), repr=False)  # per common task
    diffs_b: np.ndarray = field(default_factory=lambda: np.array([]), repr=False)

    def to_dict(self) -> dict[str, object]:
        return {
            "config": self.a,
            "base": self.b,
            "path": self.path,
            "n_tasks": self.n_tasks,
            "delta_sft": self.delta_a,
            "delta_base": self.delta_b,
            "lift": self.diff,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "ci_method": self.ci_method,
            "finding": self.finding,
            "caveat": self.caveat,
        }


def _mcnemar(num: dict[str, np.ndarray], single: bool) -> tuple[float | None, float | None, str | None]:
    """(p, mid-p, method): exact and mid-p on the pairs with one sample, else clustered by task."""
    pp, pf, fp, ff = (int(num[k].sum()) for k in ("pp", "pf", "fp", "ff"))
    if pp + pf + fp + ff == 0:
        return None, None, None
    if single:
        return mcnemar_exact([[pp, pf], [fp, ff]]), mcnemar_midp(pf, fp), "exact"
    return durkalski(num["pf"], num["fp"]), None, "durkalski-clustered"


def _mean(x: np.ndarray) -> float | None:
    return float(x.mean()) if x.size else None


def deltas(inp: Inputs, paths: Sequence[JudgePath]) -> list[Delta]:
    """Δ per path x config, without CIs (see `with_cis`)."""
    t = inp.task
    if t.n == 0:
        return []
    jidx = {j.label: i for i, j in enumerate(inp.judges)}
    tasks = np.asarray(t.dicts["task_id"], dtype=object)
    task_rank = np.argsort(np.argsort(tasks, kind="stable"), kind="stable")  # code -> rank by task id
    T = max(1, len(tasks))
    out = []
    for p in paths:
        scope = np.zeros(t.n, dtype=bool)
        for fam in ("answer_line", "llm"):
            judge, fc = p.judge_for(fam), t.code("scoring", fam)
            if judge in jidx and fc >= 0:
                scope |= (t.codes["scoring"] == fc) & (t.num["judge"] == jidx[judge])
        rows = np.flatnonzero(scope)
        rows = rows[np.argsort(t.num["cfg"][rows] * T + task_rank[t.codes["task_id"][rows]], kind="stable")]
        bounds = np.searchsorted(t.num["cfg"][rows], np.arange(len(inp.configs) + 1))
        for ci, c in enumerate(inp.configs):
            r_all = rows[bounds[ci] : bounds[ci + 1]]
            if r_all.size == 0:
                continue
            num = {k: v[r_all] for k, v in t.num.items()}
            ok = (num["ns_n"] > 0) & (num["cu_n"] > 0)
            ns = num["ns_pass"][ok] / num["ns_n"][ok]
            cu = num["cu_pass"][ok] / num["cu_n"][ok]
            pp, pf, fp, ff = (int(num[k].sum()) for k in ("pp", "pf", "fp", "ff"))
            single = bool(ok.any()) and bool(np.all(num["ns_n"][ok] == 1) and np.all(num["cu_n"][ok] == 1))
            mp, midp, method = _mcnemar(num, single)
            low, high = excluded_bounds(num)
            out.append(
                Delta(
                    config=c.label,
                    path=p.name,
                    n_tasks=int(ok.sum()),
                    pass_no_skill=_mean(ns),
                    pass_curated=_mean(cu),
                    delta=_mean(cu - ns),
                    mcnemar_p=mp,
                    mcnemar_midp=midp,
                    mcnemar_method=method,
                    single_sample=single,
                    discordant_no_skill_only=pf,
                    discordant_curated_only=fp,
                    n_pairs=pp + pf + fp + ff,
                    errors=int(num["ns_err"].sum() + num["cu_err"].sum()),
                    tasks_dropped=int((~ok).sum()),
                    abstentions=int(num["ns_abs"].sum() + num["cu_abs"].sum()),
                    delta_low_bound=low,
                    delta_high_bound=high,
                    partial=p.partial,
                    route=p.route,
                    task_ids=tasks[t.codes["task_id"][r_all[ok]]],
                    diffs=cu - ns,
                    rates_no_skill=ns,
                    rates_curated=cu,
                    task_pf=num["pf"][ok],
                    task_fp=num["fp"][ok],
                )
            )
    return out


def _guard(a: Delta, b: Delta) -> None:
    if a.route != b.route:
        raise PathMismatchError(
            f"refusing to compare {a.config} on path '{a.path}' (answer_line tasks: {a.route[0]}, "
            f"llm tasks: {a.route[1]}) with {b.config} on path '{b.path}' (answer_line tasks: {b.route[0]}, "
            f"llm tasks: {b.route[1]}): numbers scored by different judge paths are not comparable. "
            "This exact mismatch produced two false conclusions in the reference study ('format-only "
            "learning at 0.8B', 'SFT contribution shrinks at 4B'); both fell once paths were matched. "
            "Compare both configs on one path."
        )


def paired(a: Delta, b: Delta) -> Comparison:
    """a − b on the tasks both cover, per task; guarded. CI not computed (see `with_cis`)."""
    _guard(a, b)
    common, ia, ib = np.intersect1d(a.task_ids, b.task_ids, return_indices=True)
    notes = []
    if common.size != a.task_ids.size or common.size != b.task_ids.size:
        msg = (
            f"{a.config} vs {b.config} on path '{a.path}': task coverage differs "
            f"({a.task_ids.size} vs {b.task_ids.size} tasks); compared on the {common.size} tasks both cover"
        )
        notes.append(Notice("coverage_mismatch", msg, subject=b.config, config=a.config, path=a.path))
    da, db = a.diffs[ia], b.diffs[ib]
    caveats = list(dict.fromkeys(p for c in (a.caveat, b.caveat) if c for p in c.split("; ")))
    return Comparison(
        a=a.config,
        b=b.config,
        path=a.path,
        n_tasks=int(common.size),
        delta_a=_mean(da),
        delta_b=_mean(db),
        diff=_mean(da - db),
        notices=notes,
        finding=a.finding and b.finding,
        caveat="; ".join(caveats) or None,
        single_sample=a.single_sample and b.single_sample,
        task_ids=common,
        diffs=da - db,
        diffs_a=da,
        diffs_b=db,
    )


def with_cis(
    items: Sequence[Delta | Comparison], *, n_boot: int, seed: int, clusters: Mapping[str, str] | None = None
) -> None:
    """Fill ci_low/ci_high/ci_method of each item in place (`engine.analysis.delta_ci`): score
    intervals with one sample per task, else the task bootstrap, all series in as few calls as possible;
    with `clusters` (task -> skill) the bootstrap over skills."""
    delta_ci.fill(items, n_boot=n_boot, seed=seed, clusters=clusters)


def compare(
    a: Delta,
    b: Delta,
    *,
    n_boot: int = 2000,
    seed: int = 0,
    notices: list[Notice] | None = None,
    clusters: Mapping[str, str] | None = None,
) -> Comparison:
    """Δ(a) − Δ(b) on one judge path, with a paired CI over the tasks both cover (see `with_cis`).

    Raises PathMismatchError when a and b come from different judge paths. A coverage difference
    restricts the comparison to the intersection and adds a notice (to `notices` when given).
    """
    c = paired(a, b)
    with_cis([c], n_boot=n_boot, seed=seed, clusters=clusters)
    if notices is not None:
        notices.extend(c.notices)
    return c


def lift(
    sft: Delta, base: Delta, *, n_boot: int = 2000, seed: int = 0, notices: list[Notice] | None = None
) -> Comparison:
    """SFT-attributable lift Δ(sft) − Δ(base) on the same judge path (guarded, see `compare`)."""
    return compare(sft, base, n_boot=n_boot, seed=seed, notices=notices)
