"""Command palette (ctrl+p): every screen, run action and one entry per run to follow it live."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.markup import escape

from cockpit import safe


class CockpitCommands(Provider):
    def _commands(self) -> Iterator[tuple[str, str, Callable[[], Any]]]:
        app: Any = self.app
        for mode, label, help_text in (
            ("runs", "Runs", "every run with status, progress and cost; launch, cancel, resume"),
            ("live", "Live", "progress, throughput, loss and machine telemetry of the selected run"),
            ("episodes", "Episodes", "filter episodes, flips, side-by-side view of a task"),
            ("judges", "Judges", "κ, agreement, confusion; the disagreement browser and adjudication"),
            ("delta", "Δ", "procedural Δ with CI per config, SFT lift, trajectory across sizes"),
            ("query", "Query", "read-only SQL over the store"),
        ):
            yield f"Go to {label}", help_text, partial(app.action_show, mode)
        yield "Launch a run", "pick an experiment, configs, conditions, judges; start it", app.action_launch
        yield "Cancel the selected run", "clean stop (SIGTERM); resumable later", app.action_cancel_run
        yield "Resume the selected run", "continue an interrupted or cancelled run", app.action_resume_run
        yield "Ingest now", "bring the store up to date with every journal", app.ingest
        yield "Recompute the report", "Δ, lifts, κ from the store", app.refresh_report
        yield "Help", "key bindings and the store's tables", app.action_help
        for r in reversed(app.runs[-50:]):
            yield (  # palette names and help are parsed as markup: escape what came from a journal
                f"Follow run {escape(safe.clean(r.run_id, one_line=True))}",
                f"{r.status} · {escape(safe.clean(r.experiment, one_line=True))}",
                partial(app.select_run, r.run_id, show_live=True),
            )

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
