"""The per-episode `items` table of `engine export`, loaded with the real Hugging Face `datasets` library
(`datasets.load_dataset("parquet", data_files=...)`, offline, its cache in the test's directory)."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.store import human
from engine.store.db import Store

FIXTURE = Path(__file__).resolve().parent / "data" / "lmeval" / "tiny-org__tiny-model"
DATE = "2025-01-02T03-04-05.678901"
STRICT, FLEX = "exact_match:strict-match", "exact_match:flexible-extract"


def test_items_table_loads_with_datasets_one_row_per_episode(
    runs_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    files = [str(FIXTURE / f"samples_{t}_{DATE}.jsonl") for t in ("arith", "arith_skill")]
    runner = CliRunner()
    args = [
        "import",
        "lmeval",
        *files,
        "--baseline",
        "arith",
        "--treatment",
        "arith_skill",
        "--runs-dir",
        str(runs_dir),
    ]
    assert runner.invoke(app, args).exit_code == 0
    with Store.open(runs_dir) as store:
        store.ingest()
        eid = store.query("SELECT episode_id FROM episodes ORDER BY episode_id LIMIT 1")[0][0]
        human.adjudicate(store.con, runs_dir, eid, "fail", "wrong sum")
        store.ingest()
        want = {
            (r[0], r[1]): (r[2], r[3])
            for r in store.query("SELECT episode_id, judge_id, verdict, rationale FROM judgments")
        }
        episodes = {r[0]: r[1:] for r in store.query("SELECT episode_id, condition, task_id, completion FROM episodes")}
    out = tmp_path / "export"
    res = runner.invoke(app, ["export", "-o", str(out), "-f", "parquet", "--runs-dir", str(runs_dir)])
    assert res.exit_code == 0, res.output
    assert str(out / "items.parquet") in res.output

    import datasets

    ds = datasets.load_dataset("parquet", data_files=str(out / "items.parquet"), split="train", cache_dir=str(tmp_path))
    assert ds.num_rows == len(episodes) == 16
    for judge in (STRICT, FLEX, "human"):
        assert f"verdict_{judge}" in ds.column_names and f"rationale_{judge}" in ds.column_names
    for col in ("episode_id", "condition", "config_id", "task_id", "skill_id", "model", "completion", "target"):
        assert col in ds.column_names
    assert ds.features["verdict_" + STRICT].dtype == "string"
    for row in ds:
        assert (row["condition"], row["task_id"], row["completion"]) == episodes[row["episode_id"]]
        assert row["config_id"] == "tiny-org-tiny-model" and row["model"] == "tiny-org/tiny-model"
        for judge in (STRICT, FLEX, "human"):
            got = (row[f"verdict_{judge}"], row[f"rationale_{judge}"])
            assert got == want.get((row["episode_id"], judge), (None, None))
    assert sum(r["verdict_human"] is not None for r in ds) == 1
    assert pq.read_table(out / "items.parquet").num_rows == 16  # the same file, read without datasets
