"""The cockpit never loads the ML stack (nor matplotlib): start the app, visit every screen, export the
report, check sys.modules."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.cockpit.journals import write_fixture

ML = ("torch", "transformers", "peft", "trl", "vllm")

PROBE = r"""
import asyncio, json, sys
from pathlib import Path
from cockpit.app import CockpitApp
from cockpit.services.machine import fixed_sampler

async def main():
    app = CockpitApp(Path(sys.argv[1]), sampler=fixed_sampler(), background=False)
    async with app.run_test(size=(160, 50)) as pilot:
        for _ in range(200):
            if app.report is not None:
                break
            await pilot.pause(0.05)
        for key in ("2", "3", "4", "5", "6", "1", "question_mark", "escape", "n", "escape"):
            await pilot.press(key)
            await app.workers.wait_for_complete()
            await pilot.pause(0.1)
        assert app.report is not None
        await pilot.press("5")
        await pilot.press("ctrl+e")  # the paper report: drawn in a child process, never here
        for _ in range(2400):
            if app.last_export is not None:
                break
            await pilot.pause(0.05)
        assert app.last_export is not None and (app.last_export / "figures" / "forest.png").exists()
    print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))

asyncio.run(main())
"""


def test_app_leaves_the_ml_stack_unloaded(tmp_path: Path) -> None:
    runs = write_fixture(tmp_path / "runs")
    out = subprocess.run([sys.executable, "-c", PROBE, str(runs)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert "textual" in loaded
    assert "duckdb" in loaded
    assert not loaded & set(ML), loaded & set(ML)
    assert "matplotlib" not in loaded  # the report's figures were drawn by a child process


def test_importing_the_cockpit_is_light() -> None:
    code = "import cockpit.app, sys, json; print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert not loaded & set(ML)
    assert "duckdb" not in loaded
    assert "scipy" not in loaded  # opened in workers, after the first frame
