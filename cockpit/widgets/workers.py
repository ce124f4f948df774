"""The Live screen's cluster panel: a run's workers (generation replicas, LLM judges' replicas:
episodes, tokens/s, judgments) and each host's telemetry.

Shown for a run whose episodes name their worker (`--executor ray`: "<actor>@<node host>") or whose
journal holds readings of more than one host. A worker's actor name starts with its run's id, which
the panel leaves out ("smol-1@node-a", "judge-llm-1@node-b"). Worker and host names come from journals written on
other machines: untrusted text, shown literally on one line (cockpit.safe), never as markup.
"""

from __future__ import annotations

import time

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from cockpit import safe
from cockpit.viewmodels.run_progress import RunProgress
from engine.events import TelemetrySampled

NAME_W = 36
SHOWN = 16  # workers or hosts listed; the rest are counted


def _num(v: float | None, fmt: str) -> str:
    return "–" if v is None else format(v, fmt)


def _gpus(ev: TelemetrySampled) -> Text:
    if not ev.gpus:
        return safe.text(ev.gpu_status or "no GPU", "dim", one_line=True, limit=30)
    parts = [
        f"{g.index}: {_num(g.util_pct, '.0f')}% {_num(g.mem_used_gb, '.1f')}/{_num(g.mem_total_gb, '.0f')} GB"
        for g in ev.gpus
    ]
    return Text("  ".join(parts))


def _name(value: str, own: bool = False) -> Text:
    t = safe.text(value or "(unnamed)", "bold" if own else "", one_line=True, limit=NAME_W)
    t.pad_right(NAME_W - t.cell_len)
    return t


def render_cluster(p: RunProgress, now: float | None = None) -> Text:
    now = time.time() if now is None else now
    out = Text()
    if p.workers:
        total_tps = sum(w.tokens_per_s or 0.0 for w in p.workers)
        out.append_text(
            safe.join((f"workers ({len(p.workers)})", "bold"), ("  executor ", "dim"), (p.executor, "cyan"))
        )
        out.append(f"\n  {'worker':<{NAME_W}} {'episodes':>9} {'tokens/s':>9} {'judged':>7} {'last':>7}\n", style="dim")
        for w in p.workers[:SHOWN]:
            out.append("  ")
            out.append_text(_name(w.worker.removeprefix(f"{p.run_id}:")))  # the header names the run
            tps = _num(w.tokens_per_s, "9.1f")
            out.append(f" {w.episodes:>9,} {tps:>9} {w.judgments:>7,} {_ago(now - w.last_t):>7}\n")
        if len(p.workers) > SHOWN:
            out.append(f"  + {len(p.workers) - SHOWN} more workers\n", style="dim")
        n_eps, n_judged = sum(w.episodes for w in p.workers), sum(w.judgments for w in p.workers)
        out.append(f"  {'all':<{NAME_W}} {n_eps:>9,} {total_tps:>9.1f} {n_judged:>7,}\n", style="dim")
    if p.hosts:
        out.append_text(
            safe.join((f"hosts ({len(p.hosts)})", "bold"), ("  latest reading of each; ▸ the run's own", "dim"))
        )
        out.append(f"\n  {'host':<{NAME_W}} {'CPU':>6} {'RAM GB':>11} {'age':>7}  GPU\n", style="dim")
        for i, ev in enumerate(p.hosts[:SHOWN]):
            own = i == 0 and ev is p.telemetry
            out.append("▸ " if own else "  ", style="bold")
            out.append_text(_name(ev.host, own))
            ram = f"{ev.ram_used_gb:.1f}/{ev.ram_total_gb:.0f}"
            out.append(f" {ev.cpu_pct:5.1f}% {ram:>11} {_ago(now - ev.t):>7}  ")
            out.append_text(_gpus(ev))
            out.append("\n")
        if len(p.hosts) > SHOWN:
            out.append(f"  + {len(p.hosts) - SHOWN} more hosts\n", style="dim")
    out.rstrip()
    return out


def _ago(seconds: float) -> str:
    seconds = max(0.0, seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= 2 * size:
            return f"{seconds / size:.0f}{unit}"
    return f"{seconds:.0f}s"


def shows_cluster(p: RunProgress | None) -> bool:
    return p is not None and (bool(p.workers) or len(p.hosts) > 1)


class ClusterPanel(Widget):
    DEFAULT_CSS = "ClusterPanel { height: auto; }"
    progress: reactive[RunProgress | None] = reactive(None, always_update=True, layout=True)

    def render(self) -> Text:
        p = self.progress
        return render_cluster(p) if shows_cluster(p) and p is not None else Text()
