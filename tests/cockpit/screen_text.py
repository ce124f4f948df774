"""Plain text of what the app shows (tests, README captures)."""

from __future__ import annotations

from typing import Any


def screen_text(app: Any) -> str:
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text.rstrip() for strip in strips)
