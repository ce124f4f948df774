"""The driver's journal throughput: how many episodes a second one `engine run` process can take in.

Past a hundred GPUs the generators outrun the driver, which alone journals every episode, emits its
event and scores it with the deterministic judges (README, "More than one machine"). This bench
gives the driver an instant backend (a stand-in for a fleet of replicas: every completion is ready
at once, as finished chunks are when they stream back from the cluster) and times whole runs of
the real Runner on the paper's 200 holdout tasks:

  1. the journal alone: the same EpisodeRecords appended with `RunJournal.record` in a loop (the
     baseline: the floor of the driver's cost per episode);
  2. a run with no judges: plan, journal, EpisodeFinished events;
  3. a run with the two deterministic judges (answer_line, final_answer) scoring each episode as it
     arrives, as `engine run` does.

Prints episodes/s for each and the run / journal-alone ratios. Completions are ~1 KB with an
ANSWER line, each result named by its replica, as from the Ray executor.

    python bench/bench_journal.py                     # 200 tasks x 2 conditions x 10 samples x 2 configs
    python bench/bench_journal.py --samples 25 --json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import engine.runner.checks as checks_mod  # noqa: E402  (the module whose preflight a run calls)
import engine.runner.run as runner_mod  # noqa: E402  (the module whose make_backend a run calls)
from engine.config import ModelSpec, load_experiment  # noqa: E402
from engine.models.base import GenRequest, GenResult  # noqa: E402
from engine.runner import Runner, RunRequest  # noqa: E402
from engine.store import journal as jr  # noqa: E402
from engine.store.records import EpisodeRecord  # noqa: E402

SUITE = ROOT / "data" / "suite"
COMPLETION = (
    "Step 1: read the task and write down the quantities it gives. " * 6
    + "Step 2: apply the procedure one step at a time. " * 6
    + "Step 3: check the result against the constraints.\nANSWER: 42"
)


class InstantBackend:
    """Every completion ready at once: the driver's cost alone."""

    def __init__(self, spec: ModelSpec, peers: Mapping[str, ModelSpec] | None = None) -> None:
        self.spec = spec

    def generate(self, requests: Sequence[GenRequest]) -> Iterator[GenResult]:
        for i, r in enumerate(requests):
            yield GenResult(
                key=r.key,
                text=COMPLETION,
                tokens_in=220,
                tokens_out=260,
                latency_s=0.8,
                finish_reason="stop",
                latency_kind="batch",
                worker=f"pool-{i % 8 + 1}@node-{i % 4}",
            )

    def close(self) -> None:
        pass


def experiment(tmp: Path, args: argparse.Namespace, judges: bool) -> Path:
    configs = "".join(
        f"""
[[configs]]
id = "instant-{i}"
backend = "hf"
model = "bench/instant-{i}"
"""
        for i in range(args.configs)
    )
    judge_text = """
[[judges]]
id = "extractor"
kind = "answer_line"

[[judges]]
id = "lenient"
kind = "final_answer"
"""
    text = f"""
name = "bench-journal"
seed = 0
samples = {args.samples}
[holdout]
skills = "{SUITE / "skills.jsonl"}"
tasks = "{SUITE / "tasks.jsonl"}"
split = "holdout"
{configs}
{judge_text if judges else ""}
"""
    p = tmp / f"bench-journal-{int(judges)}.toml"
    p.write_text(text)
    return p


def timed_run(exp_path: Path, runs: Path) -> tuple[float, int, int]:
    exp = load_experiment(exp_path)
    t0 = time.perf_counter()
    res = Runner(exp, RunRequest(runs_dir=runs, ingest=False)).run()
    wall = time.perf_counter() - t0
    if res.status != "finished" or res.errors:
        raise SystemExit(f"bench run ended {res.status} with {res.errors} errors: {res.error}")
    return wall, res.episodes, res.judgments


def journal_alone(runs: Path, template: Path) -> tuple[float, int]:
    """The episodes a run journaled, appended again by a bare loop of `RunJournal.record`."""
    recs = [EpisodeRecord(**{k: v for k, v in r.items() if k != "table"}) for r in jr.iter_records(template)]
    journal = jr.RunJournal(runs, "journal-alone")
    t0 = time.perf_counter()
    for rec in recs:
        journal.record(rec)
    journal.close()
    return time.perf_counter() - t0, len(recs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--samples", type=int, default=10)
    ap.add_argument("--configs", type=int, default=2)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    # the stand-in: every local config gets the instant backend, and nothing checks for models
    runner_mod.make_backend = InstantBackend  # type: ignore[assignment]
    checks_mod.preflight = lambda specs: None  # type: ignore[assignment]
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        timed_run(experiment(tmp, args, False), tmp / "warmup")  # imports, page cache: untimed
        wall, eps, _ = timed_run(experiment(tmp, args, False), tmp / "bare")
        out["run_no_judges"] = {"episodes": eps, "wall_s": round(wall, 2), "episodes_per_s": round(eps / wall)}
        wall, eps, jdg = timed_run(experiment(tmp, args, True), tmp / "judged")
        out["run_deterministic_judges"] = {
            "episodes": eps,
            "judgments": jdg,
            "wall_s": round(wall, 2),
            "episodes_per_s": round(eps / wall),
        }
        (template,) = [d / "episodes.jsonl" for d in jr.run_dirs(tmp / "bare")]
        wall, n = journal_alone(tmp / "alone", template)
        out["journal_alone"] = {"episodes": n, "wall_s": round(wall, 2), "episodes_per_s": round(n / wall)}
    alone = out["journal_alone"]["episodes_per_s"]
    out["run_no_judges_over_journal_alone"] = round(out["run_no_judges"]["episodes_per_s"] / alone, 3)
    out["run_judged_over_journal_alone"] = round(out["run_deterministic_judges"]["episodes_per_s"] / alone, 3)
    out["load_avg"] = [round(x, 2) for x in os.getloadavg()]
    if args.json:
        print(json.dumps(out))
        return
    for k in ("journal_alone", "run_no_judges", "run_deterministic_judges"):
        v = out[k]
        extra = f", {v['judgments']} judgments" if "judgments" in v else ""
        print(f"{k:<26} {v['episodes_per_s']:>7} episodes/s ({v['episodes']} episodes{extra} in {v['wall_s']} s)")
    print(f"run (no judges) / journal alone:           {out['run_no_judges_over_journal_alone']:.3f}")
    print(f"run (deterministic judges) / journal alone: {out['run_judged_over_journal_alone']:.3f}")
    print(f"load average: {out['load_avg']}")


if __name__ == "__main__":
    main()
