"""Untrusted text (model output, prompts, rationales, notes, SQL results, error messages) -> literal
`Text` / `Content`.

Textual parses a `str` as markup almost everywhere (Static, DataTable cells, Select prompts,
notifications), so a completion containing `[@click=app.quit]` would become a live action and
`\\x1b]8;;http://x\\x07` a terminal hyperlink. Everything from the store or a journal is shown
through these helpers instead: control characters and the invisible bidi and zero-width characters
become visible (see `engine.untrusted`), and the result is a `Text`/`Content` object, which Textual
never parses as markup.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.content import Content

from engine.untrusted import UNSAFE, UNSAFE_LINE, visible


def clean(value: Any, *, one_line: bool = False, limit: int | None = None) -> str:
    """The string form of `value` with control characters made visible.

    one_line: newlines and tabs become `⏎` and spaces (table cells). limit: truncate with `…`.
    """
    if value is None:
        return ""
    s = value if isinstance(value, str) else str(value)
    if one_line:
        s = s.replace("\r\n", "\n").replace("\t", " ")
        s = UNSAFE_LINE.sub(lambda m: "\u23ce" if m.group() == "\n" else visible(m.group()), s)
    else:
        s = s.expandtabs(4)
        s = UNSAFE.sub(lambda m: visible(m.group()), s)
    if limit is not None and len(s) > limit:
        s = s[: max(0, limit - 1)] + "\u2026"
    return s


def text(value: Any, style: str = "", *, one_line: bool = False, limit: int | None = None) -> Text:
    """A Rich `Text` showing `value` literally (never parsed as markup)."""
    return Text(clean(value, one_line=one_line, limit=limit), style=style, end="")


def cell(value: Any, style: str = "", *, limit: int | None = 80) -> Text:
    """A one-line literal DataTable cell."""
    return text(value, style, one_line=True, limit=limit)


def content(value: Any, *, one_line: bool = False, limit: int | None = None) -> Content:
    """A Textual `Content` showing `value` literally."""
    return Content(clean(value, one_line=one_line, limit=limit))


def join(*parts: Text | tuple[Any, str] | str) -> Text:
    """Concatenate literal pieces: `Text`, `(value, style)` pairs, or plain str labels (literal too)."""
    out = Text(end="")
    for p in parts:
        if isinstance(p, Text):
            out.append_text(p)
        elif isinstance(p, tuple):
            out.append(clean(p[0]), style=p[1])
        else:
            out.append(clean(p))
    return out
