"""A run's episodes as Inspect AI eval logs (`engine export --format inspect RUN`): `inspect view` opens them.

One log per (config, condition) of the run, as Inspect writes one per (task, model): each episode a
sample (id = task id, epoch = sample + 1, the prompt and the completion as its messages), each judge
a score on it (value `C`/`I`, `N` for an abstention or an error, the extracted answer, the
rationale as the explanation, and the verdict itself in the score's metadata so that an error
stays an error when the log is imported again), each judge's accuracy over its decided verdicts
in the results. The eval's metadata names the run, config and condition, so
`engine import inspect` of these logs finds the condition without being told.

Judgments from every run count (a later `engine judge` or a person's adjudication included). The
logs are written into a hidden directory and moved into place: none is half-written.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path
from typing import Any

from engine.data.loader import DataError
from engine.data.schemas import canonical_hash
from engine.interop.inspect_in import inspect_log_api
from engine.interop.items import VERDICT_KEY, safe_id
from engine.store.reader import Con

VALUE = {"pass": "C", "fail": "I", "abstain": "N", "error": "N"}

_EPISODES = """
SELECT e.episode_id, e.config_id, e.config_fp, e.task_id, e.skill_id, e.condition, e.sample, e.prompt,
       e.completion, e.tokens_in, e.tokens_out, e.latency_s, e.error, e.finish_reason, e.created_at,
       c.model, c.backend, t.answer
FROM episodes e
LEFT JOIN configs c ON c.config_id = e.config_id AND c.config_fp IS NOT DISTINCT FROM e.config_fp
LEFT JOIN tasks t ON t.task_id = e.task_id AND t.task_hash IS NOT DISTINCT FROM e.task_hash
WHERE e.run_id = ?
ORDER BY e.config_id, e.config_fp, e.condition, e.task_id, e.sample
"""
_JUDGMENTS = """
SELECT episode_id, judge_id, judge_fp, verdict, rationale, extracted, created_at
FROM judgments WHERE episode_id IN (SELECT episode_id FROM episodes WHERE run_id = ?)
ORDER BY episode_id, judge_id, created_at
"""


def _iso(t: float | None) -> str:
    return dt.datetime.fromtimestamp(t or 0.0, tz=dt.UTC).isoformat(timespec="seconds")


def _model(backend: str | None, model: str | None) -> str:
    name = model or "unknown"
    return name if "/" in name else f"{backend or 'skill-cockpit'}/{name}"


def build_logs(con: Con, run_id: str) -> list[tuple[str, Any]]:
    """(file stem, EvalLog) for each (config, condition) of the run's episodes in the store."""
    api = inspect_log_api()
    from inspect_ai.model import ChatMessageAssistant, ChatMessageUser, ModelOutput, ModelUsage
    from inspect_ai.scorer import Score

    eps = con.execute(_EPISODES, [run_id]).fetchall()
    if not eps:
        raise DataError(run_id, None, "RUN", "the run has no episodes in the store (engine runs lists the runs)")
    run = con.execute("SELECT experiment, started_at FROM runs WHERE run_id = ?", [run_id]).fetchall()
    experiment = safe_id(str(run[0][0] or run_id)) if run else safe_id(run_id)
    started = _iso(run[0][1] if run else None)
    verdicts: dict[str, dict[str, tuple[Any, ...]]] = {}
    for row in con.execute(_JUDGMENTS, [run_id]).fetchall():
        jid = row[1]
        verdicts.setdefault(row[0], {})[jid] = row  # ordered by created_at: the latest of a judge id wins
    groups: dict[tuple[str, str, str], list[tuple[Any, ...]]] = {}
    for e in eps:
        groups.setdefault((e[1], e[2] or "", e[5]), []).append(e)
    logs = []
    for (cid, cfp, cond), rows in groups.items():
        model = _model(rows[0][16], rows[0][15])
        samples: list[Any] = []
        tally: dict[str, tuple[int, int]] = {}
        for e in rows:
            scores = {}
            for jid, j in sorted(verdicts.get(e[0], {}).items()):
                scores[jid] = Score(
                    value=VALUE.get(j[3], "N"),
                    answer=j[5],
                    explanation=j[4],
                    metadata={VERDICT_KEY: j[3], "judge_fp": j[2]},
                )
                n, k = tally.get(jid, (0, 0))
                if j[3] in ("pass", "fail"):
                    tally[jid] = (n + 1, k + (j[3] == "pass"))
                else:
                    tally.setdefault(jid, (n, k))
            output = ModelOutput.from_content(model=model, content=e[8] or "", stop_reason="stop")
            output.usage = ModelUsage(
                input_tokens=e[9] or 0, output_tokens=e[10] or 0, total_tokens=(e[9] or 0) + (e[10] or 0)
            )
            samples.append(
                api.EvalSample(
                    id=e[3],
                    epoch=int(e[6]) + 1,
                    input=e[7] or "",
                    target=e[17] or "",
                    messages=[ChatMessageUser(content=e[7] or ""), ChatMessageAssistant(content=e[8] or "")],
                    output=output,
                    scores=scores,
                    metadata={"skill_id": e[4], "condition": cond, "episode_id": e[0], "config_id": cid},
                    total_time=e[11],
                    error=api.EvalError(message=e[12], traceback="", traceback_ansi="") if e[12] else None,
                )
            )
        results = api.EvalResults(
            total_samples=len(samples),
            completed_samples=sum(1 for e in rows if not e[12]),
            scores=[
                api.EvalScore(
                    name=jid,
                    scorer=jid,
                    scored_samples=n,
                    metrics={"accuracy": api.EvalMetric(name="accuracy", value=(k / n) if n else float("nan"))},
                )
                for jid, (n, k) in sorted(tally.items())
            ],
        )
        meta = {"condition": cond, "skill_cockpit": {"run_id": run_id, "config_id": cid, "config_fp": cfp}}
        spec = api.EvalSpec(
            created=started,
            task=experiment,
            task_id=canonical_hash({"run": run_id, "config": cid, "fp": cfp, "condition": cond}, 22),
            run_id=run_id,
            task_args={"condition": cond},
            dataset=api.EvalDataset(name=experiment, samples=len(samples)),
            model=model,
            config=api.EvalConfig(),
            metadata=meta,
        )
        stats = api.EvalStats(started_at=started, completed_at=_iso(max(float(e[14] or 0) for e in rows)))
        log = api.EvalLog(eval=spec, results=results, samples=samples, status="success", stats=stats)
        stamp = started.replace(":", "-").replace("+", "-")
        # Inspect's own naming, which `inspect view` parses: <time>_<task>_<task id>, no other underscore
        name = f"{experiment}-{safe_id(cid)}-{cond}".replace("_", "-")
        logs.append((f"{stamp}_{name}_{spec.task_id}", log))
    return logs


def export_run(con: Con, run_id: str, out: Path) -> list[Path]:
    """Write the run's Inspect logs (`.eval`) into `out`; the paths written."""
    api = inspect_log_api()
    logs = build_logs(con, run_id)
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / f".inspect-{safe_id(run_id)}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    written = []
    try:
        for stem, log in logs:
            api.write_eval_log(log, str(tmp / f"{stem}.eval"), format="eval")
        for stem, _ in logs:
            final = out / f"{stem}.eval"
            os.replace(tmp / f"{stem}.eval", final)
            written.append(final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return written
