"""`engine demo`: the main job on the embedded default, end to end and offline.

Steps: run the demo experiment (SmolLM2-135M on a stratified holdout slice, both conditions,
every offline judge), then print the report (Δ with CI, κ between judges, format artifact).
"""

from __future__ import annotations

from pathlib import Path

from engine.config import load_experiment
from engine.events import Reporter
from engine.runner import RunOptions, RunResult, Runner

DEMO_EXPERIMENT = Path(__file__).resolve().parents[1] / "data" / "experiments" / "demo.toml"


def run_demo(runs_dir: Path, reporter: Reporter, *, full: bool = False, limit: int | None = None) -> list[RunResult]:
    """Run every step of the demo; returns the results of the runs it made."""
    exp = load_experiment(DEMO_EXPERIMENT)
    if full:
        exp.holdout.limit = None
    result = Runner(exp, RunOptions(runs_dir=runs_dir, limit=limit), reporter).run()
    return [result]
