"""`engine report`: the statistics of a store, on screen, as JSON, as a paper (`engine export`: cli/interop.py)."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from engine.cli.common import RunsDir, bundled, fail, guard
from engine.cli.common import runs_dir as runs_dir_of
from engine.store.reader import Con


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
    cluster: Annotated[
        str | None,
        typer.Option(
            "--cluster",
            help="Resampling unit of every CI: task, or skill (whole skills with their tasks). "
            "Default: the experiment's `cluster` (else the runs' record), else task.",
        ),
    ] = None,
    alpha: Annotated[
        float | None,
        typer.Option(
            "--alpha",
            help="Level of the test of Δ across sizes. Default: the experiment's `alpha` (else the runs' record), "
            "else 0.05.",
        ),
    ] = None,
    effect: Annotated[
        float | None,
        typer.Option(
            "--effect",
            help="Smallest |Δ| or |lift| worth detecting, which the MDEs are compared with "
            "(default: the experiment's `minimum_effect`).",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write a paper report here: report.md, tables/*.tex|csv, figures/*.png|svg."),
    ] = None,
    findings: Annotated[
        bool, typer.Option("--findings", help="End with the findings in words (the paper report's, templated).")
    ] = False,
) -> None:
    """Pass rates, procedural Δ with CI and McNemar p, SFT lift, judge agreement, format artifact."""
    from engine.analysis.declared import declared, declared_report
    from engine.analysis.declared import plan as analysis_plan
    from engine.analysis.notices import Notice
    from engine.analysis.preregistration import check
    from engine.store.db import Store

    if cluster is not None and cluster not in ("task", "skill"):
        fail(f"--cluster must be task or skill, got {cluster!r}")
    if alpha is not None and not 0.0 < alpha < 1.0:
        fail(f"--alpha must be in (0, 1), got {alpha}")
    if effect is not None and not 0.0 < abs(effect) < 1.0:
        fail(f"--effect must be a difference of pass rates, 0 < |effect| < 1, got {effect}")
    exp = None
    if experiment is not None:
        from engine.config import load_experiment

        exp = load_experiment(experiment)
    if out is not None:
        from engine.paper.write import check_out

        check_out(out.expanduser().absolute())  # before any work: a file or a foreign directory is refused
    rd = runs_dir_of(runs_dir)
    pre = declared(rd, exp, run)
    plan = analysis_plan(pre, exp, headline=path, cluster=cluster, alpha=alpha)
    if effect is not None:  # a size given here and not recorded at start makes the analysis exploratory
        plan["minimum_effect"] = abs(effect)
    with Store.open(rd) as store:
        store.ingest()
        rep = declared_report(
            store.con,
            pre,
            requested=path,
            n_boot=boot,
            configs=config,
            run_ids=run,
            cluster=plan["cluster"],
            alpha=plan["alpha"],
            effect=plan["minimum_effect"],
        )
        rep.add_notices(pre.record_notices)
        rep.preregistration = check(pre, plan)
        if store.snapshot:
            held = "the store file is held by another process: this report was built from the journals"
            rep.add_notices([Notice("store_snapshot", held)])
        paper = _paper(store.con, rep, exp, rd) if out is not None or findings else None
    if paper is not None and out is not None:
        _write_paper(paper, out, quiet_stdout=as_json)
        if not as_json and not findings:
            return
    _print_report(rep, as_json)
    if paper is not None and findings and not as_json:
        _print_findings(paper)


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


def plain(markdown: str) -> str:
    """A finding's Markdown as terminal text: no emphasis, no code spans, escapes undone; control and
    bidi characters made visible (store labels are untrusted)."""
    from engine.untrusted import show

    text = re.sub(r"\\(.)", r"\1", markdown.replace("**", "").replace("`", ""))
    return show(text)


def _print_findings(paper: Any) -> None:
    """The paper's findings, one bullet each, as plain words after the tables."""
    from rich.console import Console
    from rich.text import Text

    console = Console() if sys.stdout.isatty() or "COLUMNS" in os.environ else Console(width=160)
    console.print(Text("Findings", style="bold"))
    for f in paper.findings:
        console.print(Text("• " + plain(f.text)))


def _paper(con: Con, rep: Any, exp: Any, runs_dir: Path) -> Any:
    """The paper report model: the design from the experiment file, else from the runs' experiments."""
    from engine.paper import paper_from_store
    from engine.paper.facts import design_from_experiment, design_from_runs

    design = design_from_experiment(exp) if exp is not None else design_from_runs(runs_dir)
    return paper_from_store(con, rep, design)


def register(app: typer.Typer) -> None:
    app.command()(report)
