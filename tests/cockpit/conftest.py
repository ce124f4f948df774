"""Cockpit fixtures: journals written directly (fast, deterministic), an app factory, wait helpers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cockpit.app import CockpitApp
from cockpit.services.machine import fixed_sampler
from tests.cockpit.journals import write_fixture

SIZE = (160, 50)


@pytest.fixture
def fixture_runs(tmp_path: Path) -> Path:
    return write_fixture(tmp_path / "runs")


def make_app(runs_dir: Path, **kw: Any) -> CockpitApp:
    opts: dict[str, Any] = {
        "sampler": fixed_sampler(),
        "background": False,
        "blink": False,
        "timings": False,
        "display_dir": "runs",
    }
    opts.update(kw)
    return CockpitApp(runs_dir, **opts)


async def wait_for(pilot: Any, cond: Callable[[], bool], timeout: float = 20.0, what: str = "condition") -> None:
    """Let the app work until `cond()` holds (workers finish, messages get handled)."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)
    await pilot.pause()


async def settle(pilot: Any) -> None:
    """Wait until every worker is done and the screen has repainted."""
    app = pilot.app
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()
    await asyncio.sleep(0)


async def ready(pilot: Any) -> None:
    """The app has ingested, computed the report and listed the runs."""
    app = pilot.app
    await wait_for(pilot, lambda: app.report is not None and app.options is not None and bool(app.runs), what="startup")
    await settle(pilot)
