"""Near-duplicate rules of the corpus leakage check: rewordings are caught, template siblings are not."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.data.loader import load_tasks
from engine.data.prompts import LeakageError
from engine.data.schemas import Task
from engine.train.leakage import check_corpus_leakage, near_duplicates, tokens

ROOT = Path(__file__).resolve().parents[1]


def task(tid: str, prompt: str, split: str = "train", skill: str = "s") -> Task:
    return Task(id=tid, skill_id=skill, split=split, prompt=prompt, answer="1", answer_type="integer")  # type: ignore[arg-type]


def test_tokens_normalise_numbers_case_and_punctuation() -> None:
    assert tokens("Find the GCD of 1,620 and 1040.00!") == ["find", "the", "gcd", "of", "1620", "and", "1040"]
    assert tokens("12 − 3 × 4") == ["12", "-", "3", "*", "4"]


@pytest.mark.parametrize(
    ("train", "rule"),
    [
        ("What is 17 + 25?!", "reworded"),  # identical but for punctuation
        ("Please compute 17 + 25.", "reworded"),  # filler words only
        ("what is 25 + 17", "quantities"),  # the same numbers, moved
        ("Compute the sum 17 + 25.", "quantities"),  # the same numbers, reworded
        ("What is 17 - 25?", "quantities"),  # the same numbers, another operator: refused, conservatively
    ],
)
def test_rewordings_are_near_duplicates(train: str, rule: str) -> None:
    h = task("h", "What is 17 + 25?", "holdout")
    found = near_duplicates([task("t", train)], [h])
    assert [d.rule for d in found] == [rule]


@pytest.mark.parametrize(
    "train",
    [
        "What is 17 + 26?",  # another number: another task
        "What is 17 + 25 + 3?",  # more numbers
        "Tell me 1725.",  # other numbers once tokenised
    ],
)
def test_siblings_are_not_near_duplicates(train: str) -> None:
    assert near_duplicates([task("t", train)], [task("h", "What is 17 + 25?", "holdout")]) == []


def test_template_numbers_and_entity_words() -> None:
    # a skill with enough prompts for its template numbers ("Premise 1", "Premise 2") to be known
    scenarios = ["the bell rings", "it rains", "the bus is late", "the fuse blows", "the tap drips", "prices rise"]
    holdout = [
        task(f"h{i}", f"Premise 1: If {x}, then we wait. Premise 2: We do not wait. Is it valid?", "holdout")
        for i, x in enumerate(scenarios)
    ]
    h = task(
        "h", "Premise 1: If the river floods, then the road is closed. Premise 2: The road is not closed.", "holdout"
    )
    swapped = task("t", "Premise 1: If the river floods, then the road is closed. Premise 2: The river does not flood.")
    other = task("u", "Premise 1: If the bell rings, then class ends. Premise 2: Class does not end.")
    same = task("v", "premise 1: if the river floods then the road is closed; premise 2: the road is not closed")
    found = near_duplicates([swapped, other, same], [h, *holdout])
    assert [(d.train_id, d.holdout_id, d.rule) for d in found] == [("v", "h", "reworded")]


def test_bundled_suite_is_clean_and_fast() -> None:
    import time

    tasks = load_tasks(ROOT / "data" / "suite" / "tasks.jsonl")
    train = [t for t in tasks if t.split == "train"]
    holdout = [t for t in tasks if t.split == "holdout"]
    t0 = time.perf_counter()
    check_corpus_leakage(train, holdout)
    assert time.perf_counter() - t0 < 5.0


def test_exact_copy_is_refused_first() -> None:
    h = task("h", "What is 17 + 25?", "holdout")
    with pytest.raises(LeakageError, match="also appears in the train split"):
        check_corpus_leakage([task("t", "What is 17 + 25?")], [h])
