"""The one-value rule of an `ANSWER:` line, and LaTeX forms read as plain text.

An ANSWER line states ONE value of the task's answer type (issue 19). Around it are allowed:
surrounding markup (bold, backticks, quotes, `$...$`, a final period: `strip_decoration`), LaTeX
forms of the value (`\\frac{17}{42}`, `\\text{ kits}`, `19\\,623.57`, `\\$`: `delatex`), a currency
sign before a number, thousands separators, `%` after a number, the task's unit after it, and a
label before it ("GCD = 26", "the answer is 26"; letters only, no meaning-changing word).
Everything else fails: alternatives (`47.31 or 47.32`, `26 (or 13)`), ranges (`from 19623.57 to
19700`, `19–20`, `3-4`), hedges (`about`, `approximately`, `~`, `maybe`), a second number, and
words that change the meaning (`not 26`, `47.31% loss` when the value is a gain).

Units: tasks carry no unit field, so a unit is up to four trailing words each of which appears
in the task's prompt (singular or plural: `26 kits` for "...how many kits", `19623.57 litres per
hour`) or is a common unit symbol (`L/h`, `m/s`, `km²`, ...), and none of which is a word that
changes the meaning (`or`, `to`, `not`, `about`, `loss`, ...). Sign words after a number: `gain`,
`increase`, `rise` keep an unsigned value; `loss`, `decrease`, `fall`, `decline`, `drop` make an
unsigned value negative (`47.31% decrease` is -47.31) and fail after a signed one.

"approximately 12.5" fails on the ANSWER line even where gold is 12.5 with a tolerance: the
extractor is the strict bench judge and a hedge word says the line does not state the value
itself. (The lenient judge accepts it for `number` answers, whose golds are rounded values.)
"""

from __future__ import annotations

import re

_LATEX_SUBS: tuple[tuple[str, str], ...] = (
    (r"\\[dt]?frac\s*\{\s*([^{}]*?)\s*\}\s*\{\s*([^{}]*?)\s*\}", r"\1/\2"),
    (r"\\(?:text|mathrm|textrm|mathbf|textbf|operatorname)\s*\{([^{}]*)\}", r" \1 "),
    (r"(?<=\d)\s*(?:\\,|\\;|\\!|\\ |\{,\}|~)\s*(?=\d{3}\b)", ""),
    (r"\\[,;!: ]", " "),
    (r"\{,\}", ","),
    (r"\\\$", "$"),
    (r"\\%", "%"),
    (r"\\(?:approx|simeq)\b", "≈"),
    (r"\\(?:times|cdot)\b", "×"),
    (r"\\equiv\b", "≡"),
    (r"\\(?:left|right)\b", ""),
    (r"\\[()\[\]]", " "),
)
_LATEX = [(re.compile(p), r) for p, r in _LATEX_SUBS]

# words that change what a stated value means: never part of a unit
_MEANING = frozenset(
    "or and to from between not no never nor maybe perhaps possibly probably likely about approximately approx "
    "roughly around nearly almost circa over under than least most either unless except plus minus less more "
    "negative positive loss gain increase decrease rise fall decline drop up down".split()
)
_GAIN = frozenset("gain increase rise growth".split())
_LOSS = frozenset("loss decrease fall decline drop".split())
_UNIT_SYMBOLS = frozenset(
    "l/h l/min l/s m/s km/h km/l mpg kg/ha lb/acre mm cm m km m² m2 km² km2 cm² cm2 sq ms s min h usd eur gbp "
    "dollars units percent".split()
)
_LABEL = re.compile(r"[A-Za-z][A-Za-z '()\-]{0,40}?\s*(?:=|:|\bis\b)\s*")
_NUMBER_CORE = re.compile(
    r"(?P<cur>[$€£]\s?)?(?P<sign>[-+−]?)(?P<cur2>[$€£]\s?)?"
    r"(?P<num>(?:\d{1,3}(?:,\d{3})+|\d{1,3}(?:[ \u2009\u202f_]\d{3})+|\d+)(?:\.\d+)?|\.\d+)"
    r"(?P<pct>\s?%)?(?P<rest>.*)",
    re.DOTALL,
)


def delatex(text: str) -> str:
    """LaTeX forms of a value as plain text: `\\frac{a}{b}` -> `a/b`, `\\text{x}` -> `x`, `19\\,623` ->
    `19623`, `\\$` -> `$` (math `$` delimiters are left to `strip_decoration`)."""
    t = text
    for _ in range(2):  # nested \frac{\text{..}}{..}
        for pat, rep in _LATEX:
            t = pat.sub(rep, t)
    return t


def _prompt_words(prompt: str) -> set[str]:
    return {w.casefold() for w in re.findall(r"[A-Za-z][A-Za-z'\-]*", prompt)}


def _is_unit(word: str, words: set[str]) -> bool:
    w = word.casefold().strip(".,")
    if not w or w in _MEANING:
        return False
    if w in _UNIT_SYMBOLS or w.rstrip("s") in _UNIT_SYMBOLS:
        return True
    if not re.fullmatch(r"[a-z][a-z'\-]*", w):
        return False
    return w in words or w.rstrip("s") in words or f"{w}s" in words or w.removesuffix("es") in words


def number_core(value: str, prompt: str = "") -> str | None:
    """The one number an ANSWER-line value states (thousands separators dropped, sign applied), or
    None when it states none or more than one (see the module docstring)."""
    label = _LABEL.match(value.strip())
    if label and not any(w.casefold() in _MEANING for w in re.findall(r"[A-Za-z]+", label.group())):
        value = value.strip()[label.end() :]  # "GCD = 26", "the answer is 26"
    m = _NUMBER_CORE.fullmatch(value.strip())
    if m is None or (m.group("cur") and m.group("cur2")):
        return None
    num = re.sub(r"[, \u2009\u202f_]", "", m.group("num"))
    signed = m.group("sign") in ("-", "−")
    rest = m.group("rest").strip()
    words = rest.split()
    if len(words) > 4:
        return None
    vocab = _prompt_words(prompt)
    negate = False
    for i, w in enumerate(words):
        lw = w.casefold().strip(".,")
        if i == len(words) - 1 and lw in _GAIN | _LOSS:
            if lw in _LOSS:
                if signed or m.group("sign") == "+":
                    return None
                negate = True
            elif signed:
                return None
            continue
        if not _is_unit(w, vocab):
            return None
    return ("-" if signed != negate else "") + num


def stated_text(value: str) -> str:
    """An ANSWER-line value with LaTeX forms read as plain text (then undecorated by the caller)."""
    return delatex(value)
