"""`engine corpus build`: SFT demonstrations from the train split, kept only when judges pass them.

Steps: load the suite; refuse leakage (a holdout task or a near duplicate of a holdout prompt in
the train split, before any teacher call); the teacher answers every selected train task in the
curated condition; every configured judge that applies scores the answer; a row is kept when at
least one judge applies and all that apply pass. Rows are written to a temporary file next to
the output, validated with the corpus loader, then renamed over it: an error at any point leaves
the previous file (or none) in place, never half of one. A manifest with the counts and the input
hashes is written beside it (`<name>.manifest.json`). No timestamps: two offline builds of the
same inputs are byte-identical.

Model teachers (an API model, a local backend) cost money or time per answer, so every answer they
give is appended as it arrives to `<out stem>.answers.jsonl` beside the output (one `os.write` per
line, O_APPEND: `kill -9` leaves at most a torn last line, skipped on read). A later build of the
same spec, after an interrupt or with other judges, reuses every stored answer whose key matches
(teacher fingerprint, i.e. model, sampling and endpoint; the curated prompt; the sample index) and
asks the teacher only for the rest. Failed calls are not stored, so they are asked again.
`reuse_answers = false` (CLI `--fresh`) ignores the file. The offline teacher is free and
deterministic and stores nothing.

Free-form (llm-scored) train tasks: the deterministic judges do not apply to them, so with the
default judge list (the ANSWER-line extractor) they are skipped, and counted as such. Name an
llm judge in the corpus file (an API model, or the embedded model in logprob mode) to judge and
keep them.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.data.loader import load_corpus, load_skills, load_tasks
from engine.data.prompts import render_messages
from engine.data.schemas import CorpusRow, Skill, Task, canonical_hash
from engine.events import (
    EpisodeFinished,
    JudgmentRecorded,
    LogMessage,
    PhaseChanged,
    Reporter,
    RunFailed,
    RunFinished,
    RunStarted,
    TeeReporter,
)
from engine.train.answers import AnswerStore, answers_path
from engine.train.leakage import check_corpus_leakage
from engine.train.specs import CorpusSpec
from engine.train.teachers import Teacher, TeacherAnswer, TeacherItem, make_teacher


@dataclass
class CorpusResult:
    path: Path
    rows: int = 0
    candidates: int = 0
    failed: int = 0  # a judge failed the answer
    skipped: Counter[str] = field(default_factory=Counter)  # no judge applies / teacher error / judge error
    sha256: str = ""
    cost_usd: float = 0.0  # spent by this build
    wall_s: float = 0.0
    run_id: str | None = None
    reused: int = 0  # teacher answers taken from the answer store instead of asked again
    reused_cost_usd: float = 0.0  # what those answers cost when they were bought

    def summary(self) -> str:
        skipped = ", ".join(f"{n} {why}" for why, n in sorted(self.skipped.items())) or "none"
        reused = f"; {self.reused} answers reused (${self.reused_cost_usd:.4f} not spent again)" if self.reused else ""
        return (
            f"{self.rows} rows kept of {self.candidates} teacher answers; {self.failed} failed a judge; "
            f"skipped: {skipped}{reused}"
        )


def select_train(spec: CorpusSpec) -> tuple[dict[str, Skill], list[Task]]:
    """Load the suite, run the leakage check against every holdout prompt, return the train tasks."""
    from engine.plan import stratified

    skills = load_skills(spec.skills)
    tasks = load_tasks(spec.tasks, skills)
    skill_map = {s.id: s for s in skills}
    train = [t for t in tasks if t.split == "train"]
    holdout = [t for t in tasks if t.split == "holdout"]
    check_corpus_leakage(train, holdout, number_similarity=spec.leakage.number_similarity)
    if spec.skill_ids is not None:
        unknown = set(spec.skill_ids) - set(skill_map)
        if unknown:
            raise ValueError(f"skill_ids names unknown skills: {sorted(unknown)}")
        keep = set(spec.skill_ids)
        train = [t for t in train if t.skill_id in keep]
    if not train:
        raise ValueError(f"{spec.tasks}: no train-split tasks to build a corpus from")
    return skill_map, stratified(train, spec.limit)


def build_corpus(
    spec: CorpusSpec,
    reporter: Reporter | None = None,
    *,
    runs_dir: Path | None = None,
    teacher: Teacher | None = None,
) -> CorpusResult:
    """Build the corpus file `spec.out`; with `runs_dir`, the build is also a journal run (kind corpus)."""
    from engine.store import journal as jr

    t0 = time.time()
    out = Path(spec.out)
    result = CorpusResult(out)
    journal = None
    if runs_dir is not None:
        result.run_id = jr.new_run_id(f"corpus-{spec.name}")
        journal = jr.RunJournal(runs_dir, result.run_id)
        journal.write_run_info(
            {
                "run_id": result.run_id,
                "kind": "corpus",
                "experiment": spec.name,
                "experiment_path": spec.source,
                "started_at": t0,
                "pid": os.getpid(),
                "total_episodes": 0,
                "total_judgments": 0,
                "out": str(out),
            }
        )
    rep: Reporter = TeeReporter(journal, reporter)
    run_id = result.run_id or f"corpus-{spec.name}"
    try:
        skills, train = select_train(spec)
        items = [
            TeacherItem(
                key=_row_id(task, k, spec.samples),
                task=task,
                skill=skills[task.skill_id],
                sample=k,
                messages=render_messages(task, skills[task.skill_id], "curated"),
            )
            for task in train
            for k in range(spec.samples)
        ]
        rep.emit(
            RunStarted(
                run_id,
                kind="corpus",
                experiment=spec.name,
                total_episodes=len(items),
                configs=(spec.teacher_name,),
                judges=tuple(j.id for j in spec.judges),
                pid=os.getpid(),
            )
        )
        rows = _generate_and_judge(spec, items, rep, run_id, result, teacher)
        if not rows:
            raise ValueError(f"no corpus row passed the judges ({result.summary()}); nothing written")
        _write_atomic(out, rows, result)
        _write_manifest(spec, out, result)
        if journal is not None:  # what the build did, for the run list: rows kept of the teacher's answers
            info = jr.read_run_info(journal.dir)
            journal.write_run_info(
                {**info, "rows_kept": result.rows, "teacher_answers": result.candidates, "failed_judge": result.failed}
            )
        result.wall_s = time.time() - t0
        rep.emit(LogMessage(run_id, level="info", message=f"corpus {out}: {result.summary()}"))
        rep.emit(RunFinished(run_id, episodes=result.candidates, wall_s=result.wall_s, cost_usd=result.cost_usd))
    except BaseException as exc:
        rep.emit(RunFailed(run_id, error=f"{type(exc).__name__}: {exc}"))
        raise
    finally:
        if journal is not None:
            journal.close()
    return result


def _row_id(task: Task, k: int, samples: int) -> str:
    return task.id if samples == 1 else f"{task.id}.s{k}"


def _generate_and_judge(
    spec: CorpusSpec,
    items: list[TeacherItem],
    rep: Reporter,
    run_id: str,
    result: CorpusResult,
    teacher: Teacher | None,
) -> list[CorpusRow]:
    from engine.judges.base import JudgeItem, make_judge

    own = teacher is None
    teacher = teacher or make_teacher(spec.teacher, spec.solutions)
    rep.emit(PhaseChanged(run_id, phase="generating", detail=f"teacher {teacher.name}", total=len(items)))
    by_key = {i.key: i for i in items}
    answers: dict[str, TeacherAnswer] = {}
    store = None
    if teacher.name != "offline":
        store = AnswerStore(answers_path(Path(spec.out)), teacher.fingerprint(), reuse=spec.reuse_answers)

    def finished(a: TeacherAnswer, item: TeacherItem, cost: float) -> None:
        rep.emit(
            EpisodeFinished(
                run_id,
                episode_id=a.key,
                config_id=teacher.name,
                task_id=item.task.id,
                condition="curated",
                sample=item.sample,
                tokens_in=a.tokens_in,
                tokens_out=a.tokens_out,
                latency_s=0.0,
                cost_usd=cost,
                error=a.error,
            )
        )

    try:
        to_ask = items
        if store is not None and store.stored:
            to_ask = []
            for item in items:
                cached = store.get(item)
                if cached is None:
                    to_ask.append(item)
                    continue
                answers[item.key] = cached
                result.reused += 1
                result.reused_cost_usd += cached.cost_usd
                finished(cached, item, 0.0)  # paid for by an earlier build
            rep.emit(
                LogMessage(
                    run_id,
                    level="info",
                    message=f"{result.reused} teacher answers reused from {store.path.name}; "
                    f"asking the teacher for {len(to_ask)}",
                )
            )
        if to_ask:
            for a in teacher.answer(to_ask):
                answers[a.key] = a
                item = by_key[a.key]
                result.cost_usd += a.cost_usd
                if store is not None:
                    store.put(item, a)
                finished(a, item, a.cost_usd)
    finally:
        if store is not None:
            store.close()
        if own:
            teacher.close()
    judges = [make_judge(s) for s in spec.judges]
    verdicts: dict[str, dict[str, str]] = {k: {} for k in answers}
    rep.emit(PhaseChanged(run_id, phase="judging", detail=", ".join(j.id for j in judges)))
    try:
        for judge in judges:
            todo = [
                JudgeItem(key=k, episode_id=k, task=by_key[k].task, completion=a.text)
                for k, a in answers.items()
                if a.error is None
                and a.text.strip()
                and judge.applies(by_key[k].task)
                and spec.routes(judge.id, by_key[k].task.scoring)
            ]
            for v in judge.judge(todo):
                verdicts[v.key][judge.id] = v.verdict
                rep.emit(JudgmentRecorded(run_id, episode_id=v.key, judge_id=judge.id, verdict=v.verdict))
    finally:
        for j in judges:
            j.close()
    rows: list[CorpusRow] = []
    for item in items:  # selection order: deterministic output
        answer = answers.get(item.key)
        if answer is None or answer.error is not None or not answer.text.strip():
            result.skipped["teacher gave no answer"] += 1
            continue
        result.candidates += 1
        got = verdicts[item.key]
        if not got:
            result.skipped[f"no judge applies ({item.task.scoring}-scored)"] += 1
            continue
        if "error" in got.values():
            result.skipped["judge error"] += 1
            continue
        if any(x != "pass" for x in got.values()):
            result.failed += 1
            continue
        rows.append(_row(item, answer.text, teacher.name, got))
    return rows


def _row(item: TeacherItem, answer: str, teacher: str, verdicts: dict[str, Any]) -> CorpusRow:
    messages = [*item.messages, {"role": "assistant", "content": answer}]
    return CorpusRow.model_validate(
        {
            "id": item.key,
            "task_id": item.task.id,
            "skill_id": item.task.skill_id,
            "messages": messages,
            "teacher": teacher,
            "verdicts": dict(sorted(verdicts.items())),
            "content_hash": canonical_hash({"task": item.task.content_hash, "messages": messages}),
        }
    )


def dumps_row(row: CorpusRow) -> str:
    return json.dumps(row.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":"))


def _write_atomic(out: Path, rows: list[CorpusRow], result: CorpusResult) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    data = "".join(dumps_row(r) + "\n" for r in rows).encode("utf-8")
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        load_corpus(tmp)  # the file validates like every other data file before it replaces anything
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    result.rows = len(rows)
    result.sha256 = hashlib.sha256(data).hexdigest()


def _file_hash(path: str | None) -> str | None:
    if not path:
        return None
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def manifest_path(out: Path) -> Path:
    return out.with_name(out.stem + ".manifest.json")


def _write_manifest(spec: CorpusSpec, out: Path, result: CorpusResult) -> None:
    manifest = {
        "name": spec.name,
        "corpus": out.name,
        "rows": result.rows,
        "sha256": result.sha256,
        "teacher": spec.teacher_name,
        "judges": [j.model_dump(mode="json", exclude_none=True) for j in spec.judges],
        "candidates": result.candidates,
        "failed": result.failed,
        "skipped": dict(sorted(result.skipped.items())),
        "inputs": {
            "skills": _file_hash(spec.skills),
            "tasks": _file_hash(spec.tasks),
            "solutions": _file_hash(spec.solutions),
        },
        "limit": spec.limit,
        "samples": spec.samples,
    }
    path = manifest_path(out)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
