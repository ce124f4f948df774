"""`engine corpus build`: deterministic offline corpus, judges gate rows, leakage refused, atomic writes."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.data.loader import load_corpus, load_tasks
from engine.data.prompts import LeakageError, render_messages
from engine.runs import run_status
from engine.store.journal import run_dirs
from engine.train.corpus import build_corpus
from engine.train.corpus_output import manifest_path
from engine.train.specs import load_corpus_spec
from engine.train.teachers import OfflineTeacher, TeacherAnswer, TeacherItem, render_worked

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT / "data" / "suite"
SPEC = ROOT / "data" / "corpus" / "demo.toml"
COMMITTED = ROOT / "data" / "corpus" / "offline-corpus.jsonl"


def spec_to(out: Path, **over: object):  # noqa: ANN201 - CorpusSpec
    spec = load_corpus_spec(SPEC, dict(over))
    spec.out = str(out)
    return spec


def copy_suite(dst: Path) -> Path:
    dst.mkdir(parents=True, exist_ok=True)
    for name in ("skills.jsonl", "tasks.jsonl", "solutions.jsonl"):
        shutil.copy(SUITE / name, dst / name)
    return dst


def plant(suite: Path, task: dict, worked: list[str]) -> None:
    with open(suite / "tasks.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps(task) + "\n")
    with open(suite / "solutions.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps({"task_id": task["id"], "skill_id": task["skill_id"], "worked": worked}) + "\n")


def first_holdout(suite: Path) -> dict:
    for line in (suite / "tasks.jsonl").read_text().splitlines():
        row = json.loads(line)
        if row["split"] == "holdout" and row["scoring"] == "answer_line":
            return row
    raise AssertionError("no holdout task")


def test_offline_corpus_is_deterministic_valid_and_committed(tmp_path: Path) -> None:
    a, b = tmp_path / "a" / "corpus.jsonl", tmp_path / "b" / "corpus.jsonl"
    ra = build_corpus(spec_to(a))
    rb = build_corpus(spec_to(b), runs_dir=tmp_path / "runs")
    assert a.read_bytes() == b.read_bytes()
    assert manifest_path(a).read_text() == manifest_path(b).read_text()
    rows = load_corpus(a)
    assert ra.rows == rb.rows == len(rows) >= 300
    tasks = {t.id: t for t in load_tasks(SUITE / "tasks.jsonl")}
    for r in rows:
        task = tasks[r.task_id]
        assert task.split == "train"
        assert task.scoring == "answer_line"
        assert r.verdicts == {"extractor": "pass"}
        assert r.teacher == "offline"
        assert r.messages[-1].content.splitlines()[-1] == f"ANSWER: {task.answer}"
        assert [m.role for m in r.messages] == ["user", "assistant"]
    # every llm-scored train task is skipped, and counted
    n_free = sum(1 for t in tasks.values() if t.split == "train" and t.scoring == "llm")
    assert ra.skipped == {"no judge applies (llm-scored)": n_free}
    # the committed corpus is exactly what the spec builds from the committed suite
    assert a.read_bytes() == COMMITTED.read_bytes(), "rebuild it: engine corpus build data/corpus/demo.toml"
    # the build is a journal run of kind corpus
    (run,) = run_dirs(tmp_path / "runs")
    st = run_status(run)
    assert st.kind == "corpus"
    assert st.status == "finished"
    # the run list shows what a corpus run did: rows kept of the teacher's answers (not "334/0 judgments")
    from cockpit.screens.runs import RunsScreen
    from cockpit.services.tail import RunTail
    from engine.tally import CorpusProgress

    tail = RunTail(run)
    tail.poll()
    prog = tail.progress()
    assert isinstance(prog.job, CorpusProgress)
    assert (prog.job.rows_kept, prog.job.teacher_answers) == (rb.rows, rb.candidates)
    cells = [c.plain for c in RunsScreen._row(prog)[6:8]]  # episodes, judgments
    assert cells == [f"{rb.candidates:,}/{rb.candidates:,} answers", f"{rb.rows:,} rows kept"]


def test_rows_are_curated_prompts_with_worked_steps(tmp_path: Path) -> None:
    out = tmp_path / "c.jsonl"
    build_corpus(spec_to(out, limit=5))
    rows = load_corpus(out)
    assert len(rows) == 5
    assert len({r.skill_id for r in rows}) == 5  # stratified by skill
    from engine.data.loader import load_skills

    skills = {s.id: s for s in load_skills(SUITE / "skills.jsonl")}
    tasks = {t.id: t for t in load_tasks(SUITE / "tasks.jsonl")}
    for r in rows:
        prompt = render_messages(tasks[r.task_id], skills[r.skill_id], "curated")
        assert [m.model_dump() for m in r.messages[:-1]] == prompt
        lines = r.messages[-1].content.splitlines()
        assert [ln.split(":")[0] for ln in lines] == [f"Step {i}" for i in range(1, 6)] + ["ANSWER"]


class WrongSometimes(OfflineTeacher):
    """The offline teacher, wrong on every third task."""

    def answer(self, items: Sequence[TeacherItem]) -> Iterator[TeacherAnswer]:
        for i, a in enumerate(super().answer(items)):
            if i % 3 == 0:
                a.text = render_worked(["x"] * 5, "definitely wrong")
            yield a


def test_judges_gate_rows(tmp_path: Path) -> None:
    from engine.train.corpus import select_train

    out = tmp_path / "c.jsonl"
    spec = spec_to(out, limit=12)
    _, chosen = select_train(spec)
    judged = [i % 3 != 0 for i, t in enumerate(chosen) if t.scoring == "answer_line"]
    res = build_corpus(spec, teacher=WrongSometimes(spec.solutions or ""))
    assert res.failed == judged.count(False) > 0
    assert res.rows == judged.count(True) == len(load_corpus(out))
    assert all("definitely wrong" not in r.messages[-1].content for r in load_corpus(out))


class Exploding(OfflineTeacher):
    def answer(self, items: Sequence[TeacherItem]) -> Iterator[TeacherAnswer]:
        for i, a in enumerate(super().answer(items)):
            if i == 5:
                raise RuntimeError("teacher died mid-build")
            yield a


def test_error_mid_build_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "c.jsonl"
    out.write_text("previous content\n")
    spec = spec_to(out, limit=10)
    with pytest.raises(RuntimeError, match="mid-build"):
        build_corpus(spec, teacher=Exploding(spec.solutions or ""))
    assert out.read_text() == "previous content\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.jsonl"]


def test_planted_holdout_task_is_refused(tmp_path: Path) -> None:
    suite = copy_suite(tmp_path / "suite")
    h = first_holdout(suite)
    plant(suite, {**h, "id": "planted-copy", "split": "train"}, ["s"] * 5)
    out = tmp_path / "c.jsonl"
    spec = spec_to(out, skills=str(suite / "skills.jsonl"), tasks=str(suite / "tasks.jsonl"))
    spec.solutions = str(suite / "solutions.jsonl")
    with pytest.raises(LeakageError, match=f"holdout task '{h['id']}'"):
        build_corpus(spec, runs_dir=tmp_path / "runs")
    assert not out.exists()
    assert not manifest_path(out).exists()
    (run,) = run_dirs(tmp_path / "runs")
    assert run_status(run).status == "failed"


@pytest.mark.parametrize(
    "reword",
    [
        lambda p: "Please " + p[0].lower() + p[1:],  # a filler word
        lambda p: p.upper().replace(",", ""),  # case and thousands separators
        lambda p: p.replace("  ", " ") + " Show your work.",
    ],
)
def test_planted_near_duplicate_is_refused(tmp_path: Path, reword) -> None:  # noqa: ANN001
    suite = copy_suite(tmp_path / "suite")
    h = first_holdout(suite)
    plant(suite, {**h, "id": "planted-near", "split": "train", "prompt": reword(h["prompt"])}, ["s"] * 5)
    out = tmp_path / "c.jsonl"
    spec = spec_to(out, skills=str(suite / "skills.jsonl"), tasks=str(suite / "tasks.jsonl"))
    spec.solutions = str(suite / "solutions.jsonl")
    with pytest.raises(LeakageError, match="near-duplicate a holdout prompt: train task 'planted-near'"):
        build_corpus(spec)
    assert not out.exists()


def test_cli_refuses_leak_with_a_clear_error(tmp_path: Path) -> None:
    from engine.cli import app

    suite = copy_suite(tmp_path / "suite")
    h = first_holdout(suite)
    plant(suite, {**h, "id": "planted-copy", "split": "train", "prompt": h["prompt"] + " "}, ["s"] * 5)
    spec_file = tmp_path / "corpus.toml"
    spec_file.write_text(
        SPEC.read_text()
        .replace("../suite/", f"{suite}/")
        .replace('out = "offline-corpus.jsonl"', f'out = "{tmp_path / "out.jsonl"}"')
    )
    res = CliRunner().invoke(app, ["corpus", "build", str(spec_file), "--runs-dir", str(tmp_path / "runs")])
    assert res.exit_code == 2
    assert "leakage check failed" in res.output
    assert "planted-copy" in res.output
    assert not (tmp_path / "out.jsonl").exists()
    ok = CliRunner().invoke(
        app,
        [
            "corpus",
            "build",
            str(SPEC),
            "-o",
            str(tmp_path / "ok.jsonl"),
            "--limit",
            "3",
            "--runs-dir",
            str(tmp_path / "runs"),
            "--events",
            "none",
        ],
    )
    assert ok.exit_code == 0, ok.output
    assert "3 rows kept" in ok.output
    val = CliRunner().invoke(app, ["data", "validate", str(tmp_path / "ok.jsonl"), "--kind", "corpus"])
    assert val.exit_code == 0
    assert "3 corpus rows" in val.output
