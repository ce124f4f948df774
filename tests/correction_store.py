"""Synthetic stores for the judge-correction tests: real journal runs ingested into a real DuckDB
store, with verdicts (machine and true) chosen per episode by the test."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from engine.events import RunFinished, RunStarted
from engine.store import journal as jr
from engine.store.manifest import RunInfo, write_info
from engine.store.records import EpisodeRecord, JudgmentRecord

T0 = 1735689600.0
JUDGE_KINDS = {"extractor": "answer_line", "claude": "llm"}
# (config, task index, condition) -> verdict of each judge
Verdicts = Callable[[str, int, str], dict[str, str]]


def write_run(runs: Path, configs: list[str], n_tasks: int, verdicts: Verdicts, run_id: str = "r-corr") -> list[str]:
    """One eval run: every config × task × condition once, judged as `verdicts` says; returns episode ids."""
    j = jr.RunJournal(runs, run_id)
    j.write_specs(
        "configs",
        [
            {
                "config_id": c,
                "config_fp": f"fp-{c}",
                "backend": "hf",
                "model": c,
                "adapter": None,
                "size": None,
                "size_b": 1.0 + i,
                "role": "student",
                "base_config": None,
                "price_in_per_mtok": 0.0,
                "price_out_per_mtok": 0.0,
                "spec_json": "{}",
            }
            for i, c in enumerate(configs)
        ],
    )
    j.write_specs("skills", [{"skill_id": "s", "title": "S", "domain": "test", "block": "1. Do it."}])
    j.write_specs(
        "tasks",
        [
            {
                "task_id": f"t{i:04d}",
                "task_hash": f"h{i}",
                "skill_id": "s",
                "split": "holdout",
                "prompt": f"Task {i}.",
                "answer": "1",
                "answer_type": "integer",
                "tolerance": None,
                "scoring": "answer_line",
                "rubric": None,
            }
            for i in range(n_tasks)
        ],
    )
    judges = sorted({k for c in configs[:1] for k in verdicts(c, 0, "no_skill")})
    j.write_specs(
        "judges",
        [
            {"judge_id": x, "judge_fp": f"jfp-{x}", "kind": JUDGE_KINDS[x], "backend": None, "model": None}
            | {"spec_json": "{}"}
            for x in judges
        ],
    )
    write_info(
        j.dir,
        RunInfo(
            run_id=run_id,
            kind="eval",
            experiment="corr",
            experiment_path=None,
            started_at=T0,
            resumed_at=None,
            pid=0,
            total_episodes=len(configs) * n_tasks * 2,
            total_judgments=len(configs) * n_tasks * 2 * len(judges),
        ),
    )
    j.emit(RunStarted(run_id, kind="eval", experiment="corr", configs=tuple(configs), judges=tuple(judges), t=T0))
    eids = []
    for c in configs:
        for i in range(n_tasks):
            for cond in ("no_skill", "curated"):
                eid = f"ep-{c}-{i}-{cond}"
                eids.append(eid)
                common = {"config_id": c, "config_fp": f"fp-{c}", "task_id": f"t{i:04d}", "skill_id": "s"}
                common |= {"condition": cond, "sample": 0, "run_id": run_id, "created_at": T0 + 1}
                j.record(
                    EpisodeRecord(
                        episode_id=eid,
                        task_hash=f"h{i}",
                        prompt=f"Task {i}.",
                        completion="ANSWER: 1",
                        tokens_in=10,
                        tokens_out=5,
                        latency_s=0.1,
                        cost_usd=0.0,
                        finish_reason="stop",
                        error=None,
                        has_answer_line=True,
                        tokens_estimated=False,
                        latency_kind="request",
                        flags="",
                        **common,
                    )
                )
                for judge, v in verdicts(c, i, cond).items():
                    j.record(
                        JudgmentRecord(
                            judgment_id=f"jd-{judge}-{eid}",
                            episode_id=eid,
                            judge_id=judge,
                            judge_fp=f"jfp-{judge}",
                            scoring="answer_line",
                            verdict=v,
                            rationale=None,
                            extracted=None,
                            tokens_in=0,
                            tokens_out=0,
                            latency_s=0.0,
                            cost_usd=0.0,
                            **common,
                        )
                    )
    j.emit(RunFinished(run_id, t=T0 + 2))
    j.close()
    return eids
