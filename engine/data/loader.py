"""Strict JSONL loading: every error names the file, the line and the field.

Nothing is written by loading; callers validate everything before they touch a store.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from engine.data.schemas import CorpusRow, Skill, Task

MAX_LINE_BYTES = 256 * 1024
M = TypeVar("M", bound=BaseModel)


@dataclass
class DataError(Exception):
    """A bad input file: where and what."""

    path: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        field = f" field '{self.field}':" if self.field else ""
        return f"{where}:{field} {self.message}"


def deepest_line(text: str, limit: int = 200) -> tuple[int, int]:
    """(line, depth): where bracket nesting (`[` `{`, outside quoted strings) first passes `limit`, else
    where it is deepest. Places a nesting error on a line (an approximation for TOML: comments count)."""
    depth = best = 0
    line = best_line = 1
    quote = ""
    escaped = False
    for ch in text:
        if ch == "\n":
            line += 1
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\" and quote == '"':
                escaped = True
            elif ch == quote or ch == "\n":
                quote = ""
            continue
        if ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
            if depth > best:
                best, best_line = depth, line
                if depth > limit:
                    break
        elif ch in "]}":
            depth -= 1
    return best_line, best


def loads_json(text: str | bytes) -> Any:
    """`json.loads` that turns nesting too deep for the parser into a ValueError (never a
    RecursionError traceback); a JSONDecodeError (a ValueError too) is raised as it is."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply (the parser's recursion limit)") from None


def loads_toml(path: str, text: str) -> dict[str, Any]:
    """Parse TOML text; every failure (syntax, nesting too deep) is a DataError on a line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise DataError(path, int(m.group(1)) if m else None, None, f"invalid TOML: {exc}") from None
    except RecursionError:
        line, _ = deepest_line(text)
        raise DataError(path, line, None, "invalid TOML: nested too deeply (the parser's recursion limit)") from None


def _field_of(err: Any) -> str:
    loc = [str(p) for p in err.get("loc", ())]
    msg = str(err.get("msg", ""))
    # model-level validators name their field as "<field>: ..." in the message
    if not loc and ":" in msg:
        head = msg.split("Value error, ", 1)[-1].split(":", 1)[0]
        if head.isidentifier():
            return head
    return ".".join(loc) or "<row>"


def _message_of(err: Any) -> str:
    msg = str(err.get("msg", "invalid"))
    return msg.removeprefix("Value error, ")


def iter_jsonl(path: Path) -> Iterable[tuple[int, dict]]:
    """Yield (line number, object) from a JSON Lines file; blank lines are skipped."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError(str(path), None, None, "file not found") from None
    except IsADirectoryError:
        raise DataError(str(path), None, None, "is a directory, expected a .jsonl file") from None
    for lineno, chunk in enumerate(raw.split(b"\n"), 1):
        if len(chunk) > MAX_LINE_BYTES:
            raise DataError(
                str(path), lineno, None, f"line is {len(chunk)} bytes, over the {MAX_LINE_BYTES}-byte limit"
            )
        try:
            text = chunk.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DataError(str(path), lineno, None, f"invalid UTF-8 at byte {exc.start}") from None
        if not text.strip():
            continue
        try:
            obj = loads_json(text)
        except json.JSONDecodeError as exc:
            raise DataError(str(path), lineno, None, f"invalid JSON: {exc.msg} (column {exc.colno})") from None
        except ValueError as exc:
            raise DataError(str(path), lineno, None, f"invalid JSON: {exc}") from None
        if not isinstance(obj, dict):
            raise DataError(str(path), lineno, None, f"expected a JSON object, got {type(obj).__name__}")
        yield lineno, obj


def load_rows(path: str | Path, model: type[M], *, unique: str | None = "id") -> list[M]:
    """Load and validate every row; duplicate values of `unique` are an error."""
    path = Path(path)
    rows: list[M] = []
    seen: dict[str, int] = {}
    for lineno, obj in iter_jsonl(path):
        try:
            row = model.model_validate(obj)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise DataError(str(path), lineno, _field_of(first), _message_of(first)) from None
        if unique is not None:
            key = str(getattr(row, unique))
            if key in seen:
                raise DataError(str(path), lineno, unique, f"duplicate {unique} '{key}' (first on line {seen[key]})")
            seen[key] = lineno
        rows.append(row)
    if not rows:
        raise DataError(str(path), None, None, "file holds no rows")
    return rows


def load_skills(path: str | Path) -> list[Skill]:
    return load_rows(path, Skill)


def load_tasks(path: str | Path, skills: Iterable[Skill] | None = None) -> list[Task]:
    tasks = load_rows(path, Task)
    if skills is not None:
        known = {s.id for s in skills}
        lines = _line_numbers(Path(path))
        for i, task in enumerate(tasks):
            if task.skill_id not in known:
                raise DataError(str(path), lines[i], "skill_id", f"unknown skill '{task.skill_id}'")
    return tasks


def load_corpus(path: str | Path) -> list[CorpusRow]:
    return load_rows(path, CorpusRow)


def _line_numbers(path: Path) -> list[int]:
    return [lineno for lineno, _ in iter_jsonl(path)]


KINDS: dict[str, type[BaseModel]] = {"skills": Skill, "tasks": Task, "corpus": CorpusRow}


def guess_kind(path: Path) -> str | None:
    """Infer the format of a file from its name (`skills.jsonl`, `*tasks*.jsonl`, `*corpus*.jsonl`)."""
    name = path.name.lower()
    if name.endswith(".toml"):
        return "experiment"
    for kind in ("skills", "tasks", "corpus"):
        if kind in name or kind.rstrip("s") in name:
            return kind
    return None
