"""The one place a run's records are journaled and their events emitted.

Records are appended under one lock, one line per write (threads of the pipelined schedule record
at once), so the journal, resume and dedupe hold whatever the schedule. The run's counters
(`RunResult`) are kept here, beside the records they count.
"""

from __future__ import annotations

import threading
import time

from engine.data.answers import has_answer_line
from engine.events import EpisodeFinished, JudgmentRecorded, Reporter, TelemetrySampled
from engine.judges.base import Judge, Verdict
from engine.judges.robustness import completion_flags, flags_text
from engine.models.base import GenResult
from engine.plan import PlannedEpisode
from engine.runner.cost import CostLimit
from engine.runner.options import RunResult
from engine.store import journal as jr
from engine.store.records import EpisodeRecord, JudgmentRecord, TelemetryRecord


class Recorder:
    def __init__(self, journal: jr.RunJournal, reporter: Reporter, result: RunResult) -> None:
        self.journal = journal
        self.reporter = reporter
        self.result = result
        self.run_id = result.run_id
        self._lock = threading.Lock()
        self.limit: CostLimit | None = None  # told of the run's spending after each record

    def episode(self, p: PlannedEpisode, r: GenResult) -> None:
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
            if self.limit is not None:
                self.limit.spent(self.result.cost_usd)
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

    def judgment(self, judge: Judge, p: PlannedEpisode, v: Verdict) -> None:
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
            if self.limit is not None:
                self.limit.spent(self.result.cost_usd)
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
                worker=v.worker,
            )
        )

    def telemetry(self, sample: TelemetrySampled) -> None:
        """A machine sample: the driver's own, or a Ray worker node's (`host` = that node), a row of
        the telemetry table and an event, which the cockpit groups by host."""
        with self._lock:
            self.journal.record(TelemetryRecord.of(sample))
        self.reporter.emit(sample)
