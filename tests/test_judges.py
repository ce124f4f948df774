"""Deterministic judges and strict verdict parsing."""

from __future__ import annotations

import pytest

from engine.config import JudgeSpec
from engine.data.answers import extract_answer_line, matches, parse_date
from engine.data.schemas import Task
from engine.judges.base import JudgeItem, make_judge
from engine.judges.llm import judge_messages, parse_verdict


def _task(answer: str, answer_type: str = "integer", **kw) -> Task:
    return Task(id="t1", skill_id="s", split="holdout", prompt="p", answer=answer, answer_type=answer_type, **kw)


def _verdict(kind: str, task: Task, completion: str):
    judge = make_judge(JudgeSpec(id=kind, kind=kind))
    return next(iter(judge.judge([JudgeItem("k", "e", task, completion)])))


@pytest.mark.parametrize(
    "text,value",
    [
        ("work\nANSWER: 42", "42"),
        ("ANSWER: 1\nmore\nAnswer: 2\n", "2"),  # the last one counts
        ("**ANSWER:** 17", "17"),
        ("## Answer: `abc`.", "abc"),
        ("- answer : 3,400", "3,400"),
        ("The answer is 42.", None),
        ("ANSWERS: 5", None),
    ],
)
def test_extract_answer_line(text: str, value: str | None) -> None:
    assert extract_answer_line(text) == value


@pytest.mark.parametrize(
    "value,gold,atype,tol,ok",
    [
        ("1,234", "1234", "integer", None, True),
        ("+12", "12", "integer", None, True),
        ("12.0", "12", "integer", None, True),
        ("12.5", "12", "integer", None, False),
        ("$3.14", "3.14159", "number", 0.01, True),
        ("3.2", "3.14159", "number", 0.01, False),
        ("0.1", "0.1", "number", None, True),
        ("2024-03-05", "2024-03-05", "date", None, True),
        ("March 5, 2024", "2024-03-05", "date", None, True),
        ("5 March 2024", "2024-03-05", "date", None, True),
        ("03/05/2024", "2024-03-05", "date", None, False),  # ambiguous formats are refused
        ("  Hello   World. ", "hello world", "string", None, True),
        ('"tac"', "tac", "string", None, True),
        ("tacs", "tac", "string", None, False),
    ],
)
def test_matches(value: str, gold: str, atype: str, tol, ok: bool) -> None:
    assert matches(value, gold, atype, tol) is ok


def test_parse_date_rejects_impossible_dates() -> None:
    assert parse_date("2023-02-30") is None


def test_answer_line_judge() -> None:
    t = _task("42")
    assert _verdict("answer_line", t, "6*7\nANSWER: 42").verdict == "pass"
    v = _verdict("answer_line", t, "6*7 = 42, so the answer is 42.")
    assert v.verdict == "fail"
    assert "no ANSWER" in v.rationale  # the format artifact
    assert _verdict("answer_line", t, "ANSWER: 41").verdict == "fail"


def test_final_answer_judge_accepts_prose_conclusions() -> None:
    t = _task("42")
    assert _verdict("final_answer", t, "6*7 = 42, so the answer is 42.").verdict == "pass"
    assert _verdict("final_answer", t, "First 40, then add 2.\nTherefore the total is 42").verdict == "pass"
    assert _verdict("final_answer", t, "I think it is 42 or maybe 41.").verdict == "fail"  # last value stated
    assert _verdict("final_answer", t, "ANSWER: 41\nactually 42").verdict == "fail"  # an ANSWER line wins
    d = _task("2024-03-05", "date")
    assert _verdict("final_answer", d, "Adding 10 days gives March 5, 2024.").verdict == "pass"
    c = _task("B", "choice", choices=["A", "B"])
    assert _verdict("final_answer", c, "Comparing both, offer A is worse, so the better one is B.").verdict == "pass"
    s = _task("olleh", "string")
    assert _verdict("final_answer", s, "Reversed, the word reads olleh.").verdict == "pass"


def test_deterministic_judges_skip_llm_tasks() -> None:
    free = _task("Offer B", "free", scoring="llm", rubric="B must win")
    for kind in ("answer_line", "final_answer"):
        assert not make_judge(JudgeSpec(id=kind, kind=kind)).applies(free)


@pytest.mark.parametrize(
    "text,verdict",
    [
        ("Correct.\nVERDICT: PASS", "pass"),
        ("Wrong total.\nVERDICT: FAIL", "fail"),
        ("**VERDICT: PASS**", "pass"),
        ("verdict: fail.", "fail"),
        ("I think it passes.", "error"),
        ("VERDICT: PASS\nVERDICT: FAIL", "error"),
        ("The verdict is PASS", "error"),
        ("", "error"),
    ],
)
def test_parse_verdict_is_strict(text: str, verdict: str) -> None:
    assert parse_verdict(text)[0] == verdict


def test_judge_prompt_carries_task_gold_rubric_and_truncates() -> None:
    t = _task("Offer B", "free", scoring="llm", rubric="PASS only if B is named")
    msgs = judge_messages(t, "x" * 10000 + "END")
    user = msgs[-1]["content"]
    assert "GOLD ANSWER: Offer B" in user
    assert "PASS only if B is named" in user
    assert "END" in user
    assert "beginning truncated" in user
    assert len(user) < 8000
