"""The wheel carries the bundled data: installed outside the checkout, the engine finds the suite
and the experiments through importlib.resources, not through the checkout's layout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

SOURCES = ("engine", "cockpit", "data", "pyproject.toml", "README.md")


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def test_installed_wheel_validates_the_bundled_suite_outside_the_checkout(tmp_path: Path) -> None:
    # build from a copy: an in-tree build would leave build/ and *.egg-info in the checkout
    src = tmp_path / "src"
    src.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, src / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    _run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path / "dist"), str(src)], tmp_path)
    (wheel,) = (tmp_path / "dist").glob("skill_cockpit-*.whl")
    site = tmp_path / "site"
    _run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)], tmp_path)
    shutil.rmtree(src)  # nothing left to fall back on but the installed copy

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(site)
    where = _run(
        [sys.executable, "-c", "import engine, engine.paths as p; print(engine.__file__); print(p.SUITE_DIR)"],
        elsewhere,
        env,
    ).split()
    module, suite = Path(where[0]), Path(where[1])
    assert module.is_relative_to(site), f"imported {module}, not the installed wheel under {site}"
    assert suite == site / "engine" / "bundled" / "suite"
    assert not (site / "engine" / "bundled").is_symlink()  # real files in the wheel, not a link to data/

    tasks = suite / "tasks.jsonl"
    out = _run([sys.executable, "-m", "engine.cli", "data", "validate", str(tasks)], elsewhere, env)
    assert out.strip() == f"OK {tasks}: 600 tasks rows"
    experiment = site / "engine" / "bundled" / "experiments" / "demo.toml"  # its ../suite paths resolve too
    out = _run([sys.executable, "-m", "engine.cli", "data", "validate", str(experiment)], elsewhere, env)
    assert out.startswith(f"OK {experiment}: experiment 'demo'"), out
