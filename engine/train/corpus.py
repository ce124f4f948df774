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

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.data.loader import load_skills, load_tasks
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
from engine.train.corpus_output import CorpusResult, write_corpus, write_manifest
from engine.train.leakage import check_corpus_leakage
from engine.train.specs import CorpusSpec
from engine.train.teachers import Teacher, TeacherAnswer, TeacherItem, make_teacher

if TYPE_CHECKING:
    from engine.store.journal import RunJournal


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
    from engine.store import manifest

    t0 = time.time()
    out = Path(spec.out)
    result = CorpusResult(out)
    journal = _open_journal(spec, runs_dir, result, t0) if runs_dir is not None else None
    rep: Reporter = TeeReporter(journal, reporter)
    run_id = result.run_id or f"corpus-{spec.name}"
    try:
        skills, train = select_train(spec)
        items = _teacher_items(spec, skills, train)
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
        write_corpus(out, rows, result)
        write_manifest(spec, out, result)
        if journal is not None:  # what the build did, for the run list: rows kept of the teacher's answers
            manifest.update_info(
                journal.dir, rows_kept=result.rows, teacher_answers=result.candidates, failed_judge=result.failed
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


def _open_journal(spec: CorpusSpec, runs_dir: Path, result: CorpusResult, t0: float) -> RunJournal:
    """The build as a journal run (kind corpus) under `runs_dir`; sets `result.run_id`."""
    from engine.store import journal as jr
    from engine.store import manifest
    from engine.store.manifest import RunInfo

    result.run_id = jr.new_run_id(f"corpus-{spec.name}")
    journal = jr.RunJournal(runs_dir, result.run_id)
    info = RunInfo(
        run_id=result.run_id,
        kind="corpus",
        corpus_spec=spec.name,
        corpus_spec_path=spec.source,
        pid=os.getpid(),
        out=str(result.path),
    )
    manifest.start_info(journal.dir, info, t0)
    return journal


def _teacher_items(spec: CorpusSpec, skills: dict[str, Skill], train: list[Task]) -> list[TeacherItem]:
    """One teacher question per selected train task and sample, in the curated condition."""
    return [
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
    own = teacher is None
    teacher = teacher or make_teacher(spec.teacher, spec.solutions)
    try:
        answers = _ask_teacher(spec, teacher, items, rep, run_id, result)
    finally:
        if own:
            teacher.close()
    verdicts = _judge_answers(spec, items, answers, rep, run_id)
    return _passing_rows(items, answers, verdicts, teacher.name, result)


def _ask_teacher(
    spec: CorpusSpec, teacher: Teacher, items: list[TeacherItem], rep: Reporter, run_id: str, result: CorpusResult
) -> dict[str, TeacherAnswer]:
    """Every item's answer: from the answer store when a model teacher gave it before, else asked now
    (and stored as it arrives). Each answer is an `EpisodeFinished`, costing 0 when reused."""
    rep.emit(PhaseChanged(run_id, phase="generating", detail=f"teacher {teacher.name}", total=len(items)))
    by_key = {i.key: i for i in items}
    answers: dict[str, TeacherAnswer] = {}
    store = None
    if teacher.name != "offline":
        store = AnswerStore(answers_path(Path(spec.out)), teacher.fingerprint(), reuse=spec.reuse_answers)
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
                rep.emit(_answered(run_id, teacher.name, cached, item, 0.0))  # paid for by an earlier build
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
                rep.emit(_answered(run_id, teacher.name, a, item, a.cost_usd))
    finally:
        if store is not None:
            store.close()
    return answers


def _answered(run_id: str, teacher: str, a: TeacherAnswer, item: TeacherItem, cost: float) -> EpisodeFinished:
    return EpisodeFinished(
        run_id,
        episode_id=a.key,
        config_id=teacher,
        task_id=item.task.id,
        condition="curated",
        sample=item.sample,
        tokens_in=a.tokens_in,
        tokens_out=a.tokens_out,
        latency_s=0.0,
        cost_usd=cost,
        error=a.error,
    )


def _judge_answers(
    spec: CorpusSpec, items: list[TeacherItem], answers: dict[str, TeacherAnswer], rep: Reporter, run_id: str
) -> dict[str, dict[str, str]]:
    """Each answer's verdicts by judge id, from every judge that applies to its task and route."""
    from engine.judges.base import JudgeItem, make_judge

    by_key = {i.key: i for i in items}
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
    return verdicts


def _passing_rows(
    items: list[TeacherItem],
    answers: dict[str, TeacherAnswer],
    verdicts: dict[str, dict[str, str]],
    teacher: str,
    result: CorpusResult,
) -> list[CorpusRow]:
    """The rows to keep, in selection order (deterministic output): an answer that at least one judge
    applies to and every applying judge passed. The rest are counted in `result`."""
    rows: list[CorpusRow] = []
    for item in items:
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
        if "abstain" in got.values():  # a judge that cannot tell is no verdict, like an error
            result.skipped["judge abstained"] += 1
            continue
        if any(x != "pass" for x in got.values()):
            result.failed += 1
            continue
        rows.append(_row(item, answer.text, teacher, got))
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
