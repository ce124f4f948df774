"""The telemetry TrainerCallback: every logging step becomes a `TrainStepLogged` event.

The callback does O(1) work per log (a few floats, one `os.write` through the sink); it never
synchronises the GPU itself (peak memory is read from the allocator's counters). Tokens/s comes
from TRL's running `num_tokens` metric, differenced between logs. It also turns a stop request
(SIGTERM/SIGINT from `engine cancel` or Ctrl-C) into "save a checkpoint, then stop", so a
cancelled training resumes from where it stopped.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from transformers import TrainerCallback

from engine.events import LogMessage, TrainStepLogged


def _gpu_mem_gb() -> float | None:
    try:
        import torch

        if torch.cuda.is_available():
            return float(torch.cuda.max_memory_allocated()) / 1e9
    except Exception:  # noqa: BLE001 - telemetry never fails a run
        return None
    return None


def _num(v: Any) -> float | None:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if x == x and abs(x) != float("inf") else None


class TelemetryCallback(TrainerCallback):
    """Sends a TrainStepLogged per logging step to `sink`; stops cleanly when `stop` is set."""

    def __init__(
        self,
        run_id: str,
        sink: Callable[[TrainStepLogged], None],
        *,
        stop: threading.Event | None = None,
        log: Callable[[LogMessage], None] | None = None,
    ) -> None:
        self.run_id = run_id
        self.sink = sink
        self.stop = stop or threading.Event()
        self.log = log
        self._t: float | None = None
        self._tokens: float | None = None
        self._stopping = False

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self._t = time.perf_counter()
        self._tokens = 0.0  # TRL's running token count starts at 0 with each trainer (and on resume)

    def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        if not logs or "loss" not in logs:  # the end-of-training summary and eval logs carry no train loss
            return
        now = time.perf_counter()
        tokens = _num(logs.get("num_tokens"))
        tps = None
        if tokens is not None and self._tokens is not None and self._t is not None and now > self._t:
            tps = (tokens - self._tokens) / (now - self._t)
        self._tokens, self._t = tokens, now
        self.sink(
            TrainStepLogged(
                self.run_id,
                step=int(state.global_step),
                max_steps=int(state.max_steps),
                epoch=float(state.epoch or 0.0),
                loss=_num(logs.get("loss")),
                lr=_num(logs.get("learning_rate")),
                grad_norm=_num(logs.get("grad_norm")),
                tokens_per_s=tps,
                gpu_mem_gb=_gpu_mem_gb(),
            )
        )

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self.stop.is_set() and not self._stopping:
            self._stopping = True
            control.should_save = True
            control.should_training_stop = True
            if self.log is not None:
                self.log(
                    LogMessage(
                        self.run_id,
                        level="warning",
                        message=f"stop requested: checkpoint at step {state.global_step}",
                    )
                )

    def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self.log is not None:
            self.log(LogMessage(self.run_id, level="info", message=f"checkpoint saved at step {state.global_step}"))
