"""The analysis report as the Judges and Δ screens read it (computed in a worker, never on the UI thread).

`compute(cur, runs_dir)` builds the report `engine report` builds for the runs directory (the judge
paths and headline its runs' experiments declare, `engine.analysis.preregistration`) and wraps it
in a `ReportView` with the lookups the panels need.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.store.reader import Con

if TYPE_CHECKING:  # the analysis loads in the worker, not at start-up
    from engine.analysis.agreement import Agreement, AgreementSummary
    from engine.analysis.artifacts import FormatGap, FormatShare
    from engine.analysis.correction import CorrectedDelta
    from engine.analysis.coverage import JudgeCoverage
    from engine.analysis.delta import Comparison, Delta
    from engine.analysis.design import Detectable
    from engine.analysis.eligibility import PathEligibility
    from engine.analysis.human import ErrorRates, HumanBasis, JudgeAccuracy
    from engine.analysis.inputs import ConfigInfo
    from engine.analysis.notices import Notice
    from engine.analysis.paths import JudgePath
    from engine.analysis.report import Report, TrajectoryPoint

N_BOOT = 1000


@dataclass(eq=False)  # compared by identity: the Report inside holds numpy arrays
class ReportView:
    """The engine's typed `Report` and the lookups the panels need (no dicts, no string keys)."""

    report: Report
    seconds: float = 0.0
    version: int = 0
    error: str | None = None
    experiment_paths: tuple[str, ...] = ()
    human_episodes: frozenset[str] = field(default_factory=frozenset)

    # -- lookups -------------------------------------------------------------------------------
    @property
    def headline(self) -> str | None:
        return self.report.headline

    @property
    def headline_reason(self) -> str:
        return self.report.headline_reason

    def eligibility(self, path: str | None) -> PathEligibility | None:
        return None if path is None else self.report.path_eligibility(path)

    def eligible(self, path: str | None) -> bool:
        """May `path` carry the headline? (a path the engine did not assess may not)"""
        e = self.eligibility(path)
        return e is not None and e.eligible

    def judge_accuracy(self) -> list[JudgeAccuracy]:
        return list(self.report.judge_accuracy)

    def error_rates(self) -> list[ErrorRates]:
        """Each judge's error rates per condition (and per config × condition where the audit allows)."""
        return list(self.report.error_rates)

    @property
    def human_basis(self) -> HumanBasis | None:
        return self.report.human_basis

    def corrected_deltas(self) -> list[CorrectedDelta]:
        return list(self.report.corrected)

    def judge_coverage(self) -> list[JudgeCoverage]:
        """Per config and judge: decided, abstained, errors, coverage (the engine's)."""
        return list(self.report.coverage)

    @property
    def paths(self) -> list[JudgePath]:
        return list(self.report.paths)

    @property
    def path_names(self) -> list[str]:
        return [p.name for p in self.report.paths]

    @property
    def configs(self) -> list[ConfigInfo]:
        return list(self.report.configs)

    @property
    def warnings(self) -> list[str]:
        return list(self.report.warnings)

    @property
    def notices(self) -> list[Notice]:
        return list(self.report.notices)

    def judge_warnings(self) -> list[str]:
        """The notices the Judges screen lists: about judges, agreement or the format (by kind and judge)."""
        from engine.analysis.notices import about_judges

        return [n.message for n in self.report.notices if about_judges(n)]

    def path(self, name: str | None) -> JudgePath | None:
        return next((p for p in self.report.paths if p.name == name), None)

    def deltas(self, path: str | None) -> list[Delta]:
        return [d for d in self.report.deltas if d.path == path]

    def lifts(self, path: str | None) -> list[Comparison]:
        return [c for c in self.report.lifts if c.path == path]

    def power(self, item: Delta | Comparison) -> Detectable | None:
        """The MDE and reading of a Δ or lift (the engine's Design section; None without one)."""
        design = self.report.design
        return design.of(item) if design is not None else None

    def design_summary(self, path: str | None) -> str | None:
        design = self.report.design
        return design.summary(path) if design is not None and path is not None else None

    def agreement(self, config: str | None = None) -> list[Agreement]:
        return [a for a in self.report.agreement if config is None or a.config == config]

    def agreement_configs(self) -> list[str]:
        return list(dict.fromkeys(a.config for a in self.report.agreement))

    def judge_pairs(self) -> list[tuple[str, str]]:
        return list(dict.fromkeys((a.judge_a, a.judge_b) for a in self.report.agreement))

    def agreement_summary(self) -> list[AgreementSummary]:
        return list(self.report.agreement_summary)

    def format_shares(self) -> list[FormatShare]:
        return list(self.report.format)

    def format_gaps(self) -> list[FormatGap]:
        return list(self.report.format_gaps)

    def trajectory(self, path: str | None) -> list[TrajectoryPoint]:
        """Δ by model size on `path`: base and SFT series, the frontier as a reference (the engine's)."""
        return list(self.report.trajectory_on(path))

    def path_warnings(self, path: str | None) -> list[str]:
        """Notices about `path` (partial coverage, missing judges) and the general ones (by their path)."""
        from engine.analysis.notices import on_path

        return [n.message for n in self.report.notices if on_path(n, path)]

    def mixed_path_check(self, sft: str, base: str, path_sft: str, path_base: str) -> str | None:
        """None when the two paths route tasks to the same judges; else the engine's refusal."""
        if path_sft == path_base:
            return None
        from engine.analysis import PathMismatchError

        try:
            self.report.compare(sft, base, path_sft, path_b=path_base)
        except PathMismatchError as exc:
            return str(exc)
        except KeyError as exc:
            return f"no comparison: {exc}"
        return None


def experiment_paths(runs_dir: Path) -> tuple[list[Any], str | None]:
    """Judge paths and the pre-registered headline the runs' experiments declare (the engine's typed
    reader, `engine.analysis.preregistration`: first declaration of a path name wins)."""
    from engine.analysis.preregistration import from_runs

    pre = from_runs(Path(runs_dir))
    return list(pre.paths), pre.headline


def analyse(cur: Con, runs_dir: Path, *, n_boot: int = N_BOOT, headline: str | None = None) -> Report:
    """The report of the runs' pre-registration (`engine.analysis.declared.declared_report`,
    as `engine report` builds it): the declared paths (derived when none is declared) and the
    declared `headline_path`, the headline when eligible, else none (no other path is promoted).

    `headline`: a path to lead with instead (the export of the path on screen; labelled requested,
    not pre-registered, unless it is the declared one; ignored when it is not a path).
    """
    from engine.analysis.preregistration import from_runs

    pre = from_runs(Path(runs_dir))
    if headline is not None:
        try:
            return _planned(cur, pre, headline, n_boot)
        except ValueError:  # not one of the paths
            pass
    return _planned(cur, pre, None, n_boot)


def _planned(cur: Con, pre: Any, requested: str | None, n_boot: int) -> Report:
    """`engine report`'s analysis without flags: the recorded cluster, α and minimum effect, and the
    plan checked against the journal's record (EXPLORATORY when it differs)."""
    from engine.analysis.declared import declared_report, plan
    from engine.analysis.preregistration import check

    pl = plan(pre, headline=requested)
    rep = declared_report(
        cur,
        pre,
        requested=requested,
        n_boot=n_boot,
        cluster=pl["cluster"],
        alpha=pl["alpha"],
        effect=pl["minimum_effect"],
    )
    rep.preregistration = check(pre, pl)
    return rep


def compute(cur: Con, runs_dir: Path, *, version: int = 0, n_boot: int = N_BOOT) -> ReportView:
    t0 = time.perf_counter()
    specs, _ = experiment_paths(runs_dir)
    rep = analyse(cur, runs_dir, n_boot=n_boot)
    human = frozenset(
        r[0] for r in cur.execute("SELECT DISTINCT episode_id FROM judgments WHERE judge_id = 'human'").fetchall()
    )
    return ReportView(
        report=rep,
        seconds=time.perf_counter() - t0,
        version=version,
        experiment_paths=tuple(s.name for s in specs),
        human_episodes=human,
    )
