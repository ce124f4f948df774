"""`engine data validate` and `engine data build-suite`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from engine.cli.common import bundled, fail, guard


@guard
def data_validate(
    file: Annotated[
        Path, typer.Argument(help="A skills/tasks/corpus .jsonl file or an experiment .toml.", callback=bundled)
    ],
    kind: Annotated[
        str | None, typer.Option(help="skills | tasks | corpus | experiment (default: from the name)")
    ] = None,
    skills: Annotated[
        Path | None, typer.Option(help="Skills file to check task skill ids against.", callback=bundled)
    ] = None,
) -> None:
    """Validate a data file; errors name the file, the line and the field."""
    from engine.data import loader

    kind = kind or loader.guess_kind(file)
    if kind is None:
        fail(f"{file}: cannot tell the file kind from its name; pass --kind")
    if kind == "experiment":
        from engine.config import load_experiment
        from engine.plan import plan_episodes, select

        exp = load_experiment(file)
        sel = select(exp)
        n = len(plan_episodes(exp, sel))
        typer.echo(
            f"OK {file}: experiment '{exp.name}', {len(exp.configs)} configs, {len(sel.tasks)} tasks, {n} episodes"
        )
        return
    if kind == "tasks":
        sk = skills or (file.parent / "skills.jsonl")
        skill_rows = loader.load_skills(sk) if sk.exists() else None
        rows: list[Any] = loader.load_tasks(file, skill_rows)
    elif kind in loader.KINDS:
        rows = loader.load_rows(file, loader.KINDS[kind])
    else:
        fail(f"unknown kind '{kind}'")
    typer.echo(f"OK {file}: {len(rows)} {kind} rows")


def data_build_suite(out: Annotated[Path, typer.Option(help="Output directory.")] = Path("data/suite")) -> None:
    """Rebuild the bundled suite deterministically from code: the 40-skill study tier, and the micro tier in micro/."""
    from engine.data.suite.builder import write_tiers

    for tier, counts in write_tiers(out).items():
        typer.echo(f"wrote {tier} tier under {out}: {counts}")


def register(app: typer.Typer) -> None:
    data_app = typer.Typer(help="Validate data files and build the bundled suite.", no_args_is_help=True)
    data_app.command("validate")(data_validate)
    data_app.command("build-suite")(data_build_suite)
    app.add_typer(data_app, name="data")
