"""The telemetry callback: a TrainStepLogged per training log, robust to odd values; stop = save + stop."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest

pytest.importorskip("transformers")

from engine.events import LogMessage, TrainStepLogged  # noqa: E402
from engine.train.callback import TelemetryCallback  # noqa: E402


def state(step: int, max_steps: int = 10, epoch: float = 0.5) -> SimpleNamespace:
    return SimpleNamespace(global_step=step, max_steps=max_steps, epoch=epoch)


def test_one_event_per_training_log() -> None:
    got: list[TrainStepLogged] = []
    cb = TelemetryCallback("r", got.append)
    cb.on_train_begin(None, state(0), None)
    cb.on_log(None, state(1), None, logs={"loss": 2.5, "learning_rate": 1e-3, "grad_norm": 0.7, "num_tokens": 400})
    cb.on_log(None, state(2), None, logs={"loss": float("nan"), "learning_rate": "x", "num_tokens": 800})
    cb.on_log(None, state(2), None, logs={"train_runtime": 3.0, "train_loss": 2.0})  # end-of-training summary
    cb.on_log(None, state(2), None, logs=None)
    assert [e.step for e in got] == [1, 2]
    first, second = got
    assert first.loss == 2.5
    assert first.lr == 1e-3
    assert first.grad_norm == 0.7
    assert first.max_steps == 10
    assert first.tokens_per_s is not None
    assert first.tokens_per_s > 0
    assert second.loss is None
    assert second.lr is None
    assert second.grad_norm is None  # NaN / junk -> None
    assert second.tokens_per_s is not None
    assert second.tokens_per_s > 0
    assert first.run_id == "r"
    assert first.gpu_mem_gb is None  # no GPU here


def test_stop_request_saves_then_stops() -> None:
    stop = threading.Event()
    logs: list[LogMessage] = []
    cb = TelemetryCallback("r", lambda e: None, stop=stop, log=logs.append)
    control = SimpleNamespace(should_save=False, should_training_stop=False)
    cb.on_step_end(None, state(3), control)
    assert not control.should_save
    assert not control.should_training_stop
    stop.set()
    cb.on_step_end(None, state(4), control)
    assert control.should_save
    assert control.should_training_stop
    cb.on_save(None, state(4), control)
    assert [m.level for m in logs] == ["warning", "info"]
    assert "step 4" in logs[-1].message
