"""Write a `PaperReport` into a directory atomically: everything goes into a temporary directory
beside the target, which replaces the target by rename only when every file is written. A failure
leaves the target as it was and nothing else behind.

A target that exists must be a directory holding a previous report (and nothing else), so a
re-render replaces it but never deletes a user's other files.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from engine.paper.csvs import figure_csv, table_csv
from engine.paper.latex import render_table
from engine.paper.markdown import render_markdown
from engine.paper.model import PaperReport

MARKER = ".engine-report"
LAYOUT = {"report.md", "report.json", MARKER, "tables", "figures"}


class ReportOutputError(ValueError):
    """The output directory cannot take a report (a file, not writable, or holding other files)."""


@dataclass
class Written:
    out: Path
    files: list[str] = field(default_factory=list)  # relative to `out`
    seconds: float = 0.0

    def count(self, suffix: str, under: str) -> int:
        return sum(1 for f in self.files if f.startswith(under + "/") and f.endswith(suffix))


def check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise ReportOutputError(f"--out {out} is a file; give a directory (it is created if missing)")
    if out.is_dir():
        try:
            names = {p.name for p in out.iterdir()}
        except OSError as exc:
            raise ReportOutputError(f"--out {out} cannot be read: {exc.strerror}") from None
        if names and (MARKER not in names or names - LAYOUT):
            extra = ", ".join(sorted(names - LAYOUT)[:5]) if MARKER in names else "no previous report"
            raise ReportOutputError(
                f"--out {out} is a directory with other files ({extra}); "
                "give a new or empty directory, or one holding an earlier report"
            )


def _text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", newline="\n")


def _render(p: PaperReport, tmp: Path, figures: bool) -> list[str]:
    (tmp / "tables").mkdir()
    (tmp / "figures").mkdir()
    files = ["report.md", "report.json"]
    _text(tmp / "report.md", render_markdown(p))
    _text(tmp / "report.json", json.dumps(p.data, indent=1, default=str) + "\n")
    _text(tmp / MARKER, "written by `engine report --out`; replaced as a whole on the next write\n")
    for t in p.tables:
        _text(tmp / "tables" / f"{t.id}.csv", table_csv(t))
        _text(tmp / "tables" / f"{t.id}.tex", render_table(t))
        files += [f"tables/{t.id}.csv", f"tables/{t.id}.tex"]
    for f in p.figures:
        if f.skipped is None:
            _text(tmp / "figures" / f"{f.id}.csv", figure_csv(f))
            files.append(f"figures/{f.id}.csv")
    if figures:
        from engine.paper.draw import render_figures

        files += [f"figures/{x.name}" for x in render_figures(p.figures, tmp / "figures")]
    return sorted(files)


def _swap(tmp: Path, out: Path) -> None:
    if not out.exists():
        os.rename(tmp, out)
        return
    old = out.parent / f".{out.name}.old-{secrets.token_hex(4)}"
    os.rename(out, old)
    try:
        os.rename(tmp, out)
    except BaseException:
        os.rename(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def write_report(p: PaperReport, out: Path | str, *, figures: bool = True) -> Written:
    """Render `p` (Markdown, LaTeX, CSV, figures) into `out`, all or nothing."""
    t0 = time.perf_counter()
    out = Path(out).expanduser().absolute()
    check_out(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.parent / f".{out.name}.tmp-{secrets.token_hex(4)}"
        tmp.mkdir()
    except OSError as exc:
        raise ReportOutputError(f"cannot write a report into {out.parent}: {exc.strerror or exc}") from None
    try:
        files = _render(p, tmp, figures)
        _swap(tmp, out)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ReportOutputError(f"writing the report into {out} failed: {exc.strerror or exc}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Written(out, files, time.perf_counter() - t0)
