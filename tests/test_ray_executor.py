"""`engine run --executor ray` on a local Ray cluster (one per module: 2 CPUs), with the real SmolLM2.

The ray executor and the local one give the same episode ids and greedy completions; a replica
killed mid-run is replaced and its chunk retried (no episode lost or doubled); kill -9 of the driver,
then `engine resume`, gives exact counts. Bad input fails before any journal exists: no Ray, an
address nobody answers at, a cluster too small for the replicas a config asks for.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from engine.config import load_experiment
from engine.models.base import BackendError
from engine.runner import Runner, RunRequest
from engine.runs import run_status
from engine.store import journal as jr
from tests.conftest import engine_cmd, mini_head


def _experiment(tmp: Path, replicas: int = 2, batch_size: int = 2, max_tokens: int = 8) -> Path:
    text = (
        mini_head("rayx")
        + f"""

[[configs]]
id = "smol"
backend = "embedded"
model = "smollm2-135m-instruct"
batch_size = {batch_size}
replicas = {replicas}
[configs.sampling]
max_tokens = {max_tokens}

[[judges]]
id = "extractor"
kind = "answer_line"
"""
    )
    p = tmp / f"rayx-{replicas}-{max_tokens}.toml"
    p.write_text(text)
    return p


LIMIT = 4  # tasks: 8 episodes, 4 chunks of 2
N = 2 * LIMIT


def _episodes(runs: Path) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for d in jr.run_dirs(runs):
        out += list(jr.iter_records(d / "episodes.jsonl"))
    return out


def _events(runs: Path, kind: str) -> list[dict[str, Any]]:
    return [e for d in jr.run_dirs(runs) for e in jr.iter_records(d / "events.jsonl") if e["type"] == kind]


@pytest.fixture(scope="module")
def local_completions(tmp_path_factory: pytest.TempPathFactory, cluster: Any) -> dict[str, tuple[str, str]]:
    """The local executor's episodes on the same experiment: id -> (completion, finish reason).

    One torch thread, as in a Ray worker (Ray sets OMP_NUM_THREADS=1 for a 1-CPU actor): the same
    arithmetic on both sides, and no oversubscription of the 2 cores beside the idle cluster."""
    tmp = tmp_path_factory.mktemp("local")
    runs = tmp / "runs"
    cmd = engine_cmd("run", str(_experiment(tmp)), "--runs-dir", str(runs), "--limit", str(LIMIT), "--events", "none")
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert res.returncode == 0, res.stderr[-2000:]
    eps = _episodes(runs)
    assert len(eps) == N
    assert [e["worker"] for e in _events(runs, "EpisodeFinished")] == [""] * N  # generated in the driver
    return {e["episode_id"]: (e["completion"], e["finish_reason"]) for e in eps}


@pytest.mark.slow
@pytest.mark.ray
def test_ray_executor_matches_local_and_survives_a_killed_replica(
    tmp_path: Path, cluster: Any, local_completions: dict[str, tuple[str, str]]
) -> None:
    ray = cluster
    runs = tmp_path / "runs"
    run_id = "rayx-kill"
    killed: list[tuple[str, int]] = []

    def kill_one_replica() -> None:  # once episodes arrive, kill a replica that is working
        deadline = time.time() + 300
        while time.time() < deadline and not killed:
            n = len(_episodes(runs))
            if n >= 2:
                names = sorted(a["name"] for a in ray.util.list_named_actors(all_namespaces=True))
                mine = [name for name in names if name.startswith(run_id)]
                if mine:
                    ray.kill(ray.get_actor(mine[0]))
                    killed.append((mine[0], n))
                    return
            time.sleep(0.05)

    watcher = threading.Thread(target=kill_one_replica, daemon=True)
    watcher.start()
    # the driver's own sampler stays quiet: every TelemetrySampled event then comes from a worker
    opts = RunRequest(runs_dir=runs, ingest=False, limit=LIMIT, executor="ray", run_id=run_id, telemetry_interval=3600)
    res = Runner(load_experiment(_experiment(tmp_path)), opts).run()
    watcher.join(5)
    assert killed and killed[0][1] < N, f"no replica was killed mid-run: {killed}"
    assert res.status == "finished" and res.errors == 0, res
    eps = _episodes(runs)
    ids = [e["episode_id"] for e in eps]
    assert len(ids) == N and len(set(ids)) == N, "an episode was lost or generated twice"
    # identical to the local executor: the same ids, the same greedy completions
    assert {e["episode_id"]: (e["completion"], e["finish_reason"]) for e in eps} == local_completions
    assert sum(bool(c) for c, _ in local_completions.values()) >= N - 1
    # each episode names the replica that generated it: "<actor name>@<node host>"
    finished = _events(runs, "EpisodeFinished")
    assert sorted(e["episode_id"] for e in finished) == sorted(ids)
    workers = {e["worker"] for e in finished}
    assert workers <= {f"{run_id}:smol-{i}@{socket.gethostname()}" for i in (1, 2, 3)}, workers
    assert len(workers) >= 2, f"one replica did all the work: {workers}"
    # the workers' node telemetry reached the journal, deduped by host (this one-node cluster: one host)
    samples = _events(runs, "TelemetrySampled")
    assert samples and {s["host"] for s in samples} == {socket.gethostname()}, samples
    assert all(s["run_id"] == run_id and s["ram_total_gb"] > 0 for s in samples)
    # and rows of the run's telemetry table, each naming its host
    rows = {(r["t"], r["host"]) for r in jr.iter_records(runs / run_id / "telemetry.jsonl")}
    assert {(s["t"], s["host"]) for s in samples} <= rows
    # the replicas are gone once the run is over
    assert not [a for a in ray.util.list_named_actors(all_namespaces=True) if a["name"].startswith(run_id)]


@pytest.mark.slow
@pytest.mark.ray
def test_ray_driver_kill9_then_resume_gives_exact_counts(
    tmp_path: Path, cluster: Any, local_completions: dict[str, tuple[str, str]]
) -> None:
    address = cluster.get_runtime_context().gcs_address
    runs = tmp_path / "runs"
    exp = _experiment(tmp_path, replicas=1)
    run_id = "rayx-driver"
    cmd = engine_cmd(
        "run",
        str(exp),
        "--runs-dir",
        str(runs),
        "--run-id",
        run_id,
        "--limit",
        str(LIMIT),
        "--executor",
        "ray",
        "--address",
        address,
    )
    p = subprocess.Popen([*cmd, "--events", "none"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    while time.time() < deadline and p.poll() is None and len(_episodes(runs)) < 2:
        time.sleep(0.05)
    assert p.poll() is None, f"the run ended before the kill point: {p.stderr.read() if p.stderr else ''}"
    p.send_signal(signal.SIGKILL)
    p.wait()
    before = len(_episodes(runs))
    assert 2 <= before < N
    res = subprocess.run(
        engine_cmd("resume", run_id, "--runs-dir", str(runs), "--events", "none"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert run_status(runs / run_id).status == "finished"
    eps = _episodes(runs)
    assert len(eps) == N and len({e["episode_id"] for e in eps}) == N, "an episode was generated twice"
    assert {e["episode_id"]: (e["completion"], e["finish_reason"]) for e in eps} == local_completions


@pytest.mark.slow
@pytest.mark.ray
def test_ray_cancel_does_not_wait_for_the_chunks_in_flight(tmp_path: Path, cluster: Any) -> None:
    """A cancel (what SIGTERM calls) while the replica works on its first chunk (128 tokens: seconds)
    ends the run at once: nothing journaled, cancelled, the replica gone. Waiting for the chunk
    would have journaled its episodes first."""
    ray = cluster
    runs = tmp_path / "runs"
    run_id = "rayx-cancel"
    exp = load_experiment(_experiment(tmp_path, replicas=1, max_tokens=128))
    # the driver's own sampler stays quiet: a TelemetrySampled event is the pool's, asked for in its
    # wait loop once the chunks are submitted
    opts = RunRequest(runs_dir=runs, ingest=False, limit=LIMIT, executor="ray", run_id=run_id, telemetry_interval=3600)
    runner = Runner(exp, opts)
    cancelled_at: list[float] = []

    def cancel_once_chunks_are_in_flight() -> None:
        deadline = time.time() + 300
        while time.time() < deadline and not _events(runs, "TelemetrySampled"):
            time.sleep(0.02)
        cancelled_at.append(time.perf_counter())
        runner.cancel()

    watcher = threading.Thread(target=cancel_once_chunks_are_in_flight, daemon=True)
    watcher.start()
    res = runner.run()
    stopped_after = time.perf_counter() - cancelled_at[0]
    watcher.join(5)
    assert res.status == "cancelled", res
    assert _episodes(runs) == [], f"the run waited for a chunk ({stopped_after:.2f} s after the cancel)"
    assert _events(runs, "RunCancelled")
    deadline = time.time() + 60  # ray.kill is asynchronous: wait for the actor's end, however long
    while time.time() < deadline and [
        a for a in ray.util.list_named_actors(all_namespaces=True) if a["name"].startswith(run_id)
    ]:
        time.sleep(0.1)
    assert not [a for a in ray.util.list_named_actors(all_namespaces=True) if a["name"].startswith(run_id)]


@pytest.mark.ray
def test_ray_cluster_too_small_fails_before_the_journal(tmp_path: Path, cluster: Any) -> None:
    runs = tmp_path / "runs"
    opts = RunRequest(runs_dir=runs, ingest=False, limit=LIMIT, executor="ray")
    with pytest.raises(BackendError, match=r"lacks resources for 'smol': 3 replica\(s\) x 1 CPU.*room for 2"):
        Runner(load_experiment(_experiment(tmp_path, replicas=3)), opts).run()
    assert jr.run_dirs(runs) == [] and not runs.exists()


def _wait_dead(ray: Any, actor: Any) -> None:
    from ray.exceptions import RayActorError

    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            ray.get(actor.telemetry.remote("probe"), timeout=30)
        except RayActorError:
            return
        time.sleep(0.05)
    raise AssertionError("the killed actor still answers")


@pytest.mark.ray
def test_ray_node_telemetry_asks_one_replica_per_host_and_dedupes(cluster: Any) -> None:
    """Three replicas on two "nodes" (one machine standing in for both: the host each reports is set):
    the first round asks all three and hands on one sample per host; later rounds ask one per host."""
    from engine.models.ray_pool import _NodeTelemetry
    from engine.telemetry import snapshot

    class Node:
        def __init__(self, host: str) -> None:
            self.host = host

        def telemetry(self, run_id: str) -> Any:
            return dataclasses.replace(snapshot(run_id), host=self.host)

    cls = cluster.remote(concurrency_groups={"telemetry": 1})(Node).options(num_cpus=0)
    actors = [cls.remote("node-a"), cls.remote("node-a"), cls.remote("node-b")]
    got: list[Any] = []
    tel = _NodeTelemetry("r1", got.append, interval=3600)
    tel.ask(actors)
    assert len(tel.pending) == 3  # no host known yet: every replica is asked
    tel.receive(timeout=60)
    assert not tel.pending
    assert sorted(s.host for s in got) == ["node-a", "node-b"] and {s.run_id for s in got} == {"r1"}
    tel.ask(actors)  # not due yet: nothing asked
    assert not tel.pending
    tel.due = 0.0
    tel.ask(actors)
    assert sorted(tel.pending.values(), key=actors.index) == [actors[0], actors[2]]  # one per host
    tel.receive(timeout=60)
    assert len(got) == 2  # within half an interval of the last sample of each host: not handed on
    cluster.kill(actors[0])  # a replica that died: forgotten, and its host asked of another one there
    _wait_dead(cluster, actors[0])  # ray.kill returns before the actor is gone
    tel.due = 0.0
    tel.ask(actors)
    tel.receive(timeout=60)
    assert actors[0] not in tel.host_of and not tel.pending
    tel.due = 0.0
    tel.ask(actors[1:])  # the pool has replaced the dead replica in its list by then
    assert sorted(tel.pending.values(), key=actors.index) == [actors[1], actors[2]]
    tel.receive(timeout=60)
    for a in actors[1:]:
        cluster.kill(a)


def test_ray_missing_is_one_line_and_exit_2(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    argv = ["engine", "run", str(_experiment(tmp_path)), "--runs-dir", str(runs), "--executor", "ray"]
    code = f"import sys; sys.modules['ray'] = None; sys.argv = {argv!r}; from engine.cli import main; main()"
    env = {**os.environ, "COLUMNS": "300"}
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert res.returncode == 2, res.stderr
    assert res.stderr.strip().splitlines() == [
        "error: --executor ray needs Ray: pip install 'skill-cockpit[ray]' (or bash scripts/setup.sh)"
    ]
    assert not runs.exists()


def test_ray_unreachable_address_fails_before_the_journal(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    runs = tmp_path / "runs"
    cmd = engine_cmd(
        "run",
        str(_experiment(tmp_path)),
        "--runs-dir",
        str(runs),
        "--executor",
        "ray",
        "--address",
        f"127.0.0.1:{port}",
    )
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "300"})
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and f"--address 127.0.0.1:{port}: no Ray cluster answers there" in lines[0], lines
    assert not runs.exists()


def test_address_form_is_checked_without_ray_or_network() -> None:
    from engine.models.ray_cluster import address_error

    for good in ("auto", "10.0.0.5:6379", "head-node:6379", "ray://head:10001", "[::1]:6379"):
        assert address_error(good) is None, good
    for bad in ("head", ":6379", "head:", "head:port", "head:0", "head:70000", "ray://", "http://head:6379", "a b:1"):
        assert address_error(bad) == f"--address {bad!r}: expected HOST:PORT (or ray://HOST:PORT, or auto)", bad
