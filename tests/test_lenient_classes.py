"""The lenient judge's rules by class (issue 19): pass only what a careful grader would pass,
fail what states another answer or none, abstain where the rules cannot tell.

Written independently of the labelled sets (their figures are in `tests/test_judge_labels.py`).
"""

from __future__ import annotations

import pytest

from engine.data import SUITE_DIR
from engine.data.loader import load_tasks
from engine.data.schemas import Task
from engine.judges.base import JudgeItem
from engine.judges.final_answer import judge_final_answer


@pytest.fixture(scope="module")
def tasks() -> dict[str, Task]:
    return {t.id: t for t in load_tasks(SUITE_DIR / "tasks.jsonl")}


CASES = [
    # a worked equation on the ANSWER line: its result is the answer when the arithmetic is right
    ("pass", "gcd-euclid-h4", "ANSWER: 18 / 2 = 9"),
    ("pass", "gcd-euclid-h1", "ANSWER: 650 / 25 = 26 kits"),
    ("fail", "gcd-euclid-h4", "ANSWER: 18 / 3 = 9"),
    ("fail", "gcd-euclid-h4", "ANSWER: 18 / 2 = 10"),
    ("fail", "gcd-euclid-h1", "ANSWER: 650 / 25 = 26 or 13"),
    # revisions after a stated answer, also after an ANSWER line
    ("fail", "gcd-euclid-h1", "The answer is 26. Hmm, scratch that — I think it's 13."),
    ("fail", "gcd-euclid-h1", "So we get 26 kits. On second thought, the count should be 13."),
    ("pass", "gcd-euclid-h1", "So we get 13 kits. On second thought, I mixed up the remainders: the count is 26."),
    ("fail", "gcd-euclid-h1", "Final answer: 26. Actually, that's incorrect."),
    ("fail", "gcd-euclid-h1", "The kits number 26 — wait, no, 13."),
    ("fail", "gcd-euclid-h1", "Work...\nANSWER: 26\nActually, I realise the last step was wrong, so the answer is 13."),
    ("fail", "gcd-euclid-h1", "ANSWER: 26\n\nHmm, that doesn't look right."),
    ("abstain", "gcd-euclid-h1", "ANSWER: 13\nWait, I made a slip: 182 = 3 × 52 + 26, so the answer is 26."),
    # hedges
    ("fail", "gcd-euclid-h1", "The answer is most likely 26."),
    ("fail", "gcd-euclid-h1", "I believe it is 26, although I'm not completely certain."),
    ("fail", "gcd-euclid-h1", "Is the largest number of kits 26?"),
    ("fail", "gcd-euclid-h1", "The largest number of kits is 26 (or possibly 13)."),
    ("fail", "gcd-euclid-h1", "My best guess is 26."),
    ("fail", "unit-rate-conversion-h1", "The flow rate is 19623.57 to 19700 litres per hour."),
    ("fail", "gcd-euclid-h1", "The answer: 26 (if my division is right)."),
    ("fail", "gcd-euclid-h1", "ANSWER: 26\nBut I'm not sure."),
    # step-wise (the curated procedure)
    (
        "pass",
        "gcd-euclid-h1",
        "Step 1: (650, 234)\nStep 2: 650 = 2 × 234 + 182\nStep 3: (234, 182)\n"
        "Step 4: remainders 52, 26, 0\nStep 5: The last nonzero remainder is 26.",
    ),
    (
        "fail",
        "gcd-euclid-h1",
        "Step 1: pair\nResult: 650, 234\nStep 2: divide\nResult: 182\nStep 3: Result: 26\nStep 4: keep going",
    ),
    (
        "abstain",
        "gcd-euclid-h1",
        "Step 1: pair\nResult: (650, 234)\nStep 2: divide\nResult: 182\nStep 3: swap\nResult: 26",
    ),
    ("fail", "percent-change-chain-h1", "Step 4: Net change = 47.306%\nResult: 47.306\nStep 5: Round\nResult: 47.36"),
    # asides after the answer
    ("pass", "unit-rate-conversion-h2", "The speed is 67.68 metres per second, which is 243.65 km/h."),
    ("pass", "bayes-posterior-h1", "So the probability is 16.5% ≈ 0.165."),
    ("pass", "meeting-slot-h1", "The earliest possible start is 14:45, ending at 16:00."),
    ("pass", "ipv4-subnet-h2", "The broadcast address is 195.199.127.255 (the network address is 195.199.64.0)."),
    ("pass", "gcd-euclid-h1", "The GCD is 26. Indeed, 650 = 25 × 26 and 234 = 9 × 26."),
    ("pass", "bayes-posterior-h1", "The probability is 16.5%. That is, about 1 in 6 positives has the condition."),
    # negation
    ("pass", "gcd-euclid-h1", "The answer is not 13 but 26."),
    ("fail", "gcd-euclid-h1", "The answer is not 26 but 13."),
    ("pass", "gcd-euclid-h1", "It isn't 13; it's 26."),
    ("fail", "gcd-euclid-h1", "It's 13, definitely not 26."),
    ("fail", "day-of-week-h1", "It wasn't a Thursday."),
    ("pass", "gcd-euclid-h1", "ANSWER: 26\nNo other common divisor is larger."),
    ("fail", "gcd-euclid-h1", "ANSWER: 26\nNo, 13."),
    ("fail", "percent-change-chain-h1", "The fund lost 47.31% overall."),
    ("fail", "percent-change-chain-h1", "The overall change is a 47.31% loss."),
    # contradictions without a revision
    ("abstain", "gcd-euclid-h1", "The answer is 26. So the school can make 13 kits."),
    # echoed template
    ("pass", "gcd-euclid-h1", "ANSWER: <your answer>\nThe school can make 26 kits at most, so the answer is 26."),
    ("fail", "gcd-euclid-h1", "650 = 2 × 234 + 182 ...\nANSWER: <your answer>"),
    # LaTeX
    ("pass", "fraction-arithmetic-h2", "The board is now $\\frac{359}{234}$ m long."),
    ("pass", "percent-change-chain-h5", "The final price is \\$3{,}255.75."),
    ("pass", "unit-rate-conversion-h1", "The flow rate is $19{,}623.57\\ \\mathrm{L/h}$."),
    # string answers with extra words
    ("pass", "caesar-decrypt-h4", 'Decrypted, the plaintext is "open the heavy radios tonight."'),
    ("fail", "caesar-decrypt-h4", "The plaintext is open the heavy radios tonight quickly."),
    ("pass", "caesar-decrypt-h4", "ANSWER: The plaintext is open the heavy radios tonight."),
    # reordered date-times
    ("pass", "time-zone-conversion-h1", "In Regina it was 16:30 on 13 August 2026."),
    ("fail", "time-zone-conversion-h1", "In Regina the local time was 16:30 on 2026-08-14."),
    ("pass", "time-zone-conversion-h1", "ANSWER: 16:30 on 2026-08-13"),
    # ANSWER-line values, leniently
    ("pass", "heron-area-h5", "ANSWER: approximately 609.41"),
    ("fail", "gcd-euclid-h1", "ANSWER: about 26"),
    ("pass", "break-even-units-h2", "ANSWER: 138 mugs (137.6 exactly)"),
    ("fail", "gcd-euclid-h1", "ANSWER: 26 (probably)"),
    # version 4 (the classes a held-out set found missed; lenient_adversarial2.jsonl holds the labelled rows)
    ("fail", "gcd-euclid-h4", "Work.\nANSWER: 9 (not 100% sure)"),
    ("fail", "gcd-euclid-h4", "Work.\nANSWER: 9 (to be confirmed)"),
    ("pass", "gcd-euclid-h4", "Work.\nANSWER: 9 (check: 9 × 43 = 387)"),
    ("fail", "caesar-decrypt-h2", "Work.\nANSWER: hide blue lamps — I think"),
    ("pass", "add-days-h4", "Work.\nANSWER: 30 May 2015"),
    ("pass", "gcd-euclid-h4", "The greatest common divisor is 9, so the school can make 9 kits."),
    ("fail", "gcd-euclid-h4", "The greatest common divisor is 9, so the school can make 3 kits."),
    ("pass", "progressive-tax-h5", "Total tax: $18,367.76, i.e. about 21.1% of income."),
    ("pass", "break-even-units-h2", "So it must sell 138 mugs (138 × 20.35 = 2808.30 ≥ 2800)."),
    ("fail", "shortest-path-h3", "The shortest route from A is A–B–D–G, 21 km long."),
    (
        "pass",
        "bayes-posterior-h3",
        "A positive tester has a 44.9% chance of having the condition, compared with 2.8% before.",
    ),
    ("pass", "fraction-arithmetic-h3", "Work.\nANSWER: 479/315 ≈ 1.521"),
    ("fail", "fraction-arithmetic-h3", "Work.\nANSWER: 479/315 ≈ 1.6"),
    ("pass", "business-days-h2", "The contractor bills 17 days."),
    ("fail", "business-days-h2", "The contractor bills 18 days, not 17."),
    ("pass", "hamming-7-4-decode-h1", "Flipping bit 7 gives the corrected word 0100101."),
    ("pass", "roman-numeral-arithmetic-h1", "1087 − 678 = 409, which is written CDIX."),
    ("fail", "unit-rate-conversion-h1", "The flow is 19623.57 litres per hour, which is wrong."),
    ("fail", "unit-rate-conversion-h1", "The pump moves 19623.57 litres per hour (that is not right)."),
    ("pass", "fraction-arithmetic-h1", "Work.\nANSWER: $\\frac{17}{42} \\approx 0.405$"),
    (
        "pass",
        "gcd-euclid-h5",
        "The GCD of 2208 and 621 is 69, so 69 kits can be packed, each with 32 pencils and 9 erasers.",
    ),
    (
        "fail",
        "gcd-euclid-h5",
        "The GCD of 2208 and 621 is 23, so 23 kits can be packed, each with 96 pencils and 27 erasers.",
    ),
    ("fail", "gcd-euclid-h5", "The GCD of 2208 and 621 is 23, each with 69 items."),
    ("pass", "modular-exponentiation-h2", "The answer is $\\boxed{20}$ (mod 71)."),
]


@pytest.mark.parametrize("want,task_id,text", CASES)
def test_lenient_judge_by_class(tasks: dict[str, Task], want: str, task_id: str, text: str) -> None:
    v = judge_final_answer(JudgeItem("k", "e", tasks[task_id], text, "stop"))
    assert v.verdict == want, v.rationale
    assert v.rationale


def test_cut_inside_the_procedure_fails(tasks: dict[str, Task]) -> None:
    text = "Step 1: pair\nResult: (650, 234)\nStep 2: divide\nResult: 26"
    v = judge_final_answer(JudgeItem("k", "e", tasks["gcd-euclid-h1"], text, "length"))
    assert v.verdict == "fail"
    assert "cut at max_tokens" in v.rationale


def test_an_equation_on_the_answer_line_is_lenient_only(tasks: dict[str, Task]) -> None:
    """The SFT student of the micro demo writes `ANSWER: 6 + 3 = 9`: a careful grader reads 9; the
    extractor, whose line must state one value, still fails it (the format artifact it exists for)."""
    from engine.judges.answer_line import judge_answer_line

    item = JudgeItem("k", "e", tasks["gcd-euclid-h4"], "ANSWER: 18 / 2 = 9", "stop")
    assert judge_final_answer(item).verdict == "pass"
    assert judge_answer_line(item).verdict == "fail"
