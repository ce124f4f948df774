"""`engine import inspect|lmeval` and `engine export`: other tools' eval logs in, the store's data out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from engine.cli.common import RunsDir, fail, guard
from engine.cli.common import runs_dir as runs_dir_of

Logs = Annotated[list[str], typer.Argument(help="Log files; COND=FILE gives every sample of FILE the condition COND.")]
ConditionField = Annotated[
    str | None,
    typer.Option("--condition", help="The field holding each sample's condition (a dotted path; see the README)."),
]
Baseline = Annotated[str, typer.Option("--baseline", help="The condition value that is no_skill.")]
Treatment = Annotated[str, typer.Option("--treatment", help="The condition value that is curated.")]
SkillField = Annotated[str | None, typer.Option("--skill", help="The field holding each sample's skill.")]
ConfigId = Annotated[str | None, typer.Option("--config", help="The config id of the (one) model in the logs.")]
Threshold = Annotated[
    float | None,
    typer.Option("--threshold", help="Numeric score values: >= T is pass (default: only 1/0 values are verdicts)."),
]
LlmScorers = Annotated[
    list[str] | None, typer.Option("--llm-scorer", help="A scorer that is an LLM judge (kind llm). Repeatable.")
]
Headline = Annotated[
    str | None, typer.Option("--headline", help="Pre-register this scorer's path as the report's headline.")
]

import_app = typer.Typer(
    help="Import another tool's per-sample eval logs as a finished run: then engine report gives Δ, "
    "McNemar and κ between scorers, and engine judge --audit draws episodes for people to adjudicate.",
    no_args_is_help=True,
)


def _do_import(backend: str, logs: list[str], fields: dict[str, str | None], runs_dir: Path | None, **m: Any) -> None:
    from engine.interop import write
    from engine.interop.inspect_in import MissingExtra
    from engine.interop.items import Mapping, split_source

    mapping = Mapping(
        baseline=m["baseline"],
        treatment=m["treatment"],
        threshold=m["threshold"],
        config=m["config"],
        llm_scorers=frozenset(m["llm_scorers"] or ()),
        headline=m["headline"],
    )
    if mapping.baseline == mapping.treatment:
        fail("--baseline and --treatment must differ")
    sources: list[tuple[str | None, Path]] = []
    for arg in logs:
        cond, path = (None, arg) if Path(arg).exists() else split_source(arg)
        if not Path(path).is_file():
            fail(f"{path}: no such file")
        if any(Path(path).resolve() == p.resolve() for _, p in sources):
            fail(f"{path}: the same file is given twice")
        sources.append((cond, Path(path)))
    if backend == "inspect":
        from engine.interop import inspect_in as reader
    else:
        from engine.interop import lmeval_in as reader  # type: ignore[no-redef]
    rd = runs_dir_of(runs_dir)
    try:
        items, judges = reader.read_sources(sources, fields, mapping)
    except MissingExtra as exc:
        fail(str(exc))
    run_id = write.run_id_of(backend, sources, mapping, {k: v or "" for k, v in fields.items()})
    res = write.write_import(rd, run_id, items, judges, mapping, [p for _, p in sources])
    if res.already:
        typer.echo(
            f"already imported as run {res.run_id} ({res.episodes} episodes, {res.judgments} judgments): "
            "nothing written"
        )
        return
    typer.echo(
        f"imported {res.episodes} episodes and {res.judgments} judgments from {len(sources)} file(s) "
        f"as run {res.run_id} "
        f"(configs: {', '.join(res.configs)}; judges: {', '.join(res.judges)})"
    )
    for w in res.warnings:
        typer.echo(f"warning: {w}", err=True)
    typer.echo(f"next: engine report --run {res.run_id}   (engine judge --audit N: a sample for people to adjudicate)")


@import_app.command("inspect")
@guard
def import_inspect(
    logs: Logs,
    condition: ConditionField = None,
    baseline: Baseline = "no_skill",
    treatment: Treatment = "curated",
    task: Annotated[str, typer.Option("--task", help="The field naming the task (default: the sample id).")] = "id",
    skill: SkillField = None,
    config: ConfigId = None,
    threshold: Threshold = None,
    llm_scorer: LlmScorers = None,
    headline: Headline = None,
    runs_dir: RunsDir = None,
) -> None:
    """Inspect AI eval logs (.eval, .json): sample → task, model → config, scorer → judge (the 'inspect' extra)."""
    _do_import(
        "inspect",
        logs,
        {"task": task, "condition": condition, "skill": skill},
        runs_dir,
        baseline=baseline,
        treatment=treatment,
        threshold=threshold,
        config=config,
        llm_scorers=llm_scorer,
        headline=headline,
    )


@import_app.command("lmeval")
@guard
def import_lmeval(
    logs: Logs,
    condition: ConditionField = None,
    baseline: Baseline = "no_skill",
    treatment: Treatment = "curated",
    task: Annotated[str, typer.Option("--task", help="The field naming the task (default: doc_id).")] = "doc_id",
    skill: SkillField = None,
    config: ConfigId = None,
    threshold: Threshold = None,
    llm_scorer: LlmScorers = None,
    headline: Headline = None,
    runs_dir: RunsDir = None,
) -> None:
    """lm-evaluation-harness per-sample logs (samples_*.jsonl of --log_samples): doc → task, metric → judge."""
    _do_import(
        "lm-eval",
        logs,
        {"task": task, "condition": condition, "skill": skill},
        runs_dir,
        baseline=baseline,
        treatment=treatment,
        threshold=threshold,
        config=config,
        llm_scorers=llm_scorer,
        headline=headline,
    )


@guard
def export(
    run: Annotated[str | None, typer.Argument(help="--format inspect: the run to export.")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path("export"),
    fmt: Annotated[str, typer.Option("--format", "-f", help="parquet | csv | both | inspect")] = "both",
    runs_dir: RunsDir = None,
) -> None:
    """Every store table, the long scores table and the per-episode items table as Parquet and/or CSV;
    or, with --format inspect RUN, the run's episodes as Inspect AI logs (inspect view opens them)."""
    from engine.store.db import Store

    if fmt not in ("parquet", "csv", "both", "inspect"):
        fail("--format must be parquet, csv, both or inspect")
    if fmt == "inspect" and run is None:
        fail("--format inspect exports one run: engine export --format inspect RUN (engine runs lists them)")
    if fmt != "inspect" and run is not None:
        fail("a RUN is exported only with --format inspect; parquet and csv export the whole store")
    if fmt == "inspect":
        from engine.interop.inspect_in import MissingExtra, inspect_log_api

        try:
            inspect_log_api()
        except MissingExtra as exc:
            fail(str(exc))
    with Store.open(runs_dir_of(runs_dir)) as store:
        store.ingest()
        if fmt == "inspect":
            from engine.interop.inspect_out import export_run

            written = export_run(store.con, str(run), out)
        else:
            from engine.export import export_store

            written = export_store(store.con, out, fmt)
    for p in written:
        typer.echo(str(p))


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
    app.command()(export)
