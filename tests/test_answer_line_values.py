"""The extractor's one-value rule (issue 19, item 4): an ANSWER line states ONE value.

Each case is the ANSWER line of a completion of a bundled holdout task; the figures on the
labelled sets are in `tests/test_judge_labels.py`.
"""

from __future__ import annotations

import pytest

from engine.data import SUITE_DIR
from engine.data.answers import matches
from engine.data.loader import load_tasks
from engine.data.schemas import Task
from engine.judges.answer_line import judge_answer_line
from engine.judges.base import JudgeItem


@pytest.fixture(scope="module")
def tasks() -> dict[str, Task]:
    return {t.id: t for t in load_tasks(SUITE_DIR / "tasks.jsonl")}


def _verdict(task: Task, text: str) -> str:
    return judge_answer_line(JudgeItem("k", "e", task, text, "stop")).verdict


@pytest.mark.parametrize(
    "task_id,line,why",
    [
        ("percent-change-chain-h1", "47.31 or 47.32", "alternatives"),
        ("gcd-euclid-h1", "26 (or 13)", "an alternative in parentheses"),
        ("unit-rate-conversion-h1", "somewhere from 19623.57 to 19700", "a range"),
        ("business-days-h3", "12–13", "an en-dash range"),
        ("levenshtein-distance-h2", "3-4", "a hyphen range"),
        ("shoelace-area-h1", "about 139, maybe 278", "a hedge and a second number"),
        ("gcd-euclid-h1", "~26", "a tilde hedge"),
        ("heron-area-h5", "approximately 609.41", "approximately: the strict judge wants the value itself"),
        ("quartiles-iqr-h2", "81.25 and 15.5", "a second number"),
        ("break-even-units-h2", "138 mugs (137.6 exactly)", "a second number in parentheses"),
        ("percent-change-chain-h1", "47.31% loss", "a sign-reversing word: gold is a gain"),
        ("gcd-euclid-h1", "not 26", "negated"),
        ("percent-change-chain-h1", "-47.31% increase", "a signed value with a contradicting word"),
        ("gcd-euclid-h1", "the answer is probably 26", "a hedge after a label"),
        ("gcd-euclid-h1", "it is not 26", "a negation after a label"),
        ("gcd-euclid-h1", "13, so 26", "two numbers"),
    ],
)
def test_a_line_that_does_not_state_one_value_fails(tasks: dict[str, Task], task_id: str, line: str, why: str) -> None:
    assert _verdict(tasks[task_id], f"work\nANSWER: {line}") == "fail", why


@pytest.mark.parametrize(
    "task_id,line",
    [
        ("gcd-euclid-h1", "26 kits"),  # "kits" is the task's unit (it is in the prompt)
        ("business-days-h3", "12 business days"),
        ("shoelace-area-h1", "139 square metres"),
        ("unit-rate-conversion-h1", "19,623.57 litres per hour"),
        ("unit-rate-conversion-h1", "19623.57 L/h"),
        ("percent-change-chain-h1", "47.31%"),
        ("percent-change-chain-h1", "47.31% increase"),
        ("loan-balance-h3", "$4,718.09"),
        ("loan-balance-h3", "**$4,718.09**"),
        ("fraction-arithmetic-h5", "$\\dfrac{21}{110}$"),
        ("unit-rate-conversion-h1", "$19\\,623.57$"),
        ("unit-rate-conversion-h1", "$19\\,623.57$ L/h"),
        ("add-months-h2", "`2000-02-08`"),
        ("day-of-week-h4", "Friday."),
        ("gcd-euclid-h1", "GCD = 26"),
        ("gcd-euclid-h1", "The answer is 26"),
    ],
)
def test_one_value_with_unit_currency_or_markup_passes(tasks: dict[str, Task], task_id: str, line: str) -> None:
    assert _verdict(tasks[task_id], f"work\nANSWER: {line}") == "pass"


def test_a_word_that_is_not_in_the_prompt_is_no_unit(tasks: dict[str, Task]) -> None:
    assert _verdict(tasks["gcd-euclid-h1"], "ANSWER: 26 boxes") == "fail"
    assert matches("26 boxes", "26", "integer", prompt="How many boxes?")


def test_a_loss_word_makes_an_unsigned_value_negative() -> None:
    assert matches("47.31% decrease", "-47.31", "number", 0.01)
    assert not matches("-47.31% decrease", "-47.31", "number", 0.01)


@pytest.mark.parametrize(
    "after",
    [
        "Scratch that, the answer is 13.",
        "On reflection, that is wrong.",
        "Actually, that is wrong: 48.",
        "I'm not certain.",
    ],
)
def test_a_line_revised_or_doubted_after_it_fails(tasks: dict[str, Task], after: str) -> None:
    task = tasks["gcd-euclid-h1"]
    v = judge_answer_line(JudgeItem("k", "e", task, f"work\nANSWER: 26\n{after}", "stop"))
    assert v.verdict == "fail"
    assert "after it" in v.rationale


def test_a_check_after_the_line_is_no_revision(tasks: dict[str, Task]) -> None:
    assert _verdict(tasks["gcd-euclid-h1"], "ANSWER: 26\nCheck: 650 / 26 = 25 and 234 / 26 = 9.") == "pass"
