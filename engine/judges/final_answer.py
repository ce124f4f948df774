"""A lenient deterministic judge: passes the gold answer *stated as the answer*, in prose or on an
`ANSWER:` line; fails what states another answer or none; abstains where its rules cannot tell.

Version 4 (issue 19, after a held-out evaluation of version 3; `tests/data/lenient_adversarial2.jsonl`):
a hedge or doubt anywhere in the ANSWER line's aside fails it ("26 (I think — ... may be off)");
"17/42 ≈ 0.405" (a decimal that restates the value) passes (`engine.judges.line_aside`); a later
value equal to the stated one supersedes nothing ("26, so ... 26 kits"); an aside after a number
stated with any verb (", which is 5.45 litres per second", ", an effective rate of 24.6%",
"(432 × 24.94 = 10774.08)") is read without; cue verbs "leaves", "bills", "costs", "takes",
"needs", "owes", "moves", "sells", "is A–E–B–D, 34 km long", "gives the corrected codeword X",
"which is written X", `\\boxed{14} \\pmod{47}` (`engine.judges.prose_cues`).

Three outcomes (version 3, issue 19): `pass`, `fail`, and `abstain` ("cannot tell"), which is stored
like an error: excluded from pass rates and counted apart as the judge's coverage. Pass only what a
careful grader would pass. The rules, by class (pinned by `tests/data/lenient_labels.jsonl` and
`tests/data/lenient_adversarial.jsonl`; `pytest tests/test_judge_labels.py -s` prints the figures):

- echoed template (`ANSWER: <your answer>`, `ANSWER: [your answer]`, the output instruction): not an
  answer; the line is dropped and the rest is read as if it had no ANSWER line.
- ANSWER line: its value must state the gold (the extractor's one-value rule, `engine.data.stated`),
  leniently: "approximately" before a `number` (whose gold is a rounded value), a trailing
  parenthesis that offers no alternative, and, for string/choice/date answers, a lead-in read as prose
  ("The plaintext is seal quiet boats.") are allowed. Text after the last ANSWER line that revises it
  ("Scratch that", "On reflection, that is wrong", "Actually", "Wait"): the revision decides; it
  fails when it states another value or none, and ABSTAINS when it states the gold (line and revision
  disagree: which one is final cannot be told). Doubt after the line ("I'm not certain"): fail.
- revisions in prose ("Scratch that", "On reflection", "Actually, that is wrong", "26 — no, 13"): the
  last statement after the revision decides; none after it: fail.
- hedges ("likely", "probably", "I believe", "my best guess", "not certain", "(or 13)", "either ...
  or", a range "19623.57 to 19700", a question instead of a statement, "about" before an
  integer/string/date): fail.
- contradiction without a revision: an explicit answer followed by a "So ..." conclusion (or a
  later conclusion statement) with another value: ABSTAIN.
- step-wise completions (the curated procedure's `Step k:` blocks): only the last step and what
  follows it state the answer; a `Result:` of an earlier step is intermediate. Cut at max_tokens
  inside the procedure (before step 5), or a last step without a value: fail. Stopping on its own
  before step 5 with the gold as the last step's value: ABSTAIN (answer or intermediate result?).
- asides after the answer (", which is 5.45 litres per second", "≈ 0.165", ", ending at 16:00",
  "(the broadcast is ...)", ", i.e. ...", ", since ...", a verification sentence "Check: ..."): read
  without them; when only the reading *with* an aside finds the gold, ABSTAIN (the aside may be the
  answer).
- negation: "not 13 but 26" states 26; "not 26", "26 is wrong": fail; "26, not 13" states 26.
- LaTeX: `\\frac{17}{42}`, `\\text{ kits}`, `19\\,623.57`, `\\$`, `$...$`, `\\boxed{}` read as plain text.
- string answers: the gold must end its phrase ("the plaintext is open the heavy radios tonight."
  passes; "... tonight at dawn" is a longer string: fail).
- date-times: a date and a clock time in either order ("16:30 on 2026-08-13") read as
  `YYYY-MM-DD HH:MM`.
The prose reading itself (cues, candidates, short golds, truncation, prompt echoes) is
`engine.judges.prose`. Paired with `answer_line`, it exposes the format artifact offline.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from engine.data.answers import extract_answer_line, has_answer_line, matches
from engine.data.schemas import Task
from engine.judges.base import Judge, JudgeItem, Verdict
from engine.judges.line_aside import doubted, equation_result, without_restatement
from engine.judges.prose import Reading, read_answer
from engine.judges.prose_prep import (
    PROCEDURE_STEPS,
    clean_value,
    datetime_values,
    drop_templates,
    is_datetime,
    last_step,
    mask_asides,
)
from engine.judges.retraction import after_answer_line, unsettled

_APPROX_HEAD = re.compile(r"^(?:approximately|approx\.?|about|around|roughly|≈|~)\s*", re.IGNORECASE)
_PAREN_TAIL = re.compile(r"\s*\((?![^()]*\b(?:or|maybe|perhaps|possibly|probably|not)\b)[^()]*\)\s*\.?$", re.IGNORECASE)


class FinalAnswerJudge(Judge):
    kind = "final_answer"
    version = "5"  # 5: a right equation on the ANSWER line states its result; 4: doubt in the line's aside, ...

    def applies(self, task: Task) -> bool:
        return task.scoring == "answer_line"

    def judge(self, items: Sequence[JudgeItem]) -> Iterator[Verdict]:
        for item in items:
            yield judge_final_answer(item)


def judge_final_answer(item: JudgeItem) -> Verdict:
    text = drop_templates(item.completion)
    if has_answer_line(text):
        return _judge_line(item, text)
    return _judge_prose(item, text)


def _ok(task: Task, value: str) -> bool:
    return matches(value, task.answer, task.answer_type, task.tolerance, task.prompt)


def line_states_gold(task: Task, value: str) -> bool:
    """The lenient reading of an ANSWER-line value (see the module docstring)."""
    if doubted(_APPROX_HEAD.sub("", value) if task.answer_type == "number" else value):
        return False  # a hedge or a doubt in the line's aside: not a settled answer
    value = without_restatement(value)
    if _ok(task, value):
        return True
    result = equation_result(value) if task.answer_type in ("integer", "number") else None
    if result is not None and _ok(task, result):
        return True  # "ANSWER: 6 + 3 = 9": a right equation states its result
    bare = _PAREN_TAIL.sub("", value)
    if bare != value and bare and _ok(task, bare):
        return True
    if task.answer_type == "number" and _APPROX_HEAD.match(value) and _ok(task, _APPROX_HEAD.sub("", value)):
        return True
    if is_datetime(task.answer):
        found = datetime_values(value, 0)
        if len(found) == 1 and found[0][1] - found[0][0] == len(value.strip()):
            return _ok(task, found[0][2])  # "16:30 on 2026-08-13"
    if task.answer_type in ("string", "choice", "date"):
        reading = read_answer(task, value)
        return reading.value is not None and _ok(task, clean_value(reading.value))
    return False


def _judge_line(item: JudgeItem, text: str) -> Verdict:
    task = item.task
    value = extract_answer_line(text) or ""
    after = after_answer_line(text)
    why = unsettled(after)
    head = f"ANSWER line '{value[:80]}'"
    if why == "doubted":
        return Verdict(item.key, "fail", f"{head} is doubted after it: '{after[:120]}'", extracted=value[:500])
    if why == "revised":
        reading = read_answer(task, after, item.finish_reason)
        if reading.value is None:
            return Verdict(item.key, "fail", f"{head} is revised after it, with no final value: '{after[:120]}'")
        revised = clean_value(reading.value)
        if _ok(task, revised):
            return Verdict(
                item.key,
                "abstain",
                f"{head} is revised after it to the gold '{revised[:80]}': cannot tell which answer is final",
                extracted=revised[:500],
            )
        return Verdict(item.key, "fail", f"{head} is revised after it to '{revised[:80]}'", extracted=revised[:500])
    if doubted(_APPROX_HEAD.sub("", value) if task.answer_type == "number" else value):
        return Verdict(item.key, "fail", f"{head} is hedged or doubted in its aside", extracted=value[:500])
    ok = line_states_gold(task, value)
    verb = "states" if ok else "does not state"
    return Verdict(
        item.key,
        "pass" if ok else "fail",
        f"{head} {verb} gold '{task.answer[:80]}' ({task.answer_type})",
        extracted=value[:500],
    )


def _judge_prose(item: JudgeItem, text: str) -> Verdict:
    task = item.task
    step = last_step(text)
    block, k = step if step is not None else (text, PROCEDURE_STEPS)
    where = f"the last step (step {k})" if step is not None else "no ANSWER line"
    plain = read_answer(task, mask_asides(block), item.finish_reason)
    if plain.unsure:
        return Verdict(item.key, "abstain", f"{where}; {plain.rationale}: cannot tell which answer is final")
    early = k < PROCEDURE_STEPS
    if early and item.finish_reason == "length":
        return Verdict(item.key, "fail", f"{where}; cut at max_tokens inside the procedure: no final answer")
    if early and plain.value is not None and _ok(task, clean_value(plain.value)):
        return Verdict(
            item.key,
            "abstain",
            f"{where}; the procedure has {PROCEDURE_STEPS} steps and the completion stops after step {k}: "
            f"cannot tell whether '{plain.value[:80]}' is its answer or an intermediate result",
        )
    if plain.value is not None and _ok(task, clean_value(plain.value)):
        return _verdict(item, "pass", where, plain)
    with_asides = read_answer(task, block, item.finish_reason)
    if with_asides.value is not None and _ok(task, clean_value(with_asides.value)):
        return Verdict(
            item.key,
            "abstain",
            f"{where}; only the reading with an aside finds the gold ({with_asides.rationale}); without it: "
            f"{plain.rationale}",
            extracted=clean_value(with_asides.value)[:500],
        )
    return _verdict(item, "fail", where, plain)


def _verdict(item: JudgeItem, verdict: str, where: str, reading: Reading) -> Verdict:
    task = item.task
    if reading.value is None:
        return Verdict(item.key, "fail", f"{where}; {reading.rationale}")
    value = clean_value(reading.value)
    verb = "equals" if verdict == "pass" else "does not equal"
    return Verdict(
        item.key,
        "pass" if verdict == "pass" else "fail",
        f"{where}; {reading.rationale}: '{value[:80]}' {verb} gold '{task.answer[:80]}'",
        extracted=value[:500],
    )
