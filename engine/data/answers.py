"""Answer extraction and normalisation by answer type (shared by the suite builder, the runner and the
deterministic judges).

Rules (documented in the README, pinned by tests):
- `ANSWER:` line: the last line whose head is `ANSWER:` (case-insensitive; markdown bold,
  heading marks or a bullet in front are tolerated). Its value is the rest of that line.
- one value (integer and number): the value states exactly one number, with at most a currency
  sign, thousands separators, `%` and the task's unit around it (`engine.data.stated`: alternatives,
  ranges, hedges, a second number or a meaning-changing word fail).
- integer: thousands separators (`,` `_` thin spaces) dropped, `+` dropped; `12.0` counts as 12.
- number: that number within `tolerance` (absolute) of gold, or within 1e-9 relative when no
  tolerance is set.
- LaTeX forms (`\\frac{a}{b}`, `\\text{..}`, `19\\,623`) are read as plain text first.
- date: ISO `YYYY-MM-DD`, `YYYY/MM/DD`, `Month D, YYYY` or `D Month YYYY`; anything else fails.
- string / choice: surrounding quotes, backticks, markdown emphasis and a final period dropped,
  whitespace collapsed, compared case-insensitively.
"""

from __future__ import annotations

import datetime as dt
import math
import re

from engine.data.stated import delatex, number_core

ANSWER_LINE = re.compile(
    r"^[ \t>*#_\-]*(?:\*\*|__)?\s*answer\s*(?:\*\*|__)?\s*[:：]\s*(?:\*\*|__)?(?P<value>.*?)\s*$",
    re.IGNORECASE | re.MULTILINE,
)
NUMBER = re.compile(r"[-+−]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        1,
    )
    for m in names
}


def extract_answer_line(text: str) -> str | None:
    """Value of the last `ANSWER:` line, or None when the completion has none."""
    value = None
    for m in ANSWER_LINE.finditer(text):
        value = m.group("value")
    if value is None:
        return None
    return strip_decoration(value)


def has_answer_line(text: str) -> bool:
    return ANSWER_LINE.search(text) is not None


def strip_decoration(value: str) -> str:
    v = value.strip()
    for _ in range(3):
        v = v.strip().rstrip(".").strip()
        for pair in ("**", "__", "`", '"', "'", "*", "_", "“", "”"):
            if len(v) >= 2 * len(pair) and v.startswith(pair) and v.endswith(pair):
                v = v[len(pair) : -len(pair)]
        if v.startswith("$") and v.endswith("$") and len(v) > 2:
            v = v[1:-1]
        for mark in ("**", "__"):  # an emphasis mark left unpaired by the ANSWER-line head ("ANSWER: **26**")
            if v.count(mark) == 1:
                v = v.replace(mark, "")
    return v.strip()


def norm_text(value: str) -> str:
    return re.sub(r"\s+", " ", strip_decoration(value)).casefold()


def clean_number(value: str) -> str:
    v = value.replace("−", "-").replace("\u2009", "").replace("\u202f", "").replace("_", "")
    return re.sub(r"(?<=\d),(?=\d{3}\b)", "", v)


def parse_number(value: str) -> float | None:
    m = NUMBER.search(clean_number(value))
    if not m:
        return None
    try:
        x = float(m.group(0).replace("−", "-"))
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def parse_integer(value: str) -> int | None:
    v = clean_number(strip_decoration(value)).replace(" ", "")
    v = v.lstrip("+")
    if re.fullmatch(r"-?\d+", v):
        return int(v)
    if re.fullmatch(r"-?\d+\.0*", v):
        return int(float(v))
    return None


def parse_date(value: str) -> dt.date | None:
    v = strip_decoration(value).strip().rstrip(".")
    m = re.fullmatch(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})", v)
    try:
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        m = re.fullmatch(r"(?:[A-Za-z]+,\s*)?([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})", v)
        if m and m.group(1).lower() in MONTHS:
            return dt.date(int(m.group(3)), MONTHS[m.group(1).lower()], int(m.group(2)))
        m = re.fullmatch(r"(?:[A-Za-z]+,\s*)?(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+)\.?,?\s+(\d{4})", v)
        if m and m.group(2).lower() in MONTHS:
            return dt.date(int(m.group(3)), MONTHS[m.group(2).lower()], int(m.group(1)))
    except ValueError:
        return None
    return None


def matches(value: str, gold: str, answer_type: str, tolerance: float | None = None, prompt: str = "") -> bool:
    """Does an extracted value state the gold answer under the rules of its answer type? `prompt`
    (the task's) names the unit words a number may carry."""
    value = strip_decoration(re.sub(r"\s*\$(?!\s?\d)", " ", strip_decoration(delatex(value))))  # math `$`
    if answer_type in ("integer", "number"):
        core = number_core(value, prompt)
        if core is None:
            return False
        value = core
    if answer_type == "integer":
        got, want = parse_integer(value), parse_integer(gold)
        return got is not None and got == want
    if answer_type == "number":
        got_f, want_f = parse_number(value), parse_number(gold)
        if got_f is None or want_f is None:
            return False
        if tolerance is not None:
            return abs(got_f - want_f) <= tolerance + 1e-12
        return math.isclose(got_f, want_f, rel_tol=1e-9, abs_tol=1e-12)
    if answer_type == "date":
        got_d, want_d = parse_date(value), parse_date(gold)
        return got_d is not None and got_d == want_d
    if answer_type in ("string", "choice"):
        return norm_text(value) == norm_text(gold)
    raise ValueError(f"answer type {answer_type!r} is not judged deterministically")
