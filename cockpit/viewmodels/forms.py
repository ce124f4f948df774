"""The launch form's job kinds beyond eval: check a form's values with the engine's own loaders and
schemas (no second definition of an option), and build the `engine` command it starts.

Each `check_*` returns a `Checked` (the command, a preview of what will run) or raises `FieldError`
naming the form field that is wrong; the UI shows the message under that field and starts nothing.
No Textual here: the Pilot tests drive the form, the unit tests drive these.
"""

from __future__ import annotations

import importlib.util
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.data.loader import DataError
from engine.store import request
from engine.store.request import Executor, RunRequest

# the common overrides of the Train tab: recipe fields, by their dotted name in the recipe schema
TRAIN_FIELDS = ("base_model", "epochs", "lr", "lora.r", "lora.alpha", "lora.targets", "max_length", "precision")
LAUNCHES = "launches"  # log folders of jobs whose run id the engine picks (corpus, judge, sweep)


class FieldError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class JobRequest:
    kind: str  # study | train | corpus | judge | sweep
    args: tuple[str, ...]  # `engine` arguments, without --runs-dir and --events
    log_dir: str  # under the runs dir: where launch.log goes (a run id, studies/<id>, launches/<stamp>)
    label: str


@dataclass
class Checked:
    request: JobRequest
    preview: list[str] = field(default_factory=list)


def schema_field(name: str) -> Any:
    """The pydantic field of a recipe option (`lora.r` -> LoraSpec.r)."""
    from engine.train.specs import LoraSpec, Recipe

    model: Any = Recipe
    if name.startswith("lora."):
        model, name = LoraSpec, name[5:]
    return model.model_fields[name]


def field_hint(name: str) -> str:
    f = schema_field(name)
    desc = f.description or ""
    if f.is_required():
        return "the recipe's" + (f" ({desc})" if desc else "")
    return f"default {_toml(f.get_default(call_default_factory=True))}" + (f": {desc}" if desc else "")


def _path(value: str, what: str, *, must_exist: bool = True) -> Path:
    from engine.paths import locate

    text = value.strip()
    if not text:
        raise FieldError(what, "required")
    p = locate(Path(text).expanduser())
    if must_exist and not p.exists():
        raise FieldError(what, f"{text} does not exist")
    return p.resolve()


def _int(value: str, what: str, *, low: int = 1) -> int | None:
    text = value.strip()
    if not text:
        return None
    try:
        n = int(text)
    except ValueError:
        raise FieldError(what, f"{text!r} is not a whole number") from None
    if n < low:
        raise FieldError(what, f"must be at least {low}")
    return n


def _data_error(exc: DataError, files: dict[str, Path]) -> FieldError:
    """A loader's error on the form field it concerns: the override it names, else the file's field."""
    name = exc.field or ""
    if name in TRAIN_FIELDS:
        return FieldError(name, exc.message)
    for form_field, path in files.items():
        if str(path) == exc.path or str(path.resolve()) == exc.path:
            where = f"line {exc.line}: " if exc.line else ""
            return FieldError(form_field, f"{where}{'field ' + repr(name) + ': ' if name else ''}{exc.message}")
    return FieldError(next(iter(files)), str(exc))


def _stamp(kind: str) -> str:
    return f"{LAUNCHES}/{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{kind}"


# ------------------------------------------------------------------------------------- train


def train_overrides(values: dict[str, str]) -> dict[str, Any]:
    """The Train tab's non-empty fields as typed recipe overrides (TOML values, like `--set`)."""
    from engine.specs import parse_value

    out: dict[str, Any] = {}
    for name in TRAIN_FIELDS:
        text = values.get(name, "").strip()
        if not text:
            continue
        value = parse_value(text)
        if name == "lora.targets" and isinstance(value, str) and value != "all-linear":
            value = [t.strip() for t in value.split(",") if t.strip()]
        out[name] = value
    return out


def check_train(recipe: str, values: dict[str, str], runs_dir: Path) -> Checked:
    from engine.train.specs import load_recipe

    path = _path(recipe, "recipe")
    overrides = train_overrides(values)
    base = overrides.get("base_model")
    if isinstance(base, str) and base.startswith(("/", "./", "../", "~")) and not Path(base).expanduser().exists():
        raise FieldError("base_model", f"base model path {base} does not exist")
    try:
        r = load_recipe(path, overrides)
    except DataError as exc:
        raise _data_error(exc, {"recipe": path}) from None
    except ValueError as exc:
        raise FieldError("recipe", str(exc)) from None
    from engine.store.journal import new_run_id

    run_id = new_run_id(f"train-{r.name}")
    args = ["train", str(path), "--run-id", run_id]
    for k, v in overrides.items():
        args += ["--set", f"{k}={_toml(v)}"]
    eff = r.model_dump(mode="json")
    preview = ["effective recipe (* = set here):"]
    for name in (
        "base_model",
        "corpus",
        "epochs",
        "max_steps",
        "lr",
        "lora.r",
        "lora.alpha",
        "lora.targets",
        "max_length",
        "precision",
        "batch_size",
    ):
        node: Any = eff
        for part in name.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        mark = "*" if name in overrides else " "
        preview.append(f" {mark} {name} = {_toml(node)}")
    return Checked(JobRequest("train", tuple(args), run_id, f"training {run_id}"), preview)


def _toml(v: Any) -> str:
    import json

    if v is None:
        return "(unset)"
    if isinstance(v, bool):
        return "true" if v else "false"
    return json.dumps(v)


# ------------------------------------------------------------------------------------- study


def check_study(experiment: str, recipe: str, corpus: str, limit: str, runs_dir: Path) -> Checked:
    from engine.study import describe, plan_study

    exp = _path(experiment, "experiment")
    rec = _path(recipe, "recipe")
    spec = _path(corpus, "corpus") if corpus.strip() else None
    n = _int(limit, "limit")
    files = {"experiment": exp, "recipe": rec, **({"corpus": spec} if spec else {})}
    try:
        study = plan_study(exp, runs_dir, recipe=rec, corpus_spec=spec, limit=n)
    except DataError as exc:
        raise _data_error(exc, files) from None
    except ValueError as exc:
        text = str(exc)
        raise FieldError("recipe" if text.startswith(("train:", "--recipe")) else "experiment", text) from None
    from engine.study import chain_status

    status = chain_status(study) if (study.dir / "study.json").exists() else "new"
    if status == "running":
        raise FieldError("experiment", f"study {study.study_id} (these inputs) is running already; follow it on Runs")
    args = ["study", str(exp), "--recipe", str(rec)]
    if spec:
        args += ["--corpus", str(spec)]
    if n is not None:
        args += ["--limit", str(n)]
    preview = describe(study)
    if status != "new":
        preview.append(f"this study exists ({status}): Start continues it and redoes nothing done")
    return Checked(JobRequest("study", tuple(args), f"studies/{study.study_id}", f"study {study.study_id}"), preview)


# ------------------------------------------------------------------------------------ corpus


def check_corpus(spec: str, limit: str, fresh: bool, runs_dir: Path) -> Checked:
    from engine.data.loader import load_tasks
    from engine.train.corpus_output import last_build
    from engine.train.specs import load_corpus_spec

    path = _path(spec, "spec")
    n = _int(limit, "limit")
    try:
        s = load_corpus_spec(path, {"limit": n} if n else None)
        tasks = [t for t in load_tasks(Path(s.tasks)) if t.split == "train"]
    except DataError as exc:
        raise _data_error(exc, {"spec": path}) from None
    if s.skill_ids:
        tasks = [t for t in tasks if t.skill_id in s.skill_ids]
    asked = min(len(tasks), s.limit or len(tasks)) * s.samples
    preview = [f"teacher {s.teacher_name}; judges {', '.join(j.id for j in s.judges)}; out {s.out}"]
    judged = sum(1 for t in tasks[: s.limit or len(tasks)] if t.scoring == "answer_line" or _has_llm(s))
    estimate = f"rows kept: at most {judged * s.samples} of {asked} answers (tasks a judge of this spec scores)"
    last = last_build(Path(s.out))
    if last is not None and last.candidates:
        estimate += f"; the last build kept {last.rows} of {last.candidates} ({last.rows / last.candidates:.0%})"
    preview.append(estimate)
    args = ["corpus", "build", str(path)]
    if n is not None:
        args += ["--limit", str(n)]
    if fresh:
        args.append("--fresh")
    return Checked(JobRequest("corpus", tuple(args), _stamp("corpus"), f"corpus build {s.name}"), preview)


def _has_llm(spec: Any) -> bool:
    return any(j.kind == "llm" for j in spec.judges)


# ------------------------------------------------------------------------------------- sweep


def check_sweep(sweep: str, limit: str, runs_dir: Path) -> Checked:
    from engine.train.specs import load_sweep

    path = _path(sweep, "sweep")
    n = _int(limit, "limit")
    try:
        s = load_sweep(path)
    except DataError as exc:
        raise _data_error(exc, {"sweep": path}) from None
    preview = [f"{len(s.variants)} variants of {s.recipe}:"]
    preview += [f"  {v.id}: " + (", ".join(f"{k}={_toml(x)}" for k, x in v.set.items()) or "as is") for v in s.variants]
    args = ["sweep", str(path)] + (["--limit", str(n)] if n is not None else [])
    return Checked(JobRequest("sweep", tuple(args), _stamp("sweep"), f"sweep {s.name}"), preview)


# ---------------------------------------------------------------------------------- executor

EXECUTORS = request.EXECUTORS
ADDRESS_PLACEHOLDER = "local Ray (or HOST:PORT, ray://HOST:PORT, auto)"


def ray_installed() -> bool:
    """Whether Ray is importable here (the launched engine runs on this interpreter); never imports it."""
    try:
        return importlib.util.find_spec("ray") is not None
    except (ImportError, ValueError):  # a broken or blocked `ray` entry in sys.modules
        return False


def check_executor(executor: str, address: str) -> tuple[Executor, str | None]:
    """A launch's executor and address (None: a local Ray), or a FieldError naming the wrong one."""
    from engine.models.ray_cluster import RAY_HINT, address_error  # light: Ray is imported only to connect

    addr = address.strip() or None
    try:
        ex = request.check_executor(executor.strip() or "local", addr)
    except request.OptionError as exc:
        raise FieldError(exc.option, str(exc)) from None
    if addr is not None:
        error = address_error(addr)
        if error:
            raise FieldError("address", error)
    if ex == "ray" and not ray_installed():
        raise FieldError("executor", RAY_HINT)
    return ex, addr


def placement(executor: str, address: str | None) -> str:
    """Where local models generate and LLM judges on local models judge, in words."""
    if executor != "ray":
        return "here, in the engine process"
    return "on the Ray cluster" + (f" at {address}" if address else " (a local Ray)")


def where_judges_run(executor: str, address: str | None, local_judges: list[str] | None = None) -> str:
    """The preview line saying where LLM judges on local models judge (API judges judge here either way)."""
    if local_judges is not None and not local_judges:
        return "LLM judges on local models: none chosen (every judge runs here)"
    names = f" ({', '.join(local_judges)})" if local_judges else ""
    return f"LLM judges on local models{names}: {placement(executor, address)}"


# ---------------------------------------------------------------------------------- re-judge


@dataclass
class JudgeProjection:
    episodes: int  # stored episodes of the chosen configs
    missing: dict[str, int]  # judge id -> judgments missing
    cost_usd: float | None  # projected API cost of the missing judgments (priced judges only)


def project_judging(exp: Any, judges: list[str], configs: list[str], runs_dir: Path) -> JudgeProjection:
    """Judgments the chosen judges still owe on the stored episodes of the chosen configs, from the journals."""
    from engine.store import journal as jr

    episodes: dict[str, int] = {}  # episode id -> completion chars
    judged: set[tuple[str, str]] = set()
    for d in jr.run_dirs(Path(runs_dir)):
        for rec in jr.iter_records(d / "episodes.jsonl"):
            if rec.get("config_id") in configs and rec.get("error") is None and rec.get("episode_id"):
                episodes[str(rec["episode_id"])] = len(str(rec.get("completion") or ""))
        for rec in jr.iter_records(d / "judgments.jsonl"):
            if rec.get("judge_id") in judges and rec.get("verdict") != "error":
                judged.add((str(rec.get("episode_id")), str(rec.get("judge_id"))))
    missing = {j: sum(1 for e in episodes if (e, j) not in judged) for j in judges}
    cost = None
    for spec in exp.judges:
        if (
            spec.id in judges
            and spec.model is not None
            and (spec.model.price_in_per_mtok or spec.model.price_out_per_mtok)
        ):
            chars = sum(c for e, c in episodes.items() if (e, spec.id) not in judged)
            out_tokens = spec.model.sampling.max_tokens if spec.model.sampling else 16
            cost = (cost or 0.0) + spec.model.cost(
                (chars + 2000 * missing[spec.id]) // 4, out_tokens * missing[spec.id]
            )
    return JudgeProjection(len(episodes), missing, cost)


def check_judge(
    experiment: str,
    judges: list[str],
    configs: list[str],
    limit: str,
    runs_dir: Path,
    executor: str = "local",
    address: str = "",
) -> tuple[Checked, JudgeProjection]:
    from engine.backends import is_api
    from engine.config import load_experiment

    path = _path(experiment, "experiment")
    n = _int(limit, "limit")
    ex, addr = check_executor(executor, address)
    try:
        exp = load_experiment(path)
    except DataError as exc:
        raise _data_error(exc, {"experiment": path}) from None
    if not judges:
        raise FieldError("judges", "tick at least one judge")
    if not configs:
        raise FieldError("configs", "tick at least one config")
    proj = project_judging(exp, judges, configs, runs_dir)
    every = len(judges) >= len(exp.judges), len(configs) >= len(exp.configs)  # no --judge, no --config
    req = RunRequest(Path(runs_dir), path, limit=n, kind="judge", generate=False, executor=ex, address=addr)
    req.judge_ids, req.config_ids = (None if every[0] else judges), (None if every[1] else configs)
    args = req.to_argv()
    preview = [f"{proj.episodes} stored episodes of {', '.join(configs)}"]
    preview += [f"  {j}: {m} judgments missing" for j, m in proj.missing.items()]
    preview.append(
        "projected API cost: " + (f"${proj.cost_usd:.4f}" if proj.cost_usd is not None else "none (no priced judge)")
    )
    local = [j.id for j in exp.judges if j.id in judges and j.model is not None and not is_api(j.model.backend)]
    preview.append(where_judges_run(ex, addr, local))
    return Checked(JobRequest("judge", tuple(args), _stamp("judge"), f"re-judge {exp.name}"), preview), proj
