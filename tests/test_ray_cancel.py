"""Cancel from the cockpit stops a whole Ray job: `launcher.cancel` (the cockpit's `c`) sends SIGTERM
to the driver, which journals the run as cancelled and kills its replica actors on the way out."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from cockpit.services import launcher
from engine.runs import run_status
from tests.conftest import engine_cmd
from tests.test_ray_executor import N, _episodes, _experiment


def _actors(ray: Any, run_id: str) -> list[str]:
    """The run's live named replica actors (the driver's namespace is its own: look in all)."""
    return sorted(a["name"] for a in ray.util.list_named_actors(all_namespaces=True) if a["name"].startswith(run_id))


@pytest.mark.slow
@pytest.mark.ray
def test_cockpit_cancel_stops_the_driver_and_its_actors(tmp_path: Path, cluster: Any) -> None:
    ray = cluster
    runs = tmp_path / "runs"
    run_id = "rayx-cancel"
    address = ray.get_runtime_context().gcs_address
    cmd = engine_cmd(
        "run", str(_experiment(tmp_path, replicas=2, batch_size=1)), "--runs-dir", str(runs), "--run-id", run_id,
        "--limit", str(N // 2), "--executor", "ray", "--address", address, "--events", "none",
    )  # fmt: skip
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 300
        while time.time() < deadline and p.poll() is None and not _episodes(runs):
            time.sleep(0.05)
        assert p.poll() is None, f"the run ended before the cancel: {p.stderr.read() if p.stderr else ''}"
        assert _actors(ray, run_id) == [f"{run_id}:smol-1", f"{run_id}:smol-2"]
        assert launcher.cancel(runs, run_id) == p.pid
        rc = p.wait(timeout=120)
    finally:
        if p.poll() is None:
            p.kill()
    assert rc != 0 and run_status(runs / run_id).status == "cancelled"
    assert len(_episodes(runs)) < N
    deadline = time.time() + 30
    while time.time() < deadline and _actors(ray, run_id):
        time.sleep(0.2)
    assert _actors(ray, run_id) == [], "a replica actor outlived the cancelled driver"
