"""The prose reading of the lenient judge: the value a completion states *as its answer*.

`engine.judges.final_answer` (the judge) documents the rules it adds on top (step-wise blocks,
asides, templates, ANSWER lines, abstaining). This module's rules, pinned by the labelled sets in
`tests/data/lenient_labels.jsonl` and `tests/data/lenient_adversarial.jsonl`:

1. A statement is a cue next to a value of the task's answer type. Explicit statements: "the
   answer is X", "final answer: X", "result: X", `\\boxed{X}`, a "Final answer" heading over a
   value. Conclusion statements: "is X", "= X", "≈ X", "comes to X", "gives X", "falls on X",
   "label: X" ... in the concluding sentence (the last sentence that holds a value). Fillers such
   as "approximately", "a total of", "at most" may sit between cue and value; `**`, quotes and
   backticks around it are ignored. Without a cue, a concluding sentence holding exactly one value
   states it (golds of 3+ characters only: "The school can make at most 855 kits.").
2. The decisive statement is the last explicit one, else the last conclusion statement; a later
   revising sentence (`engine.judges.retraction`) hands over to the last statement after it (none:
   no answer), a later doubt fails it, and a later "So ..." conclusion with another value makes
   the reading unsure (the judge abstains). Verification sentences ("Check: ...") are skipped.
3. A value is a whole token: never part of a longer one ("2-digit", "2-67-571955",
   "14:45–15:00", "9.0.0-rc.9"), never an ordinal ("2nd").
4. It fails when hedged ("either 26 or 13", "between 2 and 3", "probably"), negated ("not 26"),
   one of several candidates ("08:30, 14:45 and 16:00"), a question, or echoes the prompt.
5. A completion cut at max_tokens (`finish_reason == "length"`) counts only an explicit statement;
   without one it fails: "truncated, no final answer".
6. Golds of 1–2 characters need an explicit statement or a plain cue (is, =, :, equals) directly
   before the value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from engine.data.answers import norm_text
from engine.data.schemas import Task
from engine.judges.prose_cues import CUE, EXPLICIT, FILLER, NAMED, PLAIN_CUE, SHORT_FILLER
from engine.judges.prose_prep import (
    VERIFY,
    clean_value,
    datetime_values,
    echoes,
    is_datetime,
    prepare_prose,
    signed_by_words,
    string_token,
)
from engine.judges.retraction import DOUBT, REVISION
from engine.judges.robustness import addresses_grader

SHORT_GOLD = 2  # golds this short need an explicit statement or a plain cue

_NEGATED = re.compile(r"\b(?:not|n't|never|no\s+longer)(?:\s+(?:a|an|the|exactly|quite|equal\s+to|on\s+a))?\s*$", re.I)
HEDGE = re.compile(
    r"\b(?:either|probably|maybe|perhaps|possibly|might|could\s+be|may\s+be|not\s+sure|unsure|uncertain|"
    r"i\s+think|i\s+guess|depending\s+on|somewhere|one\s+of\s+these|or\s+so|could\s+not|couldn't|cannot|"
    r"can't|unable|unfinished|incomplete|likely|i\s+believe|i\s+suspect|presumably|supposedly|if\s+i'm\s+right|"
    r"guess|estimate[ds]?|i'd\s+say|i\s+would\s+say|seems?|appears?\s+to\s+be|should\s+be|must\s+be|would\s+be|"
    r"if\s+(?:my|i|the\s+above|this|that)|assuming|unless)\b",
    re.IGNORECASE,
)
_CONCLUDES = re.compile(
    r"^\W*(?:so|therefore|thus|hence|in\s+total|overall|altogether|in\s+conclusion)\b", re.IGNORECASE
)
_REVISION = REVISION  # a sentence that opens like this revises what came before it
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z*#\"'(\[`\d$])|\n+")
# a line that ends in an explicit cue ("## Final answer", "The answer is:") runs on into the next line
# the value judged wrong after it, in its sentence ("19623.57 litres per hour, which is wrong")
_JUDGED_AFTER = re.compile(
    r"[^.;!?]*?\b(?:which|that|this|it)\s+(?:is|was|'s|would\s+be)\s+(?:wrong|incorrect|not\s+(?:right|correct)|"
    r"a\s+mistake|an\s+error|impossible|too\s+(?:high|low|big|small))\b",
    re.IGNORECASE,
)
_HEADING = re.compile(
    r"(?im)^[ \t#>*_\-]*((?:.*\b)?(?:final\s+answer|answer|final\s+result|result)(?:\s+(?:is|would\s+be))?)"
    r"[ \t*_]*[:：=]?[ \t*_]*\n+[ \t]*(?=\S)"
)
# (a modulus after the box, "\\boxed{14} \\pmod{47}", is the congruence's, not another value)
_BOXED = re.compile(r"\$*\\boxed\{([^{}]*)\}(?:\s*\\pmod\s*\{[^{}]*\}|\s*\(\s*mod\s*\d+\s*\))?\$*")
# joins inside a token: a value followed or preceded by one of these (then a letter or digit) is part of it
_JOINER = r"[-–—/:.@_+^]"
_NUM = re.compile(
    r"(?<![\w.,^])[-+−]?[$€£]?\s?(?:\d{1,3}(?:(?:,\d{3})+|(?:[ \u2009\u202f]\d{3})+(?=[.,]\d|\b))|\d+)(?:\.\d+)?"
    # units may follow ("2.0L", "609.41cm"), an ordinal suffix ("2nd") or a joined token ("2-digit") may not
    r"(?!\d|(?:st|nd|rd|th)\b|_|" + _JOINER + r"[\w$])"
)
_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DATE = re.compile(
    r"(?<![\w\-/])(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?(?:\d{4}[-/]\d{1,2}[-/]\d{1,2}"
    rf"|{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}\.?,?\s+\d{{4}})(?![\w\-/:]|\.\d)",
    re.IGNORECASE,
)
# a short gold ends its clause: at most a few unit words, then punctuation or the end
_CLAUSE_END = re.compile(
    r"\s*(?:[A-Za-z%°²³/]+\s*){0,3}(?:\([^()]*\)\s*)?(?:,?\s*(?:not|rather\s+than|instead\s+of)\s+[^\s.,;!?]+\s*)?"
    r"(?:[.,;!?)]|$)"
)
# between a stated value and a later value of its sentence: the later one is what the sentence concludes
_SUPERSEDE = re.compile(
    r"\b(?:so|therefore|thus|hence|then|giving|gives|leaving|leaves|minus|plus|less|times|divided|multiplied|"
    r"subtract\w*|add\w*|becomes|yields|makes|total)\b|[-+×*/=≈→−]",
    re.IGNORECASE,
)
_PHRASE_END = (
    r"(?=\s*$|\s*[\n.,;:!?)\]\"'”*`(]|\s+(?:is|was|are|in|which|and|as|so|because|since|when|from|for\s+the|"
    r"—|–|-)(?:\s|$))"
)
_LEAD = re.compile(r"(?:at|on|to|be)\s+", re.IGNORECASE)
_APPROX = re.compile(r"\b(?:approximately|about|around|roughly|nearly|almost|circa)\W*$", re.IGNORECASE)
_TRAIL = re.compile(r"^\s*(?:%|[A-Za-zµ°²³/^0-9]{0,8}\.?)?")


Problem = Literal["hedged", "negated", "candidates", "followed", "unfinished"]


@dataclass(frozen=True)
class Statement:
    """A value stated as the answer: where, how strongly, and what is wrong with it (if anything)."""

    pos: int  # offset of the cue in the prepared text
    explicit: bool
    value: str | None  # None: the cue is followed by no value of the task's type
    problem: Problem | None = None
    snippet: str = ""  # its sentence
    end: int = 0  # offset of the end of its sentence


@dataclass(frozen=True)
class Reading:
    value: str | None
    rationale: str
    unsure: bool = False  # the completion states two different answers and no revision says which is final


def prepare(text: str) -> str:
    """The completion with markdown emphasis dropped, `\\boxed{X}` and a "Final answer" heading over a
    value turned into plain explicit statements."""
    t = _BOXED.sub(lambda m: f" final answer is {m.group(1)} ", prepare_prose(text))
    t = re.sub(r"\*\*|__|`", "", t)
    t = _HEADING.sub(lambda m: _explicit_head(m.group(1)), t)
    return t


def _explicit_head(head: str) -> str:
    """A heading or line ending in an answer cue, as one explicit statement with the next line."""
    h = head.strip()
    return f"{h} " if re.search(r"\b(?:is|be)$", h, re.IGNORECASE) else f"{h}: "


def _values(task: Task, text: str, start: int) -> list[tuple[int, int, str]]:
    """(start, end, value) of every value of the task's type in text[start:]."""
    kind = task.answer_type
    if kind in ("integer", "number"):
        return [(m.start(), m.end(), m.group()) for m in _NUM.finditer(text, start)]
    if kind == "date":
        return [(m.start(), m.end(), m.group()) for m in _DATE.finditer(text, start)]
    if kind == "choice":
        out = []
        for c in task.choices or ():
            pat = rf"(?<![\w\-/:.]){re.escape(c)}(?![\w\-/:]|\.\w)"
            out += [(m.start(), m.end(), c) for m in re.finditer(pat, text[start:], re.IGNORECASE)]
        return sorted((s + start, e + start, v) for s, e, v in out)
    if kind == "string":
        gold = re.escape(task.answer.strip()).replace(r"\ ", r"\s+")
        # the gold ends its phrase: a longer string ("... tonight at dawn") is another answer
        pat = rf"(?<![\w\-–/:.@_+]){gold}(?![\w\-–/:@_+]|[.,]\w){_PHRASE_END}"
        found = [(m.start() + start, m.end() + start, m.group()) for m in re.finditer(pat, text[start:], re.IGNORECASE)]
        if is_datetime(task.answer):
            found = sorted({*found, *datetime_values(text, start)})
        return found
    return []


def _after_cue(task: Task, text: str, cue_end: int, limit: int, *, plain: bool) -> tuple[str | None, int, int]:
    """(value, start, end) of the value right after a cue (fillers allowed unless `plain`)."""
    gap = (SHORT_FILLER if plain else FILLER).match(text, cue_end)
    pos = gap.end() if gap else cue_end
    if pos >= limit:
        return None, pos, pos
    for s, e, v in _values(task, text, pos):
        if s == pos and e <= limit:
            return v, s, e
        break
    if task.answer_type == "string":
        lead = _LEAD.match(text, pos)  # "was at 2027-08-28 13:30"
        if lead:
            for s, e, v in _values(task, text, lead.end()):
                if s == lead.end() and e <= limit:
                    return v, s, e
                break
        named = NAMED.match(text, pos)  # "gives the corrected codeword 1001100"
        if named:
            for s, e, v in _values(task, text, named.end()):
                if s == named.end() and e <= limit:
                    return v, s, e
                break
        tok = string_token(text[:limit], pos)
        return (tok or None), pos, pos + len(tok)
    return None, pos, pos


def _problem(task: Task, sentence: str, rel_start: int, rel_end: int, *, last: bool = False) -> Problem | None:
    """What makes a stated value not an answer: negated, hedged, candidates, or (conclusion statements,
    `last`) other values after it in the sentence, outside parentheses; short golds must end a clause."""
    before, after = sentence[:rel_start], sentence[rel_end:]
    if len(task.answer.strip()) <= SHORT_GOLD and not _CLAUSE_END.match(after):
        return "unfinished"
    if _NEGATED.search(before) or _JUDGED_AFTER.match(after):
        return "negated"  # "not 26", "26, which is wrong"
    if re.match(r"\s*(?:,\s*)?\(?\s*(?:or|and/or)\b", after) or re.search(r"\bbetween\s*$", before, re.IGNORECASE):
        return "hedged"
    rng = re.match(r"\s*(?:%\s*)?(?:to|through|until|–|—|-)\s*", after)
    if rng and any(x == rng.end() for x, _, _ in _values(task, after, rng.end())):
        return "hedged"  # a range: "19623.57 to 19700", "2034-01-10 – 2034-01-12"
    if HEDGE.search(sentence) or DOUBT.search(sentence) or sentence.rstrip(" *_`\"'”)").endswith("?"):
        return "hedged"
    if task.answer_type != "number" and _APPROX.search(before):
        return "hedged"  # "about 26 kits": a count is exact (a number's gold is itself a rounded value)
    trail = _TRAIL.match(after)
    rest = after[trail.end() if trail else 0 :]
    nxt = re.match(r"\s*(?:,|;|\band\b|&)\s*(?:and\s+)?", rest)
    if nxt:
        others = _values(task, rest, nxt.end())
        if others and others[0][0] == nxt.end():
            return "candidates"
    if last:
        rest = re.sub(r"\([^()]*\)", " ", after)
        same = norm_text(clean_value(sentence[rel_start:rel_end]))
        # a later value equal to the stated one restates it ("26, so ... 26 kits") and supersedes nothing
        later = [v for v in _values(task, rest, 0) if norm_text(clean_value(v[2])) != same]
        if later and _SUPERSEDE.search(rest[: later[-1][0]]):
            return "followed"
    return None


def _sentences(text: str) -> list[tuple[int, str]]:
    out, pos = [], 0
    for m in _SENTENCE.finditer(text):
        if text[pos : m.start()].strip():
            out.append((pos, text[pos : m.start()]))
        pos = m.end()
    if text[pos:].strip():
        out.append((pos, text[pos:]))
    return out


def statements(task: Task, text: str) -> tuple[list[Statement], list[Statement]]:
    """(explicit statements anywhere, conclusion statements of the concluding sentence)."""
    sents = [(off, s) for off, s in _sentences(text) if not addresses_grader(s) and not VERIFY.match(s)]
    explicit: list[Statement] = []
    for off, s in sents:
        found = _scan(task, s, EXPLICIT, plain=False)
        explicit += [Statement(off + a, True, v, p, s.strip(), off + len(s)) for a, v, p in found]
    conclusion: list[Statement] = []
    short = len(task.answer.strip()) <= SHORT_GOLD
    for off, s in reversed(sents):
        vals = _values(task, s, 0)
        if not vals and not (task.answer_type == "string" and CUE.search(s)):
            continue
        found = _scan(task, s, PLAIN_CUE if short else CUE, plain=short, last=True)
        conclusion += [Statement(off + a, False, v, p, s.strip(), off + len(s)) for a, v, p in found]
        if not found and not short:
            bare = _bare(task, s, vals)
            if bare is not None:
                prob = _problem(task, s, *(vals[0][:2] if vals else (0, len(s))))
                conclusion.append(Statement(off, False, bare, prob, s.strip(), off + len(s)))
        break
    return explicit, conclusion


def _scan(
    task: Task, s: str, cue: re.Pattern[str], *, plain: bool, last: bool = False
) -> list[tuple[int, str, Problem | None]]:
    """(cue offset, value, problem) for each cue of `s` followed by a value, left to right; a cue inside
    an earlier value (the "on" of "hide the blue letters on monday") is part of that value."""
    out = []
    covered = 0
    for m in cue.finditer(s):
        if m.start() < covered:
            continue
        v, a, b = _after_cue(task, s, m.end(), len(s), plain=plain)
        if v is None:
            continue
        if task.answer_type != "string" or any(x == a for x, _, _ in _values(task, s, a)):
            covered = b  # a word that is not a value of the task's type covers no later cue ("is filed under")
        out.append((m.start(), v, _problem(task, s, a, b, last=last)))
    return out


def _bare(task: Task, sentence: str, vals: list[tuple[int, int, str]]) -> str | None:
    """A concluding sentence that states one value without a cue."""
    if task.answer_type == "string":
        core = norm_text(re.sub(r"^[\s>#*\-]+|[\s.!]+$", "", sentence))
        return task.answer if core == norm_text(task.answer) else None
    distinct = {norm_text(v) for _, _, v in vals}
    return vals[0][2] if len(distinct) == 1 and len(vals) == 1 else None


def _contradicted(chosen: Statement, conclusion: list[Statement]) -> Statement | None:
    """A later, unproblematic conclusion statement with another value than the explicit `chosen` one."""
    if not chosen.explicit or chosen.value is None:
        return None
    for s in conclusion:
        if s.pos >= chosen.end and s.value is not None and s.problem is None:
            if norm_text(clean_value(s.value)) != norm_text(clean_value(chosen.value)):
                return s
    return None


def _concluded_otherwise(task: Task, text: str, chosen: Statement) -> Statement | None:
    """A later sentence that opens as a conclusion ("So ...", "Therefore ...") and holds exactly one
    value of the task's type, another than the explicit `chosen` one."""
    if not chosen.explicit or chosen.value is None:
        return None
    for off, sent in _sentences(text):
        if off < chosen.end or not _CONCLUDES.match(sent):
            continue
        vals = {norm_text(clean_value(v)) for _, _, v in _values(task, sent, 0)}
        if len(vals) == 1 and vals != {norm_text(clean_value(chosen.value))}:
            return Statement(off, False, next(iter(vals)), None, sent.strip(), off + len(sent))
    return None


def read_answer(task: Task, completion: str, finish_reason: str | None = None) -> Reading:
    """The value a completion states as its answer (None when it states none), and why."""
    text = prepare(completion).strip()
    if not text:
        return Reading(None, "empty completion")
    explicit, conclusion = statements(task, text)
    truncated = finish_reason == "length"
    chosen: Statement | None = None
    valued = [s for s in explicit if s.value is not None]
    if valued:
        chosen = valued[-1]
    elif truncated:
        return Reading(None, "truncated, no final answer (cut at max_tokens without an explicit answer statement)")
    elif conclusion:
        chosen = max(conclusion, key=lambda s: s.pos)  # the last cue of the concluding sentence
    if chosen is not None:
        revised = next((off for off, sent in _sentences(text) if off >= chosen.end and _REVISION.match(sent)), None)
        if revised is not None:
            later = [s for s in [*explicit, *conclusion] if s.pos > revised and s.value is not None]
            if not later:
                return Reading(None, f"the stated answer '{chosen.value}' is revised afterwards, with no final value")
            chosen = max(later, key=lambda s: s.pos)
        elif DOUBT.search(text[chosen.end :]):
            return Reading(
                None, f"the stated answer '{chosen.value}' is doubted afterwards: '{text[chosen.end :][:120]}'"
            )
        else:
            other = _contradicted(chosen, conclusion) or _concluded_otherwise(task, text, chosen)
            if other is not None:
                return Reading(
                    chosen.value,
                    f"'{chosen.value}' is stated, then '{other.value}' concludes '{other.snippet[:80]}'",
                    unsure=True,
                )
    if chosen is None:
        last = _sentences(text)[-1][1].strip() if text else ""
        return Reading(None, f"no {task.answer_type} stated as the answer in the conclusion '{last[:120]}'")
    if echoes(task.prompt, chosen.snippet):
        return Reading(None, f"the concluding statement echoes the prompt: '{chosen.snippet[:120]}'")
    if chosen.problem is not None:
        what = {
            "hedged": "hedged",
            "negated": "negated",
            "candidates": "one of several candidates, none chosen",
            "followed": "followed by other values in its sentence (not its conclusion)",
            "unfinished": "not the end of its clause (a short gold needs a plain statement)",
        }
        return Reading(None, f"'{chosen.value}' is {what[chosen.problem]}: '{chosen.snippet[:120]}'")
    value = chosen.value
    if value is not None and task.answer_type == "number":
        value = signed_by_words(value, chosen.snippet)
    return Reading(
        value,
        ("explicit statement" if chosen.explicit else "concluding statement") + f" '{chosen.snippet[:120]}'",
    )
