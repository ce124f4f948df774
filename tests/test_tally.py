"""The one tally of a run's events (`engine.tally`): a journal written by the engine's own writer,
read back, against counts made by hand; and the cockpit's tail, which folds the same journal."""

from __future__ import annotations

import os
from pathlib import Path

from cockpit.services.tail import RunTail
from engine.events import (
    EpisodeFinished,
    JudgmentRecorded,
    LogMessage,
    PhaseChanged,
    RunCancelled,
    RunFailed,
    RunFinished,
    RunStarted,
    TrainStepLogged,
    VerdictKind,
    event_from_json,
)
from engine.store import journal as jr
from engine.store.manifest import RunInfo, write_info
from engine.tally import EvalProgress, JudgeProgress, Tally, TrainProgress


def _episode(run_id: str, i: int, *, error: str | None = None, t: float = 0.0) -> EpisodeFinished:
    return EpisodeFinished(
        run_id,
        episode_id=f"e{i}",
        config_id="c",
        task_id=f"t{i}",
        condition="no_skill",
        sample=0,
        tokens_in=10 + i,
        tokens_out=100 + i,
        latency_s=0.1,
        cost_usd=0.001 * (i + 1),
        error=error,
        t=t,
    )


def _judgment(run_id: str, i: int, verdict: VerdictKind, cost: float = 0.0, t: float = 0.0) -> JudgmentRecorded:
    return JudgmentRecorded(run_id, episode_id=f"e{i}", judge_id="j", verdict=verdict, cost_usd=cost, t=t)


def _fold(run_dir: Path) -> Tally:
    tally = Tally()
    for line in (run_dir / "events.jsonl").read_text().splitlines():
        ev = event_from_json(line)
        assert ev is not None, line
        tally.apply(ev)
    return tally


def _write_resumed_eval(runs: Path, rid: str = "r-eval") -> Path:
    """Six planned episodes, three judged by one judge each: a first session stopped (cancelled)
    after 3 episodes (one an error) and 2 judgments (one an error), then a resume that finishes."""
    j = jr.RunJournal(runs, rid)
    write_info(j.dir, RunInfo(run_id=rid, kind="eval", experiment="x", pid=os.getpid(), started_at=100.0))
    j.emit(RunStarted(rid, kind="eval", experiment="x", total_episodes=6, total_judgments=6, t=100.0))
    j.emit(PhaseChanged(rid, phase="generating", t=100.5))
    j.emit(_episode(rid, 0, t=101.0))
    j.emit(_episode(rid, 1, error="HTTP 500", t=102.0))
    j.emit(_episode(rid, 2, t=103.0))
    j.emit(_judgment(rid, 0, "pass", 0.01, t=103.5))
    j.emit(_judgment(rid, 2, "error", 0.02, t=103.6))
    j.emit(LogMessage(rid, level="info", message="stopping", t=103.7))
    j.emit(RunCancelled(rid, t=104.0))
    j.close()
    j = jr.RunJournal(runs, rid)  # `engine resume`: the same journal, a new session
    j.emit(
        RunStarted(
            rid, kind="eval", experiment="x", total_episodes=6, total_judgments=6, done_episodes=3, done_judgments=2
        )
    )
    j.emit(_episode(rid, 3, t=201.0))
    j.emit(_episode(rid, 4, error="timeout", t=202.0))
    j.emit(_episode(rid, 5, t=203.0))
    for i, verdict in ((1, "error"), (3, "fail"), (4, "error"), (5, "pass")):
        j.emit(_judgment(rid, i, verdict, 0.01, t=204.0 + i / 10))
    j.emit(RunFinished(rid, episodes=3, judgments=4, errors=3, t=205.0))
    j.close()
    return runs / rid


def test_a_resumed_journal_folds_to_the_hand_counts(tmp_path: Path) -> None:
    run = _write_resumed_eval(tmp_path)
    t = _fold(run)
    assert t.kind == "eval" and t.sessions == 2
    # the whole journal: 6 episodes (2 errors), 6 judgments (3 errors)
    assert (t.run.episodes, t.run.episode_errors, t.run.judgments, t.run.judgment_errors) == (6, 2, 6, 3)
    assert (t.run.tokens_in, t.run.tokens_out) == (sum(10 + i for i in range(6)), sum(100 + i for i in range(6)))
    assert abs(t.run.cost_usd - (sum(0.001 * (i + 1) for i in range(6)) + 0.01 + 0.02 + 4 * 0.01)) < 1e-12
    # the resume alone: 3 episodes (1 error), 4 judgments (2 errors); done = stored + its own
    assert (t.session.episodes, t.session.errors, t.session.judgments) == (3, 3, 4)
    assert abs(t.session.cost_usd - (0.004 + 0.005 + 0.006 + 0.04)) < 1e-12
    assert (t.episodes_done, t.total_episodes, t.judgments_done, t.total_judgments) == (6, 6, 6, 6)
    assert t.verdicts == {"pass": 2, "fail": 1, "error": 3}
    assert (t.errors, t.ended, t.phase) == (5, "finished", "finished")
    rec = t.record()
    assert isinstance(rec, EvalProgress)
    assert (rec.episodes_done, rec.judgments_done, rec.errors, rec.verdicts) == (
        6,
        6,
        5,
        (("error", 3), ("fail", 1), ("pass", 2)),
    )
    assert rec.fraction(finished=True) == 1.0
    assert not hasattr(rec, "step")  # an eval's record has no training fields


def test_the_first_session_alone_and_a_cancel(tmp_path: Path) -> None:
    run = _write_resumed_eval(tmp_path)
    lines = (run / "events.jsonl").read_text().splitlines()
    t = Tally()
    for line in lines[: next(i for i, x in enumerate(lines) if '"RunCancelled"' in x) + 1]:
        ev = event_from_json(line)
        assert ev is not None
        t.apply(ev)
    assert (t.episodes_done, t.judgments_done, t.errors, t.ended, t.phase) == (3, 2, 2, "cancelled", "cancelled")
    assert t.record().fraction(finished=False) == 0.5


def test_a_training_counts_steps_and_a_failure_is_an_error(tmp_path: Path) -> None:
    rid = "r-train"
    j = jr.RunJournal(tmp_path, rid)
    j.emit(RunStarted(rid, kind="train", experiment="sft", t=1.0))
    for step, loss in ((10, 2.0), (20, 1.5), (30, None)):
        j.emit(TrainStepLogged(rid, step=step, max_steps=100, epoch=0.1, loss=loss, t=1.0 + step))
    j.emit(TrainStepLogged(rid, step=20, max_steps=0, epoch=0.1, loss=9.0, t=40.0))  # a stale line: no going back
    j.emit(RunFailed(rid, error="CUDA out of memory", t=50.0))
    j.close()
    t = _fold(tmp_path / rid)
    assert (t.train_step, t.train_max_steps, t.train_loss) == (30, 100, 1.5)
    assert (t.errors, t.failures, t.error, t.ended) == (1, 1, "CUDA out of memory", "failed")
    rec = t.record()
    assert isinstance(rec, TrainProgress)
    assert (rec.step, rec.max_steps, rec.loss, rec.errors) == (30, 100, 1.5, 1)
    assert rec.fraction(finished=False) == 0.3
    assert not hasattr(rec, "episodes_done")  # a training's record has no episode fields


def test_a_rejudge_is_measured_by_its_judgments() -> None:
    t = Tally()
    t.apply(RunStarted("r", kind="judge", experiment="x", total_episodes=4, done_episodes=4, total_judgments=8))
    for i in range(3):
        t.apply(_judgment("r", i, "pass"))
    rec = t.record()
    assert isinstance(rec, JudgeProgress)
    assert (rec.episodes, rec.judgments_done, rec.judgments_total) == (4, 3, 8)
    assert rec.fraction(finished=False) == 3 / 8  # not the stored episodes' (all there from the start)


def test_the_cockpit_tail_shows_the_tally_of_the_journal(tmp_path: Path) -> None:
    run = _write_resumed_eval(tmp_path)
    tail = RunTail(run)
    tail.poll()
    p = tail.progress()
    assert p.job == _fold(run).record("eval")
    assert (p.errors, p.phase) == (5, "finished")
