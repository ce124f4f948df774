"""The cells every `engine report` table shares: store text as a literal (never markup, control and
bidi characters shown as stand-ins), percentages, signed estimates and their intervals."""

from __future__ import annotations

from rich.text import Text

from engine.untrusted import show


def literal(value: object, style: str = "") -> Text:
    """Store text as a literal Text, no markup: control, bidi and zero-width characters shown as
    visible stand-ins (`engine.untrusted`), never sent to the terminal."""
    return Text(show("" if value is None else str(value)), style=style)


def pct(x: float | None, digits: int = 1) -> str:
    return "—" if x is None else f"{x * 100:.{digits}f}%"


def signed(x: float | None) -> str:
    return "—" if x is None else f"{x:+.3f}"


def ci(lo: float | None, hi: float | None) -> str:
    return "—" if lo is None or hi is None else f"[{lo:+.3f}, {hi:+.3f}]"
