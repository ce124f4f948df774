"""Typed reads from the store: the connection type the code takes, and rows fetched into row classes.

`Con` is DuckDB's own connection type (a cursor from `con.cursor()` is one too), so mypy checks
every `execute`/`fetchall`/`sql` call against duckdb's stubs. `rows(con, sql, params, Row)` fetches
into a NamedTuple or (frozen) dataclass and first checks the result's column names against the row
type's fields, in order: a reordered or renamed column fails loudly (RowMismatch) instead of
shifting values into the wrong fields. Trailing fields that have a default may be left out of the
SELECT (a narrower query into the same row type); every other field must be selected, and an extra
column is an error too. Alias a column (`a.verdict AS left`) when its name differs from the field.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

if TYPE_CHECKING:
    import duckdb

# a forward reference: importing this module (the cockpit does at start) leaves duckdb unloaded
Con: TypeAlias = "duckdb.DuckDBPyConnection"
R = TypeVar("R")


class RowMismatch(TypeError):
    """A query's columns do not match the row type it is read into (a programming error)."""


def _fields(row_type: type) -> tuple[tuple[str, ...], int]:
    """(field names in order, how many of them have no default) of a NamedTuple or dataclass."""
    if dataclasses.is_dataclass(row_type):
        fs = [f for f in dataclasses.fields(row_type) if f.init]
        names = tuple(f.name for f in fs)
        required = [f.name for f in fs if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    elif issubclass(row_type, tuple) and hasattr(row_type, "_fields"):
        names = tuple(row_type._fields)
        defaults = getattr(row_type, "_field_defaults", {})
        required = [n for n in names if n not in defaults]
    else:
        raise TypeError(f"{row_type.__name__} is not a NamedTuple or dataclass row type")
    return names, len(required)


def check_columns(row_type: type, columns: Sequence[str]) -> None:
    """Raise RowMismatch unless `columns` are the row type's fields in order (trailing defaulted
    fields may be missing)."""
    names, required = _fields(row_type)
    cols = tuple(columns)
    if len(cols) < required or cols != names[: len(cols)]:
        raise RowMismatch(
            f"query columns ({', '.join(cols)}) do not match {row_type.__name__} fields "
            f"({', '.join(names)}; the first {required} are required, in this order)"
        )


def columns(con: Con) -> tuple[str, ...]:
    """The column names of the result `con` holds."""
    return tuple(d[0] for d in (con.description or ()))


def _checked(con: Con, sql: str, params: Sequence[Any] | None, row_type: type) -> Con:
    res = con.execute(sql, list(params) if params is not None else None)
    try:
        check_columns(row_type, columns(res))
    except RowMismatch:
        res.abort()  # the connection stays usable (DuckDB 2 refuses new work while a result is pending)
        raise
    return res


def rows(con: Con, sql: str, params: Sequence[Any] | None, row_type: type[R]) -> list[R]:
    """Every row of `sql` as a `row_type`, after checking the columns match its fields."""
    res = _checked(con, sql, params, row_type)
    return [row_type(*r) for r in res.fetchall()]


def first(con: Con, sql: str, params: Sequence[Any] | None, row_type: type[R]) -> R | None:
    """The first row of `sql` as a `row_type` (None when there is none), columns checked; reads the
    whole result, so give the query a LIMIT when it can return many rows."""
    res = _checked(con, sql, params, row_type)
    got = res.fetchall()  # all of it: DuckDB 2 refuses the next statement while a result is unfinished
    return row_type(*got[0]) if got else None


def scalar(con: Con, sql: str, params: Sequence[Any] | None = None) -> Any:
    """The first column of the first row of `sql` (None when there are no rows; reads the whole result)."""
    got = con.execute(sql, list(params) if params is not None else None).fetchall()
    return got[0][0] if got else None
