"""Untrusted text (model output, prompts, rationales, notes) must never reach a terminal raw.

Two kinds of character are never shown as themselves:
- control characters: C0 (but newline and tab, which callers handle), DEL and C1 (0x80-0x9f,
  e.g. a single-byte CSI); they can drive the terminal;
- invisible formatting characters: the bidi embeddings, overrides and isolates (U+202A-U+202E,
  U+2066-U+2069), the bidi marks (U+200E, U+200F, U+061C) and the zero-width characters
  (U+200B-U+200D, U+2060-U+2064, U+FEFF, U+180E, U+00AD); they reorder or hide what a reviewer
  reads ("Trojan source") without changing what a judge sees.
`visible` gives each a printable stand-in: C0 as its Unicode control picture (ESC -> ␛), DEL as ␡,
C1 as `\\xNN`, the invisible ones as `\\uNNNN`.
"""

from __future__ import annotations

import re

INVISIBLE = "\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{INVISIBLE}]")  # newline and tab kept
UNSAFE_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{INVISIBLE}]")  # newline and tab too


def visible(ch: str) -> str:
    """A printable stand-in for one unsafe character."""
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ .. ␟
    if code == 0x7F:
        return "\u2421"  # ␡
    if code <= 0x9F:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def show(text: str) -> str:
    """`text` with every unsafe character (newline and tab excepted) replaced by its stand-in."""
    return UNSAFE.sub(lambda m: visible(m.group()), text)
