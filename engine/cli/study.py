"""`engine study`: plan and run a study as a chain of jobs (see engine.study). Registered by engine.cli."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from engine.cli import common
from engine.cli.common import RunsDir

Sets = Annotated[
    list[str] | None,
    typer.Option("--set", "-s", help="Recipe override KEY=VALUE (TOML value, dotted keys: lora.r=8). Repeatable."),
]


def register(app: typer.Typer) -> None:
    @app.command("study")
    @common.guard
    def study_cmd(
        experiment: Annotated[
            Path | None, typer.Argument(help="Experiment file (TOML).", callback=common.bundled)
        ] = None,
        recipe: Annotated[
            Path | None, typer.Option("--recipe", "-r", help="Recipe file (TOML).", callback=common.bundled)
        ] = None,
        corpus: Annotated[
            Path | None,
            typer.Option(
                "--corpus", help="Corpus spec (TOML) to build the recipe's corpus from.", callback=common.bundled
            ),
        ] = None,
        sets: Sets = None,
        limit: Annotated[int | None, typer.Option(help="Holdout tasks per evaluation.")] = None,
        no_sft: Annotated[bool, typer.Option("--no-sft", help="The base eval (and report) only.")] = False,
        resume: Annotated[str | None, typer.Option("--resume", help="Continue this study id.")] = None,
        cancel: Annotated[str | None, typer.Option("--cancel", help="Stop this running study.")] = None,
        plan: Annotated[bool, typer.Option("--plan", help="Validate and print the plan; start nothing.")] = False,
        runs_dir: RunsDir = None,
        events: Annotated[str, typer.Option("--events", help="Jobs' progress output: rich | jsonl | none.")] = "rich",
    ) -> None:
        """Base eval -> corpus (if missing) -> one training per size -> SFT eval -> report, as a resumable chain.

        Re-running the same command continues the chain where it stopped."""
        from engine import study as st
        from engine.specs import parse_sets

        rd = common.runs_dir(runs_dir)
        if cancel is not None:
            pid = st.cancel_study(rd, cancel)
            typer.echo(f"sent SIGTERM to study {cancel} (pid {pid})")
            return
        if resume is not None:
            study = st.load_study(rd, resume)
        else:
            if experiment is None:
                common.fail("give an experiment file, or --resume STUDY_ID")
            assert experiment is not None
            study = st.plan_study(
                experiment, rd, recipe=recipe, sets=parse_sets(sets), corpus_spec=corpus, limit=limit, sft=not no_sft
            )
        if plan:
            typer.echo("\n".join(st.describe(study)))
            return
        status = st.run_study(study, events_mode=events)
        if status == "finished":
            report = study.dir / st.REPORT_FILE
            if report.exists():
                typer.echo(report.read_text(encoding="utf-8"), nl=False)
            return
        raise typer.Exit(130 if status == "cancelled" else 1)
