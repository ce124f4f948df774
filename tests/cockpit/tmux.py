"""Drive the real `cockpit` in a real terminal (tmux) the way a person would: keys in, screen text out.

Keys are delivered in order and the app handles them in order, so a test sends the next key only
after the screen shows what the previous one did (`wait_for`, `wait_gone`), never after a fixed
sleep. The deadlines are generous: they only bound a failure, a passing test never waits them out.

Also writes the README's text captures: `python -m tests.cockpit.tmux docs/screens`.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
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

    def wait_for(self, *needles: str | re.Pattern[str], timeout: float = 30.0) -> str:
        """Poll the screen until every needle (a substring, or a regex) is on it at once; that screen."""
        return self.until(lambda s: all(_on(n, s) for n in needles), f"{needles!r} never all appeared", timeout)

    def wait_gone(self, needle: str | re.Pattern[str], timeout: float = 30.0) -> str:
        """Poll the screen until the needle has left it (a modal closed, a lone ESC handled); that screen."""
        return self.until(lambda s: not _on(needle, s), f"{needle!r} never went away", timeout)

    def until(self, done: Callable[[str], bool], what: str, timeout: float = 30.0) -> str:
        """Poll the screen until `done(screen)`; that screen. `what` names the wait in the failure."""
        deadline = time.monotonic() + timeout
        screen = self.text()
        while not done(screen):
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} within {timeout:.0f}s; screen:\n{screen}")
            time.sleep(0.05)
            screen = self.text()
        return screen

    def cursor_row(self) -> int:
        out = subprocess.run(["tmux", "display", "-p", "-t", self.name, "#{cursor_y}"], capture_output=True, text=True)
        return int(out.stdout.strip() or -1)

    def wait_focus(self, row: re.Pattern[str], timeout: float = 30.0) -> str:
        """Poll until the terminal's cursor, which the app puts at the focused input's caret, is on the
        first line matching `row`. A key moves the focus a moment after it is handled, and keys typed
        before that reach the widget that had it: type into a field only once the focus is there."""

        def there(screen: str) -> bool:
            rows = [i for i, line in enumerate(screen.splitlines()) if row.search(line)]
            return bool(rows) and self.cursor_row() == rows[0]

        return self.until(there, f"the focus never reached the line {row.pattern!r}", timeout)

    def settled(self, quiet: float = 0.5, timeout: float = 15.0) -> str:
        """The screen once it has not changed for `quiet` seconds (for the README captures: panels
        that fill in after the screen's first paint); the last screen if it never settles."""
        deadline = time.monotonic() + timeout
        screen, since = self.text(), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.05)
            now = self.text()
            if now != screen:
                screen, since = now, time.monotonic()
            elif time.monotonic() - since >= quiet:
                break
        return screen

    def exit_code(self, timeout: float = 15.0) -> int | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.rc_file.exists() and self.rc_file.read_text().strip():
                return int(self.rc_file.read_text().strip())
            time.sleep(0.1)
        return None

    def kill(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], check=False, capture_output=True)


def _on(needle: str | re.Pattern[str], screen: str) -> bool:
    return needle.search(screen) is not None if isinstance(needle, re.Pattern) else needle in screen


# the runs screen's header once the first ingest is done (the episodes are in the store)
INGESTED = "(held by this cockpit)"


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
        t.wait_for("20250101-000000-study-a1b2", INGESTED)
        for name, keys, needle in SCREENS:
            t.keys(*keys)
            t.wait_for(needle)
            p = out_dir / f"{name}.txt"
            p.write_text(t.settled().replace(str(runs), "runs"))
            written.append(p)
            if name == "help":
                t.keys("Escape")
                t.wait_gone(needle)  # a lone ESC is told from an escape sequence by a pause: wait for it
        t.keys("q")
        t.exit_code()
    finally:
        t.kill()
    return written


if __name__ == "__main__":
    os.environ.setdefault("TERM", "xterm-256color")
    for p in capture_screens(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screens")):
        print(p)
