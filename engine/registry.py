"""Lazy plug-in registries: a kind maps to 'module:attr', imported on first use.

Backends (`engine.models.base`) and judges (`engine.judges.base`) register their factories here by
name, so an SDK is imported only when a run uses its backend. An unknown kind is an error naming
the kind and the known ones; a factory whose packages are missing is an error saying what to install.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def import_target(target: str) -> Any:
    """The object named by 'module:attr' (ImportError when its module or packages are missing)."""
    module_name, _, attr = target.partition(":")
    return getattr(importlib.import_module(module_name), attr)


class Registry(dict[str, str]):
    """kind -> 'module:attr'. A plain dict underneath, so tests can swap an entry for a fake."""

    def __init__(
        self,
        what: str,
        targets: dict[str, str],
        *,
        error: Callable[[str], Exception] = ValueError,
        install_hint: Callable[[str], str] | None = None,
    ) -> None:
        super().__init__(targets)
        self.what, self.error, self.install_hint = what, error, install_hint

    def register(self, kind: str, target: str) -> None:
        if ":" not in target:
            raise ValueError(f"{self.what} target must be 'module:attr', not {target!r}")
        self[kind] = target

    def target(self, kind: str) -> str:
        target = self.get(kind)
        if target is None:
            raise self.error(f"unknown {self.what} '{kind}' (known: {', '.join(sorted(self))})")
        return target

    def load(self, kind: str) -> Any:
        """The factory registered for `kind`, imported now."""
        return self.load_target(self.target(kind), kind)

    def load_target(self, target: str, kind: str) -> Any:
        try:
            return import_target(target)
        except ImportError as exc:
            hint = f"; {self.install_hint(kind)}" if self.install_hint else ""
            raise self.error(f"{self.what} '{kind}' needs packages that are not installed ({exc.name}){hint}") from exc
