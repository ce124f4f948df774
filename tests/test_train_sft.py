"""LoRA SFT on CPU: the loss falls (read from the journaled train steps), the adapter is saved, and the
trained student is evaluated by the runner as a new config next to its base, with a lift row."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.config import ConfigSpec, Experiment, HoldoutSpec, JudgeSpec, Sampling
from engine.events import ListReporter, TrainStepLogged
from engine.runner import Runner, RunRequest
from engine.train.run import train
from engine.train.specs import load_recipe
from engine.train.student import check_base, sft_config, student_toml, with_students

ROOT = Path(__file__).resolve().parents[1]
DEMO_RECIPE = ROOT / "data" / "recipes" / "demo.toml"

# the demo recipe on a slice: the 4 shortest-fitting rows, 3 epochs (the loss must fall on seen data)
TINY = {
    "corpus_limit": 4,
    "max_length": 416,
    "drop_long": True,
    "batch_size": 2,
    "epochs": 3,
    "lr": 3e-3,
    "warmup": 0.0,
    "lr_scheduler": "constant",
    "save_steps": 100,
    "lora.r": 8,
    "lora.alpha": 16,
    "lora.last_layers": 4,
}


def tiny_experiment() -> Experiment:
    base = ConfigSpec(
        id="smol",
        backend="embedded",
        model="smollm2-135m-instruct",
        size="135M",
        batch_size=8,
        sampling=Sampling(max_tokens=24),
    )
    return Experiment(
        name="sft-test",
        holdout=HoldoutSpec(
            skills=str(ROOT / "data" / "suite" / "skills.jsonl"),
            tasks=str(ROOT / "data" / "suite" / "tasks.jsonl"),
            limit=2,
        ),
        configs=[base],
        judges=[JudgeSpec(id="extractor", kind="answer_line")],
    )


@pytest.mark.slow
def test_train_then_evaluate_as_a_config(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    recipe = load_recipe(DEMO_RECIPE, TINY)
    reporter = ListReporter()
    res = train(recipe, runs, reporter, run_id="sft-test")
    assert res.status == "finished"
    assert res.step == res.max_steps == 6
    # telemetry: one TrainStepLogged per step, to the reporter and to the journal
    events = [e for e in reporter.events if isinstance(e, TrainStepLogged)]
    assert [e.step for e in events] == list(range(1, 7))
    assert all(e.tokens_per_s and e.tokens_per_s > 0 and e.lr and e.grad_norm is not None for e in events)
    rows = [json.loads(line) for line in (runs / "sft-test" / "train_steps.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == list(range(1, 7))
    losses = [r["loss"] for r in rows]
    assert sum(losses[-2:]) / 2 < 0.9 * (sum(losses[:2]) / 2), losses  # epoch 3 vs epoch 1, same rows
    adapter = runs / "sft-test" / "adapter"
    assert (adapter / "adapter_config.json").exists()
    assert (adapter / "adapter_model.safetensors").exists()
    targets = json.loads((adapter / "adapter_config.json").read_text())["target_modules"]
    assert targets == sorted(targets)  # canonical: identical trainings give one config fingerprint
    assert json.loads((runs / "sft-test" / "recipe.json").read_text())["lr"] == 3e-3
    assert 'adapter = "' in (runs / "sft-test" / "student.toml").read_text()
    assert student_toml(recipe, adapter, "smol").count("[[configs]]") == 1

    # a second run of the same recipe into the same run id does not retrain
    again = train(recipe, runs, None, run_id="sft-test")
    assert again.status == "skipped"
    assert again.adapter == adapter

    # the student as a config, with `base` set, evaluated next to its base
    exp = tiny_experiment()
    base = exp.configs[0]
    check_base(recipe, base)
    student = sft_config(base, adapter, "smol-sft")
    assert student.base == "smol"
    assert student.fingerprint() != base.fingerprint()
    sft_exp = with_students(exp, base, [student])
    result = Runner(sft_exp, RunRequest(runs_dir=runs), None).run()
    assert result.status == "finished"
    assert result.episodes == 8

    from engine.analysis import build_report
    from engine.store.db import Store

    with Store.open(runs) as store:
        store.ingest()
        eps = dict(store.query("SELECT config_id, count(*) FROM episodes GROUP BY config_id"))
        assert eps == {"smol": 4, "smol-sft": 4}
        steps = store.query(
            "SELECT count(*), count(DISTINCT step), max(step) FROM train_steps WHERE run_id = 'sft-test'"
        )
        assert steps == [(6, 6, 6)]
        kinds = dict(store.query("SELECT run_id, kind FROM runs"))
        assert kinds["sft-test"] == "train"
        rep = build_report(store.con, n_boot=200)
    lifts = [c for c in rep.lifts if c.a == "smol-sft" and c.b == "smol"]
    assert lifts, rep.warnings
    assert lifts[0].n_tasks == 2


def test_check_base_refuses_another_model(tmp_path: Path) -> None:
    recipe = load_recipe(DEMO_RECIPE)
    other = ConfigSpec(id="q", backend="hf", model="Qwen/Qwen3.5-0.8B")
    with pytest.raises(ValueError, match="only meaningful on its own base model"):
        check_base(recipe, other)
    student = sft_config(tiny_experiment().configs[0], tmp_path / "adapter", "smol-sft")
    assert student.adapter == str((tmp_path / "adapter").resolve())
    assert student.sampling.max_tokens == 24


def test_different_recipe_into_the_same_run_is_refused(tmp_path: Path) -> None:
    from engine.train.run import TrainRun

    recipe = load_recipe(DEMO_RECIPE)
    run = TrainRun(recipe, tmp_path, None, "r1")
    run._write_recipe()
    with pytest.raises(ValueError, match="different recipe"):
        TrainRun(load_recipe(DEMO_RECIPE, {"lr": 1e-5}), tmp_path, None, "r1").run()
