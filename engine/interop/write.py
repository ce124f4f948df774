"""An import as a finished run of the store: `runs/<run-id>/`, written whole or not at all.

The run is journaled like any other (spec files, `episodes.jsonl`, `judgments.jsonl`, a finished
lifecycle in `events.jsonl`, `run.json`), so `engine report`, the audit and the cockpit read it
unchanged. Every journal file is written into a hidden directory first and moved into place in one
rename; `run.json`, which makes a directory a run, is written last: a crash leaves no run behind
(a directory without `run.json` is no run, and the next import of the same files replaces it).

The run id hashes the files' bytes and the mapping, so importing the same files again writes
nothing. Each scorer gets a judge path of its own (`experiment.json` declares them, with the
`headline` scorer's path pre-registered when one is named), so `engine report` gives Δ on every
scorer and κ between every pair.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from engine.data.answers import has_answer_line
from engine.data.loader import DataError
from engine.data.schemas import CONDITIONS, canonical_hash
from engine.events import RunFinished, RunStarted
from engine.interop.items import Item, JudgeSource, Mapping, safe_id
from engine.judges.robustness import completion_flags, flags_text
from engine.store import journal as jr
from engine.store.manifest import RunInfo, read_info, write_experiment, write_info
from engine.store.records import EpisodeRecord, JudgmentRecord
from engine.untrusted import show

SCORING = "answer_line"  # an imported task has a gold target; every scorer gets a complete path anyway


@dataclass
class ImportResult:
    run_id: str
    run_dir: Path
    episodes: int
    judgments: int
    configs: list[str]
    judges: list[str]
    already: bool = False  # the same files were imported before: nothing was written
    warnings: list[str] = field(default_factory=list)


def file_digest(paths: Sequence[Path]) -> list[str]:
    out = []
    for p in paths:
        h = hashlib.sha256()
        with open(p, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        out.append(h.hexdigest())
    return out


def run_id_of(
    backend: str, sources: Sequence[tuple[str | None, Path]], mapping: Mapping, fields: dict[str, str]
) -> str:
    digest = canonical_hash(
        {
            "files": list(zip([c for c, _ in sources], file_digest([p for _, p in sources]), strict=True)),
            "mapping": mapping.to_json(),
            "fields": fields,
        },
        10,
    )
    return f"import-{safe_id(backend)}-{digest}"


def _configs(items: Sequence[Item], mapping: Mapping) -> dict[str, tuple[str, str, dict[str, object]]]:
    """model -> (config_id, config_fp, row)."""
    models = sorted({i.model for i in items})
    if mapping.config and len(models) > 1:
        listed = ", ".join(show(m) for m in models)
        raise DataError("--config", None, "config", f"one config id names one model, but the files have {listed}")
    out: dict[str, tuple[str, str, dict[str, object]]] = {}
    for it in items:
        if it.model in out:
            continue
        cid = mapping.config or safe_id(it.model)
        spec = {"backend": it.backend, "model": it.model, **it.config_spec}
        fp = canonical_hash(spec)
        row: dict[str, object] = {
            "config_id": cid,
            "config_fp": fp,
            "backend": it.backend,
            "model": it.model,
            "adapter": None,
            "size": None,
            "size_b": None,
            "role": "student",
            "base_config": None,
            "price_in_per_mtok": None,
            "price_out_per_mtok": None,
            "spec_json": json.dumps({"id": cid, **spec}, sort_keys=True, default=str),
        }
        out[it.model] = (cid, fp, row)
    return out


def _check_unique(items: Sequence[Item], configs: dict[str, tuple[str, str, dict[str, object]]]) -> None:
    seen: dict[tuple[str, str, str, int], Item] = {}
    for it in items:
        k = (configs[it.model][0], it.task_id, it.condition, it.sample)
        if k in seen:
            a = seen[k]
            raise DataError(
                it.origin,
                None,
                "task",
                f"{show(it.where)} is task {show(it.task_id)!r} of {show(k[0])} under {it.condition}, "
                f"sample {it.sample}, like {show(a.where)} of {show(a.origin)}: name the task field (--task) "
                "or give each log its condition",
            )
        seen[k] = it


def _tasks(items: Sequence[Item]) -> dict[str, tuple[str, dict[str, object]]]:
    """task_id -> (task_hash, row): the task as its first record (baseline first) describes it."""
    out: dict[str, tuple[str, dict[str, object]]] = {}
    for it in sorted(items, key=lambda i: i.condition != CONDITIONS[0]):
        if it.task_id in out:
            continue
        h = canonical_hash(
            {"skill_id": it.skill_id, "prompt": it.task_prompt, "answer": it.target, "source": it.backend}
        )
        out[it.task_id] = (
            h,
            {
                "task_id": it.task_id,
                "task_hash": h,
                "skill_id": it.skill_id,
                "split": "holdout",
                "prompt": it.task_prompt,
                "answer": it.target,
                "answer_type": "string",
                "tolerance": None,
                "scoring": SCORING,
                "rubric": None,
            },
        )
    return out


def _warnings(items: Sequence[Item], configs: dict[str, tuple[str, str, dict[str, object]]]) -> list[str]:
    out = []
    for model, (cid, _, _) in configs.items():
        have = {i.condition for i in items if i.model == model}
        for cond in CONDITIONS:
            if cond not in have:
                out.append(f"config {cid} has no {cond} samples: no paired Δ for it")
    return out


def write_import(
    runs_dir: Path,
    run_id: str,
    items: Sequence[Item],
    judges: Sequence[JudgeSource],
    mapping: Mapping,
    origins: Sequence[Path],
) -> ImportResult:
    """Journal `items` as the finished run `run_id` (nothing when it exists already)."""
    runs_dir = Path(runs_dir)
    final = runs_dir / run_id
    if not items:
        raise DataError(str(origins[0]) if origins else "-", None, "samples", "no samples to import")
    configs = _configs(items, mapping)
    judge_ids = [j.judge_id for j in judges]
    if mapping.headline is not None and mapping.headline not in judge_ids:
        raise DataError(
            "--headline", None, "headline", f"{show(mapping.headline)!r} is not a scorer here ({', '.join(judge_ids)})"
        )
    info = read_info(final) if (final / jr.RUN_FILE).exists() else None
    if info is not None:
        return ImportResult(
            run_id,
            final,
            info.total_episodes,
            info.total_judgments,
            sorted({c for c, _, _ in configs.values()}),
            judge_ids,
            already=True,
        )
    _check_unique(items, configs)
    tasks = _tasks(items)
    warnings = _warnings(items, configs)
    fps = {j.judge_id: canonical_hash(j.spec) for j in judges}
    runs_dir.mkdir(parents=True, exist_ok=True)
    tmp_parent = runs_dir / f".{run_id}.tmp"
    shutil.rmtree(tmp_parent, ignore_errors=True)
    tmp_parent.mkdir()
    now = time.time()
    journal = jr.RunJournal(tmp_parent, run_id)
    n_eps = n_jdg = 0
    try:
        journal.write_specs("configs", [row for _, _, row in configs.values()])
        skills = sorted({row["skill_id"] for _, row in tasks.values()}, key=str)
        journal.write_specs(
            "skills", [{"skill_id": s, "title": s, "domain": "imported", "block": None} for s in skills]
        )
        journal.write_specs("tasks", [row for _, row in tasks.values()])
        journal.write_specs("judges", [_judge_row(j, fps[j.judge_id]) for j in judges])
        journal.emit(
            RunStarted(
                run_id,
                kind="import",
                experiment=f"import-{items[0].backend}",
                total_episodes=len(items),
                configs=tuple(c for c, _, _ in configs.values()),
                judges=tuple(judge_ids),
                t=now,
            )
        )
        for it in items:
            cid, cfp, _ = configs[it.model]
            task_hash, task = tasks[it.task_id]
            eid = canonical_hash(
                {"import": it.backend, "key": it.key, "config": cfp, "condition": it.condition, "sample": it.sample}, 24
            )
            ok = it.error is None
            journal.record(
                EpisodeRecord(
                    episode_id=eid,
                    run_id=run_id,
                    config_id=cid,
                    config_fp=cfp,
                    task_id=it.task_id,
                    task_hash=task_hash,
                    skill_id=str(task["skill_id"]),
                    condition=it.condition,
                    sample=it.sample,
                    prompt=it.prompt,
                    completion=it.completion,
                    tokens_in=it.tokens_in,
                    tokens_out=it.tokens_out,
                    latency_s=round(it.latency_s, 6),
                    cost_usd=it.cost_usd,
                    finish_reason=it.finish_reason,
                    error=it.error,
                    has_answer_line=has_answer_line(it.completion) if ok else False,
                    created_at=now,
                    flags=flags_text(completion_flags(it.completion)),
                )
            )
            n_eps += 1
            for s in it.scores:
                journal.record(
                    JudgmentRecord(
                        judgment_id=canonical_hash({"episode": eid, "judge": s.judge, "fp": fps[s.judge]}, 24),
                        episode_id=eid,
                        judge_id=s.judge,
                        judge_fp=fps[s.judge],
                        config_id=cid,
                        config_fp=cfp,
                        task_id=it.task_id,
                        skill_id=str(task["skill_id"]),
                        condition=it.condition,
                        sample=it.sample,
                        scoring=SCORING,
                        verdict=s.verdict,
                        rationale=s.rationale,
                        extracted=s.extracted,
                        run_id=run_id,
                        created_at=now,
                    )
                )
                n_jdg += 1
        journal.emit(RunFinished(run_id, episodes=n_eps, judgments=n_jdg, t=now))
        declared = {
            "name": f"import-{safe_id(items[0].backend)}",
            "paths": [{"name": j, "answer_line": j, "llm": j} for j in judge_ids],
            "headline_path": mapping.headline,
            "imported_from": [str(p) for p in origins],
            "mapping": mapping.to_json(),
        }
        write_experiment(journal.dir, declared, str(origins[0]) if origins else None)
    except BaseException:
        journal.close()
        shutil.rmtree(tmp_parent, ignore_errors=True)
        raise
    journal.close()
    if final.exists():  # a directory without run.json: an import that crashed before it was a run
        shutil.rmtree(final)
    os.replace(tmp_parent / run_id, final)
    tmp_parent.rmdir()
    write_info(
        final,
        RunInfo(
            run_id=run_id,
            kind="import",
            experiment=str(declared["name"]),
            experiment_path=str(origins[0]) if origins else None,
            started_at=now,
            total_episodes=n_eps,
            total_judgments=n_jdg,
            imported_from=tuple(str(p) for p in origins),
        ),
    )
    return ImportResult(
        run_id, final, n_eps, n_jdg, sorted({c for c, _, _ in configs.values()}), judge_ids, warnings=warnings
    )


def _judge_row(j: JudgeSource, fp: str) -> dict[str, object]:
    return {
        "judge_id": j.judge_id,
        "judge_fp": fp,
        "kind": j.kind,
        "backend": str(j.spec.get("source")),
        "model": None,
        "spec_json": json.dumps({"id": j.judge_id, "kind": j.kind, **j.spec}, sort_keys=True, default=str),
    }
