"""What may trail the value of an `ANSWER:` line in the lenient judge (issue 19, version 4).

- doubt (`doubted`): a hedge or a doubt anywhere after the value ("(I think — the last word may be
  off by a letter)", "(unless I miscounted)", "(hopefully right)", "?") means the line is not a
  settled answer: the lenient judge fails it, whatever the value.
- a restatement (`without_restatement`): "17/42 ≈ 0.405", "17/42 (≈ 0.405)" restates a fraction or
  number as an approximate decimal; the aside is dropped when the decimal agrees with the value to its
  own last digit (half a unit of it), and kept otherwise ("17/42 ≈ 0.5" does not restate 17/42, so
  the line states two values and does not pass).
- a worked equation (`equation_result`): "ANSWER: 6 + 3 = 9" states the value after its last `=`
  when the arithmetic before it is right (evaluated exactly on numbers and + − × ÷ * / and
  parentheses only); "6 + 3 = 10" is a wrong statement, not an answer of 10.
"""

from __future__ import annotations

import ast
import operator
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


_EQUATION = re.compile(r"^(?P<lhs>[\d\s.,+\-−×x*/÷()]+?)\s*=\s*(?P<rhs>[-+−]?[\d,]*\.?\d+)(?P<unit>\s*[^\d=]*)$")
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


def _evaluate(node: ast.AST) -> float:
    """A number from an expression tree of numbers and + − × ÷ only (anything else: ValueError)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        v = _evaluate(node.operand)
        return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_evaluate(node.left), _evaluate(node.right))
    raise ValueError("not arithmetic")


def equation_result(value: str) -> str | None:
    """The right-hand side (with its unit words) of "expr = result" when expr evaluates to result."""
    m = _EQUATION.match(delatex(value).replace("$", " ").strip())
    if m is None or not re.search(r"\d\s*[+\-−×x*/÷]\s*[\d(]", m.group("lhs")):
        return None
    lhs = m.group("lhs").replace("−", "-").replace("×", "*").replace("x", "*").replace("÷", "/")
    lhs = re.sub(r"(?<=\d),(?=\d{3}\b)", "", lhs)
    try:
        got = _evaluate(ast.parse(lhs.strip(), mode="eval").body)
        want = float(m.group("rhs").replace("−", "-").replace(",", ""))
    except (ValueError, SyntaxError, ZeroDivisionError):
        return None
    if abs(got - want) > 1e-9 * max(1.0, abs(want)):
        return None
    return (m.group("rhs") + m.group("unit")).strip()
