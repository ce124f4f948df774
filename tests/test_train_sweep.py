"""`engine sweep`: train each recipe variant, evaluate base + students on the holdout, one summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

EXPERIMENT = """
name = "sweep-exp"
headline_path = "bench"
[holdout]
skills = "{suite}/skills.jsonl"
tasks = "{suite}/tasks.jsonl"
limit = 1
[[configs]]
id = "smol"
backend = "embedded"
model = "smollm2-135m-instruct"
size = "135M"
batch_size = 4
[configs.sampling]
max_tokens = 16
[[judges]]
id = "extractor"
kind = "answer_line"
[[paths]]
name = "bench"
answer_line = "extractor"
"""

SWEEP = """
name = "t"
recipe = "{recipe}"
experiment = "exp.toml"
[[variants]]
id = "a"
[[variants]]
id = "b"
set = {{ lr = 1e-4, "lora.r" = 2 }}
[[variants]]
id = "a-again"
"""


def write_sweep(tmp: Path, sweep: str = SWEEP) -> Path:
    """The demo recipe cut to 1 step on 2 corpus rows, the experiment and `sweep` in `tmp`: the sweep file."""
    recipe = tmp / "recipe.toml"
    recipe.write_text(
        (ROOT / "data" / "recipes" / "demo.toml")
        .read_text()
        .replace("../corpus/", f"{ROOT}/data/corpus/")
        .replace("corpus_limit = 48", "corpus_limit = 2")
        .replace("max_length = 512", "max_length = 416")
        .replace("[lora]", "max_steps = 1\n\n[lora]")
        .replace("last_layers = 10", "last_layers = 1")
    )
    (tmp / "exp.toml").write_text(EXPERIMENT.format(suite=ROOT / "data" / "suite"))
    (tmp / "sweep.toml").write_text(sweep.format(recipe=recipe))
    return tmp / "sweep.toml"


@pytest.mark.slow
def test_sweep_trains_evaluates_and_summarises(tmp_path: Path) -> None:
    from engine.events import ListReporter
    from engine.store.db import Store
    from engine.train.specs import load_sweep
    from engine.train.sweep import run_sweep

    spec = load_sweep(write_sweep(tmp_path))
    runs = tmp_path / "runs"
    summary = run_sweep(spec, runs, ListReporter(), n_boot=100)
    assert summary["status"] == "finished"
    assert summary["path"] == "bench"
    rows = {r["variant"]: r for r in summary["rows"]}
    assert set(rows) == {"(base)", "a", "b", "a-again"}
    for v in ("a", "b", "a-again"):
        r = rows[v]
        assert r["config"] == f"smol-sft-{v}"
        assert r["steps"] == 1
        assert r["n_tasks"] == 1
        assert r["pass_curated"] is not None
        assert len(r["pass_curated_ci"]) == 2
        assert "delta" in r
        assert "lift" in r
        assert len(r["lift_ci"]) == 2
    assert rows["b"]["set"] == {"lr": 1e-4, "lora.r": 2}
    # "a-again" retrains recipe "a" under another run id; CPU training is deterministic, so its adapter
    # is the same model state, stored and reported under the first id that evaluated it
    same_state = rows["a-again"].get("same_model_as") == "smol-sft-a"
    if same_state:
        assert rows["a-again"]["delta"] == rows["a"]["delta"]
        assert rows["a-again"]["lift"] == rows["a"]["lift"]
    n_configs = 3 if same_state else 4
    assert json.loads((runs / summary["eval_run"] / "sweep.json").read_text())["rows"] == json.loads(
        json.dumps(summary["rows"], default=str)
    )
    with Store.open(runs) as store:
        store.ingest()
        n_eps = store.count("episodes")
    assert n_eps == n_configs * 2  # configs x 1 task x 2 conditions

    # re-running: finished trainings are skipped, stored episodes are not regenerated
    again = run_sweep(spec, runs, None, n_boot=100)
    assert again["status"] == "finished"
    assert [r.get("delta") for r in again["rows"]] == [r.get("delta") for r in summary["rows"]]
    with Store.open(runs) as store:
        store.ingest()
        assert store.count("episodes") == n_configs * 2
        kinds = sorted(k for (k,) in store.query("SELECT kind FROM runs"))
    assert kinds == ["eval", "eval", "train", "train", "train"]
