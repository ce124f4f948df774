"""A run's files beside its journal, written and read only here: what the run is (`RunInfo`,
`run.json`), what it was asked (`options.json`: `engine.store.request.RunRequest`), the experiment
it runs (`experiment.json`) and, until its process writes run.json, the process the cockpit
spawned (`LaunchInfo`, `launch.json`).

Every writer of `run.json` (the runner, training, corpus builds, human adjudication) goes through
`write_info` / `start_info`, every reader through `read_info`, as Inspect AI's recorder writes its
log header only through `log_init` / `log_start` / `log_finish`. The models are dataclasses,
validated with pydantic only when a file is read.

Journals written before this module read back unchanged (`tests/data/legacy_runs`): the keys of
`run.json` are the same, except that a training run names its recipe in `recipe` and a corpus build
its spec in `corpus_spec`; older files kept both under `experiment` and are read that way.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from engine.events import RunKind
from engine.host import this_host
from engine.store.request import Placement, RunRequest, SavedOptions

if TYPE_CHECKING:
    from engine.config import Experiment

RUN_FILE = "run.json"
OPTIONS_FILE = "options.json"
EXPERIMENT_FILE = "experiment.json"
LAUNCH_FILE = "launch.json"  # written by whoever spawns a run, before the engine writes run.json

RunStatus = Literal["running", "finished", "failed", "cancelled", "interrupted"]


# ----------------------------------------------------------------------------------- run.json


def read_json_object(path: Path) -> dict[str, Any]:
    """A run's JSON object file; {} when it is missing, torn or not an object."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, RecursionError, TypeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@dataclass(frozen=True, kw_only=True)
class RunInfo:
    """What a run is: its header, `runs/<run-id>/run.json`."""

    run_id: str
    kind: RunKind
    experiment: str | None = None  # eval and judge runs: the experiment's name ("human" for adjudication)
    experiment_path: str | None = None  # ... and the file it was loaded from
    started_at: float | None = None
    resumed_at: float | None = None  # the latest restart of a resumed run
    pid: int | None = None
    host: str | None = None  # where `pid` runs (set by `write_info` with the pid; None: before hosts were kept)
    total_episodes: int = 0
    total_judgments: int = 0
    executor: Placement | None = None  # None: a corpus build, adjudication, or a run from before executors
    # a training run
    recipe: str | None = None
    recipe_path: str | None = None
    base_model: str | None = None
    recipe_fp: str | None = None
    # a corpus build; what it kept once finished
    corpus_spec: str | None = None
    corpus_spec_path: str | None = None
    out: str | None = None
    rows_kept: int | None = None
    teacher_answers: int | None = None
    failed_judge: int | None = None
    # an import (engine import): the logs it read
    imported_from: tuple[str, ...] | None = None

    @property
    def title(self) -> str:
        """What the run runs, for lists: the experiment, the recipe or the corpus spec's name."""
        return self.experiment or self.recipe or self.corpus_spec or "?"

    @property
    def spec_path(self) -> str | None:
        """The file the run was started from: experiment, recipe or corpus spec."""
        return self.experiment_path or self.recipe_path or self.corpus_spec_path


_LEGACY = {"train": ("recipe", "recipe_path"), "corpus": ("corpus_spec", "corpus_spec_path")}


def _legacy(raw: dict[str, Any]) -> dict[str, Any]:
    """Before the manifest, a training run's recipe and a corpus build's spec were under `experiment`."""
    own = _LEGACY.get(str(raw.get("kind")))
    if own is None or own[0] in raw or "experiment" not in raw:
        return raw
    raw = dict(raw)
    raw[own[0]] = raw.pop("experiment")
    raw[own[1]] = raw.pop("experiment_path", None)
    return raw


M = TypeVar("M")


def _validate(model: type[M], raw: object) -> M:
    """`raw` as `model` (unknown keys ignored); pydantic's ValidationError otherwise."""
    from pydantic import TypeAdapter

    return TypeAdapter(model).validate_python(raw)


def _load(path: Path, model: type[M], missing: str) -> M:
    """A run's JSON file as `model`: FileNotFoundError(`missing`) when there is none, DataError
    naming the file and the field when it is not one."""
    from pydantic import ValidationError

    from engine.data.loader import DataError, loads_json

    try:
        return _validate(model, loads_json(path.read_bytes()))
    except FileNotFoundError:
        raise FileNotFoundError(missing) from None
    except ValidationError as exc:
        err = exc.errors()[0]
        raise DataError(str(path), None, ".".join(map(str, err["loc"])) or None, err["msg"]) from None
    except ValueError as exc:  # invalid JSON or nesting too deep
        raise DataError(str(path), None, None, f"invalid JSON: {exc}") from None


def write_info(run_dir: Path, info: RunInfo) -> RunInfo:
    """Write run.json whole and atomically; returns what was written. A header with a pid is written
    by the run's own process: the host is recorded with it (the pid is only meaningful there)."""
    if info.pid:
        info = replace(info, host=this_host())
    run_dir = Path(run_dir)
    tmp = run_dir / (RUN_FILE + ".tmp")
    data = {k: v for k, v in asdict(info).items() if v is not None}
    tmp.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    os.replace(tmp, run_dir / RUN_FILE)
    return info


def read_info(run_dir: Path) -> RunInfo | None:
    """run.json, or None when it is missing, torn or not a run header."""
    from pydantic import ValidationError

    raw = read_json_object(Path(run_dir) / RUN_FILE)
    if not raw:
        return None
    try:
        return _validate(RunInfo, _legacy(raw))
    except ValidationError:
        return None


def start_info(run_dir: Path, info: RunInfo, t0: float) -> RunInfo:
    """Write the header of a run starting at `t0`: a run resumed in its journal keeps its first start
    and records this one as `resumed_at`. Returns what was written."""
    prev = read_info(run_dir)
    if prev is not None:
        info = replace(info, started_at=prev.started_at or t0, resumed_at=t0)
    else:
        info = replace(info, started_at=t0, resumed_at=None)
    return write_info(run_dir, info)


def update_info(run_dir: Path, **changes: Any) -> None:
    """Add to a run's header what it learned since it started (a corpus build's rows kept)."""
    info = read_info(run_dir)
    if info is not None:
        write_info(run_dir, replace(info, **changes))


@dataclass(frozen=True)
class LaunchInfo:
    """`launch.json`: a run spawned by the cockpit, known by its process until run.json is written."""

    pid: int
    cmd: list[str]
    started_at: float


def write_launch(run_dir: Path, info: LaunchInfo) -> None:
    tmp = Path(run_dir) / (LAUNCH_FILE + ".tmp")
    tmp.write_text(json.dumps(asdict(info)), encoding="utf-8")
    os.replace(tmp, Path(run_dir) / LAUNCH_FILE)


def read_launch(run_dir: Path) -> LaunchInfo | None:
    """launch.json, or None when it is missing, torn or not one."""
    from pydantic import ValidationError

    try:
        return _validate(LaunchInfo, read_json_object(Path(run_dir) / LAUNCH_FILE))
    except ValidationError:
        return None


# ------------------------------------------------------------------------------- options.json


def write_request(run_dir: Path, req: RunRequest | dict[str, Any]) -> None:
    """options.json: the request's saved fields (or those of a request kept in a study plan)."""
    saved = req.saved() if isinstance(req, RunRequest) else asdict(_validate(SavedOptions, req))
    (Path(run_dir) / OPTIONS_FILE).write_text(json.dumps(saved), encoding="utf-8")


def read_request(run_dir: Path) -> RunRequest:
    """The request a run was started with, to continue it in its own journal (`engine resume`).

    FileNotFoundError when there is none; DataError naming the file and field when it is not one."""
    run_dir = Path(run_dir)
    saved = _load(run_dir / OPTIONS_FILE, SavedOptions, f"{run_dir} is not a resumable run (no {OPTIONS_FILE})")
    if saved.executor != "ray":  # an address given to the local executor was never used
        saved.address = None
    return RunRequest(runs_dir=run_dir.parent, run_id=run_dir.name, **asdict(saved))


def placement(run_dir: Path, info: RunInfo | None) -> Placement | None:
    """Where a run's local models generate: its header's executor, else (a run from before headers
    named it) the one options.json asked for; None while neither says (run.json not written yet)."""
    if info is not None and info.executor is not None:
        return info.executor
    from pydantic import ValidationError

    raw = read_json_object(Path(run_dir) / OPTIONS_FILE)
    if raw:
        try:
            return _validate(SavedOptions, raw).executor
        except ValidationError:
            return "local"
    return "local" if (Path(run_dir) / OPTIONS_FILE).exists() or (info and info.kind == "train") else None


# ---------------------------------------------------------------------------- experiment.json


def write_experiment(run_dir: Path, exp: Experiment | dict[str, Any], source: str | None = None) -> None:
    """experiment.json: the experiment as the run runs it (its file's path under `source`)."""
    if isinstance(exp, dict):
        data = dict(exp)
    else:
        data = exp.model_dump(mode="json")
        source = exp.source
    data["source"] = source
    (Path(run_dir) / EXPERIMENT_FILE).write_text(json.dumps(data, indent=1), encoding="utf-8")


def read_experiment(run_dir: Path) -> Experiment:
    """The experiment a run was started with, through the typed model of `engine.config`.

    FileNotFoundError when there is none; DataError naming the file and field when it is not one."""
    from engine.config import Experiment

    missing = f"{run_dir} is not a resumable run (no {EXPERIMENT_FILE})"
    return _load(Path(run_dir) / EXPERIMENT_FILE, Experiment, missing)
