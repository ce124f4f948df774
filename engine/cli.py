"""`engine` command line. Heavy imports (torch, transformers, SDKs) happen inside commands."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from engine.cli_common import Events, RunsDir, Sets
from engine.cli_common import fail as _fail
from engine.cli_common import guard as _guard
from engine.cli_common import reporter as _reporter
from engine.cli_common import runs_dir as _runs_dir

if TYPE_CHECKING:
    from engine.config import Experiment
    from engine.runner import RunOptions, RunResult

app = typer.Typer(
    name="engine",
    help="Headless engine of the procedural-skill SFT cockpit: run, judge, report, export.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
Executor = Annotated[
    str,
    typer.Option(
        "--executor",
        help="Where local models generate: local (this process) or ray (replica actors on a Ray cluster; "
        "the 'ray' extra). API configs and judges run here either way.",
    ),
]
Address = Annotated[
    str | None,
    typer.Option("--address", help="--executor ray: the cluster (HOST:PORT, ray://HOST:PORT, auto; default: local)."),
]
data_app = typer.Typer(help="Validate data files and build the bundled suite.", no_args_is_help=True)
app.add_typer(data_app, name="data")


def _execute(exp: Experiment, opts: RunOptions, events: str) -> RunResult:
    from engine.runner import Runner

    reporter = _reporter(events)
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
    if result.status == "cancelled":
        raise typer.Exit(130)
    return result


@app.command()
@_guard
def run(
    experiment: Annotated[Path, typer.Argument(help="Experiment file (TOML).")],
    limit: Annotated[int | None, typer.Option(help="Only the first N holdout tasks (stratified by skill).")] = None,
    runs_dir: RunsDir = None,
    config: Annotated[list[str] | None, typer.Option("--config", "-c", help="Only these config ids.")] = None,
    judge: Annotated[list[str] | None, typer.Option("--judge", "-j", help="Only these judge ids.")] = None,
    samples: Annotated[int | None, typer.Option(help="Samples per task and condition.")] = None,
    condition: Annotated[list[str] | None, typer.Option("--condition", help="Only these conditions.")] = None,
    run_id: Annotated[str | None, typer.Option(help="Write into this run id (default: a new one).")] = None,
    executor: Executor = "local",
    address: Address = None,
    events: Events = "rich",
    sets: Sets = None,
) -> None:
    """Run an experiment: generate what is missing, judge, store. Re-running regenerates nothing finished.

    `--set holdout.limit=20 --set seed=1` overrides fields of the file (dotted keys, TOML values);
    `--samples` and `--condition` win over a `--set` of the same field."""
    from engine.config import load_experiment
    from engine.runner import RunOptions
    from engine.specs import parse_sets

    overrides: dict[str, Any] = parse_sets(sets)
    overrides.update({k: v for k, v in {"samples": samples, "conditions": condition}.items() if v is not None})
    exp = load_experiment(experiment, overrides)
    opts = RunOptions(
        runs_dir=_runs_dir(runs_dir),
        limit=limit,
        config_ids=config,
        judge_ids=judge,
        run_id=run_id,
        executor=executor,
        address=address,
    )
    _execute(exp, opts, events)


@app.command()
@_guard
def resume(
    run_id: Annotated[str, typer.Argument(help="The run to continue.")],
    runs_dir: RunsDir = None,
    executor: Annotated[
        str | None, typer.Option("--executor", help="local | ray (default: the one the run was started with).")
    ] = None,
    address: Address = None,
    events: Events = "rich",
) -> None:
    """Continue an interrupted or cancelled run in its own journal."""
    from engine.runner import RunOptions, load_run_experiment
    from engine.runs import ensure_not_running

    rd = _runs_dir(runs_dir)
    ensure_not_running(rd / run_id)  # alive here, or a fresh heartbeat from another host: exit 2
    exp, options = load_run_experiment(rd, run_id)
    opts = RunOptions(
        runs_dir=rd,
        limit=options.get("limit"),
        config_ids=options.get("config_ids"),
        judge_ids=options.get("judge_ids"),
        kind=options.get("kind", "eval"),
        generate=options.get("generate", True),
        run_id=run_id,
        executor=executor or options.get("executor") or "local",
        address=address if address is not None or executor is not None else options.get("address"),
    )
    _execute(exp, opts, events)


@app.command()
@_guard
def cancel(run_id: str, runs_dir: RunsDir = None) -> None:
    """Stop a running run cleanly (SIGTERM); it can be resumed later."""
    from engine import runs

    pid = runs.cancel(_runs_dir(runs_dir) / run_id)  # not running, or on another host: ValueError, exit 2
    typer.echo(f"sent SIGTERM to run {run_id} (pid {pid})")


@app.command()
@_guard
def judge(
    experiment: Annotated[
        Path | None, typer.Argument(help="Experiment file naming the configs and judges (optional with --audit).")
    ] = None,
    judge: Annotated[list[str] | None, typer.Option("--judge", "-j", help="Only these judge ids.")] = None,
    config: Annotated[list[str] | None, typer.Option("--config", "-c", help="Only these config ids.")] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N holdout tasks.")] = None,
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
    events: Events = "rich",
) -> None:
    """Re-score stored episodes with (more) judges, without generating anything; or draw an audit sample."""
    from engine.config import load_experiment
    from engine.runner import RunOptions

    if audit is not None:
        _audit(experiment, audit, seed, config, judge, _runs_dir(runs_dir))
        return
    if experiment is None:
        _fail("engine judge needs an experiment file (or --audit N)")
    exp = load_experiment(experiment)
    opts = RunOptions(
        runs_dir=_runs_dir(runs_dir), limit=limit, config_ids=config, judge_ids=judge, kind="judge", generate=False
    )
    _execute(exp, opts, events)


def _audit(
    experiment: Path | None, n: int, seed: int, configs: list[str] | None, judges: list[str] | None, rd: Path
) -> None:
    from rich.console import Console
    from rich.table import Table

    from engine.analysis.render import literal
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


@app.command()
@_guard
def report(
    runs_dir: RunsDir = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output (same numbers).")] = False,
    experiment: Annotated[
        Path | None, typer.Option("--experiment", "-e", help="Use this experiment's judge paths.")
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

    paths = None
    headline = path
    exp = None
    if experiment is not None:
        from engine.config import load_experiment

        exp = load_experiment(experiment)
        paths = exp.paths or None
        headline = headline or exp.headline_path
    if out is not None:
        from engine.paper.write import check_out

        check_out(out.expanduser().absolute())  # before any work: a file or a foreign directory is refused
    rd = _runs_dir(runs_dir)
    with Store.open(rd) as store:
        store.ingest()
        rep = build_report(store.con, paths=paths, headline=headline, n_boot=boot, configs=config, run_ids=run)
        if store.snapshot:
            rep.warnings.append("the store file is held by another process: this report was built from the journals")
        paper = _paper(store.con, rep, exp, rd) if out is not None else None
    if paper is not None and out is not None:
        from engine.paper import write_report

        written = write_report(paper, out)
        typer.echo(
            f"wrote {written.out}: report.md, report.json, {written.count('.tex', 'tables')} tables (.tex, .csv), "
            f"{written.count('.png', 'figures')} figures (.png, .svg, .csv) in {written.seconds:.1f}s",
            err=as_json,  # with --json, stdout holds the JSON alone
        )
        for note in paper.notes:
            typer.echo(f"note: {note.replace('`', '')}", err=as_json)
        if not as_json:
            return
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


@app.command()
@_guard
def export(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path("export"),
    fmt: Annotated[str, typer.Option("--format", "-f", help="parquet | csv | both")] = "both",
    runs_dir: RunsDir = None,
) -> None:
    """Export every store table (and a wide scores view) as Parquet and/or CSV."""
    from engine.export import export_store
    from engine.store.db import Store

    if fmt not in ("parquet", "csv", "both"):
        _fail("--format must be parquet, csv or both")
    with Store.open(_runs_dir(runs_dir)) as store:
        store.ingest()
        written = export_store(store.con, out, fmt)
    for p in written:
        typer.echo(str(p))


@app.command()
@_guard
def ingest(runs_dir: RunsDir = None) -> None:
    """Bring the DuckDB store up to date with every run journal."""
    from engine.store.db import Store

    with Store.open(_runs_dir(runs_dir), fallback=None) as store:
        stats = store.ingest()
    typer.echo(f"ingested {stats.total()} rows in {stats.seconds:.2f}s: {stats.rows}")


@app.command()
@_guard
def runs(runs_dir: RunsDir = None, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List runs with their status (running, finished, failed, cancelled, interrupted)."""
    from dataclasses import asdict

    from engine.runs import run_status
    from engine.store.journal import run_dirs

    rows = [asdict(run_status(d)) for d in run_dirs(_runs_dir(runs_dir))]
    if as_json:
        typer.echo(json.dumps(rows, indent=1))
        return
    for r in rows:
        typer.echo(f"{r['run_id']}  {r['kind']:<6} {r['status']:<11} {r['experiment']}")


@app.command()
@_guard
def demo(
    full: Annotated[bool, typer.Option("--full", help="All 200 holdout tasks instead of the default slice.")] = False,
    limit: Annotated[int | None, typer.Option(help="Holdout tasks (default: the demo file's slice).")] = None,
    no_sft: Annotated[bool, typer.Option("--no-sft", help="Skip the corpus, LoRA SFT and student eval steps.")] = False,
    runs_dir: RunsDir = None,
    events: Events = "rich",
) -> None:
    """The main job on the embedded default: SmolLM2-135M eval, offline corpus, LoRA SFT, student eval, report."""
    from engine.demo import DEMO_EXPERIMENT, run_demo

    rd = _runs_dir(runs_dir)
    reporter = _reporter(events)
    try:
        results = run_demo(rd, reporter, full=full, limit=limit, sft=not no_sft, events=events)
    finally:
        stop = getattr(reporter, "stop", None)
        if stop:
            stop()
    if any(r.status != "finished" for r in results):
        _fail("the demo did not finish: " + ", ".join(f"{r.run_id} {r.status}" for r in results), 1)
    report(runs_dir=rd, as_json=False, experiment=DEMO_EXPERIMENT, path=None, config=None, run=None, boot=2000)


@data_app.command("validate")
@_guard
def data_validate(
    file: Annotated[Path, typer.Argument(help="A skills/tasks/corpus .jsonl file or an experiment .toml.")],
    kind: Annotated[
        str | None, typer.Option(help="skills | tasks | corpus | experiment (default: from the name)")
    ] = None,
    skills: Annotated[Path | None, typer.Option(help="Skills file to check task skill ids against.")] = None,
) -> None:
    """Validate a data file; errors name the file, the line and the field."""
    from engine.data import loader

    kind = kind or loader.guess_kind(file)
    if kind is None:
        _fail(f"{file}: cannot tell the file kind from its name; pass --kind")
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
        _fail(f"unknown kind '{kind}'")
    typer.echo(f"OK {file}: {len(rows)} {kind} rows")


@data_app.command("build-suite")
def data_build_suite(out: Annotated[Path, typer.Option(help="Output directory.")] = Path("data/suite")) -> None:
    """Rebuild the bundled 40-skill suite deterministically from code."""
    from engine.data.suite.builder import write_suite

    counts = write_suite(out)
    typer.echo(f"wrote {out}: {counts}")


def _register_plugins() -> None:
    """Sub-commands that live with their part of the engine (kept light: heavy imports are lazy)."""
    try:
        from engine.train.cli import register
    except ImportError:
        return
    register(app)
    from engine.study_cli import register as register_study

    register_study(app)


_register_plugins()


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
