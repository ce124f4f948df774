"""The pipelined schedule: generate and judge at once.

Local configs (embedded, hf, vLLM) generate on the calling thread, one group after another, as on
the sequential schedule; meanwhile each API server (backend + base_url) has a thread of its own that
generates its configs one after another. Each streaming LLM judge has a feed: every episode stored
(before the run or during it) goes on it, and the judge's thread sends what has queued up as one
batch, several batches in flight. Per-backend concurrency still holds: a backend's one pool caps its
calls however many batches are in flight. A worker's error stops the others and is the run's error;
a cancel stops them all.
"""

from __future__ import annotations

import queue
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Protocol

from engine.backends import capabilities, is_api
from engine.config import ConfigSpec
from engine.events import PhaseChanged, Reporter
from engine.judges.base import Judge
from engine.models.base import generation_groups
from engine.plan import PlannedEpisode
from engine.runner.workers import Workers

OnStored = Callable[[PlannedEpisode], None]


class Steps(Protocol):
    """What the schedule asks of the runner: generate one group, judge a batch."""

    run_id: str
    reporter: Reporter
    workers: Workers

    stored: dict[str, str]  # episode id -> completion, of every episode stored so far

    def generate_group(
        self, group: list[str], todo: Todo, judges: list[Judge], on_stored: OnStored | None = None
    ) -> None: ...

    def judge(self, judges: Iterable[Judge], episodes: list[PlannedEpisode], announce: bool = True) -> None: ...


@dataclass(frozen=True)
class Todo:
    """The episodes to generate, per config, and each config's spec."""

    by_config: dict[str, list[PlannedEpisode]]
    specs: dict[str, ConfigSpec]

    @classmethod
    def of(cls, todo: list[PlannedEpisode]) -> Todo:
        out: dict[str, list[PlannedEpisode]] = defaultdict(list)
        for p in todo:
            out[p.config.id].append(p)
        return cls(dict(out), {cid: eps[0].config for cid, eps in out.items()})


def pipelined(
    steps: Steps,
    todo: list[PlannedEpisode],
    planned: list[PlannedEpisode],
    deterministic: list[Judge],
    streaming: list[Judge],
) -> None:
    """Generate `todo` (judging each episode with `deterministic` as it arrives) while every judge of
    `streaming` scores each stored episode of `planned` as it exists."""
    workers = steps.workers
    work = Todo.of(todo)
    specs = work.specs
    groups = generation_groups(specs)
    remote = [g for g in groups if is_api(specs[g[0]].backend)]
    local = [g for g in groups if g not in remote]
    feeds: dict[str, queue.SimpleQueue[PlannedEpisode]] = {j.id: queue.SimpleQueue() for j in streaming}

    def hand_on(p: PlannedEpisode) -> None:
        for feed in feeds.values():
            feed.put(p)

    for p in planned:  # stored before this run (or by an earlier attempt of it)
        if p.episode_id in steps.stored:
            hand_on(p)
    closing = threading.Event()  # set when every episode has been generated: feeds drain and end

    def generate_groups(gs: list[list[str]]) -> None:
        for g in gs:
            steps.generate_group(g, work, deterministic, hand_on)

    generators = [
        workers.spawn(f"gen-{'+'.join(c for g in gs for c in g)}", generate_groups, gs)
        for gs in _by_server(remote, specs)
    ]
    judges = [workers.spawn(f"judge-{j.id}", _stream_judge, steps, j, feeds[j.id], closing) for j in streaming]
    try:
        for g in local:
            steps.generate_group(g, work, deterministic, hand_on)
        workers.join(generators)
    except BaseException:
        workers.stop.set()  # the workers stop at their next check
        raise
    finally:
        closing.set()
        workers.join(generators + judges)
    if workers.failure is not None:
        raise workers.failure
    workers.check_stop()


def _by_server(remote: list[list[str]], specs: dict[str, ConfigSpec]) -> list[list[list[str]]]:
    """The API groups per server. One thread per server: the configs a server serves go one after
    another, as on the sequential schedule. A server is one queue, like a local engine; and vLLM's
    CPU build generates a base request batched with LoRA requests with the adapter (its kernels
    index the "no adapter" slot -1 as the last adapter), so a base and its adapters behind one
    `vllm serve` must not be in flight together there."""
    servers: dict[tuple[str, str] | None, list[list[str]]] = defaultdict(list)
    for g in remote:
        lead = specs[g[0]]
        servers[capabilities(lead.backend).concurrency_key(lead.backend, lead.base_url)].append(g)
    return list(servers.values())


def _stream_judge(
    steps: Steps,
    judge: Judge,
    feed: queue.SimpleQueue[PlannedEpisode],
    closing: threading.Event,
) -> None:
    """Score what arrives on `feed` until generation is over and the feed is empty."""
    model = judge.spec.model
    assert model is not None
    workers = steps.workers
    steps.reporter.emit(PhaseChanged(steps.run_id, phase="judging", detail=f"{judge.id} (as episodes arrive)"))
    in_flight: set[Future[None]] = set()
    # an API judge has batches in flight up to its concurrency; a local model's pool (on a Ray
    # cluster) one: it spreads each batch over its replicas itself
    width = max(1, model.concurrency) if is_api(model.backend) else 1
    with ThreadPoolExecutor(width, thread_name_prefix=f"judge-{judge.id}") as pool:
        try:
            while True:
                ended = closing.is_set()  # read before draining: nothing is put after it is set
                batch = _drain(feed)
                if batch:
                    in_flight.add(pool.submit(steps.judge, [judge], batch, False))
                finished = {f for f in in_flight if f.done()}
                for f in finished:
                    f.result()  # a batch's error is this worker's error
                in_flight -= finished
                workers.check_stop()
                if ended and not batch:
                    break
            done, _ = wait(in_flight, return_when=FIRST_EXCEPTION)
            for f in done:
                f.result()
        except BaseException:
            workers.stop.set()  # batches in flight stop at their next verdict
            raise


def _drain(feed: queue.SimpleQueue[PlannedEpisode]) -> list[PlannedEpisode]:
    """What has queued up (waiting a moment for the first)."""
    batch: list[PlannedEpisode] = []
    try:
        batch.append(feed.get(timeout=0.05))
        while True:
            batch.append(feed.get_nowait())
    except queue.Empty:
        pass
    return batch
