"""Benchmark `engine report --out DIR` (the paper report, every figure included) against
`engine report --json` on the same store, as a user runs them (a fresh process each time).

    python bench/bench_report_out.py [--episodes 1000000] [--runs 3] [--skip-large]

Stores:
- the paper store (`bench/synth_paper.py`): the reference study's design, 2,800 episodes x 4 judges
  (+ 60 human verdicts, 3 training runs); target: `--out` <= 10 s wall;
- a synthetic study of --episodes episodes (`bench/synth.py`; 1M: ~2.67M judgments); target <= 60 s.
For the paper store it also times the steps inside one process: the analysis, the report model,
and the rendering (Markdown, LaTeX, CSV, figures).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synth import make_synthetic_store  # noqa: E402
from bench.synth_paper import HEADLINE, PATHS, make_paper_store  # noqa: E402
from engine.analysis import build_report  # noqa: E402
from engine.store import aggregates  # noqa: E402
from engine.store.schema import ddl  # noqa: E402

TARGETS = {"paper": 10.0, "large": 60.0}


def make_store(runs: Path, fill: str, episodes: int) -> None:
    runs.mkdir(parents=True)
    con = duckdb.connect(str(runs / "store.duckdb"))
    for s in ddl():
        con.execute(s)
    t = time.perf_counter()
    if fill == "paper":
        make_paper_store(con)
    else:
        make_synthetic_store(con, episodes, seed=0)
    aggregates.refresh(con)
    n = con.execute("SELECT (SELECT count(*) FROM episodes), (SELECT count(*) FROM judgments)").fetchall()[0]
    con.close()
    print(f"  store: {n[0]:,} episodes, {n[1]:,} judgments (built in {time.perf_counter() - t:.1f} s)")


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def cli(*args: str) -> tuple[float, float]:
    """Wall and CPU seconds (user + sys) of one `engine report` process."""
    t, c = time.perf_counter(), _cpu()
    res = subprocess.run([sys.executable, "-m", "engine.cli", "report", *args], capture_output=True, text=True)
    dt, dc = time.perf_counter() - t, _cpu() - c
    if res.returncode != 0:
        raise SystemExit(f"engine report {' '.join(args)} failed:\n{res.stderr[-2000:]}")
    return dt, dc


def compare(name: str, runs: Path, n: int, out: Path) -> bool:
    js = [cli("--runs-dir", str(runs), "--json") for _ in range(n)]
    wr = [cli("--runs-dir", str(runs), "--out", str(out)) for _ in range(n)]
    j, w = statistics.median(x[0] for x in js), statistics.median(x[0] for x in wr)
    jc, wc = statistics.median(x[1] for x in js), statistics.median(x[1] for x in wr)
    ok = w <= TARGETS[name]
    figures = len(list((out / "figures").glob("*.png")))
    print(
        f"  engine report --out: median {w:.2f} s wall, {wc:.2f} s CPU, of {n} ({figures} figures, PNG + SVG); "
        f"engine report --json: median {j:.2f} s wall, {jc:.2f} s CPU; ratio {w / j:.2f} (CPU {wc / jc:.2f})"
    )
    print(
        f"  target <= {TARGETS[name]:.0f} s wall: {'met' if ok else 'MISSED'} ({w / TARGETS[name]:.2f} of the budget; "
        "the CPU time is what the wall time would be on an idle machine, give or take the waits)"
    )
    return ok


def steps(runs: Path, out: Path) -> None:
    """The paper store's report, step by step in one warm process."""
    from engine.paper import paper_from_store, write_report

    con = duckdb.connect(str(runs / "store.duckdb"), read_only=True)
    build_report(con, paths=PATHS, headline=HEADLINE)  # warm-up: imports
    t0 = time.perf_counter()
    rep = build_report(con, paths=PATHS, headline=HEADLINE)
    t1 = time.perf_counter()
    paper = paper_from_store(con, rep)
    t2 = time.perf_counter()
    write_report(paper, out, figures=False)
    t3 = time.perf_counter()
    write_report(paper, out)
    t4 = time.perf_counter()
    con.close()
    print(
        f"  in one process: analysis {t1 - t0:.2f} s, report model {t2 - t1:.3f} s, Markdown + LaTeX + CSV "
        f"{t3 - t2:.3f} s, with the {sum(f.skipped is None for f in paper.figures)} figures {t4 - t3:.2f} s "
        "(first figure pays the matplotlib import)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--episodes", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--skip-large", action="store_true")
    args = ap.parse_args()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"cpu cores: {os.cpu_count()}, load average: {load}")
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        print("paper store (2,800 episodes x 4 judges):")
        make_store(root / "paper", "paper", 0)
        ok &= compare("paper", root / "paper", args.runs, root / "out-paper")
        steps(root / "paper", root / "out-steps")
        if not args.skip_large:
            print(f"synthetic store ({args.episodes:,} episodes):")
            make_store(root / "large", "large", args.episodes)
            ok &= compare("large", root / "large", args.runs, root / "out-large")
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
