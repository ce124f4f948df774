"""Revisions, retractions and hedges: shared by the extractor and the lenient judge.

A sentence *revises* what came before it when it opens with a retraction ("Scratch that",
"On reflection", "Actually", "Wait", "Correction", "No, that is wrong", "Hmm", "Let me redo",
"I made a mistake", ...) or says the statement before it is wrong ("that is wrong", "that's
incorrect"). A sentence *doubts* it when it says the writer is not sure ("I'm not certain",
"not sure", "I may be wrong", "unsure"). Either, after the last `ANSWER:` line, means that line
is not the completion's settled answer.
"""

from __future__ import annotations

import re

from engine.data.answers import ANSWER_LINE

REVISION = re.compile(
    r"^\W*(?:actually|wait|correction|correcting|hmm+|oops|however|but\s+wait|no(?=\s*[,.!:;—–-]|\s+wait\b|$)|nope|on\s+(?:second\s+thought|"
    r"reflection|closer\s+inspection|re-?checking)|scratch\s+that|strike\s+that|disregard\s+(?:that|the\s+above)|"
    r"recalculat\w*|recomput\w*|re-?check\w*|re-?do\w*|let\s+me\s+(?:re|check|fix|correct|verify|redo)|"
    r"i\s+(?:made\s+an?\s+(?:mistake|error)|miscounted|mis-?\w+ed)|"
    r"(?:that|this)(?:'s|\s+is|\s+was)\s+(?:wrong|incorrect|not\s+right))",
    re.IGNORECASE,
)
WRONG = re.compile(
    r"\b(?:that|this|it)(?:'s|\s+is|\s+was)\s+(?:wrong|incorrect|not\s+right|a\s+mistake)\b|\bscratch\s+that\b",
    re.IGNORECASE,
)
DOUBT = re.compile(
    r"\b(?:not\s+(?:entirely\s+|completely\s+|totally\s+|fully\s+|100%\s+)?(?:sure|certain|confident)|unsure|"
    r"uncertain|i\s+(?:may|might|could)\s+be\s+wrong|may\s+be\s+(?:wrong|off|incorrect)|"
    r"might\s+be\s+(?:wrong|off|incorrect)|could\s+be\s+(?:wrong|off|incorrect))\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?;:])\s+|\n+")


def after_answer_line(text: str) -> str:
    """The text after the last `ANSWER:` line ("" when there is none or nothing follows it)."""
    last = None
    for m in ANSWER_LINE.finditer(text):
        last = m
    return text[last.end() :].strip() if last is not None else ""


def unsettled(text: str) -> str | None:
    """'revised' or 'doubted' when `text` (what follows a stated answer) revises or doubts it."""
    for s in _SENTENCE.split(text):
        if REVISION.match(s) or WRONG.search(s):
            return "revised"
    return "doubted" if DOUBT.search(text) else None
