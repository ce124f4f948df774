"""A lenient deterministic judge: accepts the gold answer stated as the conclusion in free prose.

With an `ANSWER:` line it agrees with the extractor. Without one, it reads the concluding
sentence (the last sentence with a conclusion cue among the last lines, else the last line)
and passes when the last value of the task's answer type stated there equals the gold answer.
Paired with `answer_line`, it exposes the format artifact offline.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from engine.data.schemas import Task
from engine.judges.answer_line import judge_answer_line
from engine.judges.base import Judge, JudgeItem, Verdict
from engine.judges.normalize import _NUM, _clean_number, has_answer_line, matches, norm_text

_CUE = re.compile(
    r"\b(answer|result|therefore|thus|hence|so|final|total|equals|comes to|is|are|gives)\b|=|→|:",
    re.IGNORECASE,
)
_DATE = re.compile(
    r"\d{4}[-/]\d{1,2}[-/]\d{1,2}"
    r"|(?:[A-Za-z]+\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4})"
    r"|(?:\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]+\.?,?\s+\d{4})"
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z*])")


def conclusion(text: str, tail_lines: int = 3) -> str:
    """The concluding sentence of a completion."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    if not lines:
        return ""
    tail = lines[-tail_lines:]
    sentences = [s for ln in tail for s in _SENTENCE.split(ln) if s.strip()]
    for s in reversed(sentences):
        if _CUE.search(s):
            return s
    return sentences[-1] if sentences else lines[-1]


def last_value(sentence: str, task: Task) -> str | None:
    """The last value of the task's answer type stated in the sentence."""
    if task.answer_type in ("integer", "number"):
        nums = _NUM.findall(_clean_number(sentence.replace("−", "-")))
        nums = [n for n in nums if n not in ("-", "+", ".")]
        return nums[-1].rstrip(".") if nums else None
    if task.answer_type == "date":
        dates = _DATE.findall(sentence)
        return dates[-1] if dates else None
    if task.answer_type == "choice":
        low = norm_text(sentence)
        best, pos = None, -1
        for choice in task.choices or ():
            for m in re.finditer(rf"(?<!\w){re.escape(norm_text(choice))}(?!\w)", low):
                if m.start() > pos:
                    best, pos = choice, m.start()
        return best
    if task.answer_type == "string":
        gold = norm_text(task.answer)
        return task.answer if re.search(rf"(?<!\w){re.escape(gold)}(?!\w)", norm_text(sentence)) else None
    return None


class FinalAnswerJudge(Judge):
    kind = "final_answer"

    def applies(self, task: Task) -> bool:
        return task.scoring == "answer_line"

    def judge(self, items: Sequence[JudgeItem]) -> Iterator[Verdict]:
        for item in items:
            yield self._one(item)

    def _one(self, item: JudgeItem) -> Verdict:
        if has_answer_line(item.completion):
            return judge_answer_line(item)
        task = item.task
        sentence = conclusion(item.completion)
        if not sentence:
            return Verdict(item.key, "fail", "empty completion")
        value = last_value(sentence, task)
        if value is None:
            return Verdict(item.key, "fail", f"no {task.answer_type} stated in the conclusion '{sentence[:120]}'")
        ok = matches(value, task.answer, task.answer_type, task.tolerance)
        verb = "equals" if ok else "does not equal"
        return Verdict(
            item.key,
            "pass" if ok else "fail",
            f"no ANSWER line; concluding value '{value[:80]}' {verb} gold '{task.answer[:80]}'",
            extracted=value[:500],
        )
