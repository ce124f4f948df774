"""Time from launch to first frame (target ≤ 1 s).

Two measurements, each repeated and reported as the median:
- headless: a fresh interpreter starts `cockpit.app.CockpitApp` and reports the wall time (since the
  parent spawned it) at which the first frame has been composed (`call_after_refresh` of mount);
- tmux: the `cockpit` command in a real terminal (tmux, 160x50); the time until the runs table is
  visible on the pane (polling capture-pane every 10 ms), i.e. what a person sees.
Baseline, measured in the same run the same ways: a minimal Textual app (Header + Footer).

    python bench/bench_cockpit_startup.py [--repeat 5] [--runs-dir DIR]
(default runs dir: the test fixture journals; pass a big one, e.g. the 1M-episode store the repaint
benchmark leaves behind, to see that the store's size does not delay the first frame)
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PROBE = r"""
import sys, time
t_spawn = float(sys.argv[1])
kind = sys.argv[2]
if kind == "cockpit":
    from cockpit.app import CockpitApp as Base
    args = (sys.argv[3],)
else:
    from textual.app import App
    from textual.widgets import Footer, Header
    class Base(App):
        def compose(self):
            yield Header()
            yield Footer()
    args = ()

class Probe(Base):
    def on_mount(self):
        self.call_after_refresh(self._first_frame)

    def _first_frame(self):
        print(f"FIRST_FRAME {time.time() - t_spawn:.4f}", flush=True)
        self.exit()

Probe(*args).run(headless=True, size=(160, 50))
"""

BASELINE_APP = r"""
from textual.app import App
from textual.widgets import Footer, Header, Static
class Bare(App):
    def compose(self):
        yield Header()
        yield Static("BASELINE READY")
        yield Footer()
Bare().run()
"""


def headless(kind: str, runs_dir: Path) -> float:
    t0 = time.time()
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(t0), kind, str(runs_dir)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    for line in out.stdout.splitlines():
        if line.startswith("FIRST_FRAME"):
            return float(line.split()[1])
    raise RuntimeError(out.stderr[-2000:])


def tmux(cmd: str, needle: str) -> float:
    from tests.cockpit.tmux import Tmux

    t0 = time.monotonic()
    t = Tmux(cmd, env={"TERM": "xterm-256color"})
    try:
        while time.monotonic() - t0 < 30:
            if needle in t.text():
                return time.monotonic() - t0
            time.sleep(0.01)
        raise RuntimeError(f"{needle!r} never appeared")
    finally:
        t.kill()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--runs-dir", type=Path, default=None)
    args = ap.parse_args()
    if args.runs_dir is None:
        from tests.cockpit.journals import write_fixture

        runs = write_fixture(Path(tempfile.mkdtemp()) / "runs")
    else:
        runs = args.runs_dir
    headless("bare", runs)  # warm the OS file cache for both
    headless("cockpit", runs)
    res: dict[str, list[float]] = {"bare": [], "cockpit": []}
    for _ in range(args.repeat):
        for kind in res:
            res[kind].append(headless(kind, runs))
    hb, hc = statistics.median(res["bare"]), statistics.median(res["cockpit"])
    print(f"runs dir: {runs}")
    print(f"headless, spawn -> first frame composed (median of {args.repeat}):")
    print(f"  cockpit {hc * 1000:.0f} ms   baseline (Header+Footer app) {hb * 1000:.0f} ms   ratio {hc / hb:.2f}x")
    if shutil.which("tmux"):
        tb, tc = [], []
        for _ in range(args.repeat):
            tb.append(tmux(f"{sys.executable} -c '{BASELINE_APP}'", "BASELINE READY"))
            tc.append(tmux(f"{sys.executable} -m cockpit.app --runs-dir {runs}", "? Help"))
        mb, mc = statistics.median(tb), statistics.median(tc)
        print(f"tmux 160x50, spawn -> screen visible on the pane (median of {args.repeat}):")
        print(f"  cockpit {mc * 1000:.0f} ms   baseline {mb * 1000:.0f} ms   ratio {mc / mb:.2f}x")
    worst = max(hc, mc if shutil.which("tmux") else 0.0)
    print(f"target first frame <= 1000 ms: {'PASS' if worst <= 1.0 else 'FAIL'} (worst median {worst * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
