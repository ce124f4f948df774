"""Sub-commands of the training part: `engine corpus build`, `engine train`, `engine sweep`.

Only typer is imported here; torch, TRL and PEFT load inside the commands, so `engine --help`
stays instant.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from engine.cli import common
from engine.cli.common import Events, RunsDir

if TYPE_CHECKING:
    from engine.train.run import TrainResult
    from engine.train.specs import Recipe

Sets = Annotated[
    list[str] | None,
    typer.Option("--set", "-s", help="Override a field: KEY=VALUE (TOML value, dotted keys: lora.r=8). Repeatable."),
]


def _stop(reporter: Any) -> None:
    stop = getattr(reporter, "stop", None)
    if stop:
        stop()


@common.guard
def corpus_build(
    spec_file: Annotated[
        Path, typer.Argument(help="Corpus build file (TOML), e.g. data/corpus/demo.toml.", callback=common.bundled)
    ],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output JSONL (default: the file's `out`).")] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N train tasks (stratified by skill).")] = None,
    fresh: Annotated[
        bool,
        typer.Option("--fresh", help="Ask a model teacher again for every answer (ignore <out>.answers.jsonl)."),
    ] = False,
    sets: Sets = None,
    runs_dir: RunsDir = None,
    events: Events = "rich",
) -> None:
    """Teacher answers to train-split tasks (curated condition), kept when the judges pass them.

    A model teacher's answers are stored beside the output as they arrive; a rebuild (after an
    interrupt, or with other judges) reuses them and asks only for the missing ones."""
    from engine.specs import parse_sets
    from engine.train.corpus import build_corpus
    from engine.train.specs import load_corpus_spec

    overrides = parse_sets(sets)
    if limit is not None:
        overrides["limit"] = limit
    if fresh:
        overrides["reuse_answers"] = False
    spec = load_corpus_spec(spec_file, overrides)
    if out is not None:
        spec.out = str(out.resolve())
    reporter = common.reporter(events)
    try:
        result = build_corpus(spec, reporter, runs_dir=common.runs_dir(runs_dir))
    finally:
        _stop(reporter)
    typer.echo(f"wrote {result.path}: {result.summary()} (sha256 {result.sha256[:12]}, {result.wall_s:.1f}s)")


@common.guard
def train_cmd(
    recipe_file: Annotated[
        Path | None, typer.Argument(help="Recipe file (TOML), e.g. data/recipes/demo.toml.", callback=common.bundled)
    ] = None,
    sets: Sets = None,
    lr: Annotated[float | None, typer.Option(help="Learning rate.")] = None,
    epochs: Annotated[float | None, typer.Option(help="Epochs over the corpus.")] = None,
    max_steps: Annotated[int | None, typer.Option(help="Optimizer steps (overrides epochs).")] = None,
    corpus: Annotated[Path | None, typer.Option(help="Corpus JSONL.", callback=common.bundled)] = None,
    corpus_limit: Annotated[int | None, typer.Option(help="Train on the first N corpus rows.")] = None,
    base_model: Annotated[str | None, typer.Option(help="embedded:NAME, a local model dir or a hub id.")] = None,
    run_id: Annotated[
        str | None,
        typer.Option(help="Train into this run id; if it exists with the same recipe, resume it."),
    ] = None,
    resume: Annotated[
        str | None,
        typer.Option("--resume", help="Resume this run from its last checkpoint (its own recipe)."),
    ] = None,
    runs_dir: RunsDir = None,
    events: Events = "rich",
) -> None:
    """LoRA SFT (TRL + PEFT) of a base model on a corpus; a journal run under runs/<run-id>/."""
    from engine.train.run import train

    rd = common.runs_dir(runs_dir)
    explicit = {
        "lr": lr,
        "epochs": epochs,
        "max_steps": max_steps,
        "corpus": str(corpus.resolve()) if corpus else None,
        "corpus_limit": corpus_limit,
        "base_model": base_model,
    }
    recipe, run_id = _train_recipe(rd, recipe_file, sets, explicit, run_id=run_id, resume=resume)
    reporter = common.reporter(events)
    try:
        result = train(recipe, rd, reporter, run_id=run_id)
    finally:
        _stop(reporter)
    if events != "jsonl":
        _print_train_result(result)
    if result.status == "cancelled":
        raise typer.Exit(130)


def _train_recipe(
    rd: Path,
    recipe_file: Path | None,
    sets: list[str] | None,
    explicit: dict[str, Any],
    *,
    run_id: str | None,
    resume: str | None,
) -> tuple[Recipe, str | None]:
    """The recipe to train and the run id: a resumed run's own recipe, else the file with its overrides
    (`--set` first, then the explicit options that were given)."""
    from engine.specs import parse_sets
    from engine.train.run import load_run_recipe
    from engine.train.specs import load_recipe

    if resume is not None:
        if recipe_file is not None or sets or run_id:
            common.fail("--resume RUN_ID continues a run with its own recipe: give no recipe, --set or --run-id")
        return load_run_recipe(rd / resume), resume
    if recipe_file is None:
        common.fail("give a recipe file, or --resume RUN_ID")
    assert recipe_file is not None
    overrides: dict[str, Any] = parse_sets(sets)
    overrides.update({k: v for k, v in explicit.items() if v is not None})
    return load_recipe(recipe_file, overrides), run_id


def _print_train_result(result: TrainResult) -> None:
    """One line on stderr: status, steps, the loss trend, the wall time and the adapter."""
    from rich.console import Console

    loss = ""
    if result.loss_start is not None and result.loss_end is not None:
        loss = f", loss {result.loss_start:.3f} -> {result.loss_end:.3f} (first/last quarter of steps)"
    resumed = f", resumed from step {result.resumed_from}" if result.resumed_from else ""
    status = "already finished (not retrained)" if result.status == "skipped" else result.status
    Console(stderr=True).print(
        f"run {result.run_id}: {status}, "
        f"step {result.step}/{result.max_steps}{resumed}{loss}, "
        f"{result.wall_s:.1f}s" + (f"\nadapter: {result.adapter}" if result.adapter else ""),
        markup=False,
    )


@common.guard
def sweep_cmd(
    sweep_file: Annotated[
        Path, typer.Argument(help="Sweep file (TOML), e.g. data/sweeps/demo.toml.", callback=common.bundled)
    ],
    limit: Annotated[int | None, typer.Option(help="Holdout tasks per evaluation.")] = None,
    boot: Annotated[int, typer.Option(help="Bootstrap resamples for the CIs.")] = 2000,
    runs_dir: RunsDir = None,
    events: Events = "rich",
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    executor: Annotated[
        str,
        typer.Option(
            "--executor",
            help="local (one variant after another, here) or ray (each training and evaluation a Ray "
            "task; the runs directory must be shared storage; the 'ray' extra).",
        ),
    ] = "local",
    address: Annotated[
        str | None,
        typer.Option("--address", help="--executor ray: the cluster (HOST:PORT, ray://HOST:PORT, auto)."),
    ] = None,
) -> None:
    """Train each recipe variant, evaluate all on the holdout in both conditions, compare."""
    import json

    from engine.store.request import check_executor
    from engine.train.specs import load_sweep
    from engine.train.sweep import render_sweep, run_sweep

    executor = check_executor(executor, address)  # a wrong one: ValueError, one line and exit 2
    spec = load_sweep(sweep_file)
    reporter = common.reporter(events)
    try:
        if executor == "ray":
            from engine.train.sweep_ray import run_sweep_ray

            summary = run_sweep_ray(
                spec, common.runs_dir(runs_dir), reporter, limit=limit, n_boot=boot, address=address
            )
        else:
            summary = run_sweep(spec, common.runs_dir(runs_dir), reporter, limit=limit, n_boot=boot)
    finally:
        _stop(reporter)
    if as_json:
        typer.echo(json.dumps(summary, indent=1, default=str))
    else:
        from rich.console import Console

        render_sweep(summary, Console())
    if summary.get("status") == "cancelled":
        raise typer.Exit(130)
    if summary.get("status") == "failed":
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    corpus_app = typer.Typer(help="Build SFT corpora from the train split.", no_args_is_help=True)
    app.add_typer(corpus_app, name="corpus")
    corpus_app.command("build")(corpus_build)
    app.command("train")(train_cmd)
    app.command("sweep")(sweep_cmd)
