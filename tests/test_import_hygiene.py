"""Boundaries: the engine never imports the UI; the CLI's start-up stays free of the ML stack."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import engine

UI = ("textual", "plotext", "textual_plotext", "cockpit")
ML = ("torch", "transformers", "peft", "trl", "vllm", "ray")


def _loaded_after(code: str) -> set[str]:
    probe = code + "\nimport sys, json\nprint(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return set(json.loads(out.strip().splitlines()[-1]))


def _engine_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(engine.__path__, "engine."):
        if info.name.startswith("engine.models.vllm"):
            continue  # imports vllm only inside functions; the module itself is light
        names.append(info.name)
    return names


def test_no_engine_module_imports_the_ui() -> None:
    mods = _engine_modules()
    assert len(mods) > 20
    code = "\n".join(f"import {m}" for m in mods)
    loaded = _loaded_after(code)
    assert not (loaded & set(UI)), loaded & set(UI)


def test_cli_startup_is_light() -> None:
    loaded = _loaded_after("import engine.cli")
    assert not (loaded & set(UI + ML)), loaded & set(UI + ML)


def test_store_and_analysis_are_light() -> None:
    loaded = _loaded_after("import engine.store.db, engine.analysis, engine.runner, engine.telemetry")
    assert not (loaded & set(UI + ML)), loaded & set(UI + ML)


def test_engine_help_answers_quickly() -> None:
    res = subprocess.run([sys.executable, "-m", "engine.cli", "--help"], capture_output=True, text=True, timeout=30)
    assert res.returncode == 0
    assert "run" in res.stdout
    assert "report" in res.stdout
