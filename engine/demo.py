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
"""

from __future__ import annotations

from pathlib import Path

from engine.config import Experiment, load_experiment
from engine.events import Reporter
from engine.paths import DATA_DIR
from engine.runner import Runner, RunOptions, RunResult

DATA = DATA_DIR
DEMO_EXPERIMENT = DATA / "experiments" / "demo.toml"
DEMO_CORPUS = DATA / "corpus" / "demo.toml"
DEMO_RECIPE = DATA / "recipes" / "demo.toml"
SFT_CONFIG_SUFFIX = "-sft"


def run_demo(
    runs_dir: Path, reporter: Reporter, *, full: bool = False, limit: int | None = None, sft: bool = True
) -> list[RunResult]:
    """Run every step of the demo; returns the results of the runs it made."""
    exp = load_experiment(DEMO_EXPERIMENT)
    if full:
        exp.holdout.limit = None
    base_run = Runner(exp, RunOptions(runs_dir=runs_dir, limit=limit), reporter).run()
    if not sft or base_run.status != "finished":
        return [base_run]
    return [base_run, *run_sft_steps(exp, runs_dir, reporter, limit=limit)]


def run_sft_steps(exp: Experiment, runs_dir: Path, reporter: Reporter, *, limit: int | None = None) -> list[RunResult]:
    """Corpus -> LoRA SFT -> eval of base + student. Training reports through the same reporter."""
    from engine.train.corpus import build_corpus
    from engine.train.run import deterministic_run_id, train
    from engine.train.specs import load_corpus_spec, load_recipe
    from engine.train.student import check_base, default_base, sft_config, with_students

    corpus_spec = load_corpus_spec(DEMO_CORPUS)
    corpus_spec.out = str(Path(runs_dir).resolve() / "corpus" / Path(corpus_spec.out).name)
    corpus = build_corpus(corpus_spec, reporter, runs_dir=runs_dir)
    recipe = load_recipe(DEMO_RECIPE, {"corpus": str(corpus.path)})
    base = default_base(exp, None)
    check_base(recipe, base)
    trained = train(recipe, runs_dir, reporter, run_id=deterministic_run_id("demo-sft", recipe))
    if trained.status not in ("finished", "skipped") or trained.adapter is None:
        return [RunResult(trained.run_id, trained.status, error=trained.error, run_dir=trained.run_dir)]
    student = sft_config(base, trained.adapter, base.id + SFT_CONFIG_SUFFIX)
    sft_exp = with_students(exp, base, [student])
    return [Runner(sft_exp, RunOptions(runs_dir=runs_dir, limit=limit), reporter).run()]
