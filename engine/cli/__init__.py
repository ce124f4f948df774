"""`engine` command line: one module per command group, each registering its commands on `app`.

    run.py      run, resume, cancel, judge; ingest, runs      report.py  report
    interop.py  import inspect | lmeval, export
    demo.py     demo                                          data.py    data validate | build-suite
    train.py    corpus build, train, sweep                    study.py   study
    power.py    power (MDE of a design, tasks needed)
    common.py   option types, bundled file arguments, one-line errors, the runs directory, the reporter

Heavy imports (torch, transformers, SDKs, the analysis) happen inside the commands, so
`engine --help` stays instant.
"""

from __future__ import annotations

import sys

import typer

from engine.cli import data, demo, interop, power, report, run, study, train

app = typer.Typer(
    name="engine",
    help="Headless engine of the procedural-skill SFT cockpit: run, judge, report, export.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
run.register(app)
report.register(app)
interop.register(app)
run.register_store(app)
demo.register(app)
data.register(app)
train.register(app)  # typer only at import: torch and TRL load inside the commands
study.register(app)
power.register(app)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
