"""What may trail the value of an `ANSWER:` line in the lenient judge (issue 19, version 4).

- doubt (`doubted`): a hedge or a doubt anywhere after the value ("(I think — the last word may be
  off by a letter)", "(unless I miscounted)", "(hopefully right)", "?") means the line is not a
  settled answer: the lenient judge fails it, whatever the value.
- a restatement (`without_restatement`): "17/42 ≈ 0.405", "17/42 (≈ 0.405)" restates a fraction or
  number as an approximate decimal; the aside is dropped when the decimal agrees with the value to its
  own last digit (half a unit of it), and kept otherwise ("17/42 ≈ 0.5" does not restate 17/42, so
  the line states two values and does not pass).
"""

from __future__ import annotations

import re

from engine.data.stated import delatex
from engine.judges.prose import HEDGE
from engine.judges.retraction import DOUBT

_DOUBTFUL = re.compile(
    r"\b(?:think|unless|hopefully|hope|if|off\s+by|wrong|mistake|miscount\w*|error|not\s+(?:double-?)?checked|"
    r"unverified|unchecked|sure|certain|confident|guess\w*|might|may\s+(?:be|have|not)|maybe|perhaps|possibly|probably|likely|"
    r"believe|doubt\w*|roughly|tentative\w*|to\s+be\s+(?:confirmed|checked|verified)|"
    r"needs?\s+(?:checking|verification|to\s+be\s+(?:checked|verified))|please\s+(?:double-?)?check)\b|\?",
    re.IGNORECASE,
)
_RESTATED = re.compile(
    r"^(?P<head>.*?\S)\s*(?:\(\s*)?(?:≈|~=|=~|~)\s*(?P<dec>[-+−]?\d+(?:\.(?P<frac>\d+))?)\s*\)?\s*\.?$"
)
_NUMERIC = re.compile(r"^\s*(?P<p>[-+−]?\d+(?:\.\d+)?)\s*(?:/\s*(?P<q>\d+(?:\.\d+)?))?\s*$")


def doubted(value: str) -> bool:
    """Whether the ANSWER line's value carries a hedge or a doubt."""
    return bool(_DOUBTFUL.search(value) or DOUBT.search(value) or HEDGE.search(value))


def without_restatement(value: str) -> str:
    """The value without a trailing `≈ decimal` that merely restates it; else the value itself."""
    m = _RESTATED.match(delatex(value).replace("$", " ").strip())  # "\\frac{17}{42} \\approx 0.405"
    if m is None:
        return value
    num = _NUMERIC.match(m.group("head"))
    if num is None:
        return value
    q = float(num.group("q")) if num.group("q") else 1.0
    if q == 0:
        return value
    exact = float(num.group("p").replace("−", "-")) / q
    digits = len(m.group("frac") or "")
    stated = float(m.group("dec").replace("−", "-"))
    return m.group("head") if abs(exact - stated) <= 0.5 * 10.0**-digits + 1e-12 else value
