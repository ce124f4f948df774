"""`engine study`: the study as a chain of jobs. Bad input is refused before anything starts; a killed
chain re-run with the same command continues where it stopped and ends with the report."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from engine import study as st
from tests.conftest import ROOT, engine_cmd

DATA = ROOT / "data"


def tiny_inputs(tmp: Path, max_steps: int = 1) -> tuple[Path, Path, Path]:
    """A recipe trained in seconds, and a corpus spec whose output is not built yet (the chain builds it)."""
    corpus = tmp / "corpus.jsonl"
    recipe = tmp / "recipe.toml"
    recipe.write_text(
        (DATA / "recipes" / "demo.toml")
        .read_text()
        .replace('corpus = "../corpus/offline-corpus.jsonl"', f'corpus = "{corpus}"')
        .replace("corpus_limit = 32", "corpus_limit = 2")
        .replace("save_steps = 4", "save_steps = 1")
        .replace("[lora]", f"max_steps = {max_steps}\n\n[lora]")
        .replace("last_layers = 10", "last_layers = 2")
    )
    spec = tmp / "corpus.toml"
    spec.write_text(
        (DATA / "corpus" / "demo.toml")
        .read_text()
        .replace('"../suite/', f'"{DATA / "suite"}/')
        .replace('out = "offline-corpus.jsonl"', f'out = "{corpus}"')
    )
    return recipe, spec, corpus


def tiny_experiment(tmp: Path) -> Path:
    """The demo's base config on one holdout task, short completions, the two deterministic judges:
    a chain's evals take seconds, not minutes (no LLM judge to load)."""
    exp = tmp / "tiny.toml"
    exp.write_text(
        f"""name = "tiny"
seed = 0
samples = 1
conditions = ["no_skill", "curated"]
headline_path = "lenient-al"

[holdout]
skills = "{DATA / "suite" / "skills.jsonl"}"
tasks = "{DATA / "suite" / "tasks.jsonl"}"
split = "holdout"
limit = 1

[[configs]]
id = "smollm2-135m"
backend = "embedded"
model = "smollm2-135m-instruct"
size = "135M"
role = "student"
batch_size = 2

[configs.sampling]
temperature = 0.0
max_tokens = 48

[[judges]]
id = "extractor"
kind = "answer_line"

[[judges]]
id = "lenient"
kind = "final_answer"

[[paths]]
name = "lenient-al"
answer_line = "lenient"
"""
    )
    return exp


def study_args(
    recipe: Path, spec: Path, runs: Path, *extra: str, exp: Path = DATA / "experiments" / "demo.toml"
) -> list[str]:
    return ["study", str(exp), "--recipe", str(recipe), "--corpus", str(spec), "--runs-dir", str(runs), *extra]


def refused(args: list[str], runs: Path) -> str:
    res = subprocess.run(engine_cmd(*args), capture_output=True, text=True, env={**os.environ, "COLUMNS": "300"})
    assert res.returncode == 2, res.stdout + res.stderr
    assert "Traceback" not in res.stderr
    assert not (runs / st.STUDIES).exists(), "a refused study wrote its journal"
    return res.stderr


def test_plan_orders_the_jobs_and_builds_a_missing_corpus(tmp_path: Path) -> None:
    recipe, spec, corpus = tiny_inputs(tmp_path)
    study = st.plan_study(DATA / "experiments" / "demo.toml", tmp_path / "runs", recipe=recipe, corpus_spec=spec)
    assert [(j.id, j.needs) for j in study.jobs] == [
        ("base-eval", []),
        ("corpus", []),
        ("train-smollm2-135m", ["base-eval", "corpus"]),
        ("sft-eval", ["base-eval", "train-smollm2-135m"]),
        ("report", ["base-eval", "sft-eval"]),
    ]
    train = study.job("train-smollm2-135m")
    assert train.args[:4] == ["train", str(recipe.resolve()), "--run-id", train.run_id]
    assert ["--base-model", "embedded:smollm2-135m-instruct", "--corpus", str(corpus)] == train.args[-4:]
    # the same command is the same study (re-running it continues the chain); another limit is another
    again = st.plan_study(DATA / "experiments" / "demo.toml", tmp_path / "runs", recipe=recipe, corpus_spec=spec)
    other = st.plan_study(
        DATA / "experiments" / "demo.toml", tmp_path / "runs", recipe=recipe, corpus_spec=spec, limit=3
    )
    assert again.study_id == study.study_id != other.study_id
    # ... that trains the same adapter (a finished training is shared, not redone)
    assert other.adapters() == study.adapters()
    # an existing corpus is not rebuilt
    corpus.write_text("")
    assert "corpus" not in [
        j.id
        for j in st.plan_study(
            DATA / "experiments" / "demo.toml", tmp_path / "runs", recipe=recipe, corpus_spec=spec
        ).jobs
    ]


def test_wrong_typed_override_is_refused_naming_the_field(tmp_path: Path) -> None:
    recipe, spec, _ = tiny_inputs(tmp_path)
    runs = tmp_path / "runs"
    err = refused(study_args(recipe, spec, runs, "--set", "epochs=three"), runs)
    assert "field 'epochs'" in err
    assert "valid number" in err
    assert str(recipe) in err


def test_missing_base_model_path_is_refused(tmp_path: Path) -> None:
    recipe, spec, _ = tiny_inputs(tmp_path)
    text = (DATA / "experiments" / "demo.toml").read_text().replace('"../suite/', f'"{DATA / "suite"}/')
    text = text.replace(
        'backend = "embedded"\nmodel = "smollm2-135m-instruct"\nsize',
        f'backend = "hf"\nmodel = "{tmp_path / "no-such-model"}"\nsize',
        1,
    )
    exp = tmp_path / "exp.toml"
    exp.write_text(text)
    runs = tmp_path / "runs"
    args = ["study", str(exp), "--recipe", str(recipe), "--corpus", str(spec), "--runs-dir", str(runs)]
    err = refused(args, runs)
    assert "field 'configs.0.model'" in err
    assert "does not exist" in err


def test_corpus_spec_without_teacher_is_refused(tmp_path: Path) -> None:
    recipe, spec, _ = tiny_inputs(tmp_path)
    spec.write_text(spec.read_text().replace('teacher = "offline"\n', ""))
    runs = tmp_path / "runs"
    err = refused(study_args(recipe, spec, runs), runs)
    assert "field 'teacher'" in err
    assert "no teacher" in err


def test_two_chains_writing_one_adapter_are_refused(tmp_path: Path) -> None:
    recipe, spec, _ = tiny_inputs(tmp_path)
    runs = tmp_path / "runs"
    first = st.plan_study(DATA / "experiments" / "demo.toml", runs, recipe=recipe, corpus_spec=spec, limit=1)
    st.save_plan(first)
    sleeper = subprocess.Popen(["sleep", "60"])  # the first chain's process, alive
    try:
        (first.dir / st.EVENTS_FILE).write_text(json.dumps({"event": "chain_started", "pid": sleeper.pid}) + "\n")
        assert st.chain_status(first) == "running"
        res = subprocess.run(
            engine_cmd(*study_args(recipe, spec, runs, "--limit", "2")),
            capture_output=True,
            text=True,
            env={**os.environ, "COLUMNS": "300"},
        )
        assert res.returncode == 2, res.stderr
        assert f"is also written by study {first.study_id} (running)" in res.stderr
        assert [p.name for p in (runs / st.STUDIES).iterdir()] == [first.study_id]
    finally:
        sleeper.kill()
        sleeper.wait()
    # killed, the first chain still owns its adapter until it is resumed to the end or cancelled
    assert st.chain_status(first) == "interrupted"
    with pytest.raises(ValueError, match="interrupted"):
        st.plan_study(DATA / "experiments" / "demo.toml", runs, recipe=recipe, corpus_spec=spec, limit=2)


@pytest.mark.slow
@pytest.mark.timeout(1800)  # a whole chain twice over: minutes on 2 shared cores
def test_killed_chain_resumes_mid_training_and_ends_with_the_report(tmp_path: Path) -> None:
    recipe, spec, corpus = tiny_inputs(tmp_path, max_steps=4)
    exp = tiny_experiment(tmp_path)
    runs = tmp_path / "runs"
    args = study_args(recipe, spec, runs, "--limit", "1", "--events", "none", exp=exp)
    study = st.plan_study(exp, runs, recipe=recipe, corpus_spec=spec, limit=1)
    train = study.job("train-smollm2-135m")
    ckpts = runs / str(train.run_id) / "checkpoints"
    log = open(tmp_path / "chain.log", "wb")  # noqa: SIM115
    chain = subprocess.Popen(engine_cmd(*args), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 600
    while not list(ckpts.glob("checkpoint-*/trainer_state.json")) and chain.poll() is None and time.time() < deadline:
        time.sleep(0.2)
    assert chain.poll() is None, (tmp_path / "chain.log").read_text()
    os.killpg(chain.pid, signal.SIGKILL)  # the chain and its training, mid-training
    chain.wait()
    assert st.chain_status(study) == "interrupted"
    deadline = time.time() + 30  # SIGKILL reaches the orphaned training a moment later
    while st.job_states(study)["train-smollm2-135m"] == "running" and time.time() < deadline:
        time.sleep(0.1)
    states = st.job_states(study)
    assert states["base-eval"] == states["corpus"] == "done"
    assert states["train-smollm2-135m"] == "interrupted"
    assert states["sft-eval"] == "waiting"

    res = subprocess.run(engine_cmd(*args), capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stdout + res.stderr[-3000:]
    assert "SFT lift" in res.stdout
    assert "smollm2-135m-sft" in res.stdout
    assert st.chain_status(study) == "finished"
    assert set(st.job_states(study).values()) == {"done"}
    started = [e["job"] for e in st.events(study) if e["event"] == "job_started"]
    # the second chain ran only what was not done: the training (resumed), the SFT eval, the report
    assert started == ["base-eval", "corpus", "train-smollm2-135m", "train-smollm2-135m", "sft-eval", "report"]
    result = json.loads((runs / str(train.run_id) / "result.json").read_text())
    assert result["step"] == 4
    assert result["resumed_from"] is not None
    assert result["resumed_from"] >= 1
    assert corpus.exists()
    assert (study.dir / st.REPORT_FILE).read_text().count("SFT lift") >= 1
