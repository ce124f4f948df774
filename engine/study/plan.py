"""Planning a study: its jobs (base eval, corpus, one training per size, SFT eval, report) from an
experiment and a recipe; conflicts with a running study are refused before anything runs."""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path
from typing import Any

from engine.config import ConfigSpec, Experiment, load_experiment
from engine.data.loader import DataError
from engine.runs import run_status
from engine.study.model import REPORT_FILE, STUDIES, Job, Study, list_studies
from engine.study.status import chain_status


def _hash(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:10]


def _pathlike(model: str) -> bool:
    return model.startswith(("/", "./", "../", "~"))


def base_configs(exp: Experiment) -> list[ConfigSpec]:
    """The sizes the study trains: student configs that are base models (no adapter, no base)."""
    out = [c for c in exp.configs if c.role == "student" and c.base is None and not c.adapter]
    if not out:
        raise ValueError(f"{exp.source}: configs: no base student config (role student, no adapter) to train")
    return out


def _check_base_paths(exp: Experiment, bases: list[ConfigSpec]) -> None:
    for i, c in enumerate(exp.configs):
        if c in bases and c.backend != "embedded" and _pathlike(c.model) and not Path(c.model).expanduser().exists():
            raise DataError(str(exp.source), None, f"configs.{i}.model", f"base model path {c.model} does not exist")


def _check_teacher(spec_path: Path) -> None:
    """A study's corpus spec must say who answers: the schema's default teacher is not a choice."""
    try:
        data = tomllib.loads(spec_path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return  # load_corpus_spec reports it with file and line
    if not data.get("teacher"):
        raise DataError(
            str(spec_path), None, "teacher", 'no teacher: set teacher = "offline" or a [teacher] model table'
        )


def plan_study(
    experiment: str | Path,
    runs_dir: str | Path,
    *,
    recipe: str | Path | None = None,
    sets: dict[str, Any] | None = None,
    corpus_spec: str | Path | None = None,
    corpus_out: str | Path | None = None,
    limit: int | None = None,
    full: bool = False,
    sft: bool = True,
    report: bool = True,
    name: str | None = None,
) -> Study:
    """Validate every input and plan the chain; raises DataError/ValueError (naming the field) on bad input.

    Writes nothing."""
    from engine.store.request import RunRequest

    rd = Path(runs_dir).resolve()
    exp_path = Path(experiment).resolve()
    exp = load_experiment(exp_path)
    if full:
        exp.holdout.limit = None
    key = {
        "experiment": str(exp_path),
        "recipe": str(Path(recipe).resolve()) if recipe else None,
        "sets": sets or {},
        "corpus": str(Path(corpus_spec).resolve()) if corpus_spec else None,
        "limit": limit,
        "full": full,
        "sft": sft,
        "report": report,
    }
    study_id = f"{name or exp.name}-study-{_hash(key)}"
    exp_json = exp.model_dump(mode="json")
    exp_json["source"] = exp.source
    jobs = [Job("base-eval", "eval", [], run_id=f"{study_id}-base")]
    if sft:
        if recipe is None:
            raise ValueError("--recipe: a study with SFT needs a recipe file")
        jobs += _sft_jobs(exp, rd, Path(recipe).resolve(), sets, corpus_spec, corpus_out, study_id)
    if report:
        out = rd / STUDIES / study_id / REPORT_FILE
        args = ["report", "--experiment", str(exp_path), "--runs-dir", str(rd)]
        jobs.append(Job("report", "report", [j.id for j in jobs if j.kind == "eval"], args=args, output=str(out)))
    opts = RunRequest(runs_dir=rd, limit=limit).saved()
    exp_json["_options"] = opts
    study = Study(study_id, str(rd), str(exp_path), str(recipe) if recipe else None, limit, full, jobs, exp_json)
    check_conflicts(study)
    return study


def _sft_jobs(
    exp: Experiment,
    rd: Path,
    recipe_path: Path,
    sets: dict[str, Any] | None,
    corpus_spec: str | Path | None,
    corpus_out: str | Path | None,
    study_id: str,
) -> list[Job]:
    """The SFT part of the chain: the corpus build (when it has to be built), one training per base
    size, then the evaluation of the trained adapters."""
    from engine.train.specs import load_recipe
    from engine.train.tracking import require_integrations

    bases = base_configs(exp)
    _check_base_paths(exp, bases)
    first = load_recipe(recipe_path, sets)  # a wrong-typed override fails here, naming the field
    require_integrations(first.report_to, first.source)  # its report_to: refused before the chain starts
    corpus = Path(first.corpus)
    needs = ["base-eval"]
    jobs: list[Job] = []
    if corpus_spec is not None:
        corpus, build = _corpus_job(Path(corpus_spec).resolve(), corpus_out, rd)
        if build is not None:
            jobs.append(build)
            needs = ["base-eval", "corpus"]
    elif not corpus.exists():
        raise DataError(str(recipe_path), None, "corpus", f"{corpus} does not exist; give a corpus spec to build it")
    trains = [_train_job(c, recipe_path, sets, corpus, rd, needs) for c in bases]
    jobs += trains
    jobs.append(Job("sft-eval", "eval", ["base-eval", *(t.id for t in trains)], run_id=f"{study_id}-sft"))
    return jobs


def _corpus_job(spec_path: Path, corpus_out: str | Path | None, rd: Path) -> tuple[Path, Job | None]:
    """The corpus the trainings read, and the job that builds it (None when the file exists)."""
    from engine.train.specs import load_corpus_spec

    _check_teacher(spec_path)
    spec = load_corpus_spec(spec_path)
    corpus = Path(corpus_out).resolve() if corpus_out else Path(spec.out)
    if corpus.exists():
        return corpus, None
    args = ["corpus", "build", str(spec_path), "--out", str(corpus), "--runs-dir", str(rd)]
    return corpus, Job("corpus", "corpus", [], args=args, output=str(corpus))


def _train_job(
    c: ConfigSpec, recipe_path: Path, sets: dict[str, Any] | None, corpus: Path, rd: Path, needs: list[str]
) -> Job:
    """One base size's training: the recipe on this base model and corpus, its run id from the recipe."""
    from engine.train.specs import load_recipe
    from engine.train.student import check_base

    model = f"embedded:{c.model}" if c.backend == "embedded" else c.model
    r = load_recipe(recipe_path, {**(sets or {}), "base_model": model, "corpus": str(corpus)})
    check_base(r, c)
    run_id = f"sft-{r.name}-{c.id}-{_hash(r.model_dump(mode='json'))}"
    args = ["train", str(recipe_path), "--run-id", run_id, "--runs-dir", str(rd)]
    args += ["--base-model", model, "--corpus", str(corpus)]
    for k, v in (sets or {}).items():
        args += ["--set", f"{k}={json.dumps(v)}"]
    return Job(f"train-{c.id}", "train", list(needs), args=args, run_id=run_id, base=c.id)


def check_conflicts(study: Study) -> None:
    """Refuse a chain that would write an adapter another live chain (or a running training) writes."""
    mine = {str(p) for p in study.adapters()}
    if not mine:
        return
    for other in list_studies(Path(study.runs_dir)):
        if other.study_id == study.study_id:
            continue
        status = chain_status(other)
        if status not in ("running", "interrupted"):
            continue
        for p in other.adapters():
            if str(p) in mine:
                raise ValueError(
                    f"train: adapter {p} is also written by study {other.study_id} ({status}); "
                    "let it finish or cancel it first"
                )
    for j in study.jobs:
        if j.kind == "train" and j.run_id:
            st = run_status(Path(study.runs_dir) / j.run_id)
            if st.status == "running":
                raise ValueError(f"train: adapter of run {j.run_id} is being written by a running training")


# ------------------------------------------------------------------------------------ state


def describe(study: Study) -> list[str]:
    """The plan, one line a job (for `engine study --plan` and the cockpit)."""
    lines = [f"study {study.study_id}: {study.experiment}"]
    for j in study.jobs:
        after = f" after {', '.join(j.needs)}" if j.needs else ""
        what = j.run_id or j.output or ""
        lines.append(f"  {j.id:<20} {j.kind:<7} {what}{after}")
    return lines
