"""`build_report`: every number of the study from one store, on matched judge paths."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from engine.analysis import clusters as cl
from engine.analysis.agreement import Agreement, AgreementSummary, agreement
from engine.analysis.artifacts import FormatGap, FormatShare, flag_notices, format_gaps, format_shares
from engine.analysis.correction import CorrectedDelta, corrected_deltas, task_families
from engine.analysis.coverage import JudgeCoverage, judge_coverage
from engine.analysis.delta import Comparison, Delta, compare, deltas, paired, with_cis
from engine.analysis.design import DesignSection, design_section, row_keys
from engine.analysis.eligibility import PathEligibility, constant_judges, constant_notices, eligibility
from engine.analysis.format_shift import FormatShift, format_shifts
from engine.analysis.headline import HeadlineChoice, path_role, pick_headline
from engine.analysis.human import RATES_RULE, ErrorRates, HumanBasis, JudgeAccuracy, error_rates, judge_accuracy_sample
from engine.analysis.inputs import ConfigInfo, Inputs, load
from engine.analysis.notices import Notice, messages, unique
from engine.analysis.passrates import PassRate, pass_rates
from engine.analysis.path_notices import error_notices, path_notices
from engine.analysis.paths import JudgePath, choose_headline, derive_paths, from_specs
from engine.analysis.per_skill import PerSkill, per_skill, task_skills
from engine.analysis.preregistration import PlanCheck
from engine.analysis.render_methods import units
from engine.analysis.size_interaction import SizeTest, size_tests
from engine.store.reader import Con

REPORT_VERSION = 4  # 4: typed `notices` beside the `warnings` sentences; format.extractor_vs_readers
# (was extractor_vs_llm) pairs the extractor with lenient judges too; format.answer_line rows count
# completions cut off at max_tokens (at_limit); format.sft_shift; 3: pre-registered headline or none


@dataclass(frozen=True)
class TrajectoryPoint:
    config: str
    series: str  # base | sft | frontier
    size_b: float | None
    base: str | None
    delta: float | None
    ci_low: float | None
    ci_high: float | None
    n_tasks: int

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class Report:
    headline: str | None
    paths: list[JudgePath]
    configs: list[ConfigInfo]
    pass_rates: list[PassRate]
    deltas: list[Delta]
    lifts: list[Comparison]
    agreement: list[Agreement]
    agreement_summary: list[AgreementSummary]
    format: list[FormatShare]
    format_gaps: list[FormatGap]
    trajectory: list[TrajectoryPoint]
    notices: list[Notice] = field(default_factory=list)  # the warnings, typed (engine.analysis.notices)
    meta: dict[str, Any] = field(default_factory=dict)
    eligibility: list[PathEligibility] = field(default_factory=list)  # one per path: may it be the headline?
    headline_reason: str = ""  # why the headline is this path, or why there is none
    requested_headline: str | None = None
    headline_basis: str | None = None  # pre-registered | requested | default (engine.analysis.headline)
    judge_accuracy: list[JudgeAccuracy] = field(default_factory=list)  # each judge against the human verdicts
    human_basis: HumanBasis | None = None  # which human verdicts those rates use
    corrected: list[CorrectedDelta] = field(default_factory=list)  # Δ corrected for measured judge errors
    error_rates: list[ErrorRates] = field(default_factory=list)  # per judge x condition (x config where allowed)
    audit_weights: dict[str, Any] = field(default_factory=dict)  # the HT weights the rates use
    skills: dict[str, str] | None = field(default=None, repr=False)  # task -> skill when clustered by skill
    size_tests: list[SizeTest] = field(default_factory=list)  # Δ flat across sizes? per series, headline path
    preregistration: PlanCheck | None = None  # this analysis against the journal's record (set by the caller)
    design: DesignSection | None = None  # the MDE of every Δ and lift (engine.analysis.design)
    per_skill: PerSkill | None = None  # per config x skill Δ on the headline path, Holm / BH adjusted
    format_shifts: list[FormatShift] = field(default_factory=list)  # what SFT moved: format, answers (headline)

    @property
    def warnings(self) -> list[str]:
        """The notices' sentences, in order (what a person reads; programs read `notices`)."""
        return messages(self.notices)

    def add_notices(self, notices: Sequence[Notice]) -> None:
        """Append the notices not already here (the caller's: pre-registration, the store's state)."""
        self.notices[:] = unique([*self.notices, *notices])

    @property
    def coverage(self) -> list[JudgeCoverage]:
        """Per config x judge: decided, abstained, errors, coverage (from the pass rates)."""
        return judge_coverage(self.pass_rates)

    def trajectory_on(self, path: str | None) -> list[TrajectoryPoint]:
        """The Δ trajectory on any path (`trajectory` is the headline's)."""
        return trajectory(self.configs, self.deltas, path)

    def eligible_paths(self) -> list[str]:
        """Names of the paths that may carry the headline (their judges discriminate on every config)."""
        return [e.path for e in self.eligibility if e.eligible]

    def path_eligibility(self, path: str) -> PathEligibility | None:
        return next((e for e in self.eligibility if e.path == path), None)

    def delta(self, config: str, path: str | None = None) -> Delta:
        path = path or self.headline
        for d in self.deltas:
            if d.config == config and d.path == path:
                return d
        raise KeyError(f"no Δ for config '{config}' on path '{path}'")

    def compare(self, a: str, b: str, path: str | None = None, *, path_b: str | None = None) -> Comparison:
        """Δ(a) − Δ(b); raises PathMismatchError if `path_b` names a different judge path."""
        return compare(
            self.delta(a, path),
            self.delta(b, path_b or path),
            n_boot=self.meta.get("n_boot", 2000),
            seed=self.meta.get("seed", 0),
            clusters=self.skills,
        )

    def _eligibility(self, path: str) -> dict[str, Any]:
        e = self.path_eligibility(path)
        if e is None:
            return {"eligible": False, "ineligible_reasons": ["not assessed"], "constant_judges": []}
        return {
            "eligible": e.eligible,
            "ineligible_reasons": list(e.reasons),
            "constant_judges": [c.to_dict() for c in e.constant],
        }

    def _floor_ceiling(self, d: Delta) -> str | None:
        """blind | agreed | unverified when a judge of Δ's path is constant on its config, else None."""
        e = self.path_eligibility(d.path)
        got = [c.status for c in (e.constant if e else ()) if c.config == d.config]
        return next((s for s in ("blind", "unverified", "agreed") if s in got), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": REPORT_VERSION,
            "headline": self.headline,
            "headline_reason": self.headline_reason,
            "requested_headline": self.requested_headline,
            "headline_basis": self.headline_basis,
            "meta": dict(self.meta),
            "ci_units": units(self),  # the resampling unit of each kind of interval (meta.cluster chose it)
            "paths": [
                p.to_dict()
                | {"headline": p.name == self.headline, "role": path_role(p.name, self.headline)}
                | self._eligibility(p.name)
                for p in self.paths
            ],
            "configs": [asdict(c) for c in self.configs],
            "pass_rates": [r.to_dict() for r in self.pass_rates],
            "judge_coverage": [c.to_dict() for c in self.coverage],
            "deltas": [
                d.to_dict() | {"floor_ceiling": self._floor_ceiling(d)} | row_keys(self.design, d) for d in self.deltas
            ],
            "lifts": [c.to_dict() | row_keys(self.design, c) for c in self.lifts],
            "agreement": [a.to_dict() for a in self.agreement],
            "agreement_summary": [a.to_dict() for a in self.agreement_summary],
            "format": {
                "answer_line": [f.to_dict() for f in self.format],
                "extractor_vs_readers": [g.to_dict() for g in self.format_gaps],
                "sft_shift": [x.to_dict() for x in self.format_shifts],
            },
            "trajectory": [t.to_dict() for t in self.trajectory],
            "trajectory_tests": [t.to_dict() for t in self.size_tests],
            "judges_vs_human": {
                "basis": self.human_basis.to_dict() if self.human_basis else None,
                "judges": [a.to_dict() for a in self.judge_accuracy],
                "corrected_deltas": [c.to_dict() for c in self.corrected],
                "error_rates": [e.to_dict() for e in self.error_rates],
                "error_rates_rule": RATES_RULE,
                "weights": self.audit_weights or None,
            },
            "preregistration": self.preregistration.to_dict() if self.preregistration else None,
            "design": self.design.to_dict() if self.design else None,
            "per_skill": self.per_skill.to_dict() if self.per_skill else None,
            "warnings": self.warnings,
            "notices": [n.to_dict() for n in self.notices],
        }


def _lifts(inp: Inputs, ds: list[Delta], paths: list[JudgePath], found: list[Notice]) -> list[Comparison]:
    by = {(d.config, d.path): d for d in ds}
    out = []
    for c in inp.configs:
        if not c.base_config:
            continue
        bases = [b for b in inp.configs if b.config_id == c.base_config]
        if not bases:
            msg = f"no SFT lift for {c.label}: its base config '{c.base_config}' has no judgments here"
            found.append(Notice("missing_config", msg, subject=c.base_config, config=c.label))
            continue
        if len(bases) > 1:
            msg = (
                f"base config '{c.base_config}' of {c.label} has several fingerprints; "
                f"the lift is reported against each ({', '.join(b.label for b in bases)})"
            )
            found.append(Notice("fingerprints", msg, subject=c.base_config, config=c.label))
        for p in paths:
            for b in bases:
                if (c.label, p.name) in by and (b.label, p.name) in by:
                    cmp = paired(by[(c.label, p.name)], by[(b.label, p.name)])
                    found.extend(cmp.notices)
                    out.append(cmp)
    return out


def trajectory(configs: Sequence[ConfigInfo], deltas: Sequence[Delta], path: str | None) -> list[TrajectoryPoint]:
    """Δ by model size on `path`: the base and SFT series by size, the frontier configs as references."""
    by = {d.config: d for d in deltas if d.path == path}
    pts = []
    for c in configs:
        d = by.get(c.label)
        if d is None:
            continue
        series = "frontier" if c.role == "frontier" else "sft" if c.base_config else "base"
        pts.append(TrajectoryPoint(c.label, series, c.size_b, c.base_config, d.delta, d.ci_low, d.ci_high, d.n_tasks))
    order = {"base": 0, "sft": 1, "frontier": 2}
    pts.sort(key=lambda p: (order[p.series], p.size_b is None, p.size_b or 0.0, p.config))
    return pts


def _effects(
    inp: Inputs,
    jpaths: list[JudgePath],
    requested: str | None,
    basis: str,
    found: list[Notice],
    *,
    n_boot: int,
    seed: int,
    skills: dict[str, str] | None = None,
) -> tuple[list[Delta], list[Comparison], list[PathEligibility], HeadlineChoice]:
    """Procedural Δ per path and config (not a finding where a judge of the path is blind there; a
    finding with a floor/ceiling or unverified caveat where one is constant), the headline (the named
    path when eligible, else none), the SFT lifts, and the bootstrap CIs of both."""
    ds = deltas(inp, jpaths)
    constant = constant_judges(inp, jpaths)
    notes: dict[tuple[str, str], list[str]] = {}
    blind: set[tuple[str, str]] = set()
    for c in constant:
        notes.setdefault((c.path, c.config), []).append(c.describe())
        if c.status == "blind":
            blind.add((c.path, c.config))
    for d in ds:
        key = (d.path, d.config)
        if key in notes:  # a finding keeps its caveat too: at floor/ceiling, or constant and unverified
            d.finding, d.caveat = key not in blind, "; ".join(notes[key])
    elig = eligibility(jpaths, constant, {d.path for d in ds if d.n_tasks})
    choice = pick_headline(jpaths, elig, requested, basis)
    found.extend(constant_notices(constant))
    if choice.path is None and jpaths:
        found.append(Notice("no_headline", choice.reason, subject=choice.basis, path=requested))
    lifts = _lifts(inp, ds, jpaths, found)
    with_cis([*ds, *lifts], n_boot=n_boot, seed=seed, clusters=skills)
    if skills is not None:
        cl.skill_mcnemar(ds, skills)
    return ds, lifts, elig, choice


def _named(jpaths: list[JudgePath], headline: str | None, explicit: bool, preregistered: bool) -> tuple[Any, str]:
    """The headline path's name and where it comes from (`engine.analysis.headline.BASES`)."""
    if headline is None:
        return choose_headline(jpaths, None, explicit), "default"
    if not preregistered:
        choose_headline(jpaths, headline, explicit)  # raises on a name that is not a path
    return headline, "pre-registered" if preregistered else "requested"


def _path(paths: Sequence[JudgePath], name: str | None) -> JudgePath | None:
    return next((p for p in paths if p.name == name), None)


def build_report(
    con: Con,
    *,
    paths: Sequence[Any] | None = None,
    headline: str | None = None,
    n_boot: int = 2000,
    seed: int = 0,
    run_ids: list[str] | None = None,
    configs: list[str] | None = None,
    preregistered: bool = False,
    cluster: str = "task",
    alpha: float = 0.05,
    effect: float | None = None,
) -> Report:
    """Analyse the store behind `con` (a DuckDB connection with the store schema).

    paths: `engine.config.PathSpec`s (the experiment's); None derives them from the judges present.
    headline: the headline path, `preregistered` (the experiment's headline_path) or requested (a
    name that is not a path raises); it is the headline when eligible, else there is none and no
    other path is promoted (`engine.analysis.headline`). run_ids: only episodes generated or judged
    by these runs. configs: config ids or `id@fp6` labels to keep. cluster: the resampling unit of the
    intervals, task or skill (`engine.analysis.clusters`). alpha: the level of the test of Δ across
    sizes (`engine.analysis.size_interaction`). effect: the effect of interest the Design section
    compares each MDE with (None: each number's |estimate|, `engine.analysis.design`). Reads the
    analysis aggregates when they are fresh (see `engine.store.aggregates`).
    """
    if cluster not in cl.UNITS:
        raise ValueError(f"cluster must be one of {', '.join(cl.UNITS)}, got {cluster!r}")
    inp = load(con, run_ids=run_ids, configs=configs)
    found = list(inp.notices)
    tasks = inp.task.dicts.get("task_id", []) if inp.task.n else []
    skills = cl.skill_map(con, tasks, found) if cluster == "skill" else None
    jpaths = from_specs(paths, inp.judges, found) if paths else derive_paths(inp.judges)
    named, head_basis = _named(jpaths, headline, bool(paths), preregistered)
    rates = pass_rates(inp)
    ds, lifts, elig, choice = _effects(inp, jpaths, named, head_basis, found, n_boot=n_boot, seed=seed, skills=skills)
    head = choice.path
    agree, summary = agreement(inp, found, n_boot=n_boot, seed=seed, skills=skills)
    shares = format_shares(inp)
    gaps = format_gaps(inp, found)
    path_notices(inp, jpaths, ds, found)
    error_notices(rates, shares, found)
    flag_notices(shares, found)
    accuracy, basis, sample = judge_accuracy_sample(con, inp, found, configs=configs)
    judge_rates = error_rates(sample, [a.judge for a in accuracy])
    corrected = corrected_deltas(ds, jpaths, sample, judge_rates, task_families(inp), n_boot=n_boot, seed=seed)
    if not jpaths and inp.judges:
        found.append(Notice("no_path", "no judge path could be formed from the judges present; Δ is not reported"))
    traj = trajectory(inp.configs, ds, head)
    return Report(
        headline=head,
        paths=jpaths,
        configs=inp.configs,
        pass_rates=rates,
        deltas=ds,
        lifts=lifts,
        agreement=agree,
        agreement_summary=summary,
        format=shares,
        format_gaps=gaps,
        trajectory=traj,
        notices=unique(found),
        meta={
            "n_boot": n_boot,
            "seed": seed,
            "source": inp.source,
            "run_ids": run_ids,
            "configs": configs,
            "cluster": cluster,
            "alpha": alpha,
        },
        eligibility=elig,
        headline_reason=choice.reason,
        requested_headline=choice.requested,
        headline_basis=choice.basis,
        judge_accuracy=accuracy,
        human_basis=basis,
        corrected=corrected,
        error_rates=judge_rates,
        audit_weights=sample.weights_to_dict(),
        skills=skills,
        size_tests=size_tests(traj, ds, head, alpha=alpha, seed=seed),
        design=design_section(ds, lifts, headline=head, effect=effect, alpha=alpha),
        per_skill=per_skill(ds, task_skills(con) if head else {}, head),
        format_shifts=format_shifts(con, inp.configs, inp.judges, _path(jpaths, head), run_ids),
    )
