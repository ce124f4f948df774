"""`engine demo`: the main job on the embedded default, then its report."""

from __future__ import annotations

from typing import Annotated

import typer

from engine.cli.common import Events, RunsDir, fail, guard
from engine.cli.common import reporter as make_reporter
from engine.cli.common import runs_dir as runs_dir_of
from engine.cli.report import report

DEMO_REPORT = "demo-report"  # the paper report of the demo, in the runs directory (rewritten by each demo)


@guard
def demo(
    full: Annotated[
        bool, typer.Option("--full", help="The whole holdout instead of the default slice (study: 200 tasks).")
    ] = False,
    limit: Annotated[int | None, typer.Option(help="Holdout tasks (default: the demo file's slice).")] = None,
    no_sft: Annotated[bool, typer.Option("--no-sft", help="Skip the corpus, LoRA SFT and student eval steps.")] = False,
    suite: Annotated[
        str, typer.Option(help="micro: the tier at the embedded model's level; study: the full-size suite.")
    ] = "micro",
    runs_dir: RunsDir = None,
    events: Events = "rich",
) -> None:
    """The main job on the embedded default: SmolLM2-135M eval, offline corpus, LoRA SFT, student eval, report."""
    from engine.demo import SUITES, demo_files, run_demo

    if suite not in SUITES:
        fail(f"--suite: unknown suite '{suite}' (known: {', '.join(SUITES)})")
    experiment = demo_files(suite)[0]
    rd = runs_dir_of(runs_dir)
    reporter = make_reporter(events)
    try:
        results = run_demo(rd, reporter, full=full, limit=limit, sft=not no_sft, events=events, suite=suite)
    finally:
        stop = getattr(reporter, "stop", None)
        if stop:
            stop()
    if any(r.status != "finished" for r in results):
        fail("the demo did not finish: " + ", ".join(f"{r.run_id} {r.status}" for r in results), 1)
    report(
        runs_dir=rd,
        as_json=False,
        experiment=experiment,
        path=None,
        config=None,
        run=None,
        boot=2000,
        out=rd / DEMO_REPORT,
        findings=True,
    )


def register(app: typer.Typer) -> None:
    app.command()(demo)
