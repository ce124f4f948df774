"""Recipe `report_to`: training logs to MLflow (local file store), W&B (offline) and TensorBoard through
TRL's own integrations, read back with each library's own reader; nothing reaches the network or home."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.data.loader import DataError
from engine.train.specs import load_recipe
from engine.train.tracking import tracking, tracking_env

ROOT = Path(__file__).resolve().parents[1]
DEMO_RECIPE = ROOT / "data" / "recipes" / "demo.toml"
TRACKING_VARS = [
    "MLFLOW_TRACKING_URI",
    "MLFLOW_EXPERIMENT_NAME",
    "MLFLOW_RUN_ID",
    "MLFLOW_ALLOW_FILE_STORE",
    "MLFLOW_DISABLE_TELEMETRY",
    "WANDB_MODE",
    "WANDB_PROJECT",
    "WANDB_DIR",
    "WANDB_CACHE_DIR",
    "WANDB_DATA_DIR",
    "WANDB_CONFIG_DIR",
    "WANDB_API_KEY",
    "WANDB_SILENT",
    "WANDB_CONSOLE",
    "WANDB_ERROR_REPORTING",
    "TENSORBOARD_LOGGING_DIR",
    "XDG_CONFIG_HOME",
    "XDG_CACHE_HOME",
    "XDG_DATA_HOME",
]


def recipe_file(tmp_path: Path, report_to: str) -> Path:
    p = tmp_path / "r.toml"
    p.write_text(
        'name = "t"\nbase_model = "embedded:smollm2-135m-instruct"\n'
        f'corpus = "{ROOT / "data" / "corpus" / "offline-corpus.jsonl"}"\nreport_to = {report_to}\n'
    )
    return p


def test_report_to_is_a_closed_list_off_by_default(tmp_path: Path) -> None:
    assert load_recipe(DEMO_RECIPE).report_to == []
    assert load_recipe(recipe_file(tmp_path, '["mlflow", "tensorboard"]')).report_to == ["mlflow", "tensorboard"]
    assert load_recipe(DEMO_RECIPE, {"report_to": "wandb"}).report_to == ["wandb"]  # --set report_to=wandb
    with pytest.raises(DataError) as err:
        load_recipe(recipe_file(tmp_path, '["mlflow", "neptune"]'))
    assert (err.value.path, err.value.line, err.value.field) == (str(tmp_path / "r.toml"), 4, "report_to.1")
    assert "'mlflow', 'wandb' or 'tensorboard'" in err.value.message
    with pytest.raises(DataError, match="named twice"):
        load_recipe(recipe_file(tmp_path, '["wandb", "wandb"]'))
    # where the logs go does not change the weights: the run fingerprint ignores it
    assert load_recipe(DEMO_RECIPE, {"report_to": ["mlflow"]}).fingerprint() == load_recipe(DEMO_RECIPE).fingerprint()
    res = CliRunner().invoke(app, ["train", str(recipe_file(tmp_path, '["comet"]')), "--runs-dir", str(tmp_path)])
    assert res.exit_code == 2
    assert "report_to" in res.output and "Traceback" not in res.output


def test_defaults_under_the_run_dir_and_variables_already_set_win(tmp_path: Path) -> None:
    run = tmp_path / "runs" / "r1"
    env = tracking_env(["mlflow", "wandb", "tensorboard"], run, "demo", {})
    assert env["MLFLOW_TRACKING_URI"] == (run / "mlruns").resolve().as_uri()
    assert env["MLFLOW_EXPERIMENT_NAME"] == env["WANDB_PROJECT"] == "demo"
    assert env["MLFLOW_DISABLE_TELEMETRY"] == "true"
    assert env["WANDB_MODE"] == "offline"
    assert env["WANDB_DIR"] == str(run.resolve())
    assert env["WANDB_CACHE_DIR"].startswith(str(run.resolve()))
    assert env["TENSORBOARD_LOGGING_DIR"] == str(run.resolve() / "tb")
    assert tracking_env([], run, "demo", {}) == {}
    assert set(tracking_env(["tensorboard"], run, "demo", {})) == {"TENSORBOARD_LOGGING_DIR"}
    mine = {"MLFLOW_TRACKING_URI": "http://127.0.0.1:5000", "WANDB_MODE": "online", "WANDB_PROJECT": "mine"}
    env = tracking_env(["mlflow", "wandb"], run, "demo", mine)
    assert not set(env) & set(mine)  # the researcher's own settings are kept
    assert "WANDB_CACHE_DIR" not in env  # online: W&B's own cache, not the run dir
    assert env["MLFLOW_EXPERIMENT_NAME"] == "demo"


def test_a_missing_integration_is_refused_before_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.train.run import train

    monkeypatch.setitem(sys.modules, "wandb", None)  # import wandb fails: as if not installed
    src = recipe_file(tmp_path, '["mlflow", "wandb"]')
    with pytest.raises(DataError) as err:
        train(load_recipe(src), tmp_path / "runs", run_id="r1")
    assert (err.value.path, err.value.line, err.value.field) == (str(src.resolve()), 4, "report_to")
    assert "pip install 'wandb'" in err.value.message
    assert not (tmp_path / "runs").exists()  # no run directory, no model loaded
    res = CliRunner().invoke(app, ["train", str(src), "--runs-dir", str(tmp_path / "runs")])
    assert res.exit_code == 2
    assert "report_to" in res.output and "pip install" in res.output
    # a sweep checks every variant before the first one trains
    from engine.train import specs, sweep

    spec = specs.load_sweep(ROOT / "data" / "sweeps" / "demo.toml")
    spec.variants[-1].set["report_to"] = ["wandb"]
    with pytest.raises(DataError, match="pip install 'wandb'"):
        sweep.load_sweep(spec)


# ------------------------------------------------------------------------ a real training


def wandb_records(path: Path) -> list[Any]:
    """The records of an offline W&B run file (`run-ID.wandb`), decoded with W&B's own protobuf.

    The file is a 7-byte header (":W&B", magic 0xBEE1, version) then LevelDB's log format: 32 KiB
    blocks of chunks, each a 7-byte header (crc32c, little-endian length, type: 1 full, 2 first,
    3 middle, 4 last) and its bytes; the chunks of a record join into one serialized `Record`."""
    from wandb.proto import wandb_internal_pb2

    data = path.read_bytes()
    assert data[:4] == b":W&B"
    out, pos, buf, block = [], 7, b"", 32768
    while pos + 7 <= len(data):
        left = block - pos % block
        if left < 7:  # block trailer
            pos += left
            continue
        _, length, kind = struct.unpack("<IHB", data[pos : pos + 7])
        if kind == 0 and length == 0:
            pos += left
            continue
        buf += data[pos + 7 : pos + 7 + length]
        pos += 7 + length
        if kind in (1, 4):
            rec = wandb_internal_pb2.Record()
            rec.ParseFromString(buf)
            out.append(rec)
            buf = b""
    return out


def test_the_environment_is_restored_after_a_training(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WANDB_PROJECT", "mine")
    monkeypatch.delenv("TENSORBOARD_LOGGING_DIR", raising=False)
    with pytest.raises(RuntimeError), tracking(["tensorboard", "wandb"], tmp_path, "demo") as where:
        assert os.environ["TENSORBOARD_LOGGING_DIR"] == where["tensorboard"].split(" ")[0]
        assert os.environ["WANDB_PROJECT"] == "mine"
        raise RuntimeError("the training failed")
    assert "TENSORBOARD_LOGGING_DIR" not in os.environ
    assert os.environ["WANDB_PROJECT"] == "mine"


@pytest.mark.slow
def test_training_logs_reach_mlflow_wandb_and_tensorboard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.models.embedded import cache_dir

    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in TRACKING_VARS}
    env |= {"HOME": str(home), "SKILL_COCKPIT_CACHE": str(cache_dir()), "PYTHONPATH": str(ROOT)}
    runs = tmp_path / "runs"
    sets = ["max_steps=3", "corpus_limit=4", "max_length=416", "batch_size=2", "save_steps=100", "lora.r=4",
            "lora.alpha=8", "lora.last_layers=2", 'report_to=["mlflow", "wandb", "tensorboard"]']  # fmt: skip
    cmd = [sys.executable, "-m", "engine.cli", "train", str(DEMO_RECIPE), "--run-id", "tracked",
           "--runs-dir", str(runs), "--events", "jsonl"] + [a for s in sets for a in ("--set", s)]  # fmt: skip
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    events = [json.loads(line) for line in proc.stdout.splitlines()]  # stdout stays pure JSON lines
    said = [e["message"] for e in events if str(e.get("message", "")).startswith("report_to ")]
    assert [m.split(":")[0] for m in said] == ["report_to mlflow", "report_to wandb", "report_to tensorboard"]
    run_dir = runs / "tracked"
    journal = {r["step"]: r["loss"] for r in map(json.loads, (run_dir / "train_steps.jsonl").read_text().splitlines())}
    assert sorted(journal) == [1, 2, 3]
    assert set(json.loads((run_dir / "result.json").read_text())["extra"]["report_to"]) == {
        "mlflow",
        "wandb",
        "tensorboard",
    }

    # MLflow: its client reads the local file store; the run is named after the run id, loss per step
    from mlflow.tracking import MlflowClient

    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    client = MlflowClient(tracking_uri=(run_dir / "mlruns").as_uri())
    exp = client.get_experiment_by_name("demo")
    assert exp is not None
    (mrun,) = client.search_runs([exp.experiment_id])
    assert mrun.info.run_name == "tracked"
    assert mrun.info.status == "FINISHED"
    history = {m.step: m.value for m in client.get_metric_history(mrun.info.run_id, "loss")}
    assert history.keys() == journal.keys()
    assert all(history[s] == pytest.approx(journal[s], rel=1e-4) for s in journal)
    assert "train_loss" in mrun.data.metrics

    # W&B offline: the run directory; its records (W&B's own protobuf) hold the run and the loss per step
    (offline,) = (run_dir / "wandb").glob("offline-run-*")
    (run_file,) = offline.glob("run-*.wandb")
    records = wandb_records(run_file)
    rows = []
    for rec in records:
        if rec.WhichOneof("record_type") == "history":
            row = {(i.key or "/".join(i.nested_key)): json.loads(i.value_json) for i in rec.history.item}
            if "train/loss" in row:
                rows.append(row)
    assert [r["train/global_step"] for r in rows] == [1, 2, 3]
    assert [r["train/loss"] for r in rows] == pytest.approx([journal[s] for s in (1, 2, 3)], rel=1e-4)
    run_recs = [rec.run for rec in records if rec.WhichOneof("record_type") == "run"]
    assert run_recs and run_recs[0].project == "demo" and run_recs[0].display_name == "tracked"

    # TensorBoard: the event file, read with TensorBoard's EventAccumulator
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(run_dir / "tb"))
    acc.Reload()
    scalars = {e.step: e.value for e in acc.Scalars("train/loss")}
    assert scalars == pytest.approx(journal, rel=1e-4)

    # nothing written to the home directory by the integrations
    leaked = [p for p in home.rglob("*") if "wandb" in p.name or "mlflow" in p.name]
    assert not leaked, leaked
