"""LLM judges on local models under `engine run --executor ray` (a local Ray cluster of 2 CPUs, the
real SmolLM2 as model and as logprob judge).

The judge's backend is a pool of replica actors on the cluster (`<run>:judge-<id>-<n>`), never the
driver. When the cluster holds the judge's replica beside the generation replicas, the judge
streams (scores each episode as it exists); when it does not (2 generation replicas fill the 2
CPUs), it judges after generation, when those replicas are gone, with verdicts identical to the
local executor's (the same batches, greedy arithmetic on one thread).
"""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest

from engine.config import load_experiment
from engine.runner import Runner, RunRequest
from engine.store import journal as jr
from engine.store.manifest import read_info
from tests.conftest import engine_cmd, mini_head

LIMIT = 3  # tasks: 6 episodes, each judged by the logprob judge (and the extractor where it applies)
N = 2 * LIMIT
JUDGE = "smol-judge"


def _experiment(tmp: Path, replicas: int) -> Path:
    text = (
        mini_head("rayj")
        + f"""

[[configs]]
id = "smol"
backend = "embedded"
model = "smollm2-135m-instruct"
batch_size = 2
replicas = {replicas}
[configs.sampling]
max_tokens = 8

[[judges]]
id = "extractor"
kind = "answer_line"

[[judges]]
id = "{JUDGE}"
kind = "llm"
mode = "logprob"
[judges.model]
backend = "embedded"
model = "smollm2-135m-instruct"
batch_size = 4
"""
    )
    p = tmp / f"rayj-{replicas}.toml"
    p.write_text(text)
    return p


def _records(runs: Path, name: str) -> list[dict[str, Any]]:
    return [r for d in jr.run_dirs(runs) for r in jr.iter_records(d / f"{name}.jsonl")]


def _events(runs: Path, kind: str) -> list[dict[str, Any]]:
    return [e for e in _records(runs, "events") if e["type"] == kind]


def _verdicts(runs: Path) -> dict[str, tuple[str, str]]:
    mine = [j for j in _records(runs, "judgments") if j["judge_id"] == JUDGE]
    return {j["judgment_id"]: (j["verdict"], j["rationale"]) for j in mine}


def _ray_run(tmp: Path, replicas: int, run_id: str) -> Path:
    runs = tmp / "runs"
    opts = RunRequest(runs_dir=runs, ingest=False, limit=LIMIT, executor="ray", run_id=run_id, telemetry_interval=3600)
    res = Runner(load_experiment(_experiment(tmp, replicas)), opts).run()
    assert res.status == "finished", res
    assert res.errors == 0, res
    assert res.episodes == N, res
    (started,) = _events(runs, "RunStarted")
    assert res.judgments == started["total_judgments"] > N, res  # each planned judgment, once
    return runs


def _judged_on_the_cluster(runs: Path, run_id: str, cluster: Any) -> None:
    """Every verdict of the LLM judge names a replica of its own pool; none stays alive after."""
    judged = [e for e in _events(runs, "JudgmentRecorded") if e["judge_id"] == JUDGE]
    assert len(judged) == N
    workers = {e["worker"] for e in judged}
    assert workers == {f"{run_id}:judge-{JUDGE}-1@{socket.gethostname()}"}, workers
    extractor = {e["worker"] for e in _events(runs, "JudgmentRecorded") if e["judge_id"] == "extractor"}
    assert extractor == {""}  # deterministic judges stay in the driver
    alive = [a for a in cluster.util.list_named_actors(all_namespaces=True) if a["name"].startswith(run_id)]
    assert not alive, alive


@pytest.mark.slow
@pytest.mark.ray
def test_ray_local_judge_after_generation_matches_the_local_executor(tmp_path: Path, cluster: Any) -> None:
    local_runs = tmp_path / "local"
    cmd = engine_cmd("run", str(_experiment(tmp_path, 2)), "--runs-dir", str(local_runs), "--limit", str(LIMIT))
    env = {**os.environ, "OMP_NUM_THREADS": "1"}  # as in a 1-CPU Ray actor: the same arithmetic
    res = subprocess.run([*cmd, "--events", "none"], capture_output=True, text=True, timeout=900, env=env)
    assert res.returncode == 0, res.stderr[-2000:]
    local = _verdicts(local_runs)
    assert len(local) == N
    assert {v for v, _ in local.values()} <= {"pass", "fail"}

    run_id = "rayj-after"
    runs = _ray_run(tmp_path, replicas=2, run_id=run_id)  # 2 generation replicas fill the 2 CPUs
    phases = [e["detail"] for e in _events(runs, "PhaseChanged") if e["phase"] == "judging"]
    assert phases == [JUDGE], phases  # after generation, not "as episodes arrive"
    assert _verdicts(runs) == local
    _judged_on_the_cluster(runs, run_id, cluster)


@pytest.mark.slow
@pytest.mark.ray
def test_ray_local_judge_streams_when_the_cluster_holds_it_beside_generation(tmp_path: Path, cluster: Any) -> None:
    run_id = "rayj-stream"
    runs = _ray_run(tmp_path, replicas=1, run_id=run_id)  # 1 generation replica + 1 judge replica: 2 CPUs
    phases = [e["detail"] for e in _events(runs, "PhaseChanged") if e["phase"] == "judging"]
    assert phases == [f"{JUDGE} (as episodes arrive)"], phases
    ids = [j["judgment_id"] for j in _records(runs, "judgments")]
    assert len(set(ids)) == len(ids), "a judgment was recorded twice"
    episodes = {e["episode_id"] for e in _records(runs, "episodes")}
    assert {j["episode_id"] for j in _records(runs, "judgments") if j["judge_id"] == JUDGE} == episodes
    _judged_on_the_cluster(runs, run_id, cluster)


@pytest.mark.slow
@pytest.mark.ray
def test_engine_judge_with_ray_rejudges_stored_episodes_on_the_cluster(tmp_path: Path, cluster: Any) -> None:
    """`engine judge EXP --executor ray`: episodes generated (and judged by the extractor) before,
    then the local LLM judge alone, on the cluster, from the CLI."""
    runs = tmp_path / "runs"
    exp = _experiment(tmp_path, 1)
    opts = RunRequest(runs_dir=runs, ingest=False, limit=LIMIT, executor="ray", judge_ids=["extractor"])
    first = Runner(load_experiment(exp), opts).run()
    assert first.status == "finished", first
    assert first.episodes == N, first
    assert _verdicts(runs) == {}
    address = cluster.get_runtime_context().gcs_address
    cmd = engine_cmd("judge", str(exp), "--runs-dir", str(runs), "--limit", str(LIMIT), "--judge", JUDGE)
    cmd += ["--executor", "ray", "--address", address, "--events", "none"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    assert len(_verdicts(runs)) == N
    infos = [read_info(d) for d in jr.run_dirs(runs)]
    judge_runs = [i for i in infos if i is not None and i.kind == "judge"]
    assert len(judge_runs) == 1
    assert judge_runs[0].executor == "ray"
    _judged_on_the_cluster(runs, judge_runs[0].run_id, cluster)
