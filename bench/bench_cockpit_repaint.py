"""Repaint latency with a big store and a run streaming in (target: median ≤ 50 ms).

Setup: a runs directory whose store holds N synthetic episodes (`bench/synth.py`, default 1M, with
the analysis aggregates refreshed), plus a separate process that keeps appending to a run journal
(events, episodes, judgments at ~20 episodes/s) the whole time. The real app runs headless at
160x50 with its timers on: it ingests the streaming journal every 2 s, so screens go stale and
reload while they are measured.

Measured, from the key press / filter change to the frame composed with the new content:
- switch: pressing 1..6 in turn (a stale screen shows its cached content, then reloads in a worker);
- filter: changing an Episodes filter until the new page of rows is painted (config, skill,
  condition, judge + verdict, clear); "verdicts" is the second step, every judge's verdict filled in.
- "switch (reload)": for a screen that was stale, until the frame that shows its reloaded data.
Frames are timed by hooking App._display (called with each composed update); keys go straight to
the driver, so no test-harness idle waits are counted.
Baseline, measured in the same run: the same on the 160-episode test fixture.

    python bench/bench_cockpit_repaint.py [--episodes 1000000] [--rounds 6] [--keep DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WRITER = r"""
import sys, time
from pathlib import Path
from engine.events import EpisodeFinished, JudgmentRecorded, RunStarted
from engine.store import journal as jr
from engine.store.manifest import RunInfo, write_info
runs, rate = Path(sys.argv[1]), float(sys.argv[2])
rid = "stream-run"
j = jr.RunJournal(runs, rid)
import os
write_info(j.dir, RunInfo(run_id=rid, kind="eval", experiment="synth", pid=os.getpid(), started_at=time.time(),
                          total_episodes=10**6, total_judgments=10**6))
j.emit(RunStarted(rid, kind="eval", experiment="synth", total_episodes=10**6, pid=os.getpid()))
i = 0
while True:
    time.sleep(1.0 / rate)
    eid = f"stream-{i}"
    cond = "curated" if i % 2 else "no_skill"
    task = f"t{(i // 2) % 200:04d}"
    rec = {"episode_id": eid, "run_id": rid, "config_id": "q2b", "config_fp": "fp02q2b", "task_id": task,
           "task_hash": "h" + task[1:], "skill_id": f"s{(i // 2) % 40:03d}", "condition": cond,
           "sample": 1000 + i // 400,
           "prompt": "p", "completion": "ANSWER: 42", "tokens_in": 100, "tokens_out": 40, "latency_s": 0.5,
           "cost_usd": 0.0, "finish_reason": "stop", "error": None, "has_answer_line": True, "created_at": time.time()}
    j.append("episodes", rec)
    j.emit(EpisodeFinished(rid, episode_id=eid, config_id="q2b", task_id=task, condition=cond, sample=0,
                           tokens_in=100, tokens_out=40, latency_s=0.5, cost_usd=0.0))
    v = "pass" if i % 3 else "fail"
    j.append("judgments", {"judgment_id": "js-" + eid, "episode_id": eid, "judge_id": "extractor",
                           "judge_fp": "jfp-extractor", "config_id": "q2b", "config_fp": "fp02q2b", "task_id": task,
                           "skill_id": rec["skill_id"], "condition": cond, "sample": rec["sample"],
                           "scoring": "answer_line", "verdict": v, "rationale": "r", "extracted": "42",
                           "tokens_in": 0, "tokens_out": 0, "latency_s": 0.0, "cost_usd": 0.0, "run_id": rid,
                           "created_at": time.time()})
    j.emit(JudgmentRecorded(rid, episode_id=eid, judge_id="extractor", verdict=v))
    i += 1
"""


def build_big(runs: Path, n: int) -> None:
    from bench.synth import make_synthetic_store
    from engine.store import aggregates
    from engine.store.db import Store

    runs.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with Store.open(runs, fallback=None) as store:
        make_synthetic_store(store.con, n)
        aggregates.refresh(store.con)
        store.con.execute("CHECKPOINT")
    print(f"built a {n:,}-episode store in {time.perf_counter() - t0:.1f} s")


async def _wait(cond: Any, timeout: float = 30.0) -> float:
    """Poll `cond` on the event loop (no pilot idle-waits: they wait for the whole process to go
    quiet, which a streaming run and DuckDB threads never do); returns when it became true."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise TimeoutError
        await asyncio.sleep(0.001)
    return time.perf_counter()


class Frames:
    """Records when the app composes a frame (App._display gets the compositor's update)."""

    def __init__(self, app: Any) -> None:
        self.times: list[float] = []
        orig = app._display

        def hook(screen: Any, renderable: Any) -> None:
            if renderable is not None:
                self.times.append(time.perf_counter())
            orig(screen, renderable)

        app._display = hook

    async def after_or(self, t: float, fallback: float, grace: float = 0.05) -> float:
        """The first frame at or after t; when none comes within `grace`, nothing on screen changed
        (the reloaded data was what the screen already showed), so `fallback` is when it was right."""
        try:
            return await self.after(t, timeout=grace)
        except TimeoutError:
            return fallback

    async def after(self, t: float, timeout: float = 10.0) -> float:
        """The first frame composed at or after time t."""
        deadline = time.monotonic() + timeout
        while True:
            later = [x for x in self.times[-50:] if x >= t]
            if later:
                return later[0]
            if time.monotonic() > deadline:
                raise TimeoutError
            await asyncio.sleep(0.001)


def _key(app: Any, key: str) -> None:
    from textual import events

    ev = events.Key(key, key if len(key) == 1 else None)
    ev.set_sender(app)
    app._driver.send_message(ev)


async def measure(runs: Path, rounds: int) -> dict[str, list[float]]:
    from cockpit.app import CockpitApp
    from cockpit.screens.episodes import EpisodesScreen
    from cockpit.widgets.picker import Picker

    app = CockpitApp(runs)  # real timers: ingest every 2 s, runs every 1 s, live every 0.5 s
    out: dict[str, list[float]] = {"switch": [], "switch (reload)": [], "filter": [], "verdicts": []}
    async with app.run_test(size=(160, 50)) as pilot:
        frames = Frames(app)
        await _wait(lambda: app.report is not None and app.options is not None, timeout=180)
        for key in "345621":  # mount every screen once (first mounts are not repaints)
            await pilot.press(key)
            await pilot.pause(0.3)
        await app.workers.wait_for_complete()
        for _ in range(rounds):
            for key, mode in (
                ("2", "live"),
                ("3", "episodes"),
                ("4", "judges"),
                ("5", "delta"),
                ("6", "query"),
                ("1", "runs"),
            ):
                await asyncio.sleep(0.3)
                target = app.get_screen_stack(mode)[0]
                stale = bool(getattr(target, "_stale", False)) and mode not in ("query",)
                loads = getattr(target, "loads", 0)
                t0 = time.perf_counter()
                _key(app, key)
                tc = await _wait(lambda mode=mode: app.current_mode == mode)
                t1 = await frames.after(tc)
                out["switch"].append(t1 - t0)
                if stale:
                    tc = await _wait(lambda target=target, loads=loads: target.loads > loads)
                    out["switch (reload)"].append(await frames.after_or(tc, max(t1, tc)) - t0)
        _key(app, "3")
        await asyncio.sleep(0.5)
        scr = app.screen
        assert isinstance(scr, EpisodesScreen)
        opts = app.options
        config = opts.configs[min(3, len(opts.configs) - 1)]
        skill = opts.skills[min(5, len(opts.skills) - 1)]
        judge = opts.judges[0]
        steps = [
            ("f-config_id", config),
            ("f-skill_id", skill),
            ("f-condition", "curated"),
            ("f-judge_id", judge),
            ("f-verdict", "fail"),
            ("clear", None),
        ]
        for _ in range(rounds):
            for sel_id, value in steps:
                await asyncio.sleep(0.3)
                seq, loads = scr._seq, scr.loads
                t0 = time.perf_counter()
                if sel_id == "clear":
                    scr.action_clear_filters()
                else:
                    scr.query_one(f"#{sel_id}", Picker).value = value
                tc = await _wait(lambda seq=seq: scr._painted > seq)
                t1 = await frames.after_or(tc, tc)
                out["filter"].append(t1 - t0)
                tc = await _wait(lambda loads=loads: scr.loads > loads)
                out["verdicts"].append(await frames.after_or(tc, max(t1, tc)) - t0)
    return out


def report(label: str, res: dict[str, list[float]]) -> dict[str, float]:
    meds = {}
    for k, v in res.items():
        if v:
            v = sorted(v)
            meds[k] = statistics.median(v)
            p90 = v[min(len(v) - 1, int(0.9 * len(v)))]
            print(f"  {label:<10} {k:<16} n={len(v):3d}  median {meds[k] * 1000:6.1f} ms  p90 {p90 * 1000:6.1f} ms")
    return meds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--episodes", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--keep", type=Path, default=None, help="build (or reuse) the big runs dir here")
    args = ap.parse_args()
    from tests.cockpit.journals import write_fixture

    small = write_fixture(Path(tempfile.mkdtemp()) / "runs")
    big = args.keep or Path(tempfile.mkdtemp()) / "runs"
    if not (big / "store.duckdb").exists():
        build_big(big, args.episodes)
    results = {}
    for label, runs in (("baseline", small), ("big", big)):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(runs), "20"],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            results[label] = asyncio.run(measure(runs, args.rounds))
        finally:
            writer.kill()
            writer.wait()
    print(f"repaint latency, 160x50 headless, a run streaming ~20 episodes/s; big = {args.episodes:,} episodes")
    base = report("baseline", results["baseline"])
    big_m = report("big", results["big"])
    for k in big_m:
        if k in base and base[k]:
            print(f"  ratio big/baseline {k:<16} {big_m[k] / base[k]:.2f}x")
    worst = max(big_m.get("switch", 0), big_m.get("switch (reload)", 0), big_m.get("filter", 0))
    print(
        f"target median <= 50 ms (switch, switch with reload, filter): {'PASS' if worst <= 0.05 else 'FAIL'} "
        f"(worst {worst * 1000:.1f} ms)"
    )


if __name__ == "__main__":
    main()
