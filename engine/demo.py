"""`engine demo`: the main job on the embedded default, end to end and offline.

Steps:
1. base eval: the demo experiment (SmolLM2-135M on a stratified holdout slice, both conditions,
   every offline judge);
2. corpus: the offline corpus from the train split (`data/corpus/demo.toml`: the suite's worked
   solutions, kept when the ANSWER-line extractor passes them), built into the runs directory;
3. SFT: LoRA on SmolLM2 with the demo recipe (`data/recipes/demo.toml`: a small slice, one
   epoch, minutes on 2 CPU cores); a finished training of the same recipe and corpus is reused;
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

DATA = DATA_DIR
DEMO_EXPERIMENT = DATA / "experiments" / "demo.toml"
DEMO_CORPUS = DATA / "corpus" / "demo.toml"
DEMO_RECIPE = DATA / "recipes" / "demo.toml"
SFT_CONFIG_SUFFIX = "-sft"


def run_demo(
    runs_dir: Path,
    reporter: Reporter,
    *,
    full: bool = False,
    limit: int | None = None,
    sft: bool = True,
    events: str = "none",
) -> list[RunResult]:
    """Run the demo as a study chain (engine.study): re-running continues a killed demo where it stopped.

    Returns one result per job of the chain that writes a run (eval, train)."""
    from engine.events import LogMessage
    from engine.study import job_states, plan_study, run_study

    runs_dir = Path(runs_dir).resolve()
    study = plan_study(
        DEMO_EXPERIMENT,
        runs_dir,
        recipe=DEMO_RECIPE if sft else None,
        corpus_spec=DEMO_CORPUS if sft else None,
        corpus_out=runs_dir / "corpus" / "offline-corpus.jsonl",
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
        RunResult(
            str(j.run_id), "finished" if states[j.id] == "done" else states[j.id], run_dir=runs_dir / str(j.run_id)
        )
        for j in study.jobs
        if j.run_id
    ]
