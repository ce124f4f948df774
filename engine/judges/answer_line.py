"""The deterministic extractor: the last `ANSWER:` line, normalised by answer type.

This is the bench judge of the reference study. It under-counts answers concluded in free
prose (no `ANSWER:` line is a fail): the `final_answer` judge and the LLM judges expose that.
The line must state one value (`engine.data.stated`), and a line that the text after it revises
or doubts ("Scratch that", "On reflection, that is wrong", "I'm not certain") fails: the strict
judge never passes an answer the completion did not settle on.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from engine.data.answers import extract_answer_line, matches
from engine.data.schemas import Task
from engine.judges.base import Judge, JudgeItem, Verdict
from engine.judges.retraction import after_answer_line, unsettled


class AnswerLineJudge(Judge):
    kind = "answer_line"
    version = "2"  # 2: the one-value rule and no revision after the line (issue 19)

    def applies(self, task: Task) -> bool:
        return task.scoring == "answer_line"

    def judge(self, items: Sequence[JudgeItem]) -> Iterator[Verdict]:
        for item in items:
            yield judge_answer_line(item)


def judge_answer_line(item: JudgeItem) -> Verdict:
    task = item.task
    value = extract_answer_line(item.completion)
    if value is None:
        return Verdict(item.key, "fail", "no ANSWER: line in the completion")
    if not value:
        return Verdict(item.key, "fail", "empty ANSWER: line", extracted="")
    after = after_answer_line(item.completion)
    why = unsettled(after)
    if why is not None:
        return Verdict(
            item.key, "fail", f"the ANSWER line '{value[:80]}' is {why} after it: '{after[:120]}'", value[:500]
        )
    ok = matches(value, task.answer, task.answer_type, task.tolerance, task.prompt)
    verb = "equals" if ok else "does not equal"
    return Verdict(
        item.key,
        "pass" if ok else "fail",
        f"ANSWER line '{value[:120]}' {verb} gold '{task.answer[:120]}' ({task.answer_type})",
        extracted=value[:500],
    )
