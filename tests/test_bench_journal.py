"""bench/bench_journal.py stays runnable: on a tiny workload its stand-in backend reaches the runner
(every planned episode generated, judged by both deterministic judges) and it prints its JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_journal_bench_runs_its_stand_in_through_the_runner() -> None:
    cmd = [sys.executable, str(ROOT / "bench" / "bench_journal.py"), "--samples", "1", "--configs", "1", "--json"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert res.returncode == 0, res.stderr[-2000:]
    out = json.loads(res.stdout.splitlines()[-1])
    bare, judged = out["run_no_judges"], out["run_deterministic_judges"]
    assert bare["episodes"] == judged["episodes"] == out["journal_alone"]["episodes"] > 0
    assert judged["judgments"] > judged["episodes"]  # two judges, each on the answer-line tasks
    assert out["run_no_judges_over_journal_alone"] > 0
