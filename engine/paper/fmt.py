"""Numbers as text for report.md and the findings (LaTeX and CSV have their own, see latex.py, csvs.py).

Negative numbers use the minus sign (U+2212); a missing number is an em dash.
"""

from __future__ import annotations

from engine.paper.model import Cell, Stat, clean

MINUS = "\u2212"
NONE = "—"


def signed(x: float | None, digits: int = 3) -> str:
    return NONE if x is None else f"{x:+.{digits}f}".replace("-", MINUS)


def plain(x: float | None, digits: int = 3) -> str:
    return NONE if x is None else f"{x:.{digits}f}".replace("-", MINUS)


def pct(x: float | None, digits: int = 2) -> str:
    return NONE if x is None else f"{x * 100:.{digits}f}%".replace("-", MINUS)


def pp(x: float | None) -> str:
    """A difference of proportions in percentage points."""
    return NONE if x is None else f"{abs(x) * 100:.1f} pp"


def pvalue(p: float | None) -> str:
    if p is None:
        return NONE
    return "<0.0001" if p < 1e-4 else f"{p:.4f}"


def usd(x: float | None) -> str:
    if x is None:
        return NONE
    return f"${x:,.2f}" if abs(x) >= 1 or x == 0 else f"${x:.4f}"


def ci(lo: float | None, hi: float | None, fmt: str = "signed") -> str:
    if lo is None or hi is None:
        return "[no CI]"
    f = signed if fmt == "signed" else plain
    return f"[{f(lo)}, {f(hi)}]"


def stat(s: Stat | None, fmt: str = "signed", *, with_n: str = "") -> str:
    """`+0.060 [+0.000, +0.120]`, and `, n = 200 tasks` when `with_n` names the unit."""
    if s is None or s.value is None:
        return NONE
    f = signed if fmt == "signed" else plain
    out = f"{f(s.value)} {ci(s.low, s.high, fmt)}"
    if with_n and s.n is not None:
        out += f", n = {s.n} {with_n}"
    return out


def cell(value: Cell, fmt: str) -> str:
    """One table cell as text (Markdown tables escape the result; see markdown.py)."""
    if isinstance(value, Stat):
        return stat(value, "signed" if fmt == "signed" else "plain")
    if value is None:
        return NONE
    if fmt == "signed":
        return signed(float(value))
    if fmt in ("rate", "kappa", "num3"):
        return plain(float(value))
    if fmt == "pct":
        return pct(float(value))
    if fmt == "p":
        return pvalue(float(value))
    if fmt == "usd":
        return usd(float(value))
    if fmt == "int":
        return str(int(value))
    return clean(value)
