"""`engine run --set KEY=VALUE` overrides fields of the experiment file through the one spec loader
(dotted keys, TOML values), as `engine train --set` does for recipes. A bad override is bad input:
exit 2, one line naming the file and the field, nothing written."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from engine.store import journal as jr
from engine.store.db import Store
from engine.store.manifest import read_info
from tests.conftest import engine_cmd, mini_head

KEY_ENV = "SKC_TEST_SETS_KEY"


def _experiment(tmp: Path, base_url: str) -> Path:
    p = tmp / "exp.toml"
    p.write_text(
        mini_head("sets")
        + f"""
[[configs]]
id = "api-student"
backend = "openai"
base_url = "{base_url}"
model = "toy-student"
api_key_env = "{KEY_ENV}"
[[judges]]
id = "extractor"
kind = "answer_line"
"""
    )
    return p


def _engine(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, KEY_ENV: "sk-test-sets", "COLUMNS": "400"}
    return subprocess.run(engine_cmd(*args), capture_output=True, text=True, env=env, timeout=300)


@pytest.mark.server
def test_set_overrides_fields_and_explicit_options_win(tmp_path: Path, fault_server) -> None:
    exp = _experiment(tmp_path, fault_server.openai_url)
    runs = tmp_path / "runs"
    sets = ["name=renamed", "holdout.limit=2", 'conditions=["curated"]', "samples=3"]
    res = _engine(
        "run", str(exp), "--runs-dir", str(runs), "--events", "none", *(a for s in sets for a in ("--set", s)),
        "--samples", "2",
    )  # fmt: skip
    assert res.returncode == 0, res.stderr[-3000:]
    (run,) = jr.run_dirs(runs)
    assert getattr(read_info(run), "experiment", None) == "renamed"
    with Store.open(runs, fallback=None) as store:
        store.ingest()
        rows = store.query("SELECT condition, count(DISTINCT task_id), count(*) FROM episodes GROUP BY condition")
    # two tasks, the curated condition only, two samples each (--samples beats --set samples=3)
    assert rows == [("curated", 2, 4)]


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ("holdout.limit=many", "holdout.limit"),
        ("colour=1", "colour"),
        ("holdout.limit", "expected KEY=VALUE"),
    ],
)
def test_a_bad_set_is_bad_input(tmp_path: Path, item: str, expected: str) -> None:
    exp = _experiment(tmp_path, "http://127.0.0.1:9/v1")  # never reached: the spec fails first
    runs = tmp_path / "runs"
    res = _engine("run", str(exp), "--runs-dir", str(runs), "--events", "none", "--set", item)
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr
    assert expected in res.stderr
    assert res.stderr.startswith("error: ")
    assert not runs.exists() or not list(runs.iterdir())
