"""Starting, cancelling and resuming runs as detached child processes.

A run is `engine run ... --run-id ID --events none` in its own session (`start_new_session=True`),
with stdout and stderr going to `runs/<ID>/launch.log`, never to a pipe the UI owns: a crash or an
OOM in the run cannot take the cockpit down, and quitting the cockpit does not stop the run. The
cockpit picks the run id, so the run shows up at once; until the engine writes `run.json` the
launch is "starting" (from `launch.json`, which survives a cockpit restart).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine import paths, runs
from engine.host import pid_alive
from engine.runs import LAUNCH_FILE
from engine.store import journal as jr

LOG_FILE = "launch.log"
ROOT = paths.ROOT
_children: dict[int, subprocess.Popen[bytes]] = {}  # reaped by `reap()`, never waited on by the UI


@dataclass
class LaunchRequest:
    experiment: Path
    configs: list[str] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)
    judges: list[str] = field(default_factory=list)
    limit: int | None = None
    samples: int | None = None
    executor: str = "local"  # local | ray: where local models generate and LLM judges on local models judge
    address: str | None = None  # executor ray: the cluster (None: a local Ray)


@dataclass(frozen=True)
class ExperimentChoice:
    path: Path
    name: str
    description: str
    configs: tuple[str, ...]
    conditions: tuple[str, ...]
    judges: tuple[str, ...]
    limit: int | None
    samples: int


@dataclass(frozen=True)
class PendingLaunch:
    run_id: str
    pid: int
    started_at: float
    alive: bool
    log_tail: str
    kind: str = "eval"  # what the launched command will record as the run's kind


# the engine sub-command a launch ran -> the kind its run will have
LAUNCH_KINDS = {"train": "train", "corpus": "corpus", "judge": "judge", "sweep": "sweep", "study": "study"}


def launch_kind(cmd: list[str]) -> str:
    """The kind of run a launch command starts: `engine train ...` -> train; run / resume -> eval."""
    try:
        sub = cmd[cmd.index("engine.cli") + 1]
    except (ValueError, IndexError):
        return "eval"
    return LAUNCH_KINDS.get(sub, "eval")


def engine_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "engine.cli", *args]


def new_run_id(experiment_name: str) -> str:
    return jr.new_run_id(experiment_name)


def executor_args(executor: str, address: str | None) -> list[str]:
    """`--executor ray [--address X]`; nothing for the local executor (the engine's default)."""
    if executor != "ray":
        return []
    return ["--executor", "ray", *(["--address", address] if address else [])]


def build_command(req: LaunchRequest, runs_dir: Path, run_id: str) -> list[str]:
    args = ["run", str(req.experiment), "--run-id", run_id, "--events", "none", "--runs-dir", str(runs_dir)]
    for c in req.configs:
        args += ["--config", c]
    for c in req.conditions:
        args += ["--condition", c]
    for j in req.judges:
        args += ["--judge", j]
    if req.limit is not None:
        args += ["--limit", str(req.limit)]
    if req.samples is not None:
        args += ["--samples", str(req.samples)]
    args += executor_args(req.executor, req.address)
    return engine_command(*args)


def spawn(cmd: list[str], run_dir: Path, *, cwd: Path | None = None) -> int:
    """Start `cmd` detached, logging to run_dir/launch.log; returns its pid."""
    run_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    with open(run_dir / LOG_FILE, "ab") as log:
        log.write(f"\n$ {' '.join(cmd)}\n".encode())
        log.flush()
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and CLI
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
            cwd=str(cwd or ROOT),
            env=env,
        )
    _children[proc.pid] = proc
    tmp = run_dir / (LAUNCH_FILE + ".tmp")
    tmp.write_text(json.dumps({"pid": proc.pid, "cmd": cmd, "started_at": time.time()}), encoding="utf-8")
    os.replace(tmp, run_dir / LAUNCH_FILE)
    return proc.pid


def launch(req: LaunchRequest, runs_dir: Path, run_id: str | None = None) -> tuple[str, int]:
    """Start a run of `req`; returns (run id, pid)."""
    name = req.experiment.stem
    try:
        from engine.config import load_experiment

        name = load_experiment(req.experiment).name
    except Exception:  # noqa: BLE001 - the child reports a bad file in its log
        pass
    run_id = run_id or new_run_id(name)
    pid = spawn(build_command(req, runs_dir, run_id), Path(runs_dir) / run_id)
    return run_id, pid


def resume(runs_dir: Path, run_id: str) -> int:
    runs.check_resumable(Path(runs_dir) / run_id)
    cmd = engine_command("resume", run_id, "--events", "none", "--runs-dir", str(runs_dir))
    return spawn(cmd, Path(runs_dir) / run_id)


def cancel(runs_dir: Path, run_id: str) -> int:
    """SIGTERM to the run's process (the engine stops cleanly after the call in flight)."""
    return runs.cancel(Path(runs_dir) / run_id)


def reap() -> None:
    """Collect exit statuses of children that finished (no zombies while the cockpit is open)."""
    for pid, proc in list(_children.items()):
        if proc.poll() is not None:
            del _children[pid]


def pending(runs_dir: Path) -> list[PendingLaunch]:
    """Launches whose engine has not written run.json yet (starting, or failed before starting)."""
    out: list[PendingLaunch] = []
    runs_dir = Path(runs_dir)
    if not runs_dir.is_dir():
        return out
    reap()
    for d in sorted(runs_dir.iterdir()):
        if not d.is_dir() or (d / jr.RUN_FILE).exists() or not (d / LAUNCH_FILE).exists():
            continue
        info = _read_json(d / LAUNCH_FILE)
        pid = int(info.get("pid") or 0)
        cmd = info.get("cmd")
        kind = launch_kind([str(c) for c in cmd]) if isinstance(cmd, list) else "eval"
        out.append(PendingLaunch(d.name, pid, float(info.get("started_at") or 0.0), pid_alive(pid), log_tail(d), kind))
    return out


def log_tail(run_dir: Path, n_bytes: int = 4000) -> str:
    p = run_dir / LOG_FILE
    try:
        with open(p, "rb") as f:
            f.seek(max(0, p.stat().st_size - n_bytes))
            return f.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return ""


def _read_json(p: Path) -> dict[str, Any]:
    try:
        return dict(json.loads(p.read_text(encoding="utf-8")))
    except (FileNotFoundError, json.JSONDecodeError, RecursionError, TypeError, ValueError):
        return {}


# -- experiments ---------------------------------------------------------------------------------


def known_experiments(runs_dir: Path, experiments_dir: Path = paths.EXPERIMENTS_DIR) -> list[Path]:
    """Experiment files: the bundled data/experiments/*.toml and the files runs in runs_dir were started from."""
    found: dict[str, Path] = {}
    for p in sorted(experiments_dir.glob("*.toml")):
        found[str(p.resolve())] = p.resolve()
    for d in jr.run_dirs(Path(runs_dir)):
        src = jr.read_run_info(d).get("experiment_path")
        if src and Path(src).is_file():
            found.setdefault(str(Path(src).resolve()), Path(src).resolve())
    return list(found.values())


def display_path(p: Path) -> str:
    """A path relative to the checkout or the working directory when it is under one of them."""
    p = Path(p).resolve()
    for base in (ROOT, Path.cwd()):
        try:
            return str(p.relative_to(base))
        except ValueError:
            continue
    return str(p)


def parse_experiment(path: Path) -> ExperimentChoice:
    """Read an experiment file (light: pydantic + tomllib); raises the engine's DataError."""
    from engine.config import load_experiment

    exp = load_experiment(path)
    return ExperimentChoice(
        path=Path(path),
        name=exp.name,
        description=exp.description,
        configs=tuple(c.id for c in exp.configs),
        conditions=tuple(exp.conditions),
        judges=tuple(j.id for j in exp.judges),
        limit=exp.holdout.limit,
        samples=exp.samples,
    )
