"""`python -m engine.data.suite [OUT_DIR]`: regenerate the bundled suite files (default `data/suite`).

Every tier is written: the study tier into OUT_DIR, the micro tier into OUT_DIR/micro."""

from __future__ import annotations

import sys
from pathlib import Path

from engine.data import SUITE_DIR
from engine.data.suite.builder import write_tiers


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1 or (args and args[0] in ("-h", "--help")):
        print("usage: python -m engine.data.suite [OUT_DIR]", file=sys.stderr)
        return 0 if args and args[0] in ("-h", "--help") else 2
    out_dir = Path(args[0]) if args else SUITE_DIR
    for tier, counts in write_tiers(out_dir).items():
        summary = ", ".join(f"{k} {v}" for k, v in counts.items())
        print(f"wrote {tier} tier under {out_dir}: {summary}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
