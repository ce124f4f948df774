"""`python -m engine.paper --out DIR [--no-figures]`: render the pickled `PaperReport` on stdin into DIR.

The cockpit builds the report model in a worker (it holds the store) and renders here, in a child
process, so matplotlib never shares the UI's interpreter. The pickle comes from the parent process
only (a pipe), never from a file. Prints DIR on success; exit 2 with one line on stderr otherwise.
"""

from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m engine.paper", description=__doc__)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--no-figures", action="store_true")
    args = ap.parse_args(argv)
    from engine.paper.model import PaperReport
    from engine.paper.write import ReportOutputError, write_report

    paper = pickle.loads(sys.stdin.buffer.read())
    if not isinstance(paper, PaperReport):
        print("error: stdin does not hold a PaperReport", file=sys.stderr)
        return 2
    try:
        written = write_report(paper, args.out, figures=not args.no_figures)
    except ReportOutputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(written.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
