"""The paper report as data: findings, tables, figure data and threats, with no rendering in it.

Renderers (`markdown.py`, `latex.py`, `csvs.py`, `draw*.py`) read a `PaperReport` and nothing
else, so the same report can be written by the CLI or, pickled, by a child process of the
cockpit. Every number keeps its type here (a `Stat` carries its CI and n); formatting belongs to
the renderers, which is how one table becomes Markdown, booktabs LaTeX and CSV alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

# Column formats the renderers know: how a cell of that column is written.
FORMATS = ("text", "int", "signed", "rate", "pct", "kappa", "p", "usd", "num3")


@dataclass(frozen=True)
class Stat:
    """A number with its 95% CI and the n it rests on (tasks for Δ and lift, episodes for κ)."""

    value: float | None
    low: float | None = None
    high: float | None = None
    n: int | None = None

    @property
    def has_ci(self) -> bool:
        return self.low is not None and self.high is not None

    @property
    def significant(self) -> bool | None:
        """True when the CI excludes 0; None without a CI."""
        if self.low is None or self.high is None:
            return None
        return self.low > 0 or self.high < 0


Cell = str | int | float | Stat | None
MARKS = ("†", "‡", "§", "¶")


@dataclass(frozen=True)
class Column:
    key: str  # CSV header (a Stat column gets KEY, KEY_ci_low, KEY_ci_high)
    label: str  # Markdown header
    fmt: str = "text"
    tex: str | None = None  # LaTeX header (LaTeX source); default: the escaped label
    unit: str = ""  # set for a column of Stats: what n counts (tasks, episodes)

    @property
    def is_stat(self) -> bool:
        return bool(self.unit)


@dataclass(frozen=True)
class Row:
    cells: tuple[Cell, ...]
    note: str = ""  # non-empty: the row is not a finding (shown marked), and why


@dataclass
class Table:
    id: str  # file stem under tables/
    title: str  # Markdown (authored; store labels inside as `code` spans)
    caption: str  # Markdown
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)

    def column(self, key: str) -> int:
        return [c.key for c in self.columns].index(key)

    @property
    def notes(self) -> list[str]:
        return list(dict.fromkeys(r.note for r in self.rows if r.note))

    def marks(self) -> dict[str, str]:
        """A footnote mark per distinct note: †, ‡, §, ¶, then †5, †6, ..."""
        return {n: MARKS[i] if i < len(MARKS) else f"†{i + 1}" for i, n in enumerate(self.notes)}

    def uniform_n(self, i: int) -> int | None:
        """The n every Stat of column i shares (it then goes in the header), else None."""
        ns = {c.n for r in self.rows if isinstance(c := r.cells[i], Stat) and c.value is not None}
        return ns.pop() if len(ns) == 1 else None


@dataclass
class FigureData:
    """One figure: the data drawn (written beside it as CSV) and how to draw it."""

    id: str  # file stem under figures/
    title: str  # Markdown, as Table.title
    caption: str  # Markdown
    columns: list[str]
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    skipped: str | None = None  # why it was not drawn (the report says so)

    def records(self) -> list[dict[str, Any]]:
        """Rows as dicts, store text cleaned of control, bidi and zero-width characters (for drawing)."""
        return [
            {k: clean(v) if isinstance(v, str) else v for k, v in zip(self.columns, r, strict=True)} for r in self.rows
        ]


FindingTopic = Literal["headline", "delta", "lift", "trajectory", "per_skill", "agreement", "format", "sft_shift"]
FindingStatus = Literal["significant", "not_significant", "not_a_finding", "no_ci", "info"]
ThreatTopic = Literal[
    "seeds", "judges", "guard", "dropped", "coverage", "tokens", "human", "format", "warnings", "correction", "checked"
]


@dataclass(frozen=True)
class Finding:
    topic: FindingTopic
    text: str  # Markdown; store labels inside are code spans (see `code`)
    status: FindingStatus = "info"


@dataclass(frozen=True)
class Threat:
    topic: ThreatTopic
    title: str
    items: tuple[str, ...]  # Markdown


@dataclass
class PaperReport:
    title: str
    headline: str | None
    context: list[str]  # Markdown lines under the title: what the report is built from
    findings: list[Finding]
    tables: list[Table]
    figures: list[FigureData]
    threats: list[Threat]
    data: dict[str, Any]  # `Report.to_dict()`: report.json, the numbers of `engine report --json`
    notes: list[str] = field(default_factory=list)
    design: list[str] = field(default_factory=list)  # Markdown lines of the Design section (MDE, per-skill)

    def table(self, id: str) -> Table:
        for t in self.tables:
            if t.id == id:
                return t
        raise KeyError(id)

    def figure(self, id: str) -> FigureData:
        for f in self.figures:
            if f.id == id:
                return f
        raise KeyError(id)


_INVISIBLE = {c for c in range(0x20)} | {0x7F} | set(range(0x80, 0xA0))
_INVISIBLE |= {0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF} | set(range(0x202A, 0x202F))
_INVISIBLE |= set(range(0x2066, 0x206A))
_STRIP = {c: None for c in _INVISIBLE}


def clean(text: object) -> str:
    """Store text for a report: control, bidi and zero-width characters removed."""
    return str(text).translate(_STRIP)


_MD_SPECIAL = re.compile(r"[\\`*\[\]<>|~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def escape(text: object) -> str:
    """Store text (a warning, a reason) as Markdown that renders literally: nothing in it is markup.
    (An underscore inside a word, as in no_skill, is literal in CommonMark and stays unescaped.)"""
    return _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), clean(text))


def code(label: object) -> str:
    """A store label (config, judge, path) as a Markdown code span that nothing inside can close."""
    s = clean(label)
    longest = max((len(m) for m in re.findall(r"`+", s)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if s.startswith("`") or s.endswith("`") else ""
    return f"{fence}{pad}{s}{pad}{fence}"
