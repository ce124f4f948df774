"""The Runner: validate everything, plan, then generate and judge what is not journaled yet.

Bad input raises before anything is written. Configs sharing one engine (vLLM: a base and its
adapters) generate together, one group after another; deterministic judges score each episode as it
arrives; LLM judges stream (the pipelined schedule, `engine.runner.schedule`) or follow generation.
"""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from engine.backends import is_api
from engine.config import ConfigSpec, Experiment, JudgeSpec
from engine.events import (
    Level,
    LogMessage,
    PhaseChanged,
    Reporter,
    RunCancelled,
    RunFailed,
    RunFinished,
    RunStarted,
    TeeReporter,
    mark_journaled,
)
from engine.judges.base import Judge, JudgeItem, make_judge
from engine.models.base import Backend, GenRequest, generation_groups, make_backend, release
from engine.plan import PlannedEpisode, Selection, plan_episodes, select
from engine.runner import checks, cluster, cost, files, schedule
from engine.runner.options import RunResult
from engine.runner.recorder import Recorder
from engine.runner.workers import Cancelled, Workers
from engine.signals import install_stop_handlers, restore_handlers
from engine.store import journal as jr
from engine.store.request import RunRequest
from engine.telemetry import TelemetrySampler


class Runner:
    def __init__(self, exp: Experiment, opts: RunRequest, reporter: Reporter | None = None) -> None:
        self.exp = exp
        self.opts = opts
        self.run_id = opts.run_id or jr.new_run_id(exp.name if opts.kind == "eval" else f"{opts.kind}-{exp.name}")
        self.run_dir = Path(opts.runs_dir) / self.run_id
        self._outer = reporter
        self.workers = Workers()
        # what the run has, shared by the schedule's threads: the completions stored (this run's and
        # other runs'), their finish reasons (judges see truncation), the judgment ids done
        self.stored: dict[str, str] = {}
        self.finish_reasons: dict[str, str | None] = {}
        self.done_jdg: set[str] = set()
        self.result = RunResult(self.run_id, "running", run_dir=self.run_dir)

    # -- public ----------------------------------------------------------------------------
    def cancel(self) -> None:
        self.workers.stop.set()

    def run(self) -> RunResult:
        """Validate everything first (bad input raises before anything is written), then run."""
        configs = self._configs()
        judges_specs = self._judge_specs()
        sel = select(self.exp, self.opts.limit)
        planned = plan_episodes(self.exp, sel, configs)
        judges = [make_judge(s) for s in judges_specs]
        checks.before_writing(self.exp, self.opts, configs, judges_specs)  # a refusal: nothing written
        joined_ray = cluster.join(self.opts, configs, judges_specs)  # no cluster there, a shortfall: raises
        try:
            self.journal = jr.RunJournal(self.opts.runs_dir, self.run_id)
            return self._run(configs, judges, sel, planned)
        finally:
            if joined_ray:
                from engine.models.ray_cluster import disconnect

                disconnect()

    def _run(
        self, configs: list[ConfigSpec], judges: list[Judge], sel: Selection, planned: list[PlannedEpisode]
    ) -> RunResult:
        self.reporter: Reporter = TeeReporter(self.journal, self._outer) if self._outer is not None else self.journal
        self.recorder = Recorder(self.journal, self.reporter, self.result)
        limit = self.opts.cost_limit if self.opts.cost_limit is not None else self.exp.cost_limit_usd
        self.recorder.limit = self.limit = cost.CostLimit(limit, self.workers.stop.set)
        t0 = time.time()
        previous = install_stop_handlers(self.cancel)
        sampler: TelemetrySampler | None = None
        try:
            files.write_specs(self.journal, self.exp, self.opts, configs, judges, sel)
            todo = self._start(t0, configs, judges, planned)
            sampler = TelemetrySampler(self.run_id, self.recorder.telemetry, self.opts.telemetry_interval)
            sampler.start()
            self._generate_and_judge(todo, planned, judges)
            _close(judges)
            self._finish("finished", t0)
        except Cancelled:
            if self.workers.failure is not None:  # a background worker failed: that is the run's error
                raise self.workers.failure from None
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
            _close(judges, quietly=True)  # after a failure or a cancel: a judge's pool holds actors
            restore_handlers(previous)
            self.journal.close()
            if self.opts.ingest:
                self._ingest()
        return self.result

    def _start(
        self, t0: float, configs: list[ConfigSpec], judges: list[Judge], planned: list[PlannedEpisode]
    ) -> list[PlannedEpisode]:
        """The episodes left to generate; the completions stored and the judgments done are read
        into the run's state. Announced as `RunStarted` and in run.json."""
        done_eps = jr.done_ids(self.opts.runs_dir, "episodes")
        todo = [p for p in planned if p.episode_id not in done_eps] if self.opts.generate else []
        self.stored = stored = files.stored_episodes(self.opts.runs_dir, planned, done_eps, self.finish_reasons)
        self.done_jdg = done_jdg = jr.done_ids(self.opts.runs_dir, "judgments")
        applicable = [(p, j) for p in planned for j in judges if j.applies(p.task)]
        files.write_run_info(self.journal, self.exp, self.opts, t0, len(planned), len(applicable))
        projected = cost.project(todo, planned, judges, stored, done_jdg)
        self.reporter.emit(
            RunStarted(
                self.run_id,
                kind=self.opts.kind,
                experiment=self.exp.name,
                total_episodes=len(planned) if self.opts.generate else len(stored),
                total_judgments=len(applicable),
                done_episodes=len(planned) - len(todo) if self.opts.generate else len(stored),
                done_judgments=sum(1 for p, j in applicable if j.judgment_id(p.episode_id) in done_jdg),
                configs=tuple(c.id for c in configs),
                judges=tuple(j.id for j in judges),
                pid=os.getpid(),
                projected_cost_usd=projected.total_usd,
                preregistration=self.exp.preregistration(),
            )
        )
        if projected.total_usd is not None or self.limit.limit_usd is not None:
            over = projected.total_usd is not None and self.limit.limit_usd is not None
            over = over and (projected.total_usd or 0.0) > (self.limit.limit_usd or 0.0)
            self._log("warning" if over else "info", projected.describe(self.limit.limit_usd))
        return todo

    def _generate_and_judge(
        self,
        todo: list[PlannedEpisode],
        planned: list[PlannedEpisode],
        judges: list[Judge],
    ) -> None:
        deterministic = [j for j in judges if j.kind != "llm"]
        llm_judges = [j for j in judges if j.kind == "llm"]
        # judge what is already stored with the cheap judges first
        self.judge(deterministic, [p for p in planned if p.episode_id in self.stored])
        on_cluster: list[Judge] = []
        if self.opts.executor == "ray":  # LLM judges on local models judge on the cluster
            local = cluster.local_judges(llm_judges)
            cluster.serve_judges(local, self.run_id, self.recorder.telemetry, self.workers.stop.is_set)
            on_cluster = list(local) if cluster.judges_fit_beside(todo, local) else []
        if self.opts.schedule == "sequential":
            self._generate(todo, deterministic)
            rest = llm_judges
        else:
            streaming = [j for j in llm_judges if j.spec.model is not None and is_api(j.spec.model.backend)]
            streaming += on_cluster
            schedule.pipelined(self, todo, planned, deterministic, streaming)
            rest = [j for j in llm_judges if j not in streaming]
        # LLM judges on local models share the machine (or the cluster) with local generation: after it
        self.judge(rest, [p for p in planned if p.episode_id in self.stored])

    # -- setup -------------------------------------------------------------------------------
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

    # -- generation ----------------------------------------------------------------------------
    def _generate(self, todo: list[PlannedEpisode], judges: list[Judge]) -> None:
        work = schedule.Todo.of(todo)
        # configs sharing one engine (vLLM: a base and its adapters) are generated together
        for group in generation_groups(work.specs):
            self.generate_group(group, work, judges)

    def generate_group(
        self, group: list[str], todo: schedule.Todo, judges: list[Judge], on_stored: schedule.OnStored | None = None
    ) -> None:
        """Generate one group's episodes, judging each with `judges` as it arrives; `on_stored`
        hands each stored episode on (to the streaming judges)."""
        self.workers.check_stop()
        specs = todo.specs
        lead = specs[group[0]]
        label = " + ".join(group)
        self.reporter.emit(PhaseChanged(self.run_id, phase="loading", detail=f"{label}: {lead.model}"))
        backend = self._backend(group, specs)
        eps = [p for cid in group for p in todo.by_config[cid]]
        self.reporter.emit(PhaseChanged(self.run_id, phase="generating", detail=label, total=len(eps)))
        by_key = {p.episode_id: p for p in eps}
        requests = [_request(p) for p in eps]
        results = backend.generate(requests)
        try:
            for r in results:
                p = by_key[r.key]
                self.recorder.episode(p, r)
                if r.ok:
                    self.stored[p.episode_id] = r.text
                    self.finish_reasons[p.episode_id] = r.finish_reason
                    self.judge(judges, [p])
                    if on_stored is not None:
                        on_stored(p)
                self.workers.check_stop()
            self.workers.check_stop()  # a backend that stops early on a cancel (the Ray pool) ends its results
        finally:
            close = getattr(results, "close", None)
            if close is not None:
                close()
            backend.close()
            release(lead.backend)

    def _backend(self, group: list[str], specs: dict[str, ConfigSpec]) -> Backend:
        """The group's engine: in this process, or (`--executor ray`, a local model) a pool of
        replica actors on the cluster."""
        lead = specs[group[0]]
        peers = {cid: specs[cid] for cid in group}
        if self.opts.executor == "ray" and not is_api(lead.backend):
            from engine.models.ray_pool import RayPool

            return RayPool(
                lead,
                peers,
                name=f"{self.run_id}:{'+'.join(group)}",
                run_id=self.run_id,
                on_telemetry=self.recorder.telemetry,
                stop=self.workers.stop.is_set,  # a cancel does not wait for the chunks in flight
            )
        return make_backend(lead, peers)

    # -- judging ---------------------------------------------------------------------------------
    def judge(self, judges: Iterable[Judge], episodes: list[PlannedEpisode], announce: bool = True) -> None:
        """Score `episodes` (those stored and not judged yet) with each judge, recording each verdict."""
        stored, done = self.stored, self.done_jdg
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
                    JudgeItem(jid, p.episode_id, p.task, stored[p.episode_id], self.finish_reasons.get(p.episode_id))
                )
                by_key[jid] = p
            if not items:
                continue
            self.workers.check_stop()
            if judge.kind == "llm" and announce:
                self.reporter.emit(PhaseChanged(self.run_id, phase="judging", detail=judge.id, total=len(items)))
            verdicts = judge.judge(items)
            try:
                for v in verdicts:
                    self.recorder.judgment(judge, by_key[v.key], v)
                    if v.verdict != "error":
                        done.add(v.key)
                    if judge.kind == "llm":
                        self.workers.check_stop()
            finally:
                close = getattr(verdicts, "close", None)
                if close is not None:
                    close()

    # -- plumbing -----------------------------------------------------------------------------
    def _finish(self, status: Literal["finished", "cancelled"], t0: float) -> None:
        r = self.result
        r.status = status
        r.wall_s = time.time() - t0
        if status == "cancelled" and self.limit.reached:
            r.stopped_by = "cost_limit"
            reason = (
                f"cost limit ${self.limit.limit_usd:.4f} reached (${r.cost_usd:.4f} spent); "
                f"resume with `engine resume {self.run_id} --cost-limit USD`"
            )
            self.reporter.emit(
                RunCancelled(
                    self.run_id,
                    reason=reason,
                    cause="cost_limit",
                    cost_usd=r.cost_usd,
                    cost_limit_usd=self.limit.limit_usd,
                )
            )
        elif status == "cancelled":
            r.stopped_by = "signal"
            self.reporter.emit(
                RunCancelled(self.run_id, reason="stopped by signal; resume with `engine resume`", cost_usd=r.cost_usd)
            )
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

    def _log(self, level: Level, message: str) -> None:
        try:
            self.reporter.emit(LogMessage(self.run_id, level=level, message=message))
        except (OSError, ValueError):  # the journal may be closed already
            pass


def _close(judges: list[Judge], quietly: bool = False) -> None:
    for j in judges:
        try:
            j.close()
        except Exception:  # noqa: BLE001 - closing after the run's own error: that error is the one to report
            if not quietly:
                raise


def _request(p: PlannedEpisode) -> GenRequest:
    s = p.config.sampling
    return GenRequest(
        key=p.episode_id,
        messages=p.messages,
        max_tokens=s.max_tokens,
        temperature=s.temperature,
        top_p=s.top_p,
        seed=p.seed,
        stop=tuple(s.stop),
        route=p.config.id,
    )
