"""A run's background threads and the stop they share.

A worker's error is kept (the first one) and stops every other worker; the main thread raises it.
A cancel (`stop` set: the runner's cancel, SIGTERM) ends each worker quietly at its next check.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class Cancelled(Exception):
    """The run was asked to stop (or a worker failed: the stop the failure sets)."""


class Workers:
    def __init__(self) -> None:
        self.stop = threading.Event()
        self.failure: BaseException | None = None  # the first error of a background worker
        self._lock = threading.Lock()

    def check_stop(self) -> None:
        if self.stop.is_set():
            raise Cancelled()

    def spawn(self, name: str, fn: Callable[..., None], *args: Any) -> threading.Thread:
        """A worker thread: a cancel ends it quietly; any other error is kept as the run's failure
        (the first one) and stops every other worker."""

        def body() -> None:
            try:
                fn(*args)
            except Cancelled:
                pass
            except BaseException as exc:  # noqa: BLE001 - handed to the main thread, which raises it
                with self._lock:
                    if self.failure is None:
                        self.failure = exc
                self.stop.set()

        t = threading.Thread(target=body, name=name, daemon=True)
        t.start()
        return t

    @staticmethod
    def join(threads: list[threading.Thread]) -> None:
        for t in threads:
            while t.is_alive():
                t.join(0.2)  # short waits: the main thread keeps taking signals (SIGTERM = cancel)
