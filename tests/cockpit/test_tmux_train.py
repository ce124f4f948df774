"""In a real terminal (tmux): open the launch form, go to the Train tab by keys, start a training of
the real SmolLM2 (a few steps) and watch its loss curve on Live.

No fixed sleeps: each key is sent once the screen shows what the previous one did, and text is typed
into a field once the terminal's cursor (the focused input's caret) is on it."""

from __future__ import annotations

import re
import shutil
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
        # the form has found and read the bundled experiment: its mount work is done, the tabs have the focus
        t.wait_for("Launch a job", re.compile(r"demo-micro +Embedded SmolLM2"), timeout=30)
        t.keys("Right", "Right")  # Eval -> Run the study -> Train
        t.wait_for("Train: LoRA SFT")
        t.keys("Tab")
        t.wait_focus(re.compile(r"█ recipe "))
        t.keys("-l", str(recipe))
        t.wait_for(re.compile(r"recipe +\S*" + re.escape(str(recipe)[-30:])))
        t.keys("Tab", "Tab")  # base_model, then epochs
        t.wait_focus(re.compile(r"█ epochs "))
        t.keys("-l", "three")
        t.wait_for(re.compile(r"epochs +three"))
        t.keys("C-s")
        t.wait_for("epochs: Input should be a valid number")  # refused under its field: nothing starts
        assert not [d for d in runs.iterdir() if d.is_dir()]
        t.keys("BSpace", "BSpace", "BSpace", "BSpace", "BSpace")
        t.wait_for(re.compile(r"epochs +default"))  # emptied: the recipe's value again
        t.keys("Tab")
        t.wait_focus(re.compile(r"█ lr "))
        t.keys("-l", "5e-4")
        t.wait_for(re.compile(r"lr +5e-4"))
        t.keys("C-s")
        t.wait_for("started training", timeout=30)
        t.wait_gone("Launch a job")  # the form is closed: keys reach the app again
        t.keys("2")
        screen = t.wait_for("train step 6/6", timeout=600)
        screen = t.wait_for("finished", timeout=120)
        assert "training: lr" in screen
        assert "loss" in screen
        assert "no training steps" not in screen
        assert "checkpoints" in screen
        t.keys("q")
        assert t.exit_code() == 0
    finally:
        t.kill()
    (run_dir,) = [d for d in runs.iterdir() if "-train-demo-" in d.name]
    assert '"lr": 0.0005' in (run_dir / "recipe.json").read_text()
