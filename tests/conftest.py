"""Shared fixtures. Model tests use the real embedded SmolLM2 (converted once into the cache dir)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.data import SUITE_DIR
from engine.data.loader import load_skills, load_tasks
from engine.data.schemas import Task

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "fixtures" / "mini"

pytest_plugins = ["tests.servers.fixtures"]


@pytest.fixture(scope="session", autouse=True)
def _default_runs_dir_outside_the_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A command a test runs without --runs-dir writes under a temporary directory, never into the
    checkout's runs/; the session fails if anything appeared there anyway."""
    repo_runs = ROOT / "runs"
    before = set(os.listdir(repo_runs)) if repo_runs.is_dir() else set()
    mp = pytest.MonkeyPatch()
    mp.setenv("SKILL_COCKPIT_RUNS", str(tmp_path_factory.mktemp("default-runs")))
    yield
    mp.undo()
    after = set(os.listdir(repo_runs)) if repo_runs.is_dir() else set()
    assert after == before, f"tests wrote into {repo_runs}: {sorted(after - before)}"


def mini_head(name: str) -> str:
    """The opening of an experiment file on the committed mini suite: its name, seed 0 and holdout."""
    holdout = f'[holdout]\nskills = "{MINI / "skills.jsonl"}"\ntasks = "{MINI / "tasks.jsonl"}"\n'
    return f'name = "{name}"\nseed = 0\n' + holdout


def engine_cmd(*args: str) -> list[str]:
    """The `engine` CLI of this interpreter (works without the venv's bin on PATH)."""
    return [sys.executable, "-m", "engine.cli", *args]


@pytest.fixture
def runs_dir(tmp_path: Path) -> Path:
    d = tmp_path / "runs"
    d.mkdir()
    return d


@pytest.fixture
def mini_experiment(tmp_path: Path) -> Path:
    """A copy of the mini experiment whose data paths point at the committed mini suite."""
    text = (MINI / "experiment.toml").read_text()
    text = text.replace('"skills.jsonl"', f'"{MINI / "skills.jsonl"}"').replace(
        '"tasks.jsonl"', f'"{MINI / "tasks.jsonl"}"'
    )
    p = tmp_path / "mini.toml"
    p.write_text(text)
    return p


@pytest.fixture(scope="session", autouse=True)
def _quiet_hf() -> None:
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def suite():
    """The committed bundled suite: (skills, tasks, {task_id: worked solution})."""
    skills = load_skills(SUITE_DIR / "skills.jsonl")
    tasks = load_tasks(SUITE_DIR / "tasks.jsonl", skills)
    solutions = [json.loads(line) for line in (SUITE_DIR / "solutions.jsonl").read_text().splitlines()]
    return skills, tasks, {s["task_id"]: s for s in solutions}


def by_skill(tasks: list[Task], skill_id: str) -> list[Task]:
    out = [t for t in tasks if t.skill_id == skill_id]
    assert len(out) == 15, skill_id
    return out


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """One local Ray instance of 2 CPUs per test module (the Ray tests); its GCS address lets
    subprocess drivers join it."""
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    yield ray
    ray.shutdown()
