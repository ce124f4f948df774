"""Fixture journals with excluded verdicts: the lenient judge abstains on some episodes (more often
on curated ones) and claude errs on a few, rewritten in the eval run's judgments journal before the
app starts. Returns the expected counts per (config, judge) as (decided, abstained, errors)."""

from __future__ import annotations

import json
from pathlib import Path

RUN = "20250101-000000-study-a1b2"


def add_exclusions(runs: Path) -> dict[tuple[str, str], tuple[int, int, int]]:
    path = runs / RUN / "judgments.jsonl"
    out, counts = [], {}
    seen: dict[tuple[str, str], int] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        key = (rec["judge_id"], rec["condition"])
        seen[key] = seen.get(key, 0) + 1
        if rec["judge_id"] == "lenient" and seen[key] % (3 if rec["condition"] == "curated" else 7) == 0:
            rec["verdict"] = "abstain"
        elif rec["judge_id"] == "claude" and seen[key] % 10 == 0:
            rec["verdict"] = "error"
        c = counts.setdefault((rec["config_id"], rec["judge_id"]), [0, 0, 0])
        c[{"abstain": 1, "error": 2}.get(rec["verdict"], 0)] += 1
        out.append(json.dumps(rec, separators=(",", ":")))
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return {k: (v[0], v[1], v[2]) for k, v in counts.items()}
