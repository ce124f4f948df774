"""The bundled procedural-skill suite: 40 skills, each a 5-step procedure plus a seeded task generator.

`SKILLS` is the registry in its stable order; `engine.data.suite.builder` turns it into the committed
`data/suite/{skills,tasks,solutions}.jsonl` files (`python -m engine.data.suite [OUT_DIR]`).
"""

from __future__ import annotations

from engine.data.suite import (
    arithmetic,
    checksums,
    ciphers,
    dates,
    finance,
    geometry,
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

SKILLS_BY_ID: dict[str, SkillDef] = {s.id: s for s in SKILLS}

__all__ = ["SKILLS", "SKILLS_BY_ID", "Generated", "SkillDef"]
