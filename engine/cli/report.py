"""`engine report`: the statistics of a store, on screen, as JSON, as a paper (`engine export`: cli/interop.py)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from engine.cli.common import RunsDir, bundled, guard
from engine.cli.common import runs_dir as runs_dir_of


@guard
def report(
    runs_dir: RunsDir = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output (same numbers).")] = False,
    experiment: Annotated[
        Path | None,
        typer.Option("--experiment", "-e", help="Use this experiment's judge paths.", callback=bundled),
    ] = None,
    path: Annotated[str | None, typer.Option("--path", help="Headline judge path.")] = None,
    config: Annotated[list[str] | None, typer.Option("--config", "-c", help="Only these config ids.")] = None,
    run: Annotated[list[str] | None, typer.Option("--run", help="Only episodes of these runs.")] = None,
    boot: Annotated[int, typer.Option(help="Bootstrap resamples.")] = 2000,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write a paper report here: report.md, tables/*.tex|csv, figures/*.png|svg."),
    ] = None,
) -> None:
    """Pass rates, procedural Δ with CI and McNemar p, SFT lift, judge agreement, format artifact."""
    from engine.analysis import build_report
    from engine.store.db import Store

    exp = None
    if experiment is not None:
        from engine.config import load_experiment

        exp = load_experiment(experiment)
    if out is not None:
        from engine.paper.write import check_out

        check_out(out.expanduser().absolute())  # before any work: a file or a foreign directory is refused
    rd = runs_dir_of(runs_dir)
    paths, declared, notes = _preregistration(exp, rd)
    headline = path or declared
    with Store.open(rd) as store:
        store.ingest()
        rep = build_report(
            store.con,
            paths=paths,
            headline=headline,
            n_boot=boot,
            configs=config,
            run_ids=run,
            preregistered=headline is not None and headline == declared,
        )
        rep.warnings.extend(notes)
        if store.snapshot:
            rep.warnings.append("the store file is held by another process: this report was built from the journals")
        paper = _paper(store.con, rep, exp, rd) if out is not None else None
    if paper is not None and out is not None:
        _write_paper(paper, out, quiet_stdout=as_json)
        if not as_json:
            return
    _print_report(rep, as_json)


def _preregistration(exp: Any, runs_dir: Path) -> tuple[list[Any] | None, str | None, list[str]]:
    """The judge paths and the pre-registered headline: the experiment file's, else the ones the runs'
    experiments declare (`engine.analysis.preregistration`); and warnings about them."""
    if exp is not None:
        return exp.paths or None, exp.headline_path, []
    from engine.analysis.preregistration import from_runs

    pre = from_runs(runs_dir)
    return pre.paths or None, pre.headline, list(pre.warnings)


def _write_paper(paper: Any, out: Path, *, quiet_stdout: bool) -> None:
    """The paper report into `out`, and a line saying what was written (on stderr when stdout holds
    the JSON alone)."""
    from engine.paper import write_report

    written = write_report(paper, out)
    typer.echo(
        f"wrote {written.out}: report.md, report.json, {written.count('.tex', 'tables')} tables (.tex, .csv), "
        f"{written.count('.png', 'figures')} figures (.png, .svg, .csv) in {written.seconds:.1f}s",
        err=quiet_stdout,
    )
    for note in paper.notes:
        typer.echo(f"note: {note.replace('`', '')}", err=quiet_stdout)


def _print_report(rep: Any, as_json: bool) -> None:
    """The report on stdout: JSON, or rich tables (wide ones when stdout is a file or a pipe)."""
    if as_json:
        typer.echo(json.dumps(rep.to_dict(), indent=1, default=str))
        return
    from rich.console import Console

    from engine.analysis.render import render_report

    # a file or a pipe gets wide tables (rich would wrap them at 80 columns)
    console = Console() if sys.stdout.isatty() or "COLUMNS" in os.environ else Console(width=160)
    render_report(rep, console)


def _paper(con: Any, rep: Any, exp: Any, runs_dir: Path) -> Any:
    """The paper report model: the design from the experiment file, else from the runs' experiments."""
    from engine.paper import paper_from_store
    from engine.paper.facts import design_from_experiment, design_from_runs

    design = design_from_experiment(exp) if exp is not None else design_from_runs(runs_dir)
    return paper_from_store(con, rep, design)


def register(app: typer.Typer) -> None:
    app.command()(report)
