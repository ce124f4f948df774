"""Inspect AI eval logs in: `.eval` and `.json` logs read through Inspect's own `read_eval_log`.

The mapping (`engine import inspect`):

- sample id (or `--task FIELD`) -> task; epoch -> sample (epoch - 1);
- `COND=LOG`, or a field (`--condition FIELD`) -> condition: the `--baseline` value is no_skill, the
  `--treatment` value curated;
- sample metadata `skill_id` or `skill`, else the task name -> skill;
- the log's model (with its generate config in the fingerprint) -> config;
- each scorer (each key of a dict-valued score, as `scorer:key`) -> judge, of kind llm for
  `model_graded_*` scorers and those named by `--llm-scorer`, else final_answer;
- score value / answer / explanation -> verdict (`engine.interop.items.verdict_of`) / extracted /
  rationale; a sample's error -> the episode's error, and every verdict on it an error, never a fail.

Fields name a value by a dotted path: `id`, `metadata.KEY` (the sample's), `eval.metadata.KEY`,
`task_args.KEY` (the eval's task arguments), `eval.task`. Without `--condition` the first of
`metadata.condition`, `eval.metadata.condition`, `task_args.condition`, `eval.task` found is used.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

from engine.data.loader import DataError
from engine.events import VerdictKind
from engine.interop.items import VERDICT_KEY, VERDICTS, Item, JudgeSource, Mapping, Score, condition_of, safe_id
from engine.interop.items import verdict_of as value_verdict
from engine.untrusted import show

AUTO_CONDITION = ("metadata.condition", "eval.metadata.condition", "task_args.condition", "eval.task")
AUTO_SKILL = ("metadata.skill_id", "metadata.skill", "eval.task")
_MISSING = object()


class MissingExtra(Exception):
    """An optional extra the command needs is not installed."""


def inspect_log_api() -> Any:
    """`inspect_ai.log`, or MissingExtra naming the extra to install."""
    try:
        import inspect_ai.log as log_api
    except ImportError:
        raise MissingExtra(
            "Inspect AI is not installed: install the 'inspect' extra (pip install 'skill-cockpit[inspect]', "
            "or bash scripts/setup.sh)"
        ) from None
    return log_api


def read_log(path: Path) -> Any:
    """One Inspect eval log, with its samples; a DataError naming the file (and field) otherwise."""
    api = inspect_log_api()
    from pydantic import ValidationError

    if not path.is_file():
        raise DataError(str(path), None, None, "no such file")
    try:
        log = api.read_eval_log(str(path))
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err.get("loc", ()))
        raise DataError(str(path), None, where or None, f"not an Inspect eval log: {err.get('msg')}") from None
    except (ValueError, OSError, KeyError, TypeError, zipfile.BadZipFile) as exc:
        raise DataError(str(path), None, None, f"not an Inspect eval log ({show(str(exc))[:200]})") from None
    if not log.samples:
        raise DataError(
            str(path), None, "samples", "the log has no samples (a header-only log, or one written without samples)"
        )
    return log


def lookup(spec: str, sample: Any, log: Any) -> Any:
    """The value a dotted field path names (`_MISSING` when absent)."""
    parts = spec.split(".")
    if parts[0] == "eval":
        obj, rest = log.eval, parts[1:]
    elif parts[0] == "task_args":
        obj, rest = log.eval.task_args, parts[1:]
    else:
        obj, rest = sample, parts
    for p in rest:
        if isinstance(obj, dict):
            obj = obj.get(p, _MISSING)
        elif obj is None or obj is _MISSING or not hasattr(obj, p):
            return _MISSING
        else:
            obj = getattr(obj, p)
        if obj is _MISSING or obj is None:
            return _MISSING
    return obj


def _first(specs: Sequence[str], sample: Any, log: Any) -> tuple[str | None, Any]:
    for s in specs:
        v = lookup(s, sample, log)
        if v is not _MISSING:
            return s, v
    return None, _MISSING


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "\n\n".join(_text(m) for m in value)
    text = getattr(value, "text", None)
    return text if isinstance(text, str) else str(value)


def _prompt(sample: Any) -> str:
    sent = [m for m in (sample.messages or []) if getattr(m, "role", "") != "assistant"]
    if not sent:
        return _text(sample.input)
    return "\n\n".join(f"[{m.role}]\n{m.text}" for m in sent)


def _target(target: Any) -> str:
    return target if isinstance(target, str) else " | ".join(str(t) for t in target)


def judge_sources(log: Any, mapping: Mapping) -> dict[str, JudgeSource]:
    """The log's scorers (their params, from the results), by judge id."""
    params = {}
    if log.results is not None:
        for s in log.results.scores:
            params[s.name] = {"scorer": s.scorer, "params": s.params}
    out: dict[str, JudgeSource] = {}
    for sample in log.samples:
        for name, score in (sample.scores or {}).items():
            keys = [f"{name}:{k}" for k in score.value] if isinstance(score.value, dict) else [name]
            for key in keys:
                jid = safe_id(key)
                if jid in out:
                    continue
                scorer = str(params.get(name, {}).get("scorer") or name)
                llm = key in mapping.llm_scorers or name in mapping.llm_scorers or "model_graded" in scorer
                spec = {"source": "inspect", "score": key, **params.get(name, {"scorer": name, "params": {}})}
                out[jid] = JudgeSource(jid, "llm" if llm else "final_answer", spec)
    return out


def _scores(path: Path, i: int, sample: Any, mapping: Mapping, judges: dict[str, JudgeSource]) -> tuple[Score, ...]:
    out = []
    error = sample.error.message if sample.error is not None else None
    got = set()
    for name, score in (sample.scores or {}).items():
        pairs = (
            [(f"{name}:{k}", v) for k, v in score.value.items()]
            if isinstance(score.value, dict)
            else [(name, score.value)]
        )
        for key, value in pairs:
            named = (score.metadata or {}).get(VERDICT_KEY)
            verdict: VerdictKind
            if named in VERDICTS:
                verdict = cast(VerdictKind, named)
            else:
                try:
                    verdict = value_verdict(value, mapping.threshold)
                except ValueError as exc:
                    raise DataError(
                        str(path),
                        None,
                        f"samples[{i}].scores.{show(name)}.value",
                        f"sample {show(str(sample.id))!r}: {exc}",
                    ) from None
            answer = score.answer if isinstance(score.answer, str) else None
            out.append(Score(safe_id(key), verdict, score.explanation, answer))
            got.add(safe_id(key))
    if error is not None:  # a failed sample: every scorer's verdict on it is an error, never a fail
        out += [Score(j, "error", f"the sample failed: {error}", None) for j in judges if j not in got]
    return tuple(out)


def items_of(
    path: Path, log: Any, condition: str | None, fields: dict[str, str | None], mapping: Mapping
) -> tuple[list[Item], dict[str, JudgeSource]]:
    """The log's samples as Items (every sample of it under `condition` when one is given)."""
    judges = judge_sources(log, mapping)
    model = str(log.eval.model)
    gen = log.eval.model_generate_config
    config_spec = {"generate_config": gen.model_dump(mode="json", exclude_none=True) if gen is not None else {}}
    task_field = fields.get("task") or "id"
    items = []
    for i, s in enumerate(log.samples):
        where = f"sample {show(str(s.id))!r} epoch {s.epoch}"
        task = lookup(task_field, s, log)
        if task is _MISSING or str(task) == "":
            raise DataError(str(path), None, task_field, f"{where} has no task field '{task_field}' (--task)")
        if condition is not None:
            cond_field, cond_value = "COND=LOG", condition
        else:
            named = fields.get("condition")
            specs = (named,) if named else AUTO_CONDITION
            found, cond_value = _first(specs, s, log)
            if found is None:
                raise DataError(
                    str(path),
                    None,
                    specs[0],
                    f"{where} has no condition field: name one with --condition, or give the log as COND=LOG",
                )
            cond_field = found
        try:
            cond = condition_of(cond_value, mapping)
        except ValueError as exc:
            raise DataError(str(path), None, cond_field, f"{where}: {show(str(exc))}") from None
        skill_named = fields.get("skill")
        skill_specs = (skill_named,) if skill_named else AUTO_SKILL
        _, skill = _first(skill_specs, s, log)
        usage = s.output.usage if s.output is not None else None
        items.append(
            Item(
                origin=str(path),
                where=where,
                key=f"{log.eval.eval_id}:{s.id}:{s.epoch}",
                backend="inspect",
                model=model,
                config_spec=config_spec,
                task_id=safe_id(str(task)),
                skill_id=safe_id(str(skill)) if skill is not _MISSING else "imported",
                task_prompt=_text(s.input),
                target=_target(s.target),
                condition=cond,
                sample=max(0, int(s.epoch) - 1),
                prompt=_prompt(s),
                completion=s.output.completion if s.output is not None else "",
                tokens_in=int(usage.input_tokens or 0) if usage else 0,
                tokens_out=int(usage.output_tokens or 0) if usage else 0,
                latency_s=float(s.total_time or 0.0),
                cost_usd=float(usage.total_cost or 0.0) if usage else 0.0,
                finish_reason=str(s.output.stop_reason) if s.output is not None and s.output.choices else None,
                error=s.error.message if s.error is not None else None,
                scores=_scores(path, i, s, mapping, judges),
            )
        )
    return items, judges


def read_sources(
    sources: Sequence[tuple[str | None, Path]], fields: dict[str, str | None], mapping: Mapping
) -> tuple[list[Item], list[JudgeSource]]:
    """Every log's Items, and the judges of all of them (one kind per judge id)."""
    items: list[Item] = []
    judges: dict[str, JudgeSource] = {}
    for cond, path in sources:
        log = read_log(path)
        got, js = items_of(path, log, cond, fields, mapping)
        items += got
        for jid, j in js.items():
            judges.setdefault(jid, j)
    return items, list(judges.values())
