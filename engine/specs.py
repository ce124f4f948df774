"""Spec files (TOML) as pydantic models: one loader for experiments, recipes, corpus builds and sweeps.

Every spec file goes through the same steps: `read_toml` (file not found, invalid UTF-8 and TOML
syntax are errors naming the file and line), `apply_overrides` (dotted keys, `--set lora.r=8`;
tables merge key by key; None means "not given"), `validate` (the first pydantic error as a
`DataError` with the file, the line of the field and the field), then each loader resolves its
relative paths next to the file (`resolve_path`).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from engine.data.loader import DataError, loads_toml


class Spec(BaseModel):
    """Base of every spec model: unknown fields are errors (a typo never passes silently)."""

    model_config = ConfigDict(extra="forbid")


S = TypeVar("S", bound=BaseModel)


def read_toml(path: Path) -> tuple[str, dict[str, Any]]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError(str(path), None, None, "file not found") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(
            str(path), raw[: exc.start].count(b"\n") + 1, None, f"invalid UTF-8 at byte {exc.start}"
        ) from None
    return text, loads_toml(str(path), text)


def validate(model: type[S], data: dict[str, Any], where: str, text: str | None = None) -> S:
    """The first validation error as a DataError; with the file's text, the line of the field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err.get("loc", ()))
        field = ".".join(str(p) for p in loc) or None
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        raise DataError(where, toml_line(text, loc) if text is not None else None, field, msg) from None


def load(model: type[S], path: str | Path, overrides: dict[str, Any] | None = None) -> tuple[S, Path]:
    """Read, override, validate: the spec and the directory its relative paths are resolved against."""
    path = Path(path)
    text, data = read_toml(path)
    return validate(model, apply_overrides(data, overrides or {}), str(path), text), path.resolve().parent


def parse_value(text: str) -> Any:
    """A CLI value as TOML (1e-4, true, [\"q_proj\"], \"x\"), else the bare string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except (tomllib.TOMLDecodeError, RecursionError):
        return text


def parse_sets(items: list[str] | None) -> dict[str, Any]:
    """`["lr=1e-4", "lora.r=8"]` -> {"lr": 1e-4, "lora.r": 8}."""
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*", key):
            raise ValueError(f"--set {item!r}: expected KEY=VALUE (dotted keys for tables, e.g. lora.r=8)")
        out[key] = parse_value(value.strip())
    return out


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Set dotted keys in a nested dict (a copy); tables merge key by key; None values are ignored."""
    out = _deep_copy(data)
    for key, value in overrides.items():
        if value is None:
            continue
        parts = key.split(".")
        node = out
        for p in parts[:-1]:
            nxt = node.get(p)
            if not isinstance(nxt, dict):
                nxt = {}
                node[p] = nxt
            node = nxt
        last = parts[-1]
        if isinstance(value, dict) and isinstance(node.get(last), dict):
            node[last] = apply_overrides(node[last], value)
        else:
            node[last] = value
    return out


def _deep_copy(d: dict[str, Any]) -> dict[str, Any]:
    return {k: _deep_copy(v) if isinstance(v, dict) else v for k, v in d.items()}


def toml_line(text: str, loc: tuple[Any, ...]) -> int | None:
    """Best-effort line number of a pydantic error location in a TOML file."""
    lines = text.splitlines()
    start = 0
    table = ""
    for part in loc:
        if isinstance(part, int):
            header = re.compile(rf"^\s*\[\[\s*{re.escape(table)}\s*\]\]")
            count = -1
            for i in range(len(lines)):
                if header.match(lines[i]):
                    count += 1
                    if count == part:
                        start = i
                        break
            continue
        table = f"{table}.{part}" if table else str(part)
        key = re.compile(rf"^\s*({re.escape(str(part))}\s*=|\[+\s*{re.escape(table)}\s*\]+)")
        for i in range(start, len(lines)):
            if key.match(lines[i]):
                start = i
                break
    return start + 1 if loc else None


def resolve_path(value: str, base_dir: Path, *, missing: str = "file") -> str:
    """Look a relative path up next to the experiment file, then in the working directory.

    A path found in neither place resolves next to the file (`missing="file"`, data files: the
    error then names that place) or in the working directory (`missing="cwd"`: adapters that a
    later `engine train` writes under ./runs).
    """
    p = Path(value).expanduser()
    if p.is_absolute():
        return str(p)
    near = (base_dir / p).resolve()
    if near.exists():
        return str(near)
    here = (Path.cwd() / p).resolve()
    if here.exists():
        return str(here)
    return str(here if missing == "cwd" else near)
