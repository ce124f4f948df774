"""The cue words of the prose reading (`engine.judges.prose`): what introduces a stated value.

- `EXPLICIT`: "the answer is", "final answer:", "result:";
- `CUE` (conclusion statements, golds of 3+ characters) and `PLAIN_CUE` (plain cues, also for golds of
  1-2 characters): "is", "=", "gives", "comes to", "leaves", value verbs ("bills", "costs", "takes",
  "needs", "owes", "moves", "sells"), "is A–E–B–D, 34 km long" (a length after a route), "has a 44.9% chance" ...;
- `FILLER` / `SHORT_FILLER`: words allowed between a cue and its value ("approximately", "a total
  of", "written as");
- `NAMED`: a few words naming a string value between cue and value ("gives the corrected codeword
  1001100"), none that disowns it ("the received word").
"""

from __future__ import annotations

import re

EXPLICIT = re.compile(
    r"(?:\b(?:the\s+)?(?:final\s+)?(?:answer|result)\s*(?:is|would\s+be|will\s+be|[:=])"
    r"|\bfinal\s+(?:answer|result|value)\s*(?:is|[:=])?)",
    re.IGNORECASE,
)
# (a colon between digits is part of a time, not a cue)
_PLAIN = (
    # "the route is A–E–B–D, 34 km long": the length after the route (first: it outranks "is")
    r"\b(?:is|was)\s+[^\s,.]+,(?=\s*\d[\d.,]*\s*[A-Za-z]+\s+(?:long|in\s+length|in\s+total)\b)|"
    # "has a 44.9% chance of ...": the odds stated
    r"\b(?:has|have|had|with)\b(?=\s+an?\s+[\d.]+\s*%?\s+(?:chance|probability|likelihood|risk)\b)|"
    r"\bis\b|\bare\b|\bwas\b|\bequals\b|=|≡|(?<!\d)[:：]|[:：](?!\d)|\bgives\b|\bmakes\b|\bcomes\s+to\b"
    r"|\btotals\b|\bwe\s+get\b|\b(?:leaves?|bills?(?:\s+for)?|costs?|takes?|needs?|owes?|sells?|moves?|requires?|make)\b"
)
CUE = re.compile(
    rf"{_PLAIN}|\bwere\b|\bequal\s+to\b|≈|≅|→|=>|\bcomes?\s+to\b|\bgives?\b|\bgets?\b|\byields?\b|\bmakes?\b"
    r"|\bmake\b|\btotals?\b|\bbecomes?\b|\bbe\b|\breads?\b|\bon\b|\bat\b|\bi\.e\.|\bthat\s+is\b|\bleaves?\b"
    r"|\b(?:works?|comes?)\s+out\s+to\b|\b(?:amounts?|adds?\s+up|sums?)\s+to\b|\b(?:de|en)(?:code|crypt)s?\s+to\b"
    r"|\btranslates?\s+to\b|\bfiled\s+under\b|\bholds?\b|\bcontains?\b"
    r"|\b(?:bill|cost|take|need|owe|sell|move|require|pay|charge|earn|reach|produce|deliver|travel)s?\b"
    r"|\b(?:sold|paid|charged|earned|reached|produced|delivered|travelled|traveled|required|needed)\b"
    r"|\b(?:change|increase|decrease|total|area|balance|value|price|rate|distance|sum|amount|length|speed|cost|tax"
    r"|remainder|difference|product|quotient)\s+of\b",
    re.IGNORECASE,
)
PLAIN_CUE = re.compile(_PLAIN, re.IGNORECASE)
FILLER = re.compile(
    r"(?:\s|\*|_|`|\"|'|“|”|:|=|\b(?:approximately|about|around|roughly|exactly|precisely|just|only|therefore|"
    r"thus|hence|so|now|then|still|also|indeed|actually|simply|worth|equal\s+to|a\s+total\s+of|in\s+total|total|"
    r"at\s+most|at\s+least|a|an|the|on|of|value|number|result|answer|final|correct|answer\s+is|"
    r"written(?:\s+as)?|expressed\s+as|spelled(?:\s+out)?|in\s+roman\s+numerals)\b)*",
    re.IGNORECASE,
)
SHORT_FILLER = re.compile(
    r"(?:\s|\"|'|“|”|:|=|\b(?:exactly|only|just|therefore|thus|so|now|also|then|a\s+total\s+of|in\s+total|"
    r"at\s+most|at\s+least|a|an)\b)*",
    re.IGNORECASE,
)
# a few words naming a string value between its cue and it; none that disowns it ("the received word")
NAMED = re.compile(
    r"(?:(?!(?:not|no|never|wrong|incorrect|received|original|initial|old|previous|erroneous|invalid|bad|"
    r"corrupted|input|given)\b)[A-Za-z][A-Za-z-]*\s+){1,3}",
    re.IGNORECASE,
)
