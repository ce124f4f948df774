"""`engine export`, `engine report --json` and `engine runs` on a store fed from real journals."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import pyarrow.parquet as pq
from typer.testing import CliRunner

from engine.cli import app
from engine.store import journal as jr
from engine.store.manifest import RunInfo, write_info

VERDICTS = {  # task -> (no_skill, curated) for judge "ext"; judge "llm" passes every curated answer
    "t1": ("fail", "pass"),
    "t2": ("fail", "pass"),
    "t3": ("pass", "pass"),
    "t4": ("fail", "fail"),
}


def _write_run(runs: Path) -> None:
    j = jr.RunJournal(runs, "r1")
    write_info(j.dir, RunInfo(run_id="r1", kind="eval", experiment="x", pid=0, started_at=time.time()))
    j.write_specs("configs", [{"config_id": "c", "config_fp": "fp", "backend": "hf", "model": "m", "role": "student"}])
    j.write_specs(
        "tasks", [{"task_id": t, "task_hash": f"h{t}", "skill_id": "s", "scoring": "answer_line"} for t in VERDICTS]
    )
    j.write_specs(
        "judges",
        [
            {"judge_id": "ext", "judge_fp": "e", "kind": "answer_line"},
            {"judge_id": "llm", "judge_fp": "l", "kind": "llm"},
        ],
    )
    for task, pair in VERDICTS.items():
        for cond, verdict in zip(("no_skill", "curated"), pair, strict=True):
            eid = f"{task}-{cond}"
            base = {
                "config_id": "c",
                "config_fp": "fp",
                "task_id": task,
                "skill_id": "s",
                "condition": cond,
                "sample": 0,
            }
            j.append(
                "episodes",
                {
                    "episode_id": eid,
                    "run_id": "r1",
                    **base,
                    "task_hash": f"h{task}",
                    "completion": "[bold]x",
                    "error": None,
                },
            )
            for judge, fp, v in (("ext", "e", verdict), ("llm", "l", "pass" if cond == "curated" else verdict)):
                j.append(
                    "judgments",
                    {
                        "judgment_id": f"{eid}-{judge}",
                        "episode_id": eid,
                        "judge_id": judge,
                        "judge_fp": fp,
                        **base,
                        "scoring": "answer_line",
                        "verdict": v,
                        "rationale": "r",
                        "run_id": "r1",
                    },
                )
    j.close()


def test_export_writes_every_table_in_both_formats(tmp_path: Path, runs_dir: Path) -> None:
    _write_run(runs_dir)
    out = tmp_path / "export"
    res = CliRunner().invoke(app, ["export", "--runs-dir", str(runs_dir), "-o", str(out), "-f", "both"])
    assert res.exit_code == 0, res.output
    assert pq.read_table(out / "episodes.parquet").num_rows == 8
    assert pq.read_table(out / "judgments.parquet").num_rows == 16
    scores = pq.read_table(out / "scores.parquet").to_pylist()
    assert len(scores) == 16
    assert {r["judge_id"] for r in scores} == {"ext", "llm"}
    with open(out / "judgments.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 16
    assert rows[0]["verdict"] in ("pass", "fail")
    assert not list(out.glob("*.tmp"))


def test_report_json_has_the_numbers(runs_dir: Path) -> None:
    _write_run(runs_dir)
    res = CliRunner().invoke(app, ["report", "--runs-dir", str(runs_dir), "--json", "--boot", "200"])
    assert res.exit_code == 0, res.output
    rep = json.loads(res.output)
    by_path = {d["path"]: d for d in rep["deltas"]}
    # extractor path (derived as bench:llm, answer_line tasks by the extractor): 1/4 -> 3/4
    bench = next(d for name, d in by_path.items() if name.startswith("bench"))
    assert bench["delta"] == 0.5
    assert bench["n_tasks"] == 4
    llm = next(d for name, d in by_path.items() if name.startswith("llm"))
    assert llm["delta"] == 0.75  # the llm judge passes every curated answer
    pair = next(a for a in rep["agreement"] if {a["judge_a"], a["judge_b"]} == {"ext", "llm"})
    assert pair["n"] == 8
    assert pair["agree"] == 7
    assert abs(pair["pct_agreement"] - 7 / 8) < 1e-12
    # rows: ext pass/fail, columns: llm pass/fail; the one disagreement is curated t4 (ext fail, llm pass)
    assert (pair["judge_a"], pair["judge_b"]) == ("ext", "llm")
    assert pair["confusion"] == [[4, 0], [1, 3]]


def test_runs_lists_status(runs_dir: Path) -> None:
    _write_run(runs_dir)
    res = CliRunner().invoke(app, ["runs", "--runs-dir", str(runs_dir), "--json"])
    assert res.exit_code == 0
    rows = json.loads(res.output)
    assert [(r["run_id"], r["status"]) for r in rows] == [("r1", "interrupted")]  # no lifecycle events, no live pid


def test_report_json_shows_abstentions_coverage_and_delta_bounds(runs_dir: Path) -> None:
    """The llm judge abstains on t4 curated and errs on t3 no_skill. Its Δ rests on t1 and t2 (1.0);
    the bounds bring t3 and t4 back: low (ns excluded → pass, cu excluded → fail) = (1 + 1 + 0 + 0) / 4,
    high = (1 + 1 + 1 + 1) / 4."""
    _write_run(runs_dir)
    path = runs_dir / "r1" / "judgments.jsonl"
    recs = [json.loads(x) for x in path.read_text().splitlines()]
    for r in recs:
        r["verdict"] = {"t4-curated-llm": "abstain", "t3-no_skill-llm": "error"}.get(r["judgment_id"], r["verdict"])
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))
    res = CliRunner().invoke(app, ["report", "--runs-dir", str(runs_dir), "--json", "--boot", "50"])
    assert res.exit_code == 0, res.output
    rep = json.loads(res.output)
    rates = {(p["judge"], p["condition"]): p for p in rep["pass_rates"]}
    cu, ns = rates[("llm", "curated")], rates[("llm", "no_skill")]
    assert (cu["n"], cu["abstentions"], cu["errors"], cu["coverage"]) == (3, 1, 0, 0.75)
    assert (ns["n"], ns["abstentions"], ns["errors"], ns["coverage"]) == (3, 0, 1, 1.0)
    cov = next(c for c in rep["judge_coverage"] if c["judge"] == "llm")
    assert (cov["decided"], cov["abstentions"], cov["errors"], cov["coverage"]) == (6, 1, 1, 6 / 7)
    llm = next(d for d in rep["deltas"] if d["path"].startswith("llm"))
    assert (llm["delta"], llm["n_tasks"], llm["tasks_dropped"], llm["errors"], llm["abstentions"]) == (1.0, 2, 2, 1, 1)
    assert (llm["delta_low_bound"], llm["delta_high_bound"]) == (0.5, 1.0)
    bench = next(d for d in rep["deltas"] if d["path"].startswith("bench"))
    assert (bench["abstentions"], bench["delta_low_bound"], bench["delta_high_bound"]) == (0, None, None)
    assert any(
        w.startswith("abstentions (the judge could not tell)") and "llm 1 (coverage 85.7%)" in w
        for w in rep["warnings"]
    )
    assert any(w.startswith("error verdicts are excluded") and "llm 1" in w for w in rep["warnings"])
