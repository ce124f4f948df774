"""Clean stops: SIGTERM/SIGINT call `cancel`, which sets a flag the long-running loop checks.

Shared by eval runs (`engine.runner`) and trainings (`engine.train.run`).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from typing import Any


def install_stop_handlers(cancel: Callable[[], None]) -> dict[int, Any]:
    """Route SIGTERM/SIGINT to `cancel` (main thread only); returns the handlers to restore."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous: dict[int, Any] = {}
    for sig in (signal.SIGTERM, signal.SIGINT):
        previous[sig] = signal.signal(sig, lambda *_: cancel())
    return previous


def restore_handlers(previous: dict[int, Any]) -> None:
    for sig, handler in previous.items():
        signal.signal(sig, handler)
