"""Building blocks of the bundled procedural-skill suite.

A `SkillDef` pairs a 5-step procedure with a seeded task generator. The generator returns a
`Generated` task: the prompt (task text only, never the procedure), an exact gold answer computed
in code, and a worked solution with one short line per procedure step.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from engine.data.schemas import PROCEDURE_STEPS, Skill


@dataclass(frozen=True)
class Generated:
    """One generated task: prompt, exact gold answer and the worked 5-step solution."""

    prompt: str
    answer: str
    answer_type: str
    worked: tuple[str, ...]
    tolerance: float | None = None
    choices: tuple[str, ...] | None = None
    scoring: str = "answer_line"
    rubric: str | None = None
    key: str | None = None  # the instance, when it is not the prompt: never drawn twice within a skill

    def __post_init__(self) -> None:
        if len(self.worked) != PROCEDURE_STEPS:
            raise ValueError(f"worked solution has {len(self.worked)} steps, expected {PROCEDURE_STEPS}")
        if any(not isinstance(s, str) or not s.strip() for s in self.worked):
            raise ValueError("worked solution has an empty step")


Generator = Callable[[random.Random, bool], Generated]


@dataclass(frozen=True)
class SkillDef:
    """A skill of the suite. `free_form_share` is the fraction of its tasks that are llm-scored."""

    id: str
    title: str
    domain: str
    description: str
    procedure: tuple[str, ...]
    generate: Generator
    free_form_share: float = 0.0

    def __post_init__(self) -> None:
        if len(self.procedure) != PROCEDURE_STEPS:
            raise ValueError(f"{self.id}: procedure has {len(self.procedure)} steps")
        if not 0.0 <= self.free_form_share <= 1.0:
            raise ValueError(f"{self.id}: free_form_share out of range")

    def to_skill(self) -> Skill:
        return Skill(
            id=self.id,
            title=self.title,
            domain=self.domain,
            description=self.description,
            procedure=list(self.procedure),
        )


def free(prompt: str, answer: str, worked: Sequence[str], rubric: str) -> Generated:
    """An llm-scored free-form task (the answer holds the key facts a grader checks)."""
    return Generated(
        prompt=prompt,
        answer=answer,
        answer_type="free",
        worked=tuple(worked),
        scoring="llm",
        rubric=rubric,
    )


# ---------------------------------------------------------------- exact number formatting


def round_half_up(x: Fraction | int, places: int) -> Fraction:
    """Round an exact value to `places` decimals, halves away from zero."""
    x = Fraction(x)
    scale = 10**places
    sign = -1 if x < 0 else 1
    return Fraction(sign * math.floor(abs(x) * scale + Fraction(1, 2)), scale)


def fixed(x: Fraction | int, places: int) -> str:
    """`x` rounded half-up and written with exactly `places` decimals (no thousands separators)."""
    r = round_half_up(x, places)
    sign = "-" if r < 0 else ""
    scaled = abs(r) * 10**places
    assert scaled.denominator == 1
    digits = str(scaled.numerator).rjust(places + 1, "0")
    if places == 0:
        return sign + digits
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def exact(x: Fraction | int) -> str:
    """A terminating decimal written exactly and minimally (12, 12.5, 0.375)."""
    x = Fraction(x)
    for places in range(0, 16):
        if (x * 10**places).denominator == 1:
            return fixed(x, places)
    raise ValueError(f"{x} is not a short terminating decimal")


def approx(x: Fraction | float, places: int = 4) -> str:
    """`x` to `places` decimals, marked with ≈ when that is not exact."""
    fx = Fraction(x)
    text = fixed(fx, places)
    return text if Fraction(text) == fx else f"≈ {text}"


def money(x: Fraction | int) -> str:
    return fixed(x, 2)


def dec(text: str) -> Fraction:
    """Exact value of a decimal literal."""
    return Fraction(text)


def pct(p: Fraction | int) -> str:
    """A percentage written minimally: 12.5%, 4%."""
    return f"{exact(p)}%"


def hm(minutes: int) -> str:
    """Minutes since midnight as HH:MM."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def join_and(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
