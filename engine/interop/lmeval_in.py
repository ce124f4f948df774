"""lm-evaluation-harness per-sample logs in: the `samples_<task>_<date>.jsonl` files of `--log_samples`.

Each line is one document of one lm-eval task, as lm-eval's EvaluationTracker writes it: `doc_id`,
`doc`, `target`, `arguments` (`{"gen_args_0": {"arg_0": prompt, "arg_1": gen_kwargs}}`), `resps`
(the raw responses), `filtered_resps` (after the task's filter), `filter`, `metrics` (the names of
its per-sample metrics), the hashes, and each metric's value. A task with several filters (say
GSM8K's strict-match and flexible-extract) writes one line per filter for the same generation.
The model comes from the `results_<date>.json` lm-eval writes beside the samples (`model_name`,
else `pretrained=` of `config.model_args`, else `config.model`), or `--config`.

The mapping (`engine import lmeval`):

- `doc_id` (or `--task doc.KEY`) -> task;
- `COND=FILE`, or `--condition doc.KEY`, else the lm-eval task name -> condition (`--baseline`,
  `--treatment`): two task variants run as two lm-eval tasks are the two conditions;
- `doc.skill_id` or `doc.skill`, else the lm-eval task name -> skill;
- the model of `results_<date>.json` -> config;
- each metric (`metric:filter` when the filter is not `none`) -> judge, of kind final_answer (llm
  when named by `--llm-scorer`);
- the metric's value / `filtered_resps[0]` -> verdict (`engine.interop.items.verdict_of`) / extracted;
  `resps[0][0]` -> the completion.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from engine.data.loader import DataError, loads_json
from engine.interop.items import Item, JudgeSource, Mapping, Score, condition_of, safe_id, verdict_of
from engine.untrusted import show

SAMPLES_FILE = re.compile(r"^samples_(?P<task>.+)_(?P<date>\d{4}-\d{2}-\d{2}T[0-9.\-]+)\.jsonl$")
REQUIRED = ("doc_id", "doc", "target", "resps", "filtered_resps")
BOOKKEEPING = frozenset(
    {*REQUIRED, "arguments", "filter", "metrics", "doc_hash", "prompt_hash", "target_hash", "length_info"}
)
PROMPT_KEYS = ("question", "input", "prompt", "problem", "text")


def task_name(path: Path) -> str:
    m = SAMPLES_FILE.match(path.name)
    return m.group("task") if m else path.stem.removeprefix("samples_")


def model_of(path: Path, override: str | None) -> str:
    """The model lm-eval names in the results file beside the samples file."""
    m = SAMPLES_FILE.match(path.name)
    candidates = [path.with_name(f"results_{m.group('date')}.json")] if m else []
    candidates += sorted(path.parent.glob("results_*.json"))
    for c in candidates:
        try:
            data = loads_json(c.read_bytes())
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict):
            continue
        if isinstance(data.get("model_name"), str) and data["model_name"]:
            return str(data["model_name"])
        cfg: dict[str, Any] = data["config"] if isinstance(data.get("config"), dict) else {}
        args = cfg.get("model_args")
        if isinstance(args, str):
            found = re.search(r"(?:^|,)\s*(?:pretrained|model|path|engine)=([^,]+)", args)
            if found:
                return found.group(1).strip()
        if isinstance(cfg.get("model"), str) and cfg["model"]:
            return str(cfg["model"])
    if override:
        return override
    raise DataError(
        str(path), None, "model", "no results_<date>.json beside it names the model: name the config with --config ID"
    )


def _prompt(args: Any) -> str:
    if isinstance(args, dict):  # {"gen_args_0": {"arg_0": prompt, "arg_1": kwargs}}
        first = args.get("gen_args_0")
        if isinstance(first, dict):
            args = first.get("arg_0", "")
    elif isinstance(args, list) and args:  # the in-memory form: [[prompt, kwargs], ...]
        args = args[0][0] if isinstance(args[0], list) and args[0] else args[0]
    return args if isinstance(args, str) else json.dumps(args, ensure_ascii=False, default=str)


def _task_prompt(doc: Any) -> str:
    if isinstance(doc, dict):
        for k in PROMPT_KEYS:
            if isinstance(doc.get(k), str) and doc[k]:
                return str(doc[k])
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, default=str)


def _completion(resps: Any) -> str:
    first = resps[0] if isinstance(resps, list) and resps else resps
    first = first[0] if isinstance(first, list) and first else first
    return first if isinstance(first, str) else json.dumps(resps, ensure_ascii=False, default=str)


def _extracted(filtered: Any) -> str | None:
    first = filtered[0] if isinstance(filtered, list) and filtered else filtered
    if first is None:
        return None
    return first if isinstance(first, str) else json.dumps(first, ensure_ascii=False, default=str)


def _field(spec: str, rec: dict[str, Any], task: str) -> Any:
    if spec == "task":
        return task
    obj: Any = rec
    for p in spec.split("."):
        if not isinstance(obj, dict) or p not in obj or obj[p] is None:
            return None
        obj = obj[p]
    return obj


def _metrics(rec: dict[str, Any]) -> list[str]:
    named = rec.get("metrics")
    if isinstance(named, list):
        return [str(m) for m in named]
    return [k for k, v in rec.items() if k not in BOOKKEEPING and isinstance(v, bool | int | float)]


def _lines(path: Path) -> list[tuple[int, dict[str, Any]]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError(str(path), None, None, "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(str(path), None, None, f"cannot read it ({exc})") from None
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = loads_json(line)
        except ValueError as exc:
            raise DataError(str(path), n, None, f"not a JSON line of lm-eval's samples file ({exc})") from None
        if not isinstance(rec, dict):
            raise DataError(str(path), n, None, "not an lm-eval sample (a JSON object per line)")
        for f in REQUIRED:
            if f not in rec:
                raise DataError(str(path), n, f, "missing: not an lm-eval --log_samples line")
        out.append((n, rec))
    if not out:
        raise DataError(str(path), None, "samples", "the file has no samples")
    return out


def items_of(
    path: Path, condition: str | None, fields: dict[str, str | None], mapping: Mapping
) -> tuple[list[Item], dict[str, JudgeSource]]:
    task = task_name(path)
    model = model_of(path, mapping.config)
    judges: dict[str, JudgeSource] = {}
    by_doc: dict[str, Item] = {}
    filters_seen: dict[str, set[str]] = {}
    task_field = fields.get("task") or "doc_id"
    for n, rec in _lines(path):
        where = f"line {n}"
        tid = _field(task_field, rec, task)
        if tid is None or str(tid) == "":
            raise DataError(str(path), n, task_field, "missing (--task)")
        tid = safe_id(str(tid))
        flt = str(rec.get("filter") or "none")
        if flt in filters_seen.setdefault(tid, set()):
            raise DataError(str(path), n, task_field, f"task {show(tid)!r} appears twice with filter {show(flt)!r}")
        filters_seen[tid].add(flt)
        scores = []
        for metric in _metrics(rec):
            if metric not in rec:
                raise DataError(str(path), n, metric, "named in 'metrics' but missing")
            jid = safe_id(metric if flt == "none" else f"{metric}:{flt}")
            try:
                verdict = verdict_of(rec[metric], mapping.threshold)
            except ValueError as exc:
                raise DataError(str(path), n, metric, str(exc)) from None
            judges.setdefault(
                jid,
                JudgeSource(
                    jid,
                    "llm" if jid in mapping.llm_scorers else "final_answer",
                    {"source": "lm-eval", "metric": metric, "filter": flt},
                ),
            )
            scores.append(Score(jid, verdict, None, _extracted(rec["filtered_resps"])))
        if tid in by_doc:  # another filter of the same generation: more verdicts on the same episode
            prev = by_doc[tid]
            by_doc[tid] = replace(prev, scores=prev.scores + tuple(scores))
            continue
        if condition is not None:
            cond_field, cond_value = "COND=FILE", condition
        else:
            cond_field = fields.get("condition") or "task"
            cond_value = _field(cond_field, rec, task)
            if cond_value is None:
                raise DataError(
                    str(path), n, cond_field, "missing: name the condition field, or give the file as COND=FILE"
                )
        try:
            cond = condition_of(cond_value, mapping)
        except ValueError as exc:
            raise DataError(str(path), n, cond_field, show(str(exc))) from None
        skill_field = fields.get("skill")
        skill = _field(skill_field, rec, task) if skill_field else None
        if skill is None:
            skill = _field("doc.skill_id", rec, task) or _field("doc.skill", rec, task) or task
        by_doc[tid] = Item(
            origin=str(path),
            where=where,
            key=f"{task}:{rec['doc_id']}",
            backend="lm-eval",
            model=model,
            config_spec={},
            task_id=tid,
            skill_id=safe_id(str(skill)),
            task_prompt=_task_prompt(rec["doc"]),
            target=str(rec["target"]),
            condition=cond,
            sample=0,
            prompt=_prompt(rec.get("arguments")),
            completion=_completion(rec["resps"]),
            scores=tuple(scores),
        )
    return list(by_doc.values()), judges


def read_sources(
    sources: Sequence[tuple[str | None, Path]], fields: dict[str, str | None], mapping: Mapping
) -> tuple[list[Item], list[JudgeSource]]:
    items: list[Item] = []
    judges: dict[str, JudgeSource] = {}
    for cond, path in sources:
        got, js = items_of(path, cond, fields, mapping)
        items += got
        for jid, j in js.items():
            judges.setdefault(jid, j)
    return items, list(judges.values())
