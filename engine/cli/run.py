"""`engine run`, `resume`, `cancel`, `judge`, `ingest` and `runs`: running experiments and their runs."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from engine.cli.common import Address, Events, Executor, RunsDir, Sets, bundled, fail, guard, request_option
from engine.cli.common import reporter as make_reporter
from engine.cli.common import runs_dir as runs_dir_of

if TYPE_CHECKING:
    from engine.config import Experiment
    from engine.runner import RunResult
    from engine.store.request import RunRequest

# the options of `engine run` and `engine judge`, as `RunRequest` spells them (its fields' names)
Limit = Annotated[int | None, request_option("limit")]
ConfigIds = Annotated[list[str] | None, request_option("config_ids")]
JudgeIds = Annotated[list[str] | None, request_option("judge_ids")]
CostLimit = Annotated[float | None, request_option("cost_limit")]
Probe = Annotated[bool, request_option("probe")]


def _execute(exp: Experiment, opts: RunRequest, events: str) -> RunResult:
    from engine.runner import Runner

    reporter = make_reporter(events)
    runner = Runner(exp, opts, reporter)
    try:
        result = runner.run()
    finally:
        stop = getattr(reporter, "stop", None)
        if stop:
            stop()
    if events != "jsonl":
        from rich.console import Console

        Console(stderr=True).print(
            f"run {result.run_id}: {result.status}, {result.episodes} episodes, {result.judgments} judgments, "
            f"{result.errors} errors, {result.wall_s:.1f}s" + (f", ${result.cost_usd:.4f}" if result.cost_usd else ""),
            markup=False,
        )
    if result.stopped_by == "cost_limit":
        raise typer.Exit(3)  # stopped cleanly at its cost limit: resumable, and not a signal's 130
    if result.status == "cancelled":
        raise typer.Exit(130)
    return result


@guard
def run(
    experiment: Annotated[Path, typer.Argument(help="Experiment file (TOML).", callback=bundled)],
    limit: Limit = None,
    runs_dir: RunsDir = None,
    config_ids: ConfigIds = None,
    judge_ids: JudgeIds = None,
    samples: Annotated[int | None, request_option("samples")] = None,
    conditions: Annotated[list[str] | None, request_option("conditions")] = None,
    run_id: Annotated[str | None, request_option("run_id")] = None,
    executor: Executor = "local",
    address: Address = None,
    cost_limit: CostLimit = None,
    probe: Probe = True,
    events: Events = "rich",
    sets: Sets = None,
) -> None:
    """Run an experiment: generate what is missing, judge, store. Re-running regenerates nothing finished.

    `--set holdout.limit=20 --set seed=1` overrides fields of the file (dotted keys, TOML values);
    `--samples` and `--condition` win over a `--set` of the same field."""
    from engine.config import load_experiment
    from engine.specs import parse_sets
    from engine.store.request import RunRequest, check_executor

    req = RunRequest(
        runs_dir=runs_dir_of(runs_dir),
        experiment=experiment,
        limit=limit,
        config_ids=config_ids,
        judge_ids=judge_ids,
        samples=samples,
        conditions=conditions,
        run_id=run_id,
        executor=check_executor(executor, address),
        address=address,
        cost_limit=cost_limit,
        probe=probe,
    )
    overrides: dict[str, Any] = parse_sets(sets)
    overrides.update({k: v for k, v in {"samples": samples, "conditions": conditions}.items() if v is not None})
    _execute(load_experiment(experiment, overrides), req, events)


@guard
def resume(
    run_id: Annotated[str, typer.Argument(help="The run to continue.")],
    runs_dir: RunsDir = None,
    executor: Annotated[
        str | None, typer.Option("--executor", help="local | ray (default: the one the run was started with).")
    ] = None,
    address: Address = None,
    cost_limit: Annotated[
        float | None, typer.Option("--cost-limit", help="A new cost limit in USD (default: the run's own).")
    ] = None,
    probe: Probe = True,
    events: Events = "rich",
) -> None:
    """Continue an interrupted or cancelled run (or one stopped at its cost limit) in its own journal."""
    from engine.runner import load_run_experiment
    from engine.runs import ensure_not_running
    from engine.store.request import resumed

    rd = runs_dir_of(runs_dir)
    ensure_not_running(rd / run_id)  # alive here, or a fresh heartbeat from another host: exit 2
    exp, saved = load_run_experiment(rd, run_id)
    _execute(exp, resumed(saved, executor, address, cost_limit, probe), events)


@guard
def cancel(run_id: str, runs_dir: RunsDir = None) -> None:
    """Stop a running run cleanly (SIGTERM); it can be resumed later."""
    from engine import runs

    pid = runs.cancel(runs_dir_of(runs_dir) / run_id)  # not running, or on another host: ValueError, exit 2
    typer.echo(f"sent SIGTERM to run {run_id} (pid {pid})")


@guard
def judge(
    experiment: Annotated[
        Path | None,
        typer.Argument(help="Experiment file naming the configs and judges (optional with --audit).", callback=bundled),
    ] = None,
    judge_ids: JudgeIds = None,
    config_ids: ConfigIds = None,
    limit: Limit = None,
    audit: Annotated[
        int | None,
        typer.Option(
            "--audit",
            help="Draw N judged episodes for human adjudication (stratified by config x condition x judge "
            "disagreement) instead of judging; adjudicate them in the cockpit (Judges screen, a).",
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the --audit sample.")] = 0,
    runs_dir: RunsDir = None,
    executor: Executor = "local",
    address: Address = None,
    cost_limit: CostLimit = None,
    probe: Probe = True,
    events: Events = "rich",
) -> None:
    """Re-score stored episodes with (more) judges, without generating anything; or draw an audit sample.

    `--executor ray`: LLM judges on local models judge on the Ray cluster (a pool of replicas each)."""
    from engine.config import load_experiment
    from engine.store.request import RunRequest, check_executor

    if audit is not None:
        _audit(experiment, audit, seed, config_ids, judge_ids, runs_dir_of(runs_dir))
        return
    if experiment is None:
        fail("engine judge needs an experiment file (or --audit N)")
    req = RunRequest(
        runs_dir=runs_dir_of(runs_dir),
        experiment=experiment,
        limit=limit,
        config_ids=config_ids,
        judge_ids=judge_ids,
        kind="judge",
        generate=False,
        executor=check_executor(executor, address),
        address=address,
        cost_limit=cost_limit,
        probe=probe,
    )
    _execute(load_experiment(experiment), req, events)


def _audit(
    experiment: Path | None, n: int, seed: int, configs: list[str] | None, judges: list[str] | None, rd: Path
) -> None:
    from rich.console import Console
    from rich.table import Table

    from engine.analysis.render_cells import literal
    from engine.store import audit as audits
    from engine.store.db import Store

    if experiment is not None:  # the experiment scopes the sample to its configs and judges
        from engine.config import load_experiment

        exp = load_experiment(experiment)
        configs = configs or [c.id for c in exp.configs]
        judges = judges or [j.id for j in exp.judges]
    with Store.open(rd) as store:  # held by the cockpit: drawn from a snapshot, recorded in the journal all the same
        store.ingest()
        sample = audits.draw(store.con, n, seed, configs=configs, judges=judges)
        path = audits.record(rd, sample)
        store.ingest()
    console = Console() if sys.stdout.isatty() or "COLUMNS" in os.environ else Console(width=160)
    t = Table(
        title=literal(f"audit {sample.audit_id}: {len(sample.items)} of {sample.population} judged episodes"),
        title_justify="left",
    )
    for h in ("config", "condition", "machine judges", "episodes", "sampled"):
        t.add_column(h, justify="right" if h in ("episodes", "sampled") else "left")
    for st in sample.strata:
        t.add_row(
            literal(st.config_id),
            literal(st.condition),
            "disagree" if st.disagree else "agree",
            str(st.size),
            str(st.drawn),
        )
    console.print(t)
    console.print(
        literal(
            f"recorded in {path}; adjudicate in the cockpit (Judges screen, key a): each judge's precision, "
            "recall and accuracy against these verdicts then appear in `engine report` and on the Judges screen"
        )
    )


@guard
def ingest(runs_dir: RunsDir = None) -> None:
    """Bring the DuckDB store up to date with every run journal."""
    from engine.store.db import Store

    with Store.open(runs_dir_of(runs_dir), fallback=None) as store:
        stats = store.ingest()
    typer.echo(f"ingested {stats.total()} rows in {stats.seconds:.2f}s: {stats.rows}")


@guard
def runs(runs_dir: RunsDir = None, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List runs with their status (running, finished, failed, cancelled, interrupted)."""
    from dataclasses import asdict

    from engine.runs import run_status
    from engine.store.journal import run_dirs

    rows = [asdict(run_status(d)) for d in run_dirs(runs_dir_of(runs_dir))]
    if as_json:
        typer.echo(json.dumps(rows, indent=1))
        return
    for r in rows:
        typer.echo(f"{r['run_id']}  {r['kind'] or '?':<6} {r['status']:<11} {r['experiment']}")


def register(app: typer.Typer) -> None:
    app.command()(run)
    app.command()(resume)
    app.command()(cancel)
    app.command()(judge)


def register_store(app: typer.Typer) -> None:
    app.command()(ingest)
    app.command()(runs)
