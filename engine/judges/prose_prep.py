"""Preparing a completion for the prose reading (`engine.judges.prose`), and its small readers.

- templates: an echoed output instruction (`ANSWER: <your answer>`, `ANSWER: [your answer]`, the
  "Show your work briefly ..." line) is no answer and is dropped;
- LaTeX: `\\frac{a}{b}` -> `a/b`, `\\text{..}`, `19\\,623`, `\\$`, math `$` delimiters;
- negation: "not 13 but 26" reads "26";
- a revision inside a sentence ("26 — no, 13") becomes a revising sentence ("26. Actually, the
  answer is 13");
- asides (`mask_asides`): what follows a stated value as a restatement or an explanation
  (", which is 5.45 litres per second", "(the broadcast is ...)", "≈ 0.165", ", ending at 16:00",
  ", i.e. ...", ", since ...") is blanked, so that the value before it is what the sentence states;
- step-wise completions (`last_step`): the curated procedure's `Step k:` blocks; only the last
  block (with whatever follows it) states the answer, earlier `Result:` lines are intermediate;
- date-times (`datetime_values`): a date and a clock time in either order ("16:30 on 2026-08-13",
  "2021-07-22 at 08:00", "10:00 on 23 September 2027") read as `YYYY-MM-DD HH:MM`.
"""

from __future__ import annotations

import datetime as dt
import re

from engine.data.answers import parse_date
from engine.data.stated import delatex

_TEMPLATE = re.compile(
    r"(?im)^[ \t>*#_\-]*(?:\*\*|__)?\s*answer\s*(?:\*\*|__)?\s*[:：]\s*(?:\*\*|__)?\s*"
    r"(?:<[^<>\n]{0,60}[A-Za-z][^<>\n]{0,60}>|[\[{(]\s*(?:your|the|final)?\s*(?:final\s+)?answer[^\]})\n]*[\]})])"
    r"\s*(?:\*\*|__)?\s*\.?[ \t]*$"
    r"|^.*\bend\s+your\s+response\s+with\s+a\s+final\s+line\s+of\s+the\s+form\b.*$"
)
_NOT_BUT = re.compile(r"\bnot\s+(?:a\s+|an\s+|the\s+)?[^\s,.;:]+\s*,?\s+but\s+(?:rather\s+|instead\s+)?", re.IGNORECASE)
_CONTRACTION = re.compile(r"\b(it|that|what|this|there|here|which|answer|result|total|sum|count)['’]s(\s+not)?\b", re.I)
_DASH_REVISION = re.compile(
    r"(?<=[\w%$])\s*(?:[—–]|--)\s*(?:(?:no|wait|sorry|correction|actually|oops|hmm|scratch\s+that)\b[\s,:!.]*)+(?=\S)",
    re.IGNORECASE,
)
# what judges the value before it ("which is wrong") is no aside: it revises the statement
_JUDGED = (
    r"\b(?:wrong|incorrect|not\s+(?:right|correct)|off\s+by|mistaken?|error|impossible|too\s+(?:high|low|big|small))\b"
)
_ASIDE = re.compile(
    # (", which is written MMMCCLXXI" gives the value in the asked form: not an aside)
    rf"(?:\s*,\s*(?![^\n.;]*?{_JUDGED})(?:(?:which\s+(?:is(?!\s+(?:written|expressed|spelled|in\s+roman))|means|equals|would\s+be|"
    r"corresponds\s+to|gives)|that\s+is|or\s+(?:about|roughly|approximately)|ending|finishing|running|lasting|"
    r"since|because|as\s+a|an?\s+(?:[\w-]+\s+){0,3}of|each\s+(?:with|of|containing|holding|having))\b|i\.e\.|e\.g\.)"
    r"[^\n]*?(?=[.;!?](?:\s|$)|\n|$)"
    r"|\s*\((?![^()]*\b(?:or|maybe|perhaps|possibly|probably|if|unless|assuming|think|sure|certain)\b)"
    rf"(?![^()]*?{_JUDGED})[^()\n]*\)"
    r"|\s*,?\s*≈[^,;\n]*?(?=[,;!?]|\.(?:\s|$)|\n|$))",
    re.IGNORECASE,
)
_OF_ASIDE = re.compile(r"\s*,\s*an?\s", re.IGNORECASE)
# an aside follows a value stated after a cue, with at most a few unit words and no arithmetic between
_STATED_BEFORE = re.compile(
    r"(?:\b(?:is|was|are|be|holds?|equals?|starts?\s+at|at|from|on)|[=:])\s+[$€£]?[\w.,:/%\-]+"
    r"(?:\s+(?:[A-Za-z][\w/²³%]*|\d{4}\b)){0,4}[\s*_\"'”`]*$",
    re.IGNORECASE,
)
# a number after a word ("moves 19623.57 litres per hour", "owes $27,176.57 in tax"), with unit words that
# are no cue ("mod 11 gives the check character" states nothing)
_WORD_VALUE_BEFORE = re.compile(
    r"(?<![\w.])(?!mod\b|times\b|plus\b|minus\b|by\b|of\b|over\b)[A-Za-z]+\s+[$€£]?\d[\d,]*(?:\.\d+)?%?"
    r"(?:\s+(?!(?:gives?|is|are|was|were|makes?|equals?|yields?|leaves?|the|so|then)\b)[A-Za-z][\w/²³%]*){0,4}"
    r"[\s*_\"'”`]*$",
    re.IGNORECASE,
)
VERIFY = re.compile(
    r"^\W*(?:check\s*[:—–-]|(?:check|checking)\s+(?:that|whether|this|it|by|against|the\s+answer)\b|checking\b|"
    r"verification\b|verif(?:y|ying|ied)\b|to\s+(?:verify|check|confirm)\b|as\s+a\s+(?:sanity\s+)?check\b|"
    r"sanity\s+check\b|double-?check(?:ing)?\b|cross-?check(?:ing)?\b|indeed\b|as\s+expected\b|that\s+is\b|"
    r"i\.e\.|in\s+other\s+words\b|equivalently\b|this\s+means\b|"
    r"this\s+(?:matches|checks|agrees|confirms|is\s+consistent|is\s+correct|is\s+right)\b)",
    re.IGNORECASE,
)
_STEP = re.compile(r"(?im)^[ \t>*#_\-]*(?:\*\*|__)?step\s+\d+\b")
_DATETIME_GOLD = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_D = rf"(?:\d{{4}}-\d{{1,2}}-\d{{1,2}}|\d{{1,2}}\s+{_MONTH}\.?,?\s+\d{{4}}|{_MONTH}\.?\s+\d{{1,2}},?\s+\d{{4}})"
_T = r"(?<![\d:+\-−])(?:[01]?\d|2[0-3]):[0-5]\d(?![\d:])"
_DT = re.compile(
    rf"(?<![\w\-/])(?P<d1>{_D})(?:\s*,?\s*(?:at\s+)?|T)(?P<t1>{_T})|(?P<t2>{_T})\s*(?:,\s*|\s+(?:on\s+)?)(?P<d2>{_D})(?![\w\-/])",
    re.IGNORECASE,
)


def drop_templates(text: str) -> str:
    """The completion without an echoed output instruction or `ANSWER: <your answer>` template line."""
    return _TEMPLATE.sub("", text)


def is_template(value: str) -> bool:
    return _TEMPLATE.fullmatch(f"ANSWER: {value.strip()}") is not None


def prepare_prose(text: str) -> str:
    """LaTeX read as text, math `$` dropped, "not X but Y" as "Y", "X — no, Y" as a revision."""
    t = delatex(text)
    t = re.sub(r"\$\s*\$", "$", t)
    t = re.sub(r"\s*\$(?!\s?\d)", " ", t)  # math `$` delimiters (a `$` before a number may be currency)
    t = re.sub(r"(\b(?:is|be|was)|[:=])\s*\\boxed\{([^{}]*)\}", r"\1 \2", t)
    t = _CONTRACTION.sub(lambda m: f"{m.group(1)} is{' not' if m.group(2) else ''}", t)
    t = re.sub(r"\b(is|are|was|were)n't\b", r"\1 not", t, flags=re.IGNORECASE)
    t = _NOT_BUT.sub("", t)
    return _DASH_REVISION.sub(". Actually, the answer is ", t)


def mask_asides(text: str) -> str:
    """`text` with every aside after a value blanked (same length, so offsets keep)."""

    def blank(m: re.Match[str]) -> str:
        line_start = text.rfind("\n", 0, m.start()) + 1
        window = (max(line_start, m.start() - 80), m.start())
        after_word = _WORD_VALUE_BEFORE.search(text, *window) is not None
        if _OF_ASIDE.match(m.group()):  # ", an overall change of +26.36%" after "= 1.2636" is the answer
            return " " * len(m.group()) if after_word else m.group()
        stated = after_word or _STATED_BEFORE.search(text, *window) is not None
        return " " * len(m.group()) if stated else m.group()

    return _ASIDE.sub(blank, text)


PROCEDURE_STEPS = 5  # every curated procedure of the suite has five steps (data/suite/skills.jsonl)


def last_step(text: str) -> tuple[str, int] | None:
    """The last `Step k` block of a step-wise completion (two or more step headers) with what follows
    it, and k; None when the completion is not step-wise."""
    heads = list(_STEP.finditer(text))
    if len(heads) < 2:
        return None
    k = re.search(r"\d+", heads[-1].group())
    return text[heads[-1].start() :], int(k.group()) if k else 0


def is_datetime(gold: str) -> bool:
    return _DATETIME_GOLD.fullmatch(gold.strip()) is not None


def datetime_values(text: str, start: int) -> list[tuple[int, int, str]]:
    """(start, end, 'YYYY-MM-DD HH:MM') of every date with a clock time, in either order."""
    out = []
    for m in _DT.finditer(text, start):
        d, t = (m.group("d1"), m.group("t1")) if m.group("d1") else (m.group("d2"), m.group("t2"))
        day = parse_date(d) if not re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", d) else _iso(d)
        if day is None:
            continue
        hh, mm = t.split(":")
        out.append((m.start(), m.end(), f"{day.isoformat()} {int(hh):02d}:{mm}"))
    return out


def _iso(d: str) -> dt.date | None:
    try:
        y, m, day = (int(x) for x in d.split("-"))
        return dt.date(y, m, day)
    except ValueError:
        return None


_LOSS = (
    r"(?:lost|loses|lose|losing|loss|fell|falls?|fallen|decreased?|decreases|decline[ds]?|drop(?:ped|s)?|"
    r"(?<!rounded\s)(?<!round\s)down|shr[a-u]nk)"
)


def signed_by_words(value: str, sentence: str) -> str:
    """An unsigned number stated as a loss ("lost 47.31%", "a 47.31% decrease") is negative."""
    v = value.strip()
    if v[:1] in "-+−":
        return value
    num = re.escape(v)
    near = rf"\b{_LOSS}\b(?:\s+\w+){{0,3}}?\s+(?:of\s+|by\s+)?[$€£]?{num}|{num}\s*%?\s+(?:\w+\s+)?{_LOSS}\b"
    return f"-{v}" if re.search(near, sentence, re.IGNORECASE) else value


def clean_value(value: str) -> str:
    """A stated value without currency signs and digit-group spaces."""
    v = value.replace("−", "-")
    v = re.sub(r"(?<=\d)[ \u2009\u202f](?=\d{3}\b)", "", v)
    return v.replace("$", "").replace("€", "").replace("£", "").strip()


def echoes(prompt: str, sentence: str) -> bool:
    """Whether a sentence (20+ characters) repeats the task's prompt."""
    s = " ".join(sentence.split()).casefold().rstrip(".?! ")
    return len(s) >= 20 and s in " ".join(prompt.split()).casefold()


def string_token(text: str, pos: int) -> str:
    """For a string task whose gold is not at `pos`: the word there (what was stated instead)."""
    m = re.match(r"[\"'“(]?([^\s\"'”]+)", text[pos:])
    return m.group(1).rstrip(".,;:)") if m else ""
