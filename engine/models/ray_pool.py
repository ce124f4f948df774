"""Generation on a Ray cluster (`engine run --executor ray`): a Backend whose replicas are Ray actors.

The runner uses a `RayPool` where it would build a local backend (embedded, hf, vLLM): for each
generation group, and for each LLM judge on a local model (`score_choices` too: logprob judging).
API configs and API judges stay on the driver, which overlaps them with everything else (the
pipelined run). Joining the cluster and its resources: `engine.models.ray_cluster`.

- Each of a config's `replicas` is one actor that builds the ordinary backend inside its worker
  (`make_backend`), so the model loads there, with the resources the config asks for
  (`ray_cluster.replica_need`).
- The requests are cut into chunks and the chunks are the tasks: an hf/embedded chunk is one batch
  exactly as the local backend would form it (the first replica computes the partition), so greedy
  completions are identical to a local run's; other backends get chunks of `batch_size` or more.
  Each replica has at most two chunks in flight, and finished chunks stream back (`ray.wait`).
- A chunk whose actor died is put back at the head of the queue, and the dead actor is replaced by
  a fresh one; after `replicas + 3` deaths the pool gives up with the last error.
- Only the driver writes the journal: workers return results (each names its replica,
  `GenResult.worker` = "<actor name>@<node host>") and need no shared filesystem for the journal.
  Model files, adapters and the embedded model's cache are read by path on the worker (shared
  storage or the same paths on every node).
- Each node the replicas run on is sampled about every 2 s while a pool generates (CPU, RAM, GPUs
  through NVML: `engine.telemetry.snapshot` run by one replica per host, in a concurrency group of
  its own, so a replica busy with a chunk answers at once); the samples, deduped by host, go to
  `on_telemetry`, and the runner journals them (telemetry rows and `TelemetrySampled` events)
  with `host` = the worker's node. On a one-machine cluster that host is the driver's own, so they look like the
  driver's samples (the same machine, read twice).
- A stop (`stop()` true: the runner's cancel, SIGTERM) ends `generate` within `POLL_S`, chunks in
  flight or a replica still loading its model; `close()` then kills the actors.
- `close()` kills the actors. Ray ends a driver's actors when the driver dies, so `kill -9` of the
  driver loses at most the chunks in flight, and `engine resume` generates what is missing.

Ray is an optional extra, imported only here and only when the executor is asked for.
"""

from __future__ import annotations

import math
import os
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import psutil

from engine.events import TelemetrySampled
from engine.host import this_host
from engine.models.base import BackendError, ChoiceResult, GenRequest, GenResult, make_backend
from engine.models.ray_cluster import WORKER_ENV, alive_nodes, import_ray, replica_need
from engine.telemetry import snapshot

if TYPE_CHECKING:
    from engine.config import ModelSpec

IN_FLIGHT_PER_REPLICA = 2
TELEMETRY_INTERVAL_S = 2.0  # one sample per node this often while a pool generates
_R = TypeVar("_R", GenResult, ChoiceResult)
POLL_S = 0.25  # the driver's longest wait for a chunk before it looks at telemetry (and a stop) again


class Replica:
    """One model replica: the ordinary backend, built inside a Ray worker."""

    def __init__(self, spec: ModelSpec, peers: Mapping[str, ModelSpec] | None) -> None:
        if peers:  # copies after the trip: the lead's own entry must be the lead
            peers = {cid: spec if p == spec else p for cid, p in peers.items()}
        self.backend = make_backend(spec, peers)
        self.worker = f"{_actor_name()}@{this_host()}"
        psutil.cpu_percent(interval=None)  # prime the CPU counter: the first telemetry reads since now

    def partition(self, requests: Sequence[GenRequest]) -> list[list[str]] | None:
        """The request keys batch by batch as the backend forms its batches (None: it does not say)."""
        batch_keys = getattr(self.backend, "batch_keys", None)
        return None if batch_keys is None else batch_keys(requests)

    def generate(self, requests: Sequence[GenRequest]) -> list[GenResult]:
        return self._named(list(self.backend.generate(requests)))

    def score_choices(self, requests: Sequence[GenRequest], choices: Sequence[str]) -> list[ChoiceResult]:
        """Logprob judging (an LLM judge in logprob mode on a local model)."""
        scorer = getattr(self.backend, "score_choices", None)
        if scorer is None:
            raise BackendError(f"backend '{self.backend.spec.backend}' cannot score choices")
        return self._named(list(scorer(requests, choices)))

    def _named(self, results: list[_R]) -> list[_R]:
        """The results, each naming this replica as its worker."""
        for r in results:
            r.worker = self.worker
        return results

    def host(self) -> str:
        return this_host()

    def telemetry(self, run_id: str) -> TelemetrySampled:
        """This node's machine sample (called in the "telemetry" concurrency group, beside a chunk)."""
        return snapshot(run_id)


def _actor_name() -> str:
    """This Ray actor's name ("" outside one)."""
    try:
        return str(import_ray().get_runtime_context().get_actor_name() or "")
    except Exception:  # noqa: BLE001 - not in a Ray worker
        return ""


class RayPool:
    """A Backend proxy: `spec.replicas` Replica actors serving `spec` (and its engine-sharing peers)."""

    def __init__(
        self,
        spec: ModelSpec,
        peers: Mapping[str, ModelSpec] | None = None,
        name: str = "pool",
        run_id: str = "",
        on_telemetry: Callable[[TelemetrySampled], None] | None = None,
        telemetry_interval: float = TELEMETRY_INTERVAL_S,
        stop: Callable[[], bool] | None = None,
    ) -> None:
        ray = import_ray()
        self.spec = spec
        self._stop = stop or (lambda: False)
        self._peers = dict(peers) if peers else None
        self._name = name
        has_gpus = any(n.get("GPU", 0) > 0 for n in alive_nodes())
        need = replica_need(spec, has_gpus)
        env = {k: os.environ[k] for k in WORKER_ENV if k in os.environ}
        self._cls = ray.remote(concurrency_groups={"telemetry": 1})(Replica)
        self._options: dict[str, Any] = {
            "num_cpus": need.num_cpus,
            "num_gpus": need.num_gpus,
            "max_restarts": 0,
            "max_task_retries": 0,
        }
        if env:
            self._options["runtime_env"] = {"env_vars": env}
        self._started = 0
        self.actors: list[Any] = [self._start() for _ in range(spec.replicas)]
        self.deaths = 0
        self._telemetry = _NodeTelemetry(run_id, on_telemetry, telemetry_interval) if on_telemetry else None

    def _start(self) -> Any:
        self._started += 1
        return self._cls.options(name=f"{self._name}-{self._started}", **self._options).remote(self.spec, self._peers)

    def _chunks(self, requests: Sequence[GenRequest]) -> list[list[GenRequest]]:
        by_key = {r.key: r for r in requests}
        parts = self._call(lambda a: a.partition.remote(list(requests)))
        if parts is not None:
            return [[by_key[k] for k in part] for part in parts]
        size = max(self.spec.batch_size, min(256, math.ceil(len(requests) / (4 * len(self.actors)))))
        return [list(requests[i : i + size]) for i in range(0, len(requests), size)]

    def _call(self, submit: Any) -> Any:
        """One call on the first live replica, replacing replicas that died; `_Stopped` when a stop
        is asked while it waits (a replica may take minutes to load its model)."""
        ray = import_ray()
        from ray.exceptions import RayActorError

        while True:
            actor = self.actors[0]
            ref = submit(actor)
            while not ray.wait([ref], timeout=POLL_S)[0]:
                if self._stop():
                    raise _Stopped
            try:
                return ray.get(ref)
            except RayActorError as exc:
                self._died(0, actor, exc)

    def _died(self, idx: int, actor: Any, exc: BaseException) -> None:
        if self.actors[idx] is not actor:  # replaced already (it had two chunks in flight)
            return
        if "creation task" in str(exc):  # the backend could not be built there: no replica will do better
            lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
            raise BackendError(f"{self._name}: a model replica could not start: {lines[-1]}") from None
        self.deaths += 1
        try:  # unavailable rather than dead: make sure it is gone
            import_ray().kill(actor, no_restart=True)
        except Exception:  # noqa: BLE001 - already gone
            pass
        if self.deaths > len(self.actors) + 3:
            raise BackendError(f"{self._name}: {self.deaths} model replicas died; the last: {exc}") from None
        self.actors[idx] = self._start()

    def generate(self, requests: Sequence[GenRequest]) -> Iterator[GenResult]:
        return self._map(requests, lambda actor, chunk: actor.generate.remote(chunk))

    def score_choices(self, requests: Sequence[GenRequest], choices: Sequence[str]) -> Iterator[ChoiceResult]:
        """Logprob judging on the replicas (each scores its chunks as the backend would here)."""
        wanted = list(choices)
        return self._map(requests, lambda actor, chunk: actor.score_choices.remote(chunk, wanted))

    def _map(self, requests: Sequence[GenRequest], submit: Callable[[Any, list[GenRequest]], Any]) -> Iterator[Any]:
        """The chunks of `requests` over the replicas (`submit(actor, chunk)` -> a ref to a result
        list), results streamed back as chunks finish; a dead replica's chunk goes to its stand-in."""
        if not requests:
            return
        ray = import_ray()
        from ray.exceptions import RayActorError

        try:
            pending = deque(self._chunks(requests))
        except _Stopped:
            return
        in_flight: dict[Any, tuple[int, Any, list[GenRequest]]] = {}
        load = [0] * len(self.actors)
        # a stop (asked, or the caller closing this generator) leaves chunks in flight: close() kills
        # their actors
        while pending or in_flight:
            if self._stop():
                return
            for idx in range(len(self.actors)):
                while pending and load[idx] < IN_FLIGHT_PER_REPLICA:
                    chunk = pending.popleft()
                    actor = self.actors[idx]
                    in_flight[submit(actor, chunk)] = (idx, actor, chunk)
                    load[idx] += 1
            if self._telemetry is not None:
                self._telemetry.ask(self.actors)
                self._telemetry.receive()
            ready, _ = ray.wait(list(in_flight), num_returns=1, timeout=POLL_S)
            for ref in ready:
                idx, actor, chunk = in_flight.pop(ref)
                load[idx] -= 1
                try:
                    results: list[Any] = ray.get(ref)
                except RayActorError as exc:
                    self._died(idx, actor, exc)
                    pending.appendleft(chunk)
                    continue
                yield from results
        if self._telemetry is not None:  # the samples asked for: a short run still reports each node
            self._telemetry.receive(timeout=TELEMETRY_INTERVAL_S)

    def close(self) -> None:
        ray = import_ray()
        for actor in self.actors:
            ray.kill(actor)
        self.actors = []


class _Stopped(Exception):
    """A stop was asked while the pool waited on a replica."""


class _NodeTelemetry:
    """One machine sample per node about every `interval` seconds, handed to `sink`.

    Each round asks one replica per known host, and every replica whose host is not known yet (a new
    or replacing one); answers are deduped by host (at most one per host per half interval). A probe
    still unanswered is not asked again; one whose replica died is dropped (the chunk path replaces
    the replica). Never raises: telemetry never takes a run down."""

    def __init__(self, run_id: str, sink: Callable[[TelemetrySampled], None], interval: float) -> None:
        self.run_id, self.sink, self.interval = run_id, sink, interval
        self.host_of: dict[Any, str] = {}  # actor handle -> the host it reported
        self.pending: dict[Any, Any] = {}  # probe ref -> the actor asked
        self.last: dict[str, float] = {}  # host -> when its last sample was handed on (monotonic)
        self.due = 0.0

    def ask(self, actors: Sequence[Any]) -> None:
        now = time.monotonic()
        if now < self.due:
            return
        self.due = now + self.interval
        asking = set(self.pending.values())
        hosts: set[str] = set()
        for actor in actors:
            host = self.host_of.get(actor)
            if host is not None:
                if host in hosts:
                    continue
                hosts.add(host)
            if actor in asking:
                continue
            try:
                ref = actor.telemetry.options(concurrency_group="telemetry").remote(self.run_id)
            except Exception:  # noqa: BLE001 - a dead handle: the chunk path deals with it
                continue
            self.pending[ref] = actor

    def receive(self, timeout: float = 0.0) -> None:
        """Hand on the samples that have arrived (waiting up to `timeout` for all asked)."""
        if not self.pending:
            return
        ray = import_ray()
        ready, _ = ray.wait(list(self.pending), num_returns=len(self.pending), timeout=timeout)
        for ref in ready:
            actor = self.pending.pop(ref)
            try:
                sample = ray.get(ref)
            except Exception:  # noqa: BLE001 - the replica died or NVML failed there
                self.host_of.pop(actor, None)
                continue
            if not isinstance(sample, TelemetrySampled):
                continue
            self.host_of[actor] = sample.host
            now = time.monotonic()
            if now - self.last.get(sample.host, -math.inf) < self.interval / 2:
                continue
            self.last[sample.host] = now
            try:
                self.sink(sample)
            except Exception:  # noqa: BLE001 - telemetry never takes a run down
                pass
