"""CSV for tables and figure data: machine-readable numbers (a Stat becomes value, CI and n columns),
fixed rounding and `\\n` line ends, so the same store always gives the same bytes."""

from __future__ import annotations

import csv
import io
from typing import Any

from engine.paper.model import FigureData, Stat, Table, clean

DIGITS = 6


def value(x: Any) -> str:
    if x is None:
        return ""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        if x != x:  # NaN
            return ""
        return repr(round(x, DIGITS) + 0.0)  # + 0.0: no "-0.0"
    return clean(x)


def _write(header: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def table_csv(t: Table) -> str:
    header: list[str] = []
    for c in t.columns:
        header += [c.key, f"{c.key}_ci_low", f"{c.key}_ci_high", f"{c.key}_n"] if c.is_stat else [c.key]
    header.append("note")
    rows = []
    for r in t.rows:
        out = []
        for c, cell in zip(t.columns, r.cells, strict=True):
            if c.is_stat:
                s = cell if isinstance(cell, Stat) else Stat(None)
                out += [value(s.value), value(s.low), value(s.high), value(s.n)]
            else:
                out.append(value(cell))
        out.append(clean(r.note))
        rows.append(out)
    return _write(header, rows)


def figure_csv(f: FigureData) -> str:
    return _write(list(f.columns), [[value(x) for x in r] for r in f.rows])
