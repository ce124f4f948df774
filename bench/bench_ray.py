"""The Ray executor against the local one, measured in one run on a local Ray cluster.

  a. Overhead of 1 replica against the local executor on the same work: the embedded SmolLM2 on
     the mini suite (8 tasks x 2 conditions x 2 samples = 32 prompts, 32 tokens, greedy).
     - generation (the target): the same 32 requests through a 1-replica RayPool and through the
       local backend in this process, both loaded, alternating, `--gen-rounds` of each; the
       medians' throughput ratio, target >= 0.9 (and whether the completions are identical);
     - whole runs: `engine run --executor ray --address <this cluster>` against `--executor local`,
       each a fresh process timed from start to exit (what a user waits for: process start,
       imports, the model's load, generation, the journal), alternating, `--rounds` of each; the
       medians' ratio and the seconds ray adds per run (the replica's process start and imports,
       a fixed cost that a longer run amortises).
     Both sides run torch with the same threads (`--threads`, OMP_NUM_THREADS), one by default: Ray
     gives a 1-CPU replica one thread, and with two on cores other jobs share, OpenMP's spinning
     threads make timings swing 3-5x from one pass to the next.
  b. An API-latency-bound workload: a RayPool of the openai backend (N replicas, each at a fixed
     concurrency C) against the loopback server answering after L = 0.5 s, N = 1, 2, 4, with
     64 x N requests (the same wall time at the ideal rate). Timed from the first request to the
     last result, once every replica is up. Target: throughput(N) >= 0.9 x N x throughput(1).

One untimed local run first warms the caches. Ray starts here with `ray.init(num_cpus=...)`
(logical CPUs: each replica asks one, whatever the machine has).

    python bench/bench_ray.py                     # a and b
    python bench/bench_ray.py --only api --json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_pipeline import smol_head, start_server  # noqa: E402
from engine.config import ModelSpec, load_experiment  # noqa: E402
from engine.models.base import GenRequest  # noqa: E402

TARGET = 0.9
KEY_ENV = "SKC_BENCH_KEY"


def experiment(tmp: Path, args: argparse.Namespace) -> Path:
    text = (
        smol_head("bench-ray", args, samples=2)
        + """
[[judges]]
id = "extractor"
kind = "answer_line"
"""
    )
    p = tmp / "bench-ray.toml"
    p.write_text(text)
    return p


def cli_run(exp_path: Path, runs: Path, executor: str, address: str) -> float:
    """One `engine run` process, timed from its start to its exit (what a user waits for)."""
    cmd = [sys.executable, "-m", "engine.cli", "run", str(exp_path), "--runs-dir", str(runs), "--limit", "8"]
    cmd += ["--events", "none", "--executor", executor]
    if executor == "ray":
        cmd += ["--address", address]
    t0 = time.perf_counter()
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - t0
    if res.returncode != 0:
        raise SystemExit(f"bench run ({executor}) failed: {res.stderr[-2000:]}")
    print(f"   (engine run --executor {executor}: {wall:.2f} s)", file=sys.stderr, flush=True)
    return wall


def generation(args: argparse.Namespace, exp_path: Path) -> dict[str, object]:
    """The same requests through a 1-replica RayPool and through the local backend, each once its
    model is loaded (a 2-request call first): the executor's cost per episode, without start-up."""
    from engine.models.base import make_backend
    from engine.models.hf import release_models
    from engine.models.ray_pool import RayPool
    from engine.plan import plan_episodes, select

    exp = load_experiment(exp_path)
    planned = plan_episodes(exp, select(exp, 8), list(exp.configs))
    spec = exp.configs[0]
    reqs = [
        GenRequest(key=p.episode_id, messages=p.messages, max_tokens=args.max_tokens, seed=p.seed, route=spec.id)
        for p in planned
    ]
    backends = {"local": make_backend(spec), "ray": RayPool(spec, name="bench-gen")}
    walls: dict[str, list[float]] = {"local": [], "ray": []}
    texts: dict[str, dict[str, str]] = {}
    try:
        for backend in backends.values():
            list(backend.generate(reqs[:2]))  # the model loads
        for _ in range(args.gen_rounds):  # alternating: a load that comes and goes hits both sides
            for executor, backend in backends.items():
                t0 = time.perf_counter()
                results = list(backend.generate(reqs))
                walls[executor].append(time.perf_counter() - t0)
                print(f"   (generation, {executor}: {walls[executor][-1]:.2f} s)", file=sys.stderr, flush=True)
                texts[executor] = {r.key: r.text for r in results}
    finally:
        for backend in backends.values():
            backend.close()
        release_models()
    local, ray_ = statistics.median(walls["local"]), statistics.median(walls["ray"])
    return {
        "walls_s": {k: [round(w, 2) for w in v] for k, v in walls.items()},
        "ray_over_local_throughput": round(local / ray_, 3),
        "identical_completions": texts["local"] == texts["ray"],
    }


def overhead(args: argparse.Namespace, tmp: Path, address: str) -> dict[str, object]:
    exp = experiment(tmp, args)
    walls: dict[str, list[float]] = {"local": [], "ray": []}
    if args.rounds:
        cli_run(exp, tmp / "warmup", "local", address)
    for i in range(args.rounds):
        for executor in ("local", "ray"):  # each in a fresh runs dir: every episode generated
            walls[executor].append(cli_run(exp, tmp / f"{executor}-{i}", executor, address))
    gen = generation(args, exp)
    ratio = float(gen["ray_over_local_throughput"])  # type: ignore[arg-type]
    out: dict[str, object] = {
        "episodes": 32,
        "max_tokens": args.max_tokens,
        "threads": args.threads,
        "generation": gen,
        "ok": ratio >= TARGET,
    }
    if args.rounds:
        local, ray_ = statistics.median(walls["local"]), statistics.median(walls["ray"])
        out["runs_walls_s"] = {k: [round(w, 2) for w in v] for k, v in walls.items()}
        out["runs_ray_over_local"] = round(local / ray_, 3)
        out["runs_extra_s"] = round(ray_ - local, 2)
    return out


def api_scaling(args: argparse.Namespace) -> dict[str, object]:
    from engine.models.ray_cluster import import_ray
    from engine.models.ray_pool import RayPool

    ray = import_ray()
    server, base = start_server(args.latency)
    rates: dict[int, float] = {}
    walls: dict[int, float] = {}
    try:
        for n in args.replicas:
            spec = ModelSpec(
                backend="openai",
                model="toy-student",
                base_url=f"{base}/v1",
                api_key_env=KEY_ENV,
                concurrency=args.api_concurrency,
                replicas=n,
            )
            pool = RayPool(spec, name=f"bench-api-{n}")
            try:
                ray.get([a.host.remote() for a in pool.actors])  # every replica up: steady state from here
                count = args.per_replica * n
                reqs = [
                    GenRequest(key=f"r{n}-{i}", messages=[{"role": "user", "content": f"request {i}"}], max_tokens=16)
                    for i in range(count)
                ]
                t0 = time.perf_counter()
                results = list(pool.generate(reqs))
                walls[n] = time.perf_counter() - t0
            finally:
                pool.close()
            bad = [r for r in results if not r.ok]
            if len(results) != count or bad:
                raise SystemExit(f"api part, {n} replicas: {len(results)}/{count} results, {len(bad)} errors")
            rates[n] = count / walls[n]
    finally:
        server.terminate()
        server.wait()
    one = rates[args.replicas[0]] / args.replicas[0]
    scaling = {n: rates[n] / (n * one) for n in args.replicas}
    return {
        "latency_s": args.latency,
        "concurrency_per_replica": args.api_concurrency,
        "ideal_per_replica_req_s": round(args.api_concurrency / args.latency, 2),
        "walls_s": {n: round(w, 2) for n, w in walls.items()},
        "req_per_s": {n: round(r, 2) for n, r in rates.items()},
        "throughput_over_n_x_one": {n: round(s, 3) for n, s in scaling.items()},
        "ok": all(s >= TARGET for s in scaling.values()),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", choices=("overhead", "api"), help="run one part")
    ap.add_argument("--rounds", type=int, default=1, help="a: timed whole runs of each executor (0: none)")
    ap.add_argument("--gen-rounds", type=int, default=3, help="a: timed generations of each executor")
    ap.add_argument("--max-tokens", type=int, default=32)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--threads", type=int, default=1, help="a: torch threads on both sides")
    ap.add_argument("--latency", type=float, default=0.5, help="b: the server's answer latency L, seconds")
    ap.add_argument("--api-concurrency", type=int, default=4, help="b: concurrency of each replica")
    ap.add_argument("--per-replica", type=int, default=64, help="b: requests per replica")
    ap.add_argument("--replicas", type=int, nargs="+", default=[1, 2, 4], help="b: the N measured (first = baseline)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    # before Ray starts: its workers inherit the environment (the key for b, torch's threads for a)
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    os.environ[KEY_ENV] = "sk-bench-ray"
    from engine.models.ray_cluster import import_ray

    ray = import_ray()
    ray.init(
        num_cpus=max(2, *args.replicas),
        include_dashboard=False,
        log_to_driver=False,
        logging_level="ERROR",
    )
    out: dict[str, object] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp_s:
            if args.only in (None, "overhead"):
                address = ray.get_runtime_context().gcs_address
                out["overhead"] = overhead(args, Path(tmp_s), address)
            if args.only in (None, "api"):
                out["api"] = api_scaling(args)
    finally:
        ray.shutdown()
    out["load_avg"] = [round(x, 2) for x in os.getloadavg()]
    if args.json:
        print(json.dumps(out))
        return
    if "overhead" in out:
        o: dict = out["overhead"]  # type: ignore[assignment,type-arg]
        print(f"a. {o['episodes']} episodes x {o['max_tokens']} tokens, {o['threads']} torch threads")
        if "runs_walls_s" in o:
            for k, v in o["runs_walls_s"].items():
                print(f"   engine run --executor {k:<5} walls {v} s")
            print(
                f"   whole runs, ray (1 replica) / local throughput: {o['runs_ray_over_local']:.3f} "
                f"(ray {o['runs_extra_s']:+.2f} s per run)"
            )
        g = o["generation"]
        print(f"   generation once loaded: local walls {g['walls_s']['local']} s, ray walls {g['walls_s']['ray']} s")
        verdict = "ok" if o["ok"] else "MISSED"
        print(
            f"   generation, ray (1 replica) / local throughput: {g['ray_over_local_throughput']:.3f} "
            f"(target >= {TARGET}) {verdict}; identical completions: {g['identical_completions']}"
        )
    if "api" in out:
        a: dict = out["api"]  # type: ignore[assignment,type-arg]
        print(
            f"b. openai backend, L = {a['latency_s']} s, concurrency {a['concurrency_per_replica']} per replica "
            f"(ideal {a['ideal_per_replica_req_s']} req/s each)"
        )
        for n, r in a["req_per_s"].items():
            s = a["throughput_over_n_x_one"][n]
            print(f"   N = {n}: {r:7.2f} req/s in {a['walls_s'][n]:.2f} s, {s:.3f} x (N x one replica)")
        print(f"   target >= {TARGET} for every N: {'ok' if a['ok'] else 'MISSED'}")
    print(f"load average: {out['load_avg']}")


if __name__ == "__main__":
    main()
