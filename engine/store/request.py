"""What a run is asked to do: `RunRequest`, the one definition of a run's options.

Its fields carry the flags and help of `engine run` / `engine judge` (the CLI builds its typer
options from them, `RunRequest.flag`), `options.json` keeps the fields of `SavedOptions` (written
and read by `engine.store.manifest`, read back by `engine resume`), and `to_argv` is the command
line the cockpit launches. The executor is checked here only (`check_executor`). No file I/O and
no pydantic: the CLI imports this module at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal, get_args

from engine.events import RunKind

Executor = Literal["local", "ray"]  # where local models generate and LLM judges on local models judge
Placement = Literal["local", "ray", "ray task"]  # run.json's executor: "ray task" for a run that is a Ray task
Schedule = Literal["pipelined", "sequential"]
EXECUTORS: tuple[Executor, ...] = get_args(Executor)


class OptionError(ValueError):
    """A run option that cannot be: `option` is its field (`executor`, `address`)."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        self.option = option


def check_executor(executor: str, address: str | None = None) -> Executor:
    """The executor a command line or a form names, with its Ray address (only with ray); an
    OptionError naming the option otherwise. The one check of every `--executor` (run, resume,
    judge, sweep, the cockpit's forms)."""
    for ex in EXECUTORS:
        if executor == ex:
            if address is not None and ex != "ray":
                raise OptionError("address", "--address needs --executor ray")
            return ex
    raise OptionError("executor", f"--executor {executor!r}: expected {' or '.join(EXECUTORS)}")


@dataclass(frozen=True)
class Flag:
    """How a `RunRequest` field is spelled on the command line."""

    names: tuple[str, ...]  # the long flag first
    help: str


def _flag(*names: str, help: str) -> dict[str, Flag]:
    return {"flag": Flag(names, help)}


@dataclass
class RunRequest:
    """What a run is asked to do: `engine run` / `engine judge` / `engine resume`, and options.json."""

    runs_dir: Path
    experiment: Path | None = None  # the file (the command's argument); the Runner gets it loaded
    config_ids: list[str] | None = field(default=None, metadata=_flag("--config", "-c", help="Only these config ids."))
    # overrides of the experiment, applied when it is loaded (then kept in experiment.json)
    conditions: list[str] | None = field(default=None, metadata=_flag("--condition", help="Only these conditions."))
    judge_ids: list[str] | None = field(default=None, metadata=_flag("--judge", "-j", help="Only these judge ids."))
    limit: int | None = field(
        default=None, metadata=_flag("--limit", help="Only the first N holdout tasks (stratified by skill).")
    )
    samples: int | None = field(default=None, metadata=_flag("--samples", help="Samples per task and condition."))
    run_id: str | None = field(
        default=None, metadata=_flag("--run-id", help="Write into this run id (default: a new one).")
    )
    kind: RunKind = "eval"
    generate: bool = True  # False: `engine judge` (score stored episodes only)
    ingest: bool = True
    telemetry_interval: float = 1.0
    # "pipelined": API configs generate while local models do, and API judges score each episode as
    # it arrives; "sequential": one config after another, every LLM judge after all generation
    # (the schedule before pipelining, kept for the bench that measures the difference)
    schedule: Schedule = "pipelined"
    # "local" (this process) or "ray" (replica actors on the Ray cluster at `address`; None: Ray's
    # default). API calls stay in this process.
    executor: Executor = field(
        default="local",
        metadata=_flag(
            "--executor",
            help="Where local models generate and LLM judges on local models judge: local (this process) or "
            "ray (replica actors on a Ray cluster; the 'ray' extra). API configs and judges run here either way.",
        ),
    )
    address: str | None = field(
        default=None,
        metadata=_flag(
            "--address", help="--executor ray: the cluster (HOST:PORT, ray://HOST:PORT, auto; default: local)."
        ),
    )
    cost_limit: float | None = field(
        default=None,
        metadata=_flag(
            "--cost-limit",
            help="Stop cleanly once this start (or resume) has spent USD on priced configs and judges; "
            "resumable (`engine resume RUN --cost-limit USD` raises it). Default: the experiment's cost_limit_usd.",
        ),
    )
    probe: bool = field(
        default=True,
        metadata=_flag(
            "--probe/--no-probe",
            help="Before anything is written, ask each API server once whether it serves the run "
            "(reachable, key accepted, model known). --no-probe: offline or servers without /v1/models.",
        ),
    )
    # what run.json (and the cockpit's Runs column) calls the executor, when not `executor`
    executor_label: Placement | None = None

    def __post_init__(self) -> None:
        self.executor = check_executor(self.executor, self.address)
        if self.cost_limit is not None and not self.cost_limit > 0:
            raise OptionError("cost_limit", f"--cost-limit {self.cost_limit}: expected a positive amount in USD")

    @staticmethod
    def flag(name: str) -> Flag:
        """The command-line spelling of field `name` (the CLI builds its typer options from it)."""
        for f in fields(RunRequest):
            if f.name == name and "flag" in f.metadata:
                flag: Flag = f.metadata["flag"]
                return flag
        raise KeyError(name)

    @property
    def placement(self) -> Placement:
        return self.executor_label or self.executor

    @property
    def command(self) -> Literal["run", "judge"]:
        return "run" if self.generate else "judge"

    def to_argv(self) -> list[str]:
        """The `engine` arguments that ask for this request: `run EXP ...` or `judge EXP ...`, every
        set field by its flag (list fields once per item; the local executor is the default). Without
        `--runs-dir` and `--events`, which every command takes and the caller adds."""
        if self.experiment is None:
            raise ValueError("a command line needs the experiment file")
        argv = [self.command, str(self.experiment)]
        for f in fields(self):
            flag: Flag | None = f.metadata.get("flag")
            value = getattr(self, f.name)
            if flag is None or value is None or (f.name == "executor" and value == "local"):
                continue
            if isinstance(value, bool):  # a --x/--no-x switch: named when not its default
                if value != f.default:
                    argv.append(flag.names[0].split("/")[0 if value else 1])
                continue
            if self.command == "judge" and f.name in ("samples", "conditions", "run_id"):
                raise ValueError(f"engine judge takes no {flag.names[0]}")
            for item in value if isinstance(value, list) else [value]:
                argv += [flag.names[0], str(item)]
        return argv

    def saved(self) -> dict[str, Any]:
        """What options.json keeps (what `engine resume` asks again); a field added since options.json
        began (`cost_limit`) only when set, so a run without it writes what runs before it wrote."""
        saved = {f.name: getattr(self, f.name) for f in fields(SavedOptions)}
        if saved["cost_limit"] is None:
            del saved["cost_limit"]
        return saved


@dataclass
class SavedOptions:
    """options.json: the `RunRequest` fields `engine resume` asks again."""

    limit: int | None = None
    config_ids: list[str] | None = None
    judge_ids: list[str] | None = None
    kind: RunKind = "eval"
    generate: bool = True
    executor: Executor = "local"
    address: str | None = None
    cost_limit: float | None = None


def resumed(
    saved: RunRequest,
    executor: str | None = None,
    address: str | None = None,
    cost_limit: float | None = None,
    probe: bool = True,
) -> RunRequest:
    """`engine resume`'s request: the saved one, on another executor or cluster when asked (a new
    executor drops the saved address), with a new cost limit when given."""
    out = saved
    if cost_limit is not None or not probe:
        out = replace(saved, probe=probe, cost_limit=saved.cost_limit if cost_limit is None else cost_limit)
    if executor is None and address is None:
        return out
    return replace(
        out,
        executor=check_executor(executor or saved.executor, address),
        address=address,
    )
