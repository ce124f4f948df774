"""The one place a run's records are journaled and their events emitted.

Records are appended under one lock, one line per write (threads of the pipelined schedule record
at once), so the journal, resume and dedupe hold whatever the schedule. The run's counters
(`RunResult`) are kept here, beside the records they count: the session counts of an
`engine.tally.Tally` of the events recorded, the fold the CLI reporter and the cockpit make too.
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
from engine.tally import Tally


class Recorder:
    def __init__(self, journal: jr.RunJournal, reporter: Reporter, result: RunResult) -> None:
        self.journal = journal
        self.reporter = reporter
        self.result = result
        self.run_id = result.run_id
        self._lock = threading.Lock()
        self.limit: CostLimit | None = None  # told of the run's spending after each record
        self.tally = Tally()  # this start's (or resume's) events: one session

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
        ev = EpisodeFinished(
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
        self._counted(rec, ev)
        self.reporter.emit(ev)

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
        ev = JudgmentRecorded(
            self.run_id,
            episode_id=p.episode_id,
            judge_id=judge.id,
            verdict=v.verdict,
            cost_usd=v.cost_usd,
            latency_s=v.latency_s,
            worker=v.worker,
        )
        self._counted(rec, ev)
        self.reporter.emit(ev)

    def _counted(self, rec: EpisodeRecord | JudgmentRecord, ev: EpisodeFinished | JudgmentRecorded) -> None:
        """Journal the record and fold its event into the run's tally, whose session counts are the
        run's result (the same fold the CLI reporter and the cockpit make of the journal's events)."""
        with self._lock:
            self.journal.record(rec)
            self.tally.apply(ev)
            n, r = self.tally.session, self.result
            r.episodes, r.judgments, r.errors, r.cost_usd = n.episodes, n.judgments, n.errors, n.cost_usd
            if self.limit is not None:
                self.limit.spent(r.cost_usd)

    def telemetry(self, sample: TelemetrySampled) -> None:
        """A machine sample: the driver's own, or a Ray worker node's (`host` = that node), a row of
        the telemetry table and an event, which the cockpit groups by host."""
        with self._lock:
            self.journal.record(TelemetryRecord.of(sample))
        self.reporter.emit(sample)
