"""The corpus leakage check: no holdout task, and no near duplicate of a holdout prompt, in a corpus.

Exact leaks (same id, same content hash, same normalised prompt) are refused by
`engine.data.prompts.check_split_disjoint`. Near duplicates need care: the bundled suite draws
train and holdout tasks from the same templates, so two prompts with one template and other
numbers, words or strings are different tasks with different answers, although plain text
similarity calls them near-identical. Prompts are therefore compared as token sequences (words,
numbers, operators; lower-cased; thousands separators, trailing decimal zeros and punctuation
dropped), and a train prompt is a near duplicate of a holdout prompt when either

1. **reworded**: both state the same numbers (as a multiset) and every other token on which
   they differ, once aligned, is filler (function words, instruction verbs: "What is 17 + 25?"
   ~ "Please compute 17 + 25."); this covers copies with cosmetic edits; or
2. **same quantities**: both state the same numbers, these are *specific* (at least two numbers
   or three digits once the holdout skill's template numbers, such as "Premise 1"/"Premise 2",
   are set aside) and their token similarity is at least `number_similarity` (default 0.5):
   the same instance, reworded more freely.

A template sibling with other numbers, another operator, other entity words or another order of
premises is not a near duplicate. Holdout prompts are indexed by their numbers, so the check
stays fast for thousands of tasks.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

from engine.data.prompts import LeakageError, check_split_disjoint
from engine.data.schemas import Task

MIN_TEMPLATE_TASKS = 8  # skills with fewer prompts have no template numbers
TEMPLATE_SHARE = 0.5  # a number in at least this share of a skill's prompts is part of its template
FILLER = frozenset(
    """a an the of to in on at for by with from and or is are was were be been being what which who whom
    how please kindly compute calculate find determine evaluate solve work out give state write tell show
    report return me us you your i we let s answer result value exactly now here this that these those it its
    do does did can could would will should shall must just simply then so as following given below above
    number final""".split()
)
_THOUSANDS = re.compile(r"(?<=\d)[,_\u2009\u202f](?=\d{3}\b)")
_TOKEN = re.compile(r"\d+(?:\.\d+)?|[^\W\d_]+|[+\-−×*/=<>%^]")
_OPS = str.maketrans({"−": "-", "×": "*"})


@dataclass(frozen=True)
class NearDuplicate:
    train_id: str
    holdout_id: str
    similarity: float
    rule: Literal["reworded", "quantities"]

    def describe(self) -> str:
        how = "reworded copy" if self.rule == "reworded" else "same numbers"
        pair = f"train task '{self.train_id}' ~ holdout task '{self.holdout_id}'"
        return f"{pair} ({how}, similarity {self.similarity:.2f})"


def tokens(text: str) -> list[str]:
    out = []
    for tok in _TOKEN.findall(_THOUSANDS.sub("", text.casefold().translate(_OPS))):
        if tok[0].isdigit():
            tok = (tok.rstrip("0").rstrip(".") if "." in tok else tok.lstrip("0")) or "0"
        out.append(tok)
    return out


def _is_num(tok: str) -> bool:
    return tok[0].isdigit()


def numbers(toks: Sequence[str]) -> tuple[str, ...]:
    return tuple(sorted(t for t in toks if _is_num(t)))


def template_numbers(tasks: Sequence[Task]) -> dict[str, frozenset[str]]:
    """Per skill, the numbers that at least half of its prompts state (labels, constants)."""
    by_skill: dict[str, list[set[str]]] = defaultdict(list)
    for t in tasks:
        by_skill[t.skill_id].append(set(numbers(tokens(t.prompt))))
    out: dict[str, frozenset[str]] = {}
    for skill, sets in by_skill.items():
        if len(sets) < MIN_TEMPLATE_TASKS:
            out[skill] = frozenset()
            continue
        df = Counter(n for s in sets for n in s)
        out[skill] = frozenset(n for n, k in df.items() if k >= TEMPLATE_SHARE * len(sets))
    return out


def _specific(nums: tuple[str, ...]) -> bool:
    return len(nums) >= 2 or sum(c.isdigit() for n in nums for c in n) >= 3


def only_filler_differs(a: Sequence[str], b: Sequence[str]) -> tuple[bool, float]:
    """Whether the aligned token sequences differ only in filler (and moved numbers); and their ratio."""
    m = SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in m.get_opcodes():
        if op == "equal":
            continue
        for tok in (*a[i1:i2], *b[j1:j2]):
            if not _is_num(tok) and tok not in FILLER:
                return False, m.ratio()
    return True, m.ratio()


def near_duplicates(
    train: Sequence[Task], holdout: Sequence[Task], *, number_similarity: float = 0.5
) -> list[NearDuplicate]:
    tmpl = template_numbers([*train, *holdout])
    by_numbers: dict[tuple[str, ...], list[tuple[Task, list[str]]]] = defaultdict(list)
    for h in holdout:
        toks = tokens(h.prompt)
        by_numbers[numbers(toks)].append((h, toks))
    found: list[NearDuplicate] = []
    for t in train:
        toks = tokens(t.prompt)
        nums = numbers(toks)
        for h, htoks in by_numbers.get(nums, ()):
            ok, r = only_filler_differs(toks, htoks)
            if ok:
                found.append(NearDuplicate(t.id, h.id, r, "reworded"))
                continue
            skill_tmpl = tmpl.get(h.skill_id, frozenset())
            if r >= number_similarity and _specific(tuple(n for n in nums if n not in skill_tmpl)):
                found.append(NearDuplicate(t.id, h.id, r, "quantities"))
    return found


def check_corpus_leakage(train: Sequence[Task], holdout: Sequence[Task], *, number_similarity: float = 0.5) -> None:
    """Raise LeakageError when a train task is a holdout task or a near duplicate of a holdout prompt."""
    check_split_disjoint(holdout, train)
    found = near_duplicates(train, holdout, number_similarity=number_similarity)
    if found:
        shown = "; ".join(d.describe() for d in found[:5])
        more = f" (and {len(found) - 5} more)" if len(found) > 5 else ""
        raise LeakageError(
            f"{len(found)} train task(s) near-duplicate a holdout prompt: {shown}{more}. "
            "Remove them from the train split (or tune [leakage] in the corpus file)."
        )
