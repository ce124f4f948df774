"""engine/telemetry.py: one snapshot names its host and round-trips through the journal format."""

from __future__ import annotations

import socket

from engine.events import GpuSample, TelemetrySampled, event_from_json
from engine.telemetry import TelemetrySampler, snapshot


def test_snapshot_names_the_host_and_round_trips() -> None:
    s = snapshot("r1")
    assert s.host == socket.gethostname()
    assert s.ram_total_gb > s.ram_used_gb > 0
    assert 0.0 <= s.cpu_pct <= 100.0 * 64
    if not s.gpus:  # this machine: NVML absent, a clear status instead of an error
        assert s.gpu_status != "ok"
    sample = TelemetrySampled(
        "r1",
        cpu_pct=12.0,
        ram_used_gb=3.0,
        ram_total_gb=16.0,
        host="gpu-box",
        gpus=(GpuSample(0, "NVIDIA H100", 50.0, 10.0, 80.0, 60.0, None),),
        gpu_status="ok",
    )
    back = event_from_json(sample.to_json())
    assert back == sample
    # a sample journaled before hosts were recorded still parses (host empty: shown as this machine's)
    old = sample.to_json().replace(',"host":"gpu-box"', "")
    assert '"host"' not in old
    parsed = event_from_json(old)
    assert isinstance(parsed, TelemetrySampled)
    assert parsed.host == ""
    assert parsed.gpus == sample.gpus


def test_sampler_thread_delivers_and_stops() -> None:
    got: list[TelemetrySampled] = []
    t = TelemetrySampler("r2", got.append, interval=0.02)
    t.start()
    try:
        for _ in range(200):
            if len(got) >= 3:
                break
            t.join(0.02)
    finally:
        t.stop()
        t.join(2)
    assert len(got) >= 3
    assert not t.is_alive()
    assert all(g.run_id == "r2" for g in got)
