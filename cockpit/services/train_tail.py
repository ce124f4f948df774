"""A training run's progress as it streams in: the loss and learning rate per step, the last step
and the planned one, the pace of the recent steps (for the ETA), tokens/s and GPU memory; and the
checkpoints on disk. Fed by `RunTail` from `train_steps.jsonl` lines and `TrainStepLogged` events."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from engine.events import TrainStepLogged


@dataclass
class TrainTail:
    loss: dict[int, float] = field(default_factory=dict)
    step: int = 0
    max_steps: int = 0
    lr: dict[int, float] = field(default_factory=dict)
    step_t: dict[int, float] = field(default_factory=dict)
    tokens_per_s: float | None = None
    gpu_mem_gb: float | None = None

    def on_line(self, line: bytes) -> None:
        """One line of `train_steps.jsonl`; a line that is not a step record is skipped."""
        try:
            rec = json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            return
        step = rec.get("step")
        if isinstance(step, int):
            self.step = max(self.step, step)
            self.max_steps = int(rec.get("max_steps") or self.max_steps)
            if rec.get("loss") is not None:
                self.loss[step] = float(rec["loss"])
            self._extras(step, rec.get("t"), rec.get("lr"), rec.get("tokens_per_s"), rec.get("gpu_mem_gb"))

    def on_step(self, ev: TrainStepLogged) -> None:
        self.step = max(self.step, ev.step)
        self.max_steps = ev.max_steps or self.max_steps
        if ev.loss is not None:
            self.loss[ev.step] = ev.loss
        self._extras(ev.step, ev.t, ev.lr, ev.tokens_per_s, ev.gpu_mem_gb)

    def _extras(self, step: int, t: object, lr: object, tps: object, mem: object) -> None:
        if isinstance(t, int | float):
            self.step_t[step] = float(t)
        if isinstance(lr, int | float):
            self.lr[step] = float(lr)
        if isinstance(tps, int | float):
            self.tokens_per_s = float(tps)
        if isinstance(mem, int | float):
            self.gpu_mem_gb = float(mem)

    def eta(self, running: bool) -> float | None:
        """Seconds to the last step at the pace of the recent steps (this process's session)."""
        if not running or not self.max_steps or len(self.step_t) < 2:
            return None
        recent = sorted(self.step_t.items())[-20:]
        (s0, t0), (s1, t1) = recent[0], recent[-1]
        if s1 <= s0 or t1 <= t0:
            return None
        return max(0, self.max_steps - s1) * (t1 - t0) / (s1 - s0)


def checkpoints(run_dir: Path) -> tuple[int, int | None]:
    """How many checkpoints a training run has on disk, and the step of the last one."""
    steps = []
    try:
        for d in (run_dir / "checkpoints").iterdir():
            tail = d.name.rpartition("-")[2]
            if d.name.startswith("checkpoint-") and tail.isdigit():
                steps.append(int(tail))
    except OSError:
        pass
    return len(steps), max(steps) if steps else None
