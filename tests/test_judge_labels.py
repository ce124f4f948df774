"""The deterministic judges against human labels: `tests/data/lenient_labels.jsonl`.

Each row is a completion of a bundled holdout task with a person's verdict ("does it state the gold
answer as its answer?") and a one-line reason: real completions from the demo's store (SmolLM2-135M
base and after the demo's LoRA SFT, both conditions) and hand-written prose, correct and incorrect,
including the traps the lenient judge used to fall for (the gold inside a longer token, prompt
echoes, hedges, revisions, candidate lists, truncation) and ordinary answer styles it used to miss.

Targets (issue 9): lenient judge precision >= 0.98 and recall >= 0.85; extractor precision 1.0.
Run with `-s` to see the figures.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from engine.data import SUITE_DIR
from engine.data.loader import load_tasks
from engine.data.schemas import Task
from engine.judges.answer_line import judge_answer_line
from engine.judges.base import JudgeItem
from engine.judges.final_answer import judge_final_answer

LABELS = Path(__file__).parent / "data" / "lenient_labels.jsonl"


def _rows() -> list[dict]:
    return [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def tasks() -> dict[str, Task]:
    return {t.id: t for t in load_tasks(SUITE_DIR / "tasks.jsonl")}


def _score(rows: list[dict], tasks: dict[str, Task], judge: object) -> tuple[Counter[str], list[str]]:
    counts: Counter[str] = Counter()
    wrong = []
    for r in rows:
        item = JudgeItem(r["id"], r["id"], tasks[r["task_id"]], r["completion"], r["finish_reason"])
        got = judge(item).verdict  # type: ignore[operator]
        counts[("t" if got == r["label"] else "f") + ("p" if got == "pass" else "n")] += 1
        if got != r["label"]:
            wrong.append(f"{r['id']} ({r['task_id']}, labelled {r['label']}: {r['reason']})")
    return counts, wrong


def _pr(c: Counter[str]) -> tuple[float, float]:
    return c["tp"] / max(1, c["tp"] + c["fp"]), c["tp"] / max(1, c["tp"] + c["fn"])


def test_the_labelled_set_is_well_formed(tasks: dict[str, Task]) -> None:
    rows = _rows()
    assert len(rows) >= 150
    assert len({r["id"] for r in rows}) == len(rows)
    sources = Counter(r["source"].split(":")[0] for r in rows)
    assert sources["demo"] >= 50, sources
    assert sources["hand"] + sources["hand-2"] >= 100, sources
    for r in rows:
        assert r["task_id"] in tasks, r["id"]
        assert tasks[r["task_id"]].split == "holdout", r["id"]
        assert tasks[r["task_id"]].scoring == "answer_line", r["id"]
        assert r["label"] in ("pass", "fail"), r["id"]
        assert r["finish_reason"] in ("stop", "length"), r["id"]
        assert r["reason"].strip(), r["id"]
        assert "\n" not in r["reason"], r["id"]
    labels = Counter(r["label"] for r in rows)
    assert labels["pass"] >= 60, labels
    assert labels["fail"] >= 60, labels


def test_lenient_judge_precision_and_recall(tasks: dict[str, Task]) -> None:
    rows = _rows()
    counts, wrong = _score(rows, tasks, judge_final_answer)
    precision, recall = _pr(counts)
    print(
        f"\nlenient judge on {len(rows)} labelled completions: precision {precision:.3f}, recall {recall:.3f} "
        f"(tp {counts['tp']}, fp {counts['fp']}, fn {counts['fn']}, tn {counts['tn']})"
    )
    for src in sorted({r["source"].split(":")[0] for r in rows}):
        c, _ = _score([r for r in rows if r["source"].split(":")[0] == src], tasks, judge_final_answer)
        print(f"  {src:<7} precision {_pr(c)[0]:.3f} recall {_pr(c)[1]:.3f} ({sum(c.values())} rows)")
    for w in wrong:
        print("  disagrees:", w)
    assert precision >= 0.98, wrong
    assert recall >= 0.85, wrong


def test_extractor_precision_is_one(tasks: dict[str, Task]) -> None:
    rows = _rows()
    counts, wrong = _score(rows, tasks, judge_answer_line)
    precision, recall = _pr(counts)
    print(f"\nextractor on {len(rows)} labelled completions: precision {precision:.3f}, recall {recall:.3f}")
    assert counts["fp"] == 0, [w for w in wrong if "labelled fail" in w]
    assert counts["tp"] >= 5  # it does pass the completions with a correct ANSWER: line


def test_truncated_without_a_statement_says_so(tasks: dict[str, Task]) -> None:
    task = tasks["gcd-euclid-h1"]
    cut = "650 = 2 × 234 + 182\n234 = 1 × 182 + 52\n182 = 3 × 52 + 26\n52 = 2 × 26"
    v = judge_final_answer(JudgeItem("k", "e", task, cut, "length"))
    assert v.verdict == "fail"
    assert "truncated, no final answer" in v.rationale
    stated = "So the answer is 26. Checking: 650 / 26 = 25 and 234 / 26 = 9, and 25 and 9 share"
    assert judge_final_answer(JudgeItem("k", "e", task, stated, "length")).verdict == "pass"
    # the same text, not cut: a concluding statement may decide
    assert judge_final_answer(JudgeItem("k", "e", task, "The largest number of kits is 26.", "stop")).verdict == "pass"


@pytest.mark.parametrize(
    "task_id,text,why",
    [
        ("isbn10-check-character-h1", "The check character is a 2-digit number.", "inside a longer token"),
        ("gcd-euclid-h1", "It is either 26 or 13.", "hedged"),
        ("gcd-euclid-h1", "The answer is not 26.", "negated"),
        ("meeting-slot-h4", "Possible starts: 08:30, 14:45 and 16:00.", "candidates"),
        ("semver-precedence-h1", "The highest is 9.0.0-rc.9.", "pre-release"),
        ("gcd-euclid-h1", "The answer is 26. Wait, no: the answer is 13.", "revised"),
        ("gcd-euclid-h1", "The answer is 26. Wait, let me recheck that.", "revised, no final value"),
        ("gcd-euclid-h1", "The answer is 13, not 26.", "the gold rejected"),
    ],
)
def test_traps_fail_with_a_rationale(tasks: dict[str, Task], task_id: str, text: str, why: str) -> None:
    v = judge_final_answer(JudgeItem("k", "e", tasks[task_id], text, "stop"))
    assert v.verdict == "fail", (why, v.rationale)
    assert v.rationale.startswith("no ANSWER line;")


@pytest.mark.parametrize(
    "text",
    [
        "The answer is 26 rather than 13.",
        "The answer is 26, not 13.",
        "The answer is 26. Any other value would be wrong.",
        "650 = 2 × 234 + 182 ... 52 = 2 × 26.\nThe final answer is:\n\n**26**",
    ],
)
def test_stated_answers_with_a_contrast_or_a_heading_pass(tasks: dict[str, Task], text: str) -> None:
    v = judge_final_answer(JudgeItem("k", "e", tasks["gcd-euclid-h1"], text, "stop"))
    assert v.verdict == "pass", v.rationale
