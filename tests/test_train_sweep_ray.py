"""`engine sweep --executor ray` on a local Ray cluster (2 CPUs), with the real SmolLM2.

Trainings and evaluations run as Ray tasks writing their own runs; the driver writes the summary,
which has the local sweep's shape. A cluster with no node able to hold a task is refused before any
task starts, the shortfall named. SIGTERM to the driver cancels the tasks: exit 130, no summary, no
run left running.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from engine.models.base import BackendError
from engine.runs import run_status
from engine.store import journal as jr
from engine.store.manifest import read_info
from engine.train.sweep_ray import check_task_fits
from tests.conftest import engine_cmd
from tests.test_train_sweep import write_sweep

SWEEP = """
name = "r"
recipe = "{recipe}"
experiment = "exp.toml"
limit = 2
[[variants]]
id = "a"
[[variants]]
id = "b"
set = {{ lr = 1e-4, "lora.r" = 2 }}
"""


def _sweep_files(tmp: Path) -> Path:
    return write_sweep(tmp, SWEEP)


def test_a_cluster_without_room_for_a_task_is_refused_naming_it() -> None:
    assert check_task_fits([{"CPU": 2.0}]) == {"num_cpus": 1.0, "num_gpus": 0.0}
    assert check_task_fits([{"CPU": 8.0}, {"CPU": 4.0, "GPU": 1.0}]) == {"num_cpus": 1.0, "num_gpus": 1.0}
    with pytest.raises(BackendError, match=r"1 GPU \+ 1 CPU on one node\); nodes: 0 CPU, 2 GPU; 4 CPU, 0 GPU"):
        check_task_fits([{"CPU": 0.0, "GPU": 2.0}, {"CPU": 4.0}])
    with pytest.raises(BackendError, match="nodes: no nodes"):
        check_task_fits([])


def _shape(summary: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
    return [(r["variant"], r["config"], sorted(r)) for r in summary["rows"]]


@pytest.mark.slow
@pytest.mark.ray
def test_ray_sweep_reports_as_the_local_one(tmp_path: Path) -> None:
    ray = pytest.importorskip("ray")
    from engine.store.db import Store
    from engine.train.specs import load_sweep
    from engine.train.sweep import run_sweep
    from engine.train.sweep_ray import run_sweep_ray

    spec = load_sweep(_sweep_files(tmp_path))
    local = run_sweep(spec, tmp_path / "local", None, n_boot=100)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    try:
        runs = tmp_path / "ray"
        summary = run_sweep_ray(spec, runs, None, n_boot=100)
    finally:
        ray.shutdown()
    assert summary["status"] == "finished", summary
    assert _shape(summary) == _shape(local)
    assert [r["n_tasks"] for r in summary["rows"]] == [2, 2, 2]
    assert [r.get("steps") for r in summary["rows"]] == [None, 1, 1]
    for r in summary["rows"][1:]:
        assert (runs / r["run_id"] / "adapter" / "adapter_config.json").is_file()
    written = json.loads((runs / summary["eval_run"] / "sweep.json").read_text())
    assert written["rows"] == json.loads(json.dumps(summary["rows"], default=str))
    with Store.open(runs) as store:
        store.ingest()
        n_eps = store.count("episodes")
        kinds = sorted(k for (k,) in store.query("SELECT kind FROM runs"))
    # 3 configs x 2 tasks x 2 conditions, each generated once: the driver's eval run reuses them
    assert n_eps == 12
    assert kinds == ["eval"] * 4 + ["train"] * 2  # the base's, one per variant, the driver's
    # the tasks' runs say where they ran (the cockpit's Runs column); the driver's eval run is local
    executors = {d.name: getattr(read_info(d), "executor", None) for d in jr.run_dirs(runs)}
    assert executors.pop(summary["eval_run"]) == "local"
    assert set(executors.values()) == {"ray task"}, executors
    assert len(executors) == 5, executors


@pytest.mark.slow
@pytest.mark.ray
def test_sigterm_to_a_ray_sweep_cancels_its_tasks(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    sweep = _sweep_files(tmp_path)
    runs = tmp_path / "runs"
    cmd = engine_cmd("sweep", str(sweep), "--executor", "ray", "--runs-dir", str(runs), "--events", "none")
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 300
        while time.time() < deadline and p.poll() is None and not list(runs.glob(f"*/{jr.RUN_FILE}")):
            time.sleep(0.1)
        assert p.poll() is None, "the sweep ended before any task started"
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=180)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 130, err[-2000:]
    assert "sweep r: cancelled" in out and "Traceback" not in err
    statuses = {d.name: run_status(d).status for d in jr.run_dirs(runs)}
    assert statuses and "running" not in statuses.values(), statuses
    assert not list(runs.glob("*/sweep.json"))


def test_a_failed_task_is_reported_in_one_literal_line() -> None:
    from rich.console import Console

    from engine.train.sweep import render_sweep

    console = Console(record=True, width=200)
    render_sweep({"name": "r", "status": "failed", "error": "OSError: [bold]no adapter[/bold]"}, console)
    assert console.export_text().splitlines() == ["sweep r: failed", "error: OSError: [bold]no adapter[/bold]"]
