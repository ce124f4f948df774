"""Run an experiment: generate every planned episode not yet journaled, judge, journal, ingest.

One run = one process = one journal directory. SIGTERM/SIGINT stop the run cleanly after the
call in flight (a `RunCancelled` event); `kill -9` loses at most the episodes in flight. Either
way `engine resume RUN_ID` (or re-running the experiment) continues where it stopped.
"""

from __future__ import annotations

import json
import os
import queue
import threading
import time
import traceback
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.config import API_BACKENDS, ConfigSpec, Experiment, JudgeSpec
from engine.data.answers import has_answer_line
from engine.data.loader import DataError, loads_json
from engine.events import (
    EpisodeFinished,
    JudgmentRecorded,
    LogMessage,
    PhaseChanged,
    Reporter,
    RunCancelled,
    RunFailed,
    RunFinished,
    RunStarted,
    TeeReporter,
    TelemetrySampled,
    mark_journaled,
)
from engine.judges.base import Judge, JudgeItem, Verdict, make_judge
from engine.judges.robustness import completion_flags, flags_text
from engine.models.base import Backend, GenRequest, GenResult, generation_groups, make_backend, preflight
from engine.plan import PlannedEpisode, config_row, plan_episodes, select, skill_row, task_row
from engine.signals import install_stop_handlers, restore_handlers
from engine.store import journal as jr
from engine.store.records import EpisodeRecord, JudgmentRecord, TelemetryRecord
from engine.telemetry import TelemetrySampler


@dataclass
class RunOptions:
    runs_dir: Path
    limit: int | None = None
    config_ids: list[str] | None = None
    judge_ids: list[str] | None = None
    run_id: str | None = None  # resume into this run's journal
    kind: str = "eval"
    generate: bool = True  # False: `engine judge` (score stored episodes only)
    ingest: bool = True
    telemetry_interval: float = 1.0
    # "pipelined": API configs generate while local models do, and API judges score each episode as
    # it arrives; "sequential": one config after another, every LLM judge after all generation
    # (the schedule before pipelining, kept for the bench that measures the difference)
    schedule: str = "pipelined"
    # where local models (embedded, hf, vLLM) generate: "local" (this process) or "ray" (replica
    # actors on the Ray cluster at `address`; None: Ray's default). API calls stay in this process.
    executor: str = "local"
    address: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "limit": self.limit,
            "config_ids": self.config_ids,
            "judge_ids": self.judge_ids,
            "kind": self.kind,
            "generate": self.generate,
            "executor": self.executor,
            "address": self.address,
        }


@dataclass
class RunResult:
    run_id: str
    status: str  # finished | cancelled | failed
    episodes: int = 0
    judgments: int = 0
    errors: int = 0
    skipped: int = 0
    cost_usd: float = 0.0
    wall_s: float = 0.0
    error: str | None = None
    run_dir: Path = field(default_factory=Path)


class Cancelled(Exception):
    pass


class Runner:
    def __init__(self, exp: Experiment, opts: RunOptions, reporter: Reporter | None = None) -> None:
        self.exp = exp
        self.opts = opts
        self.run_id = opts.run_id or jr.new_run_id(exp.name if opts.kind == "eval" else f"{opts.kind}-{exp.name}")
        self.run_dir = Path(opts.runs_dir) / self.run_id
        self._outer = reporter
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._finish_reasons: dict[str, str | None] = {}  # episode id -> finish reason (judges see truncation)
        self._failure: BaseException | None = None  # the first error of a background worker
        self.result = RunResult(self.run_id, "running", run_dir=self.run_dir)

    # -- public ----------------------------------------------------------------------------
    def cancel(self) -> None:
        self._stop.set()

    def run(self) -> RunResult:
        """Validate everything first (bad input raises before anything is written), then run."""
        configs = self._configs()
        judges_specs = self._judge_specs()
        sel = select(self.exp, self.opts.limit)
        planned = plan_episodes(self.exp, sel, configs)
        judges = [make_judge(s) for s in judges_specs]
        if self.opts.generate:
            preflight(configs)
        preflight([s.model for s in judges_specs if s.model is not None])
        joined_ray = self._join_executor(configs)  # an unreachable cluster or a shortfall raises here
        try:
            self.journal = jr.RunJournal(self.opts.runs_dir, self.run_id)
            return self._run(configs, judges, sel, planned)
        finally:
            if joined_ray:
                from engine.models.ray_pool import disconnect

                disconnect()

    def _run(
        self, configs: list[ConfigSpec], judges: list[Judge], sel: Any, planned: list[PlannedEpisode]
    ) -> RunResult:
        self.reporter: Reporter = TeeReporter(self.journal, self._outer) if self._outer is not None else self.journal
        t0 = time.time()
        previous = install_stop_handlers(self.cancel)
        sampler: TelemetrySampler | None = None
        try:
            self._write_specs(configs, judges, sel)
            done_eps = jr.done_ids(self.opts.runs_dir, "episodes")
            todo = [p for p in planned if p.episode_id not in done_eps] if self.opts.generate else []
            stored = self._stored_episodes(planned, done_eps)
            done_jdg = jr.done_ids(self.opts.runs_dir, "judgments")
            total_jdg = sum(1 for p in planned for j in judges if j.applies(p.task))
            self._write_run_info(t0, len(planned), total_jdg)
            projected = _projected_cost(todo)
            self.reporter.emit(
                RunStarted(
                    self.run_id,
                    kind=self.opts.kind,
                    experiment=self.exp.name,
                    total_episodes=len(planned) if self.opts.generate else len(stored),
                    total_judgments=total_jdg,
                    done_episodes=len(planned) - len(todo) if self.opts.generate else len(stored),
                    done_judgments=sum(
                        1
                        for p in planned
                        for j in judges
                        if j.applies(p.task) and j.judgment_id(p.episode_id) in done_jdg
                    ),
                    configs=tuple(c.id for c in configs),
                    judges=tuple(j.id for j in judges),
                    pid=os.getpid(),
                    projected_cost_usd=projected,
                )
            )
            sampler = TelemetrySampler(self.run_id, self._on_telemetry, self.opts.telemetry_interval)
            sampler.start()
            deterministic = [j for j in judges if j.kind != "llm"]
            llm_judges = [j for j in judges if j.kind == "llm"]
            # judge what is already stored with the cheap judges first
            self._judge(deterministic, [p for p in planned if p.episode_id in stored], stored, done_jdg)
            if self.opts.schedule == "sequential":
                self._generate(todo, stored, deterministic, done_jdg)
                rest = llm_judges
            else:
                streamed = self._pipelined(todo, planned, stored, deterministic, llm_judges, done_jdg)
                rest = [j for j in llm_judges if j not in streamed]
            # LLM judges on local models share the machine with local generation: they start after it
            self._judge(rest, [p for p in planned if p.episode_id in stored], stored, done_jdg)
            for j in judges:
                j.close()
            self._finish("finished", t0)
        except Cancelled:
            if self._failure is not None:  # a background worker failed: that is the run's error
                raise self._failure from None
            self._finish("cancelled", t0)
        except Exception as exc:  # noqa: BLE001 - recorded as RunFailed, then re-raised for the CLI
            self.result.error = f"{type(exc).__name__}: {exc}"
            self.reporter.emit(RunFailed(self.run_id, error=self.result.error, detail=traceback.format_exc()[-4000:]))
            self.result.status = "failed"
            mark_journaled(exc, self.run_id, str(self.run_dir / "events.jsonl"))
            raise
        finally:
            if sampler is not None:
                sampler.stop()
            restore_handlers(previous)
            self.journal.close()
            if self.opts.ingest:
                self._ingest()
        return self.result

    # -- setup -------------------------------------------------------------------------------
    def _join_executor(self, configs: list[ConfigSpec]) -> bool:
        """With the ray executor: join the cluster and check it can hold each local generation group's
        replicas. Returns whether this run joined (and so leaves at the end)."""
        if self.opts.executor not in ("local", "ray"):
            raise ValueError(f"--executor {self.opts.executor!r}: expected local or ray")
        if self.opts.executor != "ray":
            return False
        from engine.models import ray_pool

        ray_pool.import_ray()  # the one-line hint when Ray is missing
        local = {c.id: c for c in configs if c.backend not in API_BACKENDS} if self.opts.generate else {}
        groups = {" + ".join(g): local[g[0]] for g in generation_groups(local)}
        joined = ray_pool.connect(self.opts.address)
        try:
            ray_pool.check_resources(groups)
        except BaseException:
            if joined:
                ray_pool.disconnect()
            raise
        return joined

    def _configs(self) -> list[ConfigSpec]:
        if not self.opts.config_ids:
            return list(self.exp.configs)
        known = {c.id for c in self.exp.configs}
        missing = [c for c in self.opts.config_ids if c not in known]
        if missing:
            raise ValueError(f"unknown config(s) {missing}; the experiment has {sorted(known)}")
        return [c for c in self.exp.configs if c.id in self.opts.config_ids]

    def _judge_specs(self) -> list[JudgeSpec]:
        if self.opts.judge_ids is None:
            return list(self.exp.judges)
        known = {j.id for j in self.exp.judges}
        missing = [j for j in self.opts.judge_ids if j not in known]
        if missing:
            raise ValueError(f"unknown judge(s) {missing}; the experiment has {sorted(known)}")
        return [j for j in self.exp.judges if j.id in self.opts.judge_ids]

    def _write_specs(self, configs: list[ConfigSpec], judges: list[Judge], sel: Any) -> None:
        self.journal.write_specs("configs", [config_row(c) for c in configs])
        self.journal.write_specs("skills", [skill_row(s) for s in sel.skills.values()])
        self.journal.write_specs("tasks", [task_row(t) for t in sel.tasks])
        rows = []
        for j in judges:
            spec = j.spec
            rows.append(
                {
                    "judge_id": spec.id,
                    "judge_fp": j.fingerprint(),
                    "kind": spec.kind,
                    "backend": spec.model.backend if spec.model else None,
                    "model": spec.model.model if spec.model else None,
                    "spec_json": spec.model_dump_json(),
                }
            )
        self.journal.write_specs("judges", rows)
        exp_json = self.exp.model_dump(mode="json")
        exp_json["source"] = self.exp.source
        (self.journal.dir / "experiment.json").write_text(json.dumps(exp_json, indent=1), encoding="utf-8")
        (self.journal.dir / "options.json").write_text(json.dumps(self.opts.to_json()), encoding="utf-8")

    def _write_run_info(self, t0: float, total_eps: int, total_jdg: int) -> None:
        info = jr.read_run_info(self.journal.dir)
        self.journal.write_run_info(
            {
                "run_id": self.run_id,
                "kind": self.opts.kind,
                "experiment": self.exp.name,
                "experiment_path": self.exp.source,
                "started_at": info.get("started_at", t0),
                "resumed_at": t0 if info else None,
                "pid": os.getpid(),
                "total_episodes": total_eps,
                "total_judgments": total_jdg,
                "executor": self.opts.executor,  # the cockpit's Runs column (options.json has it too)
            }
        )

    def _stored_episodes(self, planned: list[PlannedEpisode], done: set[str]) -> dict[str, str]:
        """Completions of planned episodes already journaled (by this run or any other)."""
        want = {p.episode_id for p in planned} & done
        out: dict[str, str] = {}
        if not want:
            return out
        for d in jr.run_dirs(self.opts.runs_dir):
            for rec in jr.iter_records(d / "episodes.jsonl"):
                eid = rec.get("episode_id")
                if eid in want and rec.get("error") is None:
                    out[eid] = rec.get("completion", "")
                    self._finish_reasons[eid] = rec.get("finish_reason")
        return out

    # -- generation ----------------------------------------------------------------------------
    def _generate(
        self, todo: list[PlannedEpisode], stored: dict[str, str], judges: list[Judge], done_jdg: set[str]
    ) -> None:
        by_config: dict[str, list[PlannedEpisode]] = defaultdict(list)
        for p in todo:
            by_config[p.config.id].append(p)
        specs = {cid: eps[0].config for cid, eps in by_config.items()}
        # configs sharing one engine (vLLM: a base and its adapters) are generated together
        for group in generation_groups(specs):
            self._generate_group(group, specs, by_config, stored, judges, done_jdg)

    def _pipelined(
        self,
        todo: list[PlannedEpisode],
        planned: list[PlannedEpisode],
        stored: dict[str, str],
        deterministic: list[Judge],
        llm_judges: list[Judge],
        done_jdg: set[str],
    ) -> list[Judge]:
        """Generate and judge at once; returns the LLM judges it ran (the API-backed ones).

        Local configs (embedded, hf, vLLM) generate here, on the main thread, one group after another,
        as on the sequential schedule; meanwhile each API server (backend + base_url) has a thread
        of its own that generates its configs one after another.
        Each API-backed LLM judge has a feed: every episode stored (before the run or during it) goes
        on it, and the judge's thread sends what has queued up as one batch, several batches in flight.
        Per-backend concurrency still holds: a backend's one pool caps its calls however many batches
        are in flight. Records are appended under the runner's lock, one line per write, so the
        journal, resume and dedupe work as before. A worker's error stops the others and is the run's
        error; a cancel stops them all."""
        by_config: dict[str, list[PlannedEpisode]] = defaultdict(list)
        for p in todo:
            by_config[p.config.id].append(p)
        specs = {cid: eps[0].config for cid, eps in by_config.items()}
        groups = generation_groups(specs)
        remote = [g for g in groups if specs[g[0]].backend in API_BACKENDS]
        local = [g for g in groups if g not in remote]
        streaming = [j for j in llm_judges if j.spec.model is not None and j.spec.model.backend in API_BACKENDS]
        feeds: dict[str, queue.SimpleQueue[PlannedEpisode]] = {j.id: queue.SimpleQueue() for j in streaming}

        def hand_on(p: PlannedEpisode) -> None:
            for feed in feeds.values():
                feed.put(p)

        for p in planned:  # stored before this run (or by an earlier attempt of it)
            if p.episode_id in stored:
                hand_on(p)
        closing = threading.Event()  # set when every episode has been generated: feeds drain and end
        # one thread per server: the configs a server serves go one after another, as on the
        # sequential schedule. A server is one queue, like a local engine; and vLLM's CPU build
        # generates a base request batched with LoRA requests with the adapter (its kernels index
        # the "no adapter" slot -1 as the last adapter), so a base and its adapters behind one
        # `vllm serve` must not be in flight together there.
        servers: dict[tuple[str, str], list[list[str]]] = defaultdict(list)
        for g in remote:
            servers[(specs[g[0]].backend, specs[g[0]].base_url or "")].append(g)

        def generate_groups(gs: list[list[str]]) -> None:
            for g in gs:
                self._generate_group(g, specs, by_config, stored, deterministic, done_jdg, hand_on)

        generators = [
            self._spawn(f"gen-{'+'.join(c for g in gs for c in g)}", generate_groups, gs) for gs in servers.values()
        ]
        judges = [
            self._spawn(f"judge-{j.id}", self._stream_judge, j, feeds[j.id], stored, done_jdg, closing)
            for j in streaming
        ]
        try:
            for g in local:
                self._generate_group(g, specs, by_config, stored, deterministic, done_jdg, hand_on)
            self._join(generators)
        except BaseException:
            self._stop.set()  # the workers stop at their next check
            raise
        finally:
            closing.set()
            self._join(generators + judges)
        if self._failure is not None:
            raise self._failure
        self._check_stop()
        return streaming

    def _spawn(self, name: str, fn: Callable[..., None], *args: Any) -> threading.Thread:
        """A worker thread: a cancel ends it quietly; any other error is kept as the run's failure
        (the first one) and stops every other worker."""

        def body() -> None:
            try:
                fn(*args)
            except Cancelled:
                pass
            except BaseException as exc:  # noqa: BLE001 - handed to the main thread, which raises it
                with self._lock:
                    if self._failure is None:
                        self._failure = exc
                self._stop.set()

        t = threading.Thread(target=body, name=name, daemon=True)
        t.start()
        return t

    def _join(self, threads: list[threading.Thread]) -> None:
        for t in threads:
            while t.is_alive():
                t.join(0.2)  # short waits: the main thread keeps taking signals (SIGTERM = cancel)

    def _stream_judge(
        self,
        judge: Judge,
        feed: queue.SimpleQueue[PlannedEpisode],
        stored: dict[str, str],
        done_jdg: set[str],
        closing: threading.Event,
    ) -> None:
        """Score what arrives on `feed` until generation is over and the feed is empty."""
        model = judge.spec.model
        assert model is not None
        self.reporter.emit(PhaseChanged(self.run_id, phase="judging", detail=f"{judge.id} (as episodes arrive)"))
        in_flight: set[Future[None]] = set()
        with ThreadPoolExecutor(max(1, model.concurrency), thread_name_prefix=f"judge-{judge.id}") as pool:
            try:
                while True:
                    ended = closing.is_set()  # read before draining: nothing is put after it is set
                    batch: list[PlannedEpisode] = []
                    try:
                        batch.append(feed.get(timeout=0.05))
                        while True:
                            batch.append(feed.get_nowait())
                    except queue.Empty:
                        pass
                    if batch:
                        in_flight.add(pool.submit(self._judge, [judge], batch, stored, done_jdg, False))
                    finished = {f for f in in_flight if f.done()}
                    for f in finished:
                        f.result()  # a batch's error is this worker's error
                    in_flight -= finished
                    self._check_stop()
                    if ended and not batch:
                        break
                done, _ = wait(in_flight, return_when=FIRST_EXCEPTION)
                for f in done:
                    f.result()
            except BaseException:
                self._stop.set()  # batches in flight stop at their next verdict
                raise

    def _generate_group(
        self,
        group: list[str],
        specs: dict[str, ConfigSpec],
        by_config: dict[str, list[PlannedEpisode]],
        stored: dict[str, str],
        judges: list[Judge],
        done_jdg: set[str],
        on_stored: Callable[[PlannedEpisode], None] | None = None,
    ) -> None:
        """Generate one group's episodes, judging each with `judges` as it arrives; `on_stored`
        hands each stored episode on (to the streaming judges)."""
        self._check_stop()
        lead = specs[group[0]]
        label = " + ".join(group)
        self.reporter.emit(PhaseChanged(self.run_id, phase="loading", detail=f"{label}: {lead.model}"))
        peers = {cid: specs[cid] for cid in group}
        if self.opts.executor == "ray" and lead.backend not in API_BACKENDS:
            from engine.models.ray_pool import RayPool

            backend: Backend = RayPool(
                lead,
                peers,
                name=f"{self.run_id}:{'+'.join(group)}",
                run_id=self.run_id,
                on_telemetry=self._on_worker_telemetry,
                stop=self._stop.is_set,  # a cancel does not wait for the chunks in flight
            )
        else:
            backend = make_backend(lead, peers)
        eps = [p for cid in group for p in by_config[cid]]
        self.reporter.emit(PhaseChanged(self.run_id, phase="generating", detail=label, total=len(eps)))
        by_key = {p.episode_id: p for p in eps}
        requests = [
            GenRequest(
                key=p.episode_id,
                messages=p.messages,
                max_tokens=p.config.sampling.max_tokens,
                temperature=p.config.sampling.temperature,
                top_p=p.config.sampling.top_p,
                seed=p.seed,
                stop=tuple(p.config.sampling.stop),
                route=p.config.id,
            )
            for p in eps
        ]
        results = backend.generate(requests)
        try:
            for r in results:
                p = by_key[r.key]
                self._record_episode(p, r)
                if r.ok:
                    stored[p.episode_id] = r.text
                    self._finish_reasons[p.episode_id] = r.finish_reason
                    self._judge(judges, [p], stored, done_jdg)
                    if on_stored is not None:
                        on_stored(p)
                self._check_stop()
            self._check_stop()  # a backend that stops early on a cancel (the Ray pool) ends its results
        finally:
            close = getattr(results, "close", None)
            if close is not None:
                close()
            backend.close()
            if lead.backend in ("hf", "embedded"):
                from engine.models.hf import release_models

                release_models()

    def _record_episode(self, p: PlannedEpisode, r: GenResult) -> None:
        cost = p.config.cost(r.tokens_in, r.tokens_out)
        rec = EpisodeRecord(
            episode_id=p.episode_id,
            run_id=self.run_id,
            config_id=p.config.id,
            config_fp=p.config_fp,
            task_id=p.task.id,
            task_hash=p.task.content_hash,
            skill_id=p.task.skill_id,
            condition=p.condition,
            sample=p.sample,
            prompt="\n\n".join(m["content"] for m in p.messages),
            completion=r.text,
            tokens_in=r.tokens_in,
            tokens_out=r.tokens_out,
            latency_s=round(r.latency_s, 6),
            cost_usd=cost,
            finish_reason=r.finish_reason,
            error=r.error,
            has_answer_line=has_answer_line(r.text) if r.ok else False,
            created_at=time.time(),
            tokens_estimated=r.tokens_estimated,
            latency_kind=r.latency_kind,
            flags=flags_text(completion_flags(r.text)),
        )
        with self._lock:
            self.journal.record(rec)
            self.result.episodes += 1
            self.result.cost_usd += cost
            if r.error:
                self.result.errors += 1
        self.reporter.emit(
            EpisodeFinished(
                self.run_id,
                episode_id=p.episode_id,
                config_id=p.config.id,
                task_id=p.task.id,
                condition=p.condition,
                sample=p.sample,
                tokens_in=r.tokens_in,
                tokens_out=r.tokens_out,
                latency_s=r.latency_s,
                cost_usd=cost,
                error=r.error,
                latency_kind=r.latency_kind,
                worker=r.worker,
            )
        )

    # -- judging ---------------------------------------------------------------------------------
    def _judge(
        self,
        judges: Iterable[Judge],
        episodes: list[PlannedEpisode],
        stored: dict[str, str],
        done: set[str],
        announce: bool = True,
    ) -> None:
        for judge in judges:
            items: list[JudgeItem] = []
            by_key: dict[str, PlannedEpisode] = {}
            for p in episodes:
                if p.episode_id not in stored or not judge.applies(p.task):
                    continue
                jid = judge.judgment_id(p.episode_id)
                if jid in done:
                    continue
                items.append(
                    JudgeItem(jid, p.episode_id, p.task, stored[p.episode_id], self._finish_reasons.get(p.episode_id))
                )
                by_key[jid] = p
            if not items:
                continue
            self._check_stop()
            if judge.kind == "llm" and announce:
                self.reporter.emit(PhaseChanged(self.run_id, phase="judging", detail=judge.id, total=len(items)))
            verdicts = judge.judge(items)
            try:
                for v in verdicts:
                    self._record_judgment(judge, by_key[v.key], v)
                    if v.verdict != "error":
                        done.add(v.key)
                    if judge.kind == "llm":
                        self._check_stop()
            finally:
                close = getattr(verdicts, "close", None)
                if close is not None:
                    close()

    def _record_judgment(self, judge: Judge, p: PlannedEpisode, v: Verdict) -> None:
        rec = JudgmentRecord(
            judgment_id=v.key,
            episode_id=p.episode_id,
            judge_id=judge.id,
            judge_fp=judge.fingerprint(),
            config_id=p.config.id,
            config_fp=p.config_fp,
            task_id=p.task.id,
            skill_id=p.task.skill_id,
            condition=p.condition,
            sample=p.sample,
            scoring=p.task.scoring,
            verdict=v.verdict,
            rationale=v.rationale,
            extracted=v.extracted,
            tokens_in=v.tokens_in,
            tokens_out=v.tokens_out,
            latency_s=round(v.latency_s, 6),
            cost_usd=v.cost_usd,
            run_id=self.run_id,
            created_at=time.time(),
        )
        with self._lock:
            self.journal.record(rec)
            self.result.judgments += 1
            self.result.cost_usd += v.cost_usd
            if v.verdict == "error":
                self.result.errors += 1
        self.reporter.emit(
            JudgmentRecorded(
                self.run_id,
                episode_id=p.episode_id,
                judge_id=judge.id,
                verdict=v.verdict,
                cost_usd=v.cost_usd,
                latency_s=v.latency_s,
            )
        )

    # -- plumbing -----------------------------------------------------------------------------
    def _on_telemetry(self, sample: TelemetrySampled) -> None:
        rec = TelemetryRecord(
            run_id=self.run_id,
            t=sample.t,
            cpu_pct=sample.cpu_pct,
            ram_used_gb=sample.ram_used_gb,
            ram_total_gb=sample.ram_total_gb,
            gpu_json=TelemetryRecord.gpus_json(sample.gpus),
        )
        with self._lock:
            self.journal.record(rec)
        self.reporter.emit(sample)

    def _on_worker_telemetry(self, sample: TelemetrySampled) -> None:
        """A Ray worker node's sample (`host` = that node): an event in events.jsonl, which the cockpit
        groups by host. Not a row of the run's telemetry table: that table has no host column and
        holds the driver's machine alone."""
        self.reporter.emit(sample)

    def _check_stop(self) -> None:
        if self._stop.is_set():
            raise Cancelled()

    def _finish(self, status: str, t0: float) -> None:
        r = self.result
        r.status = status
        r.wall_s = time.time() - t0
        if status == "cancelled":
            self.reporter.emit(RunCancelled(self.run_id, reason="stopped by signal; resume with `engine resume`"))
        else:
            self.reporter.emit(
                RunFinished(
                    self.run_id,
                    episodes=r.episodes,
                    judgments=r.judgments,
                    errors=r.errors,
                    wall_s=r.wall_s,
                    cost_usd=r.cost_usd,
                )
            )

    def _ingest(self) -> None:
        from engine.store.db import Store, StoreLocked

        try:
            with Store.open(self.opts.runs_dir, wait_s=3.0, fallback=None) as store:
                store.ingest()
        except StoreLocked:
            self._log("info", "the store is held by another process (the cockpit?); it ingests this run's journal")

    def _log(self, level: str, message: str) -> None:
        try:
            self.reporter.emit(LogMessage(self.run_id, level=level, message=message))
        except (OSError, ValueError):  # the journal may be closed already
            pass


def _projected_cost(todo: list[PlannedEpisode]) -> float | None:
    priced = [p for p in todo if p.config.price_in_per_mtok or p.config.price_out_per_mtok]
    if not priced:
        return None
    est = 0.0
    for p in priced:
        chars = sum(len(m["content"]) for m in p.messages)
        est += p.config.cost(chars // 4, p.config.sampling.max_tokens)
    return est


def load_run_experiment(runs_dir: Path, run_id: str) -> tuple[Experiment, dict[str, Any]]:
    """The experiment and options a run was started with (for `engine resume`)."""
    d = Path(runs_dir) / run_id
    parsed = []
    for name in ("experiment.json", "options.json"):
        try:
            parsed.append(loads_json((d / name).read_bytes()))
        except FileNotFoundError:
            raise FileNotFoundError(f"{d} is not a resumable run (no experiment.json/options.json)") from None
        except ValueError as exc:  # invalid JSON or nesting too deep
            raise DataError(str(d / name), None, None, f"invalid JSON: {exc}") from None
    exp_json, options = parsed
    source = exp_json.pop("source", None)
    exp = Experiment.model_validate(exp_json)
    exp.source = source
    return exp, options
