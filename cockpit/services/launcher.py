"""Starting, cancelling and resuming runs as detached child processes.

A run is `engine run ... --run-id ID --events none` in its own session (`start_new_session=True`),
with stdout and stderr going to `runs/<ID>/launch.log`, never to a pipe the UI owns: a crash or an
OOM in the run cannot take the cockpit down, and quitting the cockpit does not stop the run. The
cockpit picks the run id, so the run shows up at once; until the engine writes `run.json` the
launch is "starting" (from `launch.json`, which survives a cockpit restart).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

from engine import paths, runs
from engine import study as st
from engine.host import pid_alive
from engine.store import journal as jr
from engine.store import manifest
from engine.store.manifest import LAUNCH_FILE
from engine.store.request import RunRequest

LOG_FILE = "launch.log"
ROOT = paths.ROOT
_children: dict[int, subprocess.Popen[bytes]] = {}  # reaped by `reap()`, never waited on by the UI


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


def common_args(runs_dir: Path) -> list[str]:
    """What every launched `engine` command is told: the runs directory, and no progress output (the
    cockpit follows the run's journal)."""
    return ["--runs-dir", str(runs_dir), "--events", "none"]


def build_command(req: RunRequest, run_id: str) -> list[str]:
    """`engine run EXP ...` for an eval launched from the cockpit, into run `run_id`."""
    return engine_command(*replace(req, run_id=run_id).to_argv(), *common_args(req.runs_dir))


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
    manifest.write_launch(run_dir, manifest.LaunchInfo(proc.pid, list(cmd), time.time()))
    return proc.pid


def launch(req: RunRequest, run_id: str | None = None) -> tuple[str, int]:
    """Start a run of `req` (an experiment file) in `req.runs_dir`; returns (run id, pid)."""
    if req.experiment is None:
        raise ValueError("a launch needs an experiment file")
    name = req.experiment.stem
    try:
        from engine.config import load_experiment

        name = load_experiment(req.experiment).name
    except Exception:  # noqa: BLE001 - the child reports a bad file in its log
        pass
    run_id = run_id or req.run_id or new_run_id(name)
    pid = spawn(build_command(req, run_id), Path(req.runs_dir) / run_id)
    return run_id, pid


def resume(runs_dir: Path, run_id: str) -> int:
    runs.check_resumable(Path(runs_dir) / run_id)
    return spawn(engine_command("resume", run_id, *common_args(runs_dir)), Path(runs_dir) / run_id)


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
        info = manifest.read_launch(d)  # None: torn or not a launch (its log still says what happened)
        pid, started, kind = (info.pid, info.started_at, launch_kind(info.cmd)) if info else (0, 0.0, "eval")
        out.append(PendingLaunch(d.name, pid, started, pid_alive(pid), log_tail(d), kind))
    return out


def log_tail(run_dir: Path, n_bytes: int = 4000) -> str:
    p = run_dir / LOG_FILE
    try:
        with open(p, "rb") as f:
            f.seek(max(0, p.stat().st_size - n_bytes))
            return f.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return ""


# -- experiments ---------------------------------------------------------------------------------


def known_experiments(runs_dir: Path, experiments_dir: Path = paths.EXPERIMENTS_DIR) -> list[Path]:
    """Experiment files: the bundled data/experiments/*.toml and the files runs in runs_dir were started from."""
    found: dict[str, Path] = {}
    for p in sorted(experiments_dir.glob("*.toml")):
        found[str(p.resolve())] = p.resolve()
    for d in jr.run_dirs(Path(runs_dir)):
        info = manifest.read_info(d)
        src = info.experiment_path if info else None  # eval and judge runs' experiment files
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


# ------------------------------------------------------------------------------ study chains


def resume_study(runs_dir: Path, study_id: str) -> int:
    """Continue a chain that was killed or cancelled, detached (as launches are)."""
    chain = st.load_study(runs_dir, study_id)
    status = st.chain_status(chain)
    if status == "running":
        raise ValueError(f"study {study_id} is still running")
    if status == "finished":
        raise ValueError(f"study {study_id} is finished")
    cmd = engine_command("study", "--resume", study_id, *common_args(runs_dir))
    return spawn(cmd, chain.dir)


def cancel_study(runs_dir: Path, study_id: str) -> int:
    """SIGTERM to a chain's process: it stops the job in flight and the rest."""
    return st.cancel_study(runs_dir, study_id)
