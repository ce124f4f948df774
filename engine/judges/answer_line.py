"""The deterministic extractor: the last `ANSWER:` line, normalised by answer type.

This is the bench judge of the reference study. It under-counts answers concluded in free
prose (no `ANSWER:` line is a fail): the `final_answer` judge and the LLM judges expose that.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from engine.data.answers import extract_answer_line, matches
from engine.data.schemas import Task
from engine.judges.base import Judge, JudgeItem, Verdict


class AnswerLineJudge(Judge):
    kind = "answer_line"

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
    ok = matches(value, task.answer, task.answer_type, task.tolerance)
    verb = "equals" if ok else "does not equal"
    return Verdict(
        item.key,
        "pass" if ok else "fail",
        f"ANSWER line '{value[:120]}' {verb} gold '{task.answer[:120]}' ({task.answer_type})",
        extracted=value[:500],
    )
