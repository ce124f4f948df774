"""In a real terminal (tmux): open the launch form, go to the Train tab by keys, start a training of
the real SmolLM2 (a few steps) and watch its loss curve on Live."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from tests.cockpit.tmux import ROOT, Tmux, cockpit_command, have_tmux
from tests.test_study import tiny_inputs

pytestmark = pytest.mark.skipif(not have_tmux(), reason="tmux is not installed")


@pytest.mark.slow
def test_train_from_the_form_and_see_its_loss_curve(tmp_path: Path) -> None:
    recipe, _, corpus = tiny_inputs(tmp_path, max_steps=6)
    shutil.copy(ROOT / "data" / "corpus" / "offline-corpus.jsonl", corpus)
    runs = tmp_path / "runs"
    runs.mkdir()
    t = Tmux(cockpit_command(runs), env={"TERM": "xterm-256color"})
    try:
        t.wait_for("? Help", timeout=30)
        t.keys("n")
        t.wait_for("Launch a job")
        time.sleep(0.5)
        t.keys("Right", "Right")  # the tabs have the focus: Eval -> Run the study -> Train
        t.wait_for("Train: LoRA SFT")
        time.sleep(0.5)
        t.keys("Tab")  # the recipe field
        time.sleep(0.3)
        t.keys("-l", str(recipe))
        t.wait_for(str(recipe)[-30:])
        for _ in range(2):
            t.keys("Tab")  # base_model, then epochs
            time.sleep(0.3)
        t.keys("-l", "three")
        time.sleep(0.3)
        t.keys("C-s")
        t.wait_for("epochs: Input should be a valid number")  # refused under its field: nothing starts
        assert not [d for d in runs.iterdir() if d.is_dir()]
        t.keys("BSpace", "BSpace", "BSpace", "BSpace", "BSpace")
        time.sleep(0.3)
        t.keys("Tab")  # lr
        time.sleep(0.3)
        t.keys("-l", "5e-4")
        time.sleep(0.3)
        t.keys("C-s")
        t.wait_for("started training", timeout=30)
        time.sleep(0.5)
        t.keys("2")
        screen = t.wait_for("train step 6/6", timeout=600)
        screen = t.wait_for("finished", timeout=120)
        assert "training: lr" in screen and "loss" in screen and "no training steps" not in screen
        assert "checkpoints" in screen
        t.keys("q")
        assert t.exit_code() == 0
    finally:
        t.kill()
    (run_dir,) = [d for d in runs.iterdir() if "-train-demo-" in d.name]
    assert '"lr": 0.0005' in (run_dir / "recipe.json").read_text()
