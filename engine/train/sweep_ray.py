"""`engine sweep --executor ray`: each variant's training, then its evaluation, as Ray tasks.

The variants train in parallel, one Ray task each (one GPU when the cluster has any, else one
CPU); each variant's evaluation is a task that waits on its training (the student's episodes only),
and the base's evaluation is one more task that starts at once. Every task writes its own journal
run under the runs directory, which must therefore be shared storage (the same path on every node;
on a one-machine cluster it is). The driver then does what the local sweep does after training:
one eval run of the whole sweep experiment, which finds every episode journaled and regenerates
none, and the summary (`sweep.json`), so the report is the local sweep's.

Everything that can be checked is checked before any task starts: the experiment, the recipes,
the corpora, Ray itself (the one-line hint when the extra is missing), the cluster's address, and
whether one node can hold a task at all (the shortfall is named). On SIGTERM/SIGINT the driver
cancels its tasks (Ray interrupts a running one; the training or eval run inside journals itself as
cancelled or failed) and the sweep reports `cancelled`; re-running it resumes as the local one does.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from engine.events import LogMessage, Reporter
from engine.models.base import BackendError
from engine.store.request import Placement
from engine.train.specs import SweepSpec

RAY_TASK: Placement = "ray task"  # the executor a task's run records (it trains or generates where the task runs)


def task_need(has_gpus: bool) -> dict[str, float]:
    """What one training or evaluation task asks of a node."""
    return {"num_cpus": 1.0, "num_gpus": 1.0 if has_gpus else 0.0}


def check_task_fits(nodes: list[dict[str, float]]) -> dict[str, float]:
    """The need of one task, or a BackendError naming the shortfall when no node can hold one."""
    has_gpus = any(n.get("GPU", 0) > 0 for n in nodes)
    need = task_need(has_gpus)
    if not any(n.get("CPU", 0) >= need["num_cpus"] and n.get("GPU", 0) >= need["num_gpus"] for n in nodes):
        have = "; ".join(f"{n.get('CPU', 0):g} CPU, {n.get('GPU', 0):g} GPU" for n in nodes) or "no nodes"
        what = "1 GPU + 1 CPU" if need["num_gpus"] else "1 CPU"
        raise BackendError(f"the Ray cluster lacks resources for a sweep task ({what} on one node); nodes: {have}")
    return need


def _train_task(recipe: Any, runs_dir: str, run_id: str) -> dict[str, Any]:
    from engine.train.run import train

    res = train(recipe, Path(runs_dir), None, run_id=run_id, executor=RAY_TASK)
    return {
        "run_id": res.run_id,
        "status": res.status,
        "steps": res.step,
        "loss_start": res.loss_start,
        "loss_end": res.loss_end,
        "adapter": str(res.adapter) if res.adapter is not None else None,
        "error": res.error,
    }


def _eval_task(exp: Any, config_ids: list[str], runs_dir: str, limit: int | None, gate: Any = None) -> dict[str, Any]:
    """Episodes of `config_ids` only; `gate` is the training this evaluation waited for (its student
    is built here, from the adapter the training wrote)."""
    from engine.runner import Runner
    from engine.store.request import RunRequest
    from engine.train.student import sft_config, with_students

    if gate is not None:
        if gate["status"] not in ("finished", "skipped") or not gate["adapter"]:
            return {"status": "skipped", "run_id": None}
        base = exp.config(config_ids[0])
        student = sft_config(base, gate["adapter"], config_ids[1])
        exp = with_students(exp, base, [student], name=exp.name)
        config_ids = [student.id]
    # no ingest: the store is one DuckDB file that one process at a time may write; the driver ingests
    opts = RunRequest(
        runs_dir=Path(runs_dir), limit=limit, config_ids=config_ids, ingest=False, executor_label=RAY_TASK
    )
    result = Runner(exp, opts).run()
    return {"status": result.status, "run_id": result.run_id, "error": result.error}


def run_sweep_ray(
    spec: SweepSpec,
    runs_dir: Path,
    reporter: Reporter | None = None,
    *,
    limit: int | None = None,
    n_boot: int = 2000,
    address: str | None = None,
) -> dict[str, Any]:
    from engine.models import ray_cluster
    from engine.signals import install_stop_handlers, restore_handlers
    from engine.train.run import deterministic_run_id, require_corpus
    from engine.train.student import with_students
    from engine.train.sweep import load_sweep, variant_config_id

    exp, base, recipes = load_sweep(spec)
    for _, r in recipes:
        require_corpus(r)
    ray = ray_cluster.import_ray()
    joined = ray_cluster.connect(address)
    try:
        opts = _task_options(check_task_fits(ray_cluster.alive_nodes()))
        train_fn = ray.remote(_train_task).options(**opts)
        eval_fn = ray.remote(_eval_task).options(**opts)
        rd = str(Path(runs_dir).resolve())
        n = limit or spec.limit
        stop = threading.Event()
        refs: list[Any] = []

        def cancel() -> None:
            stop.set()
            for ref in refs:
                ray.cancel(ref, recursive=True)

        previous = install_stop_handlers(cancel)
        try:
            base_exp = with_students(exp, base, [], name=f"sweep-{spec.name}")
            refs.append(eval_fn.remote(base_exp, [base.id], rd, n))
            train_refs = []
            for v, recipe in recipes:
                tr = train_fn.remote(recipe, rd, deterministic_run_id(f"sweep-{spec.name}-{v.id}", recipe))
                train_refs.append(tr)
                refs += [tr, eval_fn.remote(base_exp, [base.id, variant_config_id(base.id, v.id)], rd, n, tr)]
            _log(
                reporter,
                f"sweep {spec.name}: {len(refs)} Ray tasks ({len(recipes)} trainings and evaluations, the base's)",
            )
            outcomes = _gather(ray, refs, stop)
        finally:
            restore_handlers(previous)
    finally:
        if joined:
            ray_cluster.disconnect()
    if stop.is_set():
        return {"name": spec.name, "status": "cancelled", "variants": {}}
    trains = [outcomes[refs.index(tr)] for tr in train_refs]
    return _summarise(spec, exp, base, recipes, trains, outcomes, runs_dir, reporter, limit, n_boot)


def _task_options(need: dict[str, float]) -> dict[str, Any]:
    """Ray options of a training or evaluation task: its resources, no retry (a task's run resumes
    on the next sweep instead), the driver's cache and offline settings."""
    from engine.models.ray_cluster import WORKER_ENV

    opts: dict[str, Any] = {**need, "max_retries": 0}
    env = {k: os.environ[k] for k in WORKER_ENV if k in os.environ}
    if env:
        opts["runtime_env"] = {"env_vars": env}
    return opts


def _summarise(
    spec: SweepSpec,
    exp: Any,
    base: Any,
    recipes: list[Any],
    trains: list[dict[str, Any]],
    outcomes: list[dict[str, Any]],
    runs_dir: Path,
    reporter: Reporter | None,
    limit: int | None,
    n_boot: int,
) -> dict[str, Any]:
    """The local sweep's summary from the tasks' outcomes (`trains`: the trainings', in recipe order),
    or the first failure."""
    from engine.train.student import sft_config, with_students
    from engine.train.sweep import evaluate_and_summarise, variant_config_id

    trained: dict[str, dict[str, Any]] = {}
    students = []
    for (v, _), res in zip(recipes, trains, strict=True):
        trained[v.id] = {k: res[k] for k in ("run_id", "status", "steps", "loss_start", "loss_end")} | {"set": v.set}
        if res["status"] not in ("finished", "skipped") or res["adapter"] is None:
            return {"name": spec.name, "status": res["status"], "error": res.get("error"), "variants": trained}
        students.append(sft_config(base, res["adapter"], variant_config_id(base.id, v.id)))
    for res in outcomes:
        if res.get("status") not in ("finished", "skipped"):
            return {"name": spec.name, "status": res["status"], "error": res.get("error"), "variants": trained}
    sweep_exp = with_students(exp, base, students, name=f"sweep-{spec.name}")
    return evaluate_and_summarise(spec, sweep_exp, base, students, runs_dir, trained, reporter, limit, n_boot)


def _gather(ray: Any, refs: list[Any], stop: threading.Event) -> list[dict[str, Any]]:
    """Every task's result (a task that raised: status failed with its last line); waits in short
    slices so a stop signal is handled while tasks run."""
    from ray.exceptions import RayError, TaskCancelledError

    waiting = list(refs)
    while waiting and not stop.is_set():
        _, waiting = ray.wait(waiting, num_returns=len(waiting), timeout=1.0)
    out: list[dict[str, Any]] = []
    for ref in refs:
        try:
            out.append(ray.get(ref, timeout=None if not stop.is_set() else 60))
        except TaskCancelledError:
            out.append({"status": "cancelled"})
        except RayError as exc:
            lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
            out.append({"status": "failed", "error": lines[-1] if lines else type(exc).__name__})
    return out


def _log(reporter: Reporter | None, message: str) -> None:
    if reporter is not None:
        reporter.emit(LogMessage("", level="info", message=message))
