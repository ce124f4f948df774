"""A training run's series as they stream in (its step counts are the run's `engine.tally.Tally`'s):
the loss and learning rate per step, the pace of the recent steps (for the ETA), tokens/s and GPU
memory; and the checkpoints on disk. Fed by `RunTail` from `train_steps.jsonl` lines and `TrainStepLogged` events."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from engine.events import TrainStepLogged


@dataclass
class TrainTail:
    loss: dict[int, float] = field(default_factory=dict)
    lr: dict[int, float] = field(default_factory=dict)
    step_t: dict[int, float] = field(default_factory=dict)
    tokens_per_s: float | None = None
    gpu_mem_gb: float | None = None

    def on_line(self, line: bytes) -> tuple[int, int, float | None] | None:
        """One line of `train_steps.jsonl`: its (step, max steps, loss) for the run's tally; a line
        that is not a step record is skipped (None)."""
        try:
            rec = json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            return None
        step = rec.get("step") if isinstance(rec, dict) else None
        if not isinstance(step, int):
            return None
        loss = None
        if rec.get("loss") is not None:
            loss = self.loss[step] = float(rec["loss"])
        self._extras(step, rec.get("t"), rec.get("lr"), rec.get("tokens_per_s"), rec.get("gpu_mem_gb"))
        return step, int(rec.get("max_steps") or 0), loss

    def on_step(self, ev: TrainStepLogged) -> None:
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

    def eta(self, running: bool, max_steps: int) -> float | None:
        """Seconds to the last step at the pace of the recent steps (this process's session)."""
        if not running or not max_steps or len(self.step_t) < 2:
            return None
        recent = sorted(self.step_t.items())[-20:]
        (s0, t0), (s1, t1) = recent[0], recent[-1]
        if s1 <= s0 or t1 <= t0:
            return None
        return max(0, max_steps - s1) * (t1 - t0) / (s1 - s0)


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
