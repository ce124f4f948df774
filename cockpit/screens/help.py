"""Help: key bindings of every screen, and the store's tables (from `engine/store/schema.py`)."""

from __future__ import annotations

import inspect
import re

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS = [
    (
        "everywhere",
        [
            ("1 … 6", "Runs, Live, Episodes, Judges, Δ, Query"),
            ("?", "this help"),
            ("ctrl+p", "command palette (screens, launch, cancel, resume, follow a run)"),
            ("ctrl+s", "save an SVG screenshot into runs/reports/screenshots/"),
            ("q", "quit"),
            ("escape", "back / close a dialog"),
        ],
    ),
    (
        "Runs",
        [
            ("n", "launch: eval, study chain, train, corpus build, re-judge, sweep (a tab each)"),
            ("c / x", "cancel the selected run (clean stop; resumable) / its study chain (job in flight + rest)"),
            ("r / R", "resume an interrupted/cancelled run / its study chain (else the newest chain)"),
            ("enter", "follow the run on Live"),
            ("i", "ingest journals now"),
        ],
    ),
    ("Live", [("c / r / j", "cancel / resume the followed run / follow the next job of its study chain")]),
    (
        "Episodes",
        [
            ("filters", "run, config, skill, condition, judge + verdict (tab between them)"),
            ("enter", "side by side: no skill vs curated"),
            ("b", "side by side: base vs SFT"),
            ("[ ]", "previous / next page"),
            ("x", "clear filters"),
            ("verdicts", "one mark per judge (legend above the table): ✓ pass ✗ fail ! error ? abstain · none"),
            ("t", "switch to the flips list"),
            ("m (side by side)", "switch between the two comparisons"),
        ],
    ),
    (
        "Judges",
        [
            ("enter / d", "disagreement browser for the highlighted config × judge pair"),
            ("t", "agreement → format compliance → judges against human verdicts → coverage (abstentions)"),
            ("p / f (browser)", "adjudicate: human pass / fail + optional note; again to revise"),
            ("a", "audit walk: the `engine judge --audit N` sample, blind; p / f, n next open, v show judges"),
            ("ctrl+e", "write the paper report (Markdown, LaTeX, CSV, figures) into runs/reports/<time>/"),
        ],
    ),
    (
        "Δ",
        [
            ("p", "next judge path (the headline: the pre-registered one if eligible; others exploratory)"),
            ("base scored on", "pick another path for the base: the matched-path guard"),
            ("†", "not a finding: a judge of the path gives one verdict on all of a config's items"),
            ("ctrl+e", "write the paper report, led by this path, into runs/reports/<time>/"),
        ],
    ),
    (
        "Query",
        [
            ("ctrl+r / f5", "run the SQL"),
            ("escape", "leave the editor (interrupts a running query)"),
            ("e", "back to the editor"),
        ],
    ),
]


def schema_doc() -> Text:
    """Tables, their columns, and the comments above them in engine/store/schema.py."""
    from engine.store import schema

    src = inspect.getsource(schema)
    notes: dict[str, list[str]] = {}
    pending: list[str] = []
    for line in src.splitlines():
        s = line.strip()
        if s.startswith("#"):
            pending.append(s.lstrip("# ").rstrip())
            continue
        m = re.match(r'"(\w+)": pa\.schema\(', s)
        if m:
            notes[m.group(1)] = pending
        if s:
            pending = []
    t = Text()
    for name, sch in schema.TABLES.items():
        t.append(f"{name}", style="bold cyan")
        t.append(f"  ({', '.join(f.name for f in sch)})\n", style="dim")
        for n in notes.get(name, []):
            t.append(f"    {n}\n")
    t.append("analysis_task, analysis_pair, analysis_format", style="bold cyan")
    t.append("  aggregates kept at ingest by engine.analysis (per task / judge pair / condition counts)\n", style="dim")
    return t


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "app.pop_screen", "Close")]

    def compose(self) -> ComposeResult:
        t = Text()
        t.append("skill cockpit\n", style="bold")
        t.append(
            "Runs write journals; the cockpit holds the store and ingests them every 2 s. Closing the cockpit "
            "never stops a run.\n\n",
            style="dim",
        )
        for section, keys in KEYS:
            t.append(f"{section}\n", style="bold underline")
            for k, what in keys:
                t.append(f"  {k:<18}", style="bold yellow")
                t.append(f"{what}\n")
        t.append("\nStore tables (Query screen)\n", style="bold underline")
        t.append_text(schema_doc())
        with VerticalScroll(id="help-box"):
            yield Static(t, id="help-text")
