"""Drive the real `cockpit` in a real terminal (tmux) the way a person would: keys in, screen text out.

Also writes the README's text captures: `python -m tests.cockpit.tmux docs/screens`.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class Tmux:
    def __init__(self, command: str, *, width: int = 160, height: int = 50, env: dict[str, str] | None = None) -> None:
        self.name = f"cockpit-{uuid.uuid4().hex[:8]}"
        self.rc_file = Path(tempfile.mkdtemp()) / "rc"
        # COLUMNS/LINES leak from the test process into tmux's environment and override the pty size
        full = f"unset COLUMNS LINES; {command}; echo $? > {shlex.quote(str(self.rc_file))}"
        envs = []
        for k, v in (env or {}).items():
            envs += ["-e", f"{k}={v}"]
        cmd = [
            "tmux",
            "new-session",
            "-d",
            "-s",
            self.name,
            "-x",
            str(width),
            "-y",
            str(height),
            *envs,
            "sh",
            "-c",
            full,
        ]
        for attempt in range(5):  # the server of a just-killed last session may still be exiting
            res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
            if res.returncode == 0:
                break
            time.sleep(0.2 * (attempt + 1))
        else:
            raise RuntimeError(f"tmux new-session failed: {res.stderr}")
        subprocess.run(["tmux", "set-option", "-t", self.name, "remain-on-exit", "on"], check=False)

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def text(self) -> str:
        out = subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True)
        return out.stdout

    def wait_for(self, needle: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.text()
            if needle in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{needle!r} never appeared; screen:\n{screen}")

    def exit_code(self, timeout: float = 15.0) -> int | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.rc_file.exists() and self.rc_file.read_text().strip():
                return int(self.rc_file.read_text().strip())
            time.sleep(0.1)
        return None

    def kill(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], check=False, capture_output=True)


def cockpit_command(runs_dir: Path) -> str:
    return f"{shlex.quote(sys.executable)} -m cockpit.app --runs-dir {shlex.quote(str(runs_dir))}"


def have_tmux() -> bool:
    return shutil.which("tmux") is not None


SCREENS = [  # (file name, keys, text that shows the screen is painted)
    ("runs", ["1"], "20250101-000000-study-a1b2"),
    ("live", ["2"], "episodes/s"),
    ("episodes", ["3"], "of 160"),
    ("judges", ["4"], "κ 95% CI"),
    ("judges-format", ["t"], "gap diff"),
    ("judges-human", ["t"], "no human verdicts yet"),
    ("delta", ["5"], "procedural Δ"),
    ("query", ["6"], "read-only"),
    ("help", ["?"], "this help"),  # the top of the help: its end scrolls as bindings are added
]


def capture_screens(out_dir: Path) -> list[Path]:
    """Text captures of every main screen on the fixture data (for the README)."""
    sys.path.insert(0, str(ROOT))
    from tests.cockpit.journals import write_fixture

    runs = write_fixture(Path(tempfile.mkdtemp()) / "runs")
    out_dir.mkdir(parents=True, exist_ok=True)
    t = Tmux(cockpit_command(runs), env={"TERM": "xterm-256color"})
    written = []
    try:
        t.wait_for("20250101-000000-study-a1b2")
        time.sleep(2.5)  # first ingest + report
        for name, keys, needle in SCREENS:
            t.keys(*keys)
            t.wait_for(needle)
            time.sleep(1.0)
            p = out_dir / f"{name}.txt"
            p.write_text(t.text().replace(str(runs), "runs"))
            written.append(p)
            if name == "help":
                t.keys("Escape")
                time.sleep(0.3)
        t.keys("q")
        t.exit_code()
    finally:
        t.kill()
    return written


if __name__ == "__main__":
    os.environ.setdefault("TERM", "xterm-256color")
    for p in capture_screens(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screens")):
        print(p)
