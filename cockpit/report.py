"""The analysis report as the Judges and Δ screens read it (computed in a worker, never on the UI thread).

`compute(cur, runs_dir)` calls `engine.analysis.build_report` with the judge paths the experiments
in the runs directory declare (from each run's `experiment.json`; derived from the judges present
when none declares any) and wraps the result in a `ReportView` with the lookups the panels need.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from engine.store import journal as jr

if TYPE_CHECKING:  # the analysis loads in the worker, not at start-up
    from engine.analysis.report import TrajectoryPoint

N_BOOT = 1000


@dataclass(eq=False)  # compared by identity: the Report inside holds numpy arrays
class ReportView:
    data: dict[str, Any]
    report: Any = None  # engine.analysis.Report (for guarded comparisons)
    seconds: float = 0.0
    version: int = 0
    error: str | None = None
    experiment_paths: tuple[str, ...] = ()
    human_episodes: frozenset[str] = field(default_factory=frozenset)

    # -- lookups -------------------------------------------------------------------------------
    @property
    def headline(self) -> str | None:
        return self.data.get("headline")

    @property
    def headline_reason(self) -> str:
        return str(self.data.get("headline_reason") or "")

    def eligible(self, path: str | None) -> bool:
        p = self.path(path)
        return bool(p and p.get("eligible", True))

    def judges_vs_human(self) -> dict[str, Any]:
        return dict(self.data.get("judges_vs_human") or {})

    @property
    def paths(self) -> list[dict[str, Any]]:
        return list(self.data.get("paths", []))

    @property
    def path_names(self) -> list[str]:
        return [p["name"] for p in self.paths]

    @property
    def configs(self) -> list[dict[str, Any]]:
        return list(self.data.get("configs", []))

    @property
    def warnings(self) -> list[str]:
        return list(self.data.get("warnings", []))

    def path(self, name: str | None) -> dict[str, Any] | None:
        for p in self.paths:
            if p["name"] == name:
                return p
        return None

    def deltas(self, path: str | None) -> list[dict[str, Any]]:
        return [d for d in self.data.get("deltas", []) if d.get("path") == path]

    def lifts(self, path: str | None) -> list[dict[str, Any]]:
        return [c for c in self.data.get("lifts", []) if c.get("path") == path]

    def agreement(self, config: str | None = None) -> list[dict[str, Any]]:
        rows = self.data.get("agreement", [])
        return [a for a in rows if config is None or a.get("config") == config]

    def agreement_configs(self) -> list[str]:
        return list(dict.fromkeys(a["config"] for a in self.data.get("agreement", [])))

    def judge_pairs(self) -> list[tuple[str, str]]:
        return list(dict.fromkeys((a["judge_a"], a["judge_b"]) for a in self.data.get("agreement", [])))

    def agreement_summary(self) -> list[dict[str, Any]]:
        return list(self.data.get("agreement_summary", []))

    def format_shares(self) -> list[dict[str, Any]]:
        return list((self.data.get("format") or {}).get("answer_line", []))

    def format_gaps(self) -> list[dict[str, Any]]:
        return list((self.data.get("format") or {}).get("extractor_vs_llm", []))

    def trajectory(self, path: str | None) -> list[TrajectoryPoint]:
        """Δ by model size on `path`: base and SFT series, the frontier as a reference (the engine's)."""
        return [] if self.report is None else list(self.report.trajectory_on(path))

    def path_warnings(self, path: str | None) -> list[str]:
        """Warnings about `path` (partial coverage, missing judges) and the general ones."""
        names = set(self.path_names)
        out = []
        for w in self.warnings:
            mentioned = [n for n in names if f"'{n}'" in w]
            if not mentioned or path in mentioned:
                out.append(w)
        return out

    def mixed_path_check(self, sft: str, base: str, path_sft: str, path_base: str) -> str | None:
        """None when the two paths route tasks to the same judges; else the engine's refusal."""
        if self.report is None or path_sft == path_base:
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
    """Judge paths declared by the experiments of the runs here (first declaration of a name wins)."""
    specs: dict[str, Any] = {}
    headline = None
    for d in jr.run_dirs(Path(runs_dir)):
        try:
            exp = json.loads((d / "experiment.json").read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError, RecursionError):
            continue
        for p in exp.get("paths") or []:
            if isinstance(p, dict) and p.get("name") and p["name"] not in specs:
                specs[p["name"]] = SimpleNamespace(name=p["name"], answer_line=p.get("answer_line"), llm=p.get("llm"))
        headline = headline or exp.get("headline_path")
    return list(specs.values()), headline


def analyse(cur: Any, runs_dir: Path, *, n_boot: int = N_BOOT, headline: str | None = None) -> Any:
    """`build_report` on the paths the runs' experiments declare (derived when none does).

    `headline`: a path to lead with instead of the declared headline (ignored when it is not a path).
    A declared headline with no data yet falls back to the paths derived from the judges present.
    """
    from engine.analysis import build_report

    specs, declared = experiment_paths(runs_dir)
    attempts: list[tuple[list[Any] | None, str | None]] = [(specs or None, headline)] if headline is not None else []
    attempts.append((specs or None, declared if specs else None))
    for paths, head in attempts:
        try:
            return build_report(cur, paths=paths, headline=head, n_boot=n_boot, seed=0)
        except ValueError:  # not one of the paths
            continue
    return build_report(cur, n_boot=n_boot, seed=0)


def compute(cur: Any, runs_dir: Path, *, version: int = 0, n_boot: int = N_BOOT) -> ReportView:
    t0 = time.perf_counter()
    specs, _ = experiment_paths(runs_dir)
    rep = analyse(cur, runs_dir, n_boot=n_boot)
    human = frozenset(
        r[0] for r in cur.execute("SELECT DISTINCT episode_id FROM judgments WHERE judge_id = 'human'").fetchall()
    )
    return ReportView(
        data=rep.to_dict(),
        report=rep,
        seconds=time.perf_counter() - t0,
        version=version,
        experiment_paths=tuple(s.name for s in specs),
        human_episodes=human,
    )
