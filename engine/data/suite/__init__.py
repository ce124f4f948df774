"""The bundled procedural-skill suite: 40 skills, each a 5-step procedure plus a seeded task generator.

`SKILLS` is the registry in its stable order; `engine.data.suite.builder` turns it into the committed
`data/suite/{skills,tasks,solutions}.jsonl` files (`python -m engine.data.suite [OUT_DIR]`).

`MICRO_SKILLS` is the micro tier: one- or two-step procedures at the level of the embedded
SmolLM2-135M (skill ids `micro-*`), built by the same builder into `data/suite/micro/`. `TIERS`
names both: "study" (the full-size suite) and "micro".
"""

from __future__ import annotations

from engine.data.suite import (
    arithmetic,
    checksums,
    ciphers,
    dates,
    finance,
    geometry,
    micro_numbers,
    micro_words,
    numerals,
    parsing,
    reasoning,
    scheduling,
    statistics,
    strings,
    units,
)
from engine.data.suite.base import Generated, SkillDef

SKILLS: list[SkillDef] = [
    *arithmetic.SKILLS,
    *dates.SKILLS,
    *units.SKILLS,
    *checksums.SKILLS,
    *ciphers.SKILLS,
    *numerals.SKILLS,
    *strings.SKILLS,
    *finance.SKILLS,
    *statistics.SKILLS,
    *geometry.SKILLS,
    *reasoning.SKILLS,
    *scheduling.SKILLS,
    *parsing.SKILLS,
]

# calibrated on the base model's no-skill pass rate (docs/embedded-model.md): the kept skills
MICRO_SKILLS: list[SkillDef] = [
    micro_numbers.ADD,
    micro_numbers.NEXT,
    micro_numbers.AGES,
    micro_words.FIRST_WORD,
]
MICRO_PREFIX = "micro-"
TIERS: dict[str, list[SkillDef]] = {"study": SKILLS, "micro": MICRO_SKILLS}

SKILLS_BY_ID: dict[str, SkillDef] = {s.id: s for s in [*SKILLS, *MICRO_SKILLS]}


def tier_of(skill_id: str) -> str:
    """The tier a skill id belongs to: "micro" for `micro-*` ids, else "study"."""
    return "micro" if skill_id.startswith(MICRO_PREFIX) else "study"


__all__ = ["MICRO_SKILLS", "SKILLS", "SKILLS_BY_ID", "TIERS", "Generated", "SkillDef", "tier_of"]
