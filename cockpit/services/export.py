"""Exports from the cockpit: the paper report (ctrl+e on Δ and Judges) and SVG screenshots (ctrl+s),
into `<runs>/reports/`.

The report is built in two steps so the UI never waits and never shares its interpreter with
matplotlib: `build` (a worker thread: the analysis and the store facts, through the cockpit's own
cursor, since it holds the store) returns the `PaperReport` model; `render` pickles it to a child
process, `python -m engine.paper --out DIR`, which draws and writes it (Markdown, LaTeX, CSV,
figures) atomically. Both block: call them from workers only.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from engine.store.reader import Con

N_BOOT = 2000  # as `engine report`: the export carries the CLI's numbers
RENDER_TIMEOUT_S = 600
REPORTS = "reports"
SCREENSHOTS = "screenshots"


class ExportError(RuntimeError):
    pass


def stamp(now: float | None = None) -> str:
    return time.strftime("%Y%m%d-%H%M%S", time.localtime(now))


def report_dir(runs_dir: Path, now: float | None = None) -> Path:
    """`<runs>/reports/<timestamp>`, with a suffix when that second is taken."""
    base = Path(runs_dir) / REPORTS / stamp(now)
    out, k = base, 1
    while out.exists():
        k += 1
        out = base.with_name(f"{base.name}-{k}")
    return out


def screenshot_path(runs_dir: Path, screen: str, now: float | None = None) -> Path:
    d = Path(runs_dir) / REPORTS / SCREENSHOTS
    out, k = d / f"{screen}-{stamp(now)}.svg", 1
    while out.exists():
        k += 1
        out = d / f"{screen}-{stamp(now)}-{k}.svg"
    return out


def build(cur: Con, runs_dir: Path, *, headline: str | None = None, n_boot: int = N_BOOT) -> Any:
    """The `PaperReport` of the store behind `cur`, on the judge paths the cockpit shows.

    `headline`: the path to put first (the Δ screen's current path); the experiments' headline otherwise.
    """
    from cockpit.viewmodels.report import analyse
    from engine.paper import paper_from_store
    from engine.paper.facts import design_from_runs

    rep = analyse(cur, runs_dir, n_boot=n_boot, headline=headline)
    return paper_from_store(cur, rep, design_from_runs(runs_dir))


def render(paper: Any, out: Path, *, timeout: float = RENDER_TIMEOUT_S) -> Path:
    """Write `paper` into `out` in a child process; returns `out`, raises ExportError with its message."""
    try:
        res = subprocess.run(
            [sys.executable, "-m", "engine.paper", "--out", str(out)],
            input=pickle.dumps(paper),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ExportError(f"rendering the report took longer than {timeout:.0f} s and was stopped") from None
    if res.returncode != 0:
        err = res.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ExportError(err[-1] if err else f"the report renderer exited with {res.returncode}")
    return out
