"""`engine demo`: the main job on the embedded default, end to end and offline.

Two suites: "micro" (the default), the micro tier of the bundled suite, one- or two-step
procedures at the embedded model's level (`data/{experiments,corpus,recipes}/demo-micro.toml`);
"study" (`--suite study`), the full-size suite on a stratified slice (`.../demo.toml`).

Steps:
1. base eval: the demo experiment (SmolLM2-135M on the holdout or a stratified slice of it, both
   conditions, every offline judge);
2. corpus: the offline corpus from the train split (the suite's worked solutions, kept when the
   ANSWER-line extractor passes them), built into the runs directory;
3. SFT: LoRA on SmolLM2 with the demo recipe (a small slice, minutes on 2 CPU cores); a finished
   training of the same recipe and corpus is reused;
4. SFT eval: the base config and the trained student (`base` set) on the same slice; the base's
   episodes are already stored, so only the student's are generated.
The CLI then prints the report: Δ with CI for base and SFT, the SFT lift, κ, the format artifact.

The steps are the jobs of a study chain (engine.study, `engine study`), each a child process; a
killed demo re-run with the same options continues where it stopped.
"""

from __future__ import annotations

from pathlib import Path

from engine.events import Reporter
from engine.paths import DATA_DIR
from engine.runner import RunResult
from engine.store.manifest import RunStatus

DATA = DATA_DIR
# the full-size bundled suite (`engine demo --suite study`)
DEMO_EXPERIMENT = DATA / "experiments" / "demo.toml"
DEMO_CORPUS = DATA / "corpus" / "demo.toml"
DEMO_RECIPE = DATA / "recipes" / "demo.toml"
# the micro tier, at the embedded model's level (`engine demo`, the default)
MICRO_EXPERIMENT = DATA / "experiments" / "demo-micro.toml"
MICRO_CORPUS = DATA / "corpus" / "demo-micro.toml"
MICRO_RECIPE = DATA / "recipes" / "demo-micro.toml"
SUITES = ("micro", "study")
DEFAULT_SUITE = "micro"
SFT_CONFIG_SUFFIX = "-sft"


def demo_files(suite: str) -> tuple[Path, Path, Path, str]:
    """(experiment, corpus spec, recipe, corpus file name) of the demo on `suite` ("micro" or "study")."""
    if suite == "micro":  # module globals, read at call time: a test may shrink a recipe with monkeypatch
        return MICRO_EXPERIMENT, MICRO_CORPUS, MICRO_RECIPE, "micro-corpus.jsonl"
    if suite == "study":
        return DEMO_EXPERIMENT, DEMO_CORPUS, DEMO_RECIPE, "offline-corpus.jsonl"
    raise ValueError(f"--suite: unknown suite '{suite}' (known: {', '.join(SUITES)})")


# a chain job's state as a run's status; a job still waiting never started (the chain stopped before it)
_JOB_STATUS: dict[str, RunStatus] = {
    "done": "finished",
    "running": "running",
    "failed": "failed",
    "cancelled": "cancelled",
}


def run_demo(
    runs_dir: Path,
    reporter: Reporter,
    *,
    full: bool = False,
    limit: int | None = None,
    sft: bool = True,
    events: str = "none",
    suite: str = DEFAULT_SUITE,
) -> list[RunResult]:
    """Run the demo as a study chain (engine.study): re-running continues a killed demo where it stopped.

    Returns one result per job of the chain that writes a run (eval, train)."""
    from engine.events import LogMessage
    from engine.study import job_states, plan_study, run_study

    runs_dir = Path(runs_dir).resolve()
    experiment, corpus, recipe, corpus_name = demo_files(suite)
    study = plan_study(
        experiment,
        runs_dir,
        recipe=recipe if sft else None,
        corpus_spec=corpus if sft else None,
        corpus_out=runs_dir / "corpus" / corpus_name,
        limit=limit,
        full=full,
        sft=sft,
        report=False,  # `engine demo` prints the report itself
    )
    run_study(
        study,
        events_mode=events,
        say=lambda line: reporter.emit(LogMessage(study.study_id, level="info", message=line)),
    )
    states = job_states(study)
    return [
        RunResult(str(j.run_id), _JOB_STATUS.get(states[j.id], "interrupted"), run_dir=runs_dir / str(j.run_id))
        for j in study.jobs
        if j.run_id
    ]
