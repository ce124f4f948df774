"""Machine telemetry: CPU and RAM through psutil, GPUs through one NVML wrapper.

NVML is initialised lazily, once per process, and shut down at exit; any NVML error makes the
GPU part "NA" (a clear status string) instead of failing the run (nvitop's approach).
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Callable
from typing import Any

import psutil

from engine.events import GpuSample, TelemetrySampled
from engine.host import this_host

_nvml_lock = threading.Lock()
_nvml_state: dict[str, object] = {"init": False, "error": None, "mod": None}


def _nvml() -> object | None:
    with _nvml_lock:
        if _nvml_state["init"]:
            return _nvml_state["mod"]
        _nvml_state["init"] = True
        try:
            import pynvml  # nvidia-ml-py

            pynvml.nvmlInit()
        except Exception as exc:  # noqa: BLE001 - NVML absent or broken: NA, never fatal
            _nvml_state["error"] = "no GPU" if "Shared Library" in str(exc) or "not found" in str(exc) else str(exc)
            return None
        _nvml_state["mod"] = pynvml
        atexit.register(_shutdown)
        return pynvml


def _shutdown() -> None:
    mod = _nvml_state.get("mod")
    if mod is not None:
        try:
            mod.nvmlShutdown()  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001
            pass


def gpu_samples() -> tuple[tuple[GpuSample, ...], str]:
    """One snapshot of every GPU, and a status: 'ok', 'no GPU' or the NVML error."""
    nv = _nvml()
    if nv is None:
        err = _nvml_state.get("error")
        return (), str(err or "no GPU")
    out = []
    try:
        for i in range(nv.nvmlDeviceGetCount()):  # type: ignore[attr-defined]
            out.append(_gpu(nv, i))
    except Exception as exc:  # noqa: BLE001
        return tuple(out), f"NVML error: {exc}"
    return tuple(out), "ok" if out else "no GPU"


def _gpu(nv: Any, i: int) -> GpuSample:
    h = nv.nvmlDeviceGetHandleByIndex(i)
    name = _call(nv.nvmlDeviceGetName, h)
    util = _call(nv.nvmlDeviceGetUtilizationRates, h)
    mem = _call(nv.nvmlDeviceGetMemoryInfo, h)
    temp = _call(nv.nvmlDeviceGetTemperature, h, 0)
    power = _call(nv.nvmlDeviceGetPowerUsage, h)
    return GpuSample(
        index=i,
        name=(name.decode() if isinstance(name, bytes) else str(name)) if name is not None else f"GPU {i}",
        util_pct=float(util.gpu) if util is not None else None,
        mem_used_gb=mem.used / 1e9 if mem is not None else None,
        mem_total_gb=mem.total / 1e9 if mem is not None else None,
        temp_c=float(temp) if temp is not None else None,
        power_w=power / 1000.0 if power is not None else None,
    )


def _call(fn: Callable[..., Any], *args: Any) -> Any:
    """One NVML query; None when the GPU does not support it (NA, never fatal)."""
    try:
        return fn(*args)
    except Exception:  # noqa: BLE001
        return None


def snapshot(run_id: str) -> TelemetrySampled:
    vm = psutil.virtual_memory()
    gpus, status = gpu_samples()
    return TelemetrySampled(
        run_id=run_id,
        cpu_pct=psutil.cpu_percent(interval=None),
        ram_used_gb=(vm.total - vm.available) / 1e9,
        ram_total_gb=vm.total / 1e9,
        gpus=gpus,
        gpu_status=status,
        host=this_host(),
    )


class TelemetrySampler(threading.Thread):
    """Samples every `interval` seconds and hands each snapshot to `sink` until stopped."""

    def __init__(self, run_id: str, sink: Callable[[TelemetrySampled], None], interval: float = 1.0) -> None:
        super().__init__(name="telemetry", daemon=True)
        self.run_id, self.sink, self.interval = run_id, sink, interval
        self._stop_evt = threading.Event()

    def run(self) -> None:
        psutil.cpu_percent(interval=None)  # prime the CPU counter
        while not self._stop_evt.wait(self.interval):
            try:
                self.sink(snapshot(self.run_id))
            except Exception:  # noqa: BLE001 - telemetry never takes a run down
                pass

    def stop(self) -> None:
        self._stop_evt.set()
        if self.is_alive():
            self.join(timeout=2 * self.interval)
