"""What every `engine` command group shares: option types, file arguments that may name bundled
data, one-line errors, the runs directory and the progress reporter. Only typer is imported at
module level.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

if TYPE_CHECKING:
    from engine.events import Reporter

RunsDir = Annotated[
    Path | None, typer.Option("--runs-dir", help="Runs directory (default: $SKILL_COCKPIT_RUNS or ./runs).")
]
Events = Annotated[str, typer.Option("--events", help="Progress output: rich | jsonl | none.")]


def request_option(name: str) -> Any:
    """The typer option of `RunRequest` field `name`, spelled as the manifest spells it (the flags the
    cockpit's command lines use, `RunRequest.to_argv`)."""
    from engine.store.request import RunRequest

    flag = RunRequest.flag(name)
    return typer.Option(*flag.names, help=flag.help)


Executor = Annotated[str, request_option("executor")]
Address = Annotated[str | None, request_option("address")]
Sets = Annotated[
    list[str] | None,
    typer.Option("--set", "-s", help="Override a field: KEY=VALUE (TOML value, dotted keys: lora.r=8). Repeatable."),
]


def bundled(path: Path | None) -> Path | None:
    """The callback of every file argument that may name a bundled file: typed as the README writes
    it (`data/experiments/demo.toml`) in any directory, it is found in the checkout or in the installed
    package's bundled data (`engine.paths.locate`). A path that exists from here, or that is found
    nowhere, comes back unchanged (the loader's error then names it as typed)."""
    if path is None:
        return None
    from engine.paths import locate

    return locate(path)


def fail(message: str, code: int = 2) -> NoReturn:
    from rich.console import Console
    from rich.text import Text

    Console(stderr=True).print(Text(f"error: {message}", style="red"))
    raise typer.Exit(code)


def guard(fn: Any) -> Any:
    """Turn bad input into a one-line error (file, line, field) and a non-zero exit."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from engine.data.loader import DataError
        from engine.data.prompts import LeakageError
        from engine.models.base import BackendError

        try:
            return fn(*args, **kwargs)
        except DataError as exc:
            fail(str(exc))
        except LeakageError as exc:
            fail(f"leakage check failed: {exc}")
        except BackendError as exc:
            fail(str(exc))
        except (FileNotFoundError, ValueError) as exc:
            fail(str(exc))
        except Exception as exc:
            from engine.events import journaled_failure

            journaled = journaled_failure(exc)
            if journaled is None:
                raise
            run_id, journal = journaled
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            fail(f"run {run_id} failed: {type(exc).__name__}: {first} (the traceback is in {journal})", code=1)

    return wrapper


def runs_dir(path: Path | None) -> Path:
    from engine.plan import resolve_runs_dir

    return resolve_runs_dir(path)


def reporter(events: str) -> Reporter:
    """The progress output `--events` asks for: rich (a live display), jsonl (stdout) or none."""
    if events == "jsonl":
        from engine.progress import JsonLinesReporter

        return JsonLinesReporter()
    if events == "none":
        from engine.events import NullReporter

        return NullReporter()
    from engine.progress import RichReporter

    return RichReporter()
