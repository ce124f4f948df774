"""Machine telemetry for the Live screen: one `engine.telemetry.snapshot` per tick.

A run that samples another machine (a runs directory shared with a GPU box) journals its own
readings with that host's name; the Live screen shows those instead (`REMOTE_FRESH_S`), labelled.

The snapshot is psutil (CPU, RAM) plus NVML through the engine's wrapper (lazy init, "no GPU"
where NVML is absent). A short history is kept for the sparkline-style series.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from engine.events import GpuSample, TelemetrySampled

Sampler = Callable[[], TelemetrySampled]
REMOTE_FRESH_S = 30.0  # a run's journaled reading older than this is not shown as its machine's state


def default_sampler() -> TelemetrySampled:
    from engine.telemetry import snapshot

    return snapshot("cockpit")


@dataclass(frozen=True)
class MachineState:
    sample: TelemetrySampled
    cpu_history: tuple[float, ...]
    gpu_util_history: tuple[tuple[float, ...], ...]  # per GPU
    source: str = ""  # "": this machine, sampled now; else where the readings come from (a run's journal)


class Machine:
    def __init__(self, sampler: Sampler | None = None, history: int = 120) -> None:
        self._sampler = sampler or default_sampler
        self._cpu: deque[float] = deque(maxlen=history)
        self._gpu: dict[int, deque[float]] = {}
        self._history = history
        self._lock = threading.Lock()
        self._primed = False
        self._last_t: float | None = None

    def sample(self) -> MachineState:
        with self._lock:
            if not self._primed and self._sampler is default_sampler:
                import psutil

                psutil.cpu_percent(interval=0.05)  # the first reading after start is meaningless (0.0)
                self._primed = True
            return self._record(self._sampler())

    def observe(self, s: TelemetrySampled, source: str) -> MachineState:
        """Record a sample taken elsewhere (a run's journaled telemetry); a repeated sample adds no history."""
        with self._lock:
            if self._last_t == s.t:
                return MachineState(s, tuple(self._cpu), self._gpu_history(), source)
            return self._record(s, source)

    def _record(self, s: TelemetrySampled, source: str = "") -> MachineState:
        self._last_t = s.t
        self._cpu.append(s.cpu_pct)
        for g in s.gpus:
            self._gpu.setdefault(g.index, deque(maxlen=self._history)).append(g.util_pct or 0.0)
        return MachineState(s, tuple(self._cpu), self._gpu_history(), source)

    def _gpu_history(self) -> tuple[tuple[float, ...], ...]:
        return tuple(tuple(v) for _, v in sorted(self._gpu.items()))


def fixed_sampler(
    cpu: float = 12.5, ram_used: float = 3.2, ram_total: float = 16.0, gpus: tuple[GpuSample, ...] = ()
) -> Sampler:
    """A deterministic sampler (snapshot tests, benchmarks); `gpus` stands in for NVML."""

    def sample() -> TelemetrySampled:
        return TelemetrySampled(
            "cockpit",
            cpu_pct=cpu,
            ram_used_gb=ram_used,
            ram_total_gb=ram_total,
            gpus=gpus,
            gpu_status="ok" if gpus else "no GPU",
            t=time.time(),
        )

    return sample
