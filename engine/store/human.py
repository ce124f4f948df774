"""Human adjudications as a judge: one journal run `runs/human/` that the store ingests like any other.

The cockpit's disagreement browser calls `adjudicate`: it reads the episode's denormalised fields
from the store and appends a judgment row (judge_id "human", kind "human", the note as rationale)
to `runs/human/judgments.jsonl` with one O_APPEND write. The run directory carries a `run.json`
(kind "human"), a `judges.jsonl` spec row and a finished lifecycle in `events.jsonl`, so the store
ingests it, `engine runs` lists it, and κ treats "human" like any other judge.

One verdict per (episode, judge) counts: the judgment id hashes both, and a later adjudication of
the same episode revises the earlier one. The journal keeps every revision (an audit trail, each
row with `revises` naming the verdict it replaced); the store keeps the latest row of the id (see
engine/store/db.py), so κ and every report use the person's current verdict.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Literal, get_args

from engine.data.schemas import canonical_hash
from engine.events import JudgmentRecorded, RunFinished, RunStarted
from engine.store import journal as jr
from engine.store import manifest
from engine.store.manifest import RunInfo
from engine.store.reader import Con
from engine.store.records import HumanJudgmentRecord

HUMAN_RUN = "human"
HUMAN_JUDGE = "human"
HUMAN_FP = "human-v1"
HumanVerdict = Literal["pass", "fail"]  # what a person records (an error or an abstention is a machine's)
VERDICTS: tuple[HumanVerdict, ...] = get_args(HumanVerdict)

_EPISODE_FIELDS = ("episode_id", "config_id", "config_fp", "task_id", "skill_id", "condition", "sample")


class AdjudicationError(ValueError):
    pass


def judgment_id(episode_id: str, judge_id: str = HUMAN_JUDGE) -> str:
    return canonical_hash({"episode": episode_id, "judge": judge_id, "kind": "human"}, 24)


def judge_row(judge_id: str = HUMAN_JUDGE) -> dict[str, Any]:
    return {
        "judge_id": judge_id,
        "judge_fp": HUMAN_FP,
        "kind": "human",
        "backend": None,
        "model": None,
        "spec_json": jr.dumps({"id": judge_id, "kind": "human"}),
    }


def ensure_run(runs_dir: Path, run_id: str = HUMAN_RUN, judge_id: str = HUMAN_JUDGE) -> Path:
    """Create the human journal run (idempotent)."""
    d = Path(runs_dir) / run_id
    if (d / jr.RUN_FILE).exists() and (d / "judges.jsonl").exists():
        return d
    journal = jr.RunJournal(Path(runs_dir), run_id)
    now = time.time()
    try:
        journal.write_specs("judges", [judge_row(judge_id)])
        manifest.write_info(d, RunInfo(run_id=run_id, kind="human", experiment="human", started_at=now))
        if not (d / jr.EVENTS_FILE).exists() or (d / jr.EVENTS_FILE).stat().st_size == 0:
            journal.emit(RunStarted(run_id, kind="human", experiment="human", judges=(judge_id,), t=now))
            journal.emit(RunFinished(run_id, t=now))
    finally:
        journal.close()
    return d


def episode_fields(con: Con, episode_id: str) -> dict[str, Any]:
    """The denormalised fields a judgment row carries, read from the store (scoring from tasks)."""
    rows = con.execute(
        "SELECT e.episode_id, e.config_id, e.config_fp, e.task_id, e.skill_id, e.condition, e.sample, "
        "(SELECT any_value(t.scoring) FROM tasks t WHERE t.task_id = e.task_id AND t.task_hash = e.task_hash), "
        "(SELECT any_value(j.scoring) FROM judgments j WHERE j.episode_id = e.episode_id) "
        "FROM episodes e WHERE e.episode_id = ?",
        [episode_id],
    ).fetchall()
    if not rows:
        raise AdjudicationError(f"episode {episode_id} is not in the store")
    r = rows[0]
    out = dict(zip(_EPISODE_FIELDS, r[:7], strict=True))
    out["scoring"] = r[7] or r[8]
    return out


def append_judgment(
    runs_dir: Path,
    fields: dict[str, Any],
    verdict: str,
    note: str = "",
    *,
    judge_id: str = HUMAN_JUDGE,
    run_id: str = HUMAN_RUN,
) -> dict[str, Any]:
    """Append one human judgment for the episode described by `fields`; returns the record."""
    checked = next((v for v in VERDICTS if v == verdict), None)
    if checked is None:
        raise AdjudicationError(f"verdict must be one of {VERDICTS}, not {verdict!r}")
    missing = [k for k in _EPISODE_FIELDS if k not in fields]
    if missing:
        raise AdjudicationError(f"episode fields missing: {missing}")
    d = ensure_run(Path(runs_dir), run_id, judge_id)
    jid = judgment_id(str(fields["episode_id"]), judge_id)
    before = _journaled(d).get(jid)
    # strictly after the revision it replaces, even with a coarse or stepped-back clock
    now = max(time.time(), float(before["created_at"]) + 1e-3) if before else time.time()
    rec = HumanJudgmentRecord(
        judgment_id=jid,
        episode_id=fields["episode_id"],
        judge_id=judge_id,
        judge_fp=HUMAN_FP,
        config_id=fields["config_id"],
        config_fp=fields["config_fp"],
        task_id=fields["task_id"],
        skill_id=fields["skill_id"],
        condition=fields["condition"],
        sample=fields["sample"],
        scoring=fields.get("scoring"),
        verdict=checked,
        rationale=note or None,
        extracted=None,
        tokens_in=0,
        tokens_out=0,
        latency_s=0.0,
        cost_usd=0.0,
        run_id=run_id,
        created_at=now,
        revises=before["verdict"] if before else None,
    )
    journal = jr.RunJournal(Path(runs_dir), run_id)
    try:
        journal.record(rec)
        journal.emit(JudgmentRecorded(run_id, episode_id=str(fields["episode_id"]), judge_id=judge_id, verdict=checked))
    finally:
        journal.close()
    return rec.row()


def adjudicate(
    con: Con, runs_dir: Path, episode_id: str, verdict: str, note: str = "", *, judge_id: str = HUMAN_JUDGE
) -> dict[str, Any]:
    """Record a human verdict on a stored episode (the store's fields, the note as rationale); a
    verdict on an episode already adjudicated revises it (the record's `revises` names the old one)."""
    return append_judgment(runs_dir, episode_fields(con, episode_id), verdict, note, judge_id=judge_id)


def _journaled(run_dir: Path) -> dict[str, dict[str, Any]]:
    """The latest journaled adjudication of each judgment id (ingested or not yet)."""
    latest: dict[str, dict[str, Any]] = {}
    for r in jr.iter_records(run_dir / "judgments.jsonl"):
        jid = str(r.get("judgment_id"))
        if jid not in latest or float(r.get("created_at") or 0) >= float(latest[jid].get("created_at") or 0):
            latest[jid] = r
    return latest
