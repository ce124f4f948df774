"""The deterministic judges against human labels: `tests/data/lenient_labels.jsonl` (383),
`tests/data/lenient_adversarial.jsonl` (203, issue 19) and `tests/data/lenient_adversarial2.jsonl`
(38, issue 19: the classes a held-out set found missed, `CLASSES2`).

Each row is a completion of a bundled holdout task with a person's verdict ("does it state the gold
answer as its answer?"; hedged or revised-without-final answers are fail) and a one-line reason.
The first set: real completions from the demo's store (SmolLM2-135M base and after the demo's LoRA
SFT, both conditions) and hand-written prose. The adversarial set was written before the judges
were tuned, in fixed classes (`CLASSES`) and both conditions' styles (`no_skill` prose, `curated`
5-step procedures with `Step k:` / `Result:` lines). The second adversarial set was written after a
held-out evaluation of judge version 3 (precision 0.986, recall 0.791), one pass case and its fail trap
per class of miss; the judge was then generalised (version 4), not fitted to its strings.

Targets (issue 19) on the whole labelled set: lenient precision >= 0.98 on decided cases (pass and
fail; abstain excluded), recall >= 0.80 of the human passes (an abstain on a human pass is a miss),
abstention <= 15%; extractor precision 1.0 on every set. Run with `-s` to see the figures per set,
class and style.
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
ADVERSARIAL = Path(__file__).parent / "data" / "lenient_adversarial.jsonl"
ADVERSARIAL2 = Path(__file__).parent / "data" / "lenient_adversarial2.jsonl"
CLASSES = (
    "revision",  # a revision or retraction after a stated answer
    "revision_after_line",  # ... after an ANSWER line
    "hedge",  # likely, I believe ... not certain, a question, (or 13)
    "stepwise",  # the curated procedure's Step k / Result lines, truncation inside it
    "aside",  # which is ..., ≈ ..., ending at ..., (the broadcast is ...), a verification sentence
    "negation",  # not 13 but 26, not 26
    "template_echo",  # ANSWER: <your answer> then a prose answer
    "latex",  # \frac, \text{}, \, thousands, $...$, \boxed
    "string_extra",  # string answers with extra words
    "datetime_order",  # reordered date-times
    "answer_line_value",  # what the ANSWER line states: alternatives, ranges, hedges, units, signs
    "plain",  # ordinary statements (controls)
)
CLASSES2 = (
    "answer_line_doubt",  # ANSWER: 26 (I think — ... may be off); a neutral aside (the GCD of ...) passes
    "repeated_value",  # "the GCD is 26, so ... 26 kits": a later equal value supersedes nothing
    "aside_value",  # ", which is 5.45 l/s", ", an effective rate of 24.6%", "(432 × 24.94 = ...)", ", 34 km long"
    "approx_line",  # ANSWER: 17/42 ≈ 0.405 (a restating decimal); 17/42 ≈ 0.5 does not restate it
    "cue_verb",  # leaves, bills ..., not X; gives the corrected codeword X; written X; \boxed{14} \pmod{47}
)


def _rows(path: Path = LABELS) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def tasks() -> dict[str, Task]:
    return {t.id: t for t in load_tasks(SUITE_DIR / "tasks.jsonl")}


def _score(rows: list[dict], tasks: dict[str, Task], judge: object) -> tuple[Counter[str], list[str]]:
    """Counts of tp, fp, fn, tn and `ab` (abstained; `abp` of them on a human pass)."""
    counts: Counter[str] = Counter()
    wrong = []
    for r in rows:
        item = JudgeItem(r["id"], r["id"], tasks[r["task_id"]], r["completion"], r["finish_reason"])
        got = judge(item).verdict  # type: ignore[operator]
        if got == "abstain":
            counts["ab"] += 1
            counts["abp"] += r["label"] == "pass"
            continue
        counts[("t" if got == r["label"] else "f") + ("p" if got == "pass" else "n")] += 1
        if got != r["label"]:
            wrong.append(f"{r['id']} ({r['task_id']}, labelled {r['label']}: {r['reason']})")
    return counts, wrong


def _pr(c: Counter[str]) -> tuple[float, float]:
    """Precision on decided cases, recall of the human passes (an abstain on one is a miss)."""
    return c["tp"] / max(1, c["tp"] + c["fp"]), c["tp"] / max(1, c["tp"] + c["fn"] + c["abp"])


def _line(name: str, c: Counter[str]) -> str:
    p, r = _pr(c)
    n = sum(c[k] for k in ("tp", "fp", "fn", "tn", "ab"))
    return f"{name:<26} precision {p:.3f} recall {r:.3f} abstain {c['ab'] / max(1, n):.3f} ({n} rows)"


def _check_rows(rows: list[dict], tasks: dict[str, Task]) -> None:
    assert len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        assert r["task_id"] in tasks, r["id"]
        assert tasks[r["task_id"]].split == "holdout", r["id"]
        assert tasks[r["task_id"]].scoring == "answer_line", r["id"]
        assert r["label"] in ("pass", "fail"), r["id"]
        assert r["finish_reason"] in ("stop", "length"), r["id"]
        assert r["reason"].strip(), r["id"]
        assert "\n" not in r["reason"], r["id"]


def test_the_labelled_set_is_well_formed(tasks: dict[str, Task]) -> None:
    rows = _rows()
    assert len(rows) >= 150
    _check_rows(rows, tasks)
    sources = Counter(r["source"].split(":")[0] for r in rows)
    assert sources["demo"] >= 50, sources
    assert sources["hand"] + sources["hand-2"] >= 100, sources
    labels = Counter(r["label"] for r in rows)
    assert labels["pass"] >= 60, labels
    assert labels["fail"] >= 60, labels


def test_the_adversarial_set_covers_every_class_type_and_style(tasks: dict[str, Task]) -> None:
    rows = _rows(ADVERSARIAL)
    assert len(rows) >= 150
    _check_rows(rows, tasks)
    assert {r["class"] for r in rows} == set(CLASSES)
    assert {r["style"] for r in rows} == {"no_skill", "curated"}
    suite_types = {t.answer_type for t in tasks.values() if t.split == "holdout" and t.scoring == "answer_line"}
    assert {tasks[r["task_id"]].answer_type for r in rows} == suite_types
    for cls in CLASSES:
        labels = Counter(r["label"] for r in rows if r["class"] == cls)
        assert labels["pass"] and labels["fail"], (cls, labels)


def test_the_second_adversarial_set_covers_its_classes(tasks: dict[str, Task]) -> None:
    rows = _rows(ADVERSARIAL2)
    assert len(rows) >= 30
    _check_rows(rows, tasks)
    assert {r["class"] for r in rows} == set(CLASSES2)
    for cls in CLASSES2:
        labels = Counter(r["label"] for r in rows if r["class"] == cls)
        assert labels["pass"] >= 2 and labels["fail"] >= 2, (cls, labels)


def test_lenient_judge_on_the_second_adversarial_set(tasks: dict[str, Task]) -> None:
    rows = _rows(ADVERSARIAL2)
    counts, wrong = _score(rows, tasks, judge_final_answer)
    print()
    for cls in CLASSES2:
        print(_line(f"    {cls}", _score([r for r in rows if r["class"] == cls], tasks, judge_final_answer)[0]))
    assert counts["fp"] == 0, wrong
    assert _pr(counts)[1] >= 0.9, wrong


def test_lenient_judge_on_the_whole_labelled_set(tasks: dict[str, Task]) -> None:
    old, adv, adv2 = _rows(), _rows(ADVERSARIAL), _rows(ADVERSARIAL2)
    rows = old + adv + adv2
    counts, wrong = _score(rows, tasks, judge_final_answer)
    precision, recall = _pr(counts)
    abstain = counts["ab"] / len(rows)
    print(f"\nlenient judge on {len(rows)} labelled completions ({dict(counts)}):")
    print(_line("  all", counts))
    for name, part in (("old (383)", old), ("adversarial", adv), ("adversarial2", adv2)):
        print(_line(f"  {name}", _score(part, tasks, judge_final_answer)[0]))
    for cls in CLASSES:
        print(_line(f"    {cls}", _score([r for r in adv if r["class"] == cls], tasks, judge_final_answer)[0]))
    for style in ("no_skill", "curated"):
        print(
            _line(f"    style {style}", _score([r for r in adv if r["style"] == style], tasks, judge_final_answer)[0])
        )
    for w in wrong:
        print("  disagrees:", w)
    assert precision >= 0.98, wrong
    assert recall >= 0.80, wrong
    assert abstain <= 0.15


@pytest.mark.parametrize("path", [LABELS, ADVERSARIAL, ADVERSARIAL2], ids=["old", "adversarial", "adversarial2"])
def test_extractor_precision_is_one(tasks: dict[str, Task], path: Path) -> None:
    rows = _rows(path)
    counts, wrong = _score(rows, tasks, judge_answer_line)
    precision, recall = _pr(counts)
    print(
        f"\nextractor on {len(rows)} labelled completions ({path.name}): precision {precision:.3f} "
        f"({counts['tp']} passes, {counts['fp']} false), recall {recall:.3f}"
    )
    assert counts["fp"] == 0, [w for w in wrong if "labelled fail" in w]
    assert counts["ab"] == 0  # the extractor never abstains
    # it does pass the completions with a correct ANSWER: line (the second adversarial set's lines all
    # carry an aside, which the strict extractor fails)
    assert counts["tp"] >= (0 if path == ADVERSARIAL2 else 5)


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
