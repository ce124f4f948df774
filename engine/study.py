"""A study as a chain of jobs: base eval -> corpus (if missing) -> one training per size -> SFT eval -> report.

`engine study EXP.toml --recipe R` (and the cockpit's "Run the study", and `engine demo`) plan the
chain here and run it. Each job is a child process of an existing command (`engine resume` of an
eval run whose experiment the chain wrote, `engine corpus build`, `engine train`, `engine report`),
started only when the jobs it needs are done. Whether a job is done is read from what it leaves
behind (a finished eval run, the corpus file, a finished training's adapter, the report file), not
from the chain's memory, so a killed chain re-run with the same command (or `--resume ID`) skips
what is done, waits for a job a killed chain left running, and continues the rest.

Layout: `runs/studies/<study-id>/study.json` (the plan), `events.jsonl` (the chain's journal:
chain_started, job_started, job_ended, chain_ended), `report.txt` (the report job's output).
Cancelling (SIGTERM/SIGINT to the chain) stops the job in flight and the rest.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from engine.config import ConfigSpec, Experiment, load_experiment
from engine.data.loader import DataError
from engine.host import pid_alive
from engine.paths import ROOT
from engine.runs import run_status
from engine.store import journal as jr

STUDIES = "studies"
PLAN_FILE = "study.json"
EVENTS_FILE = "events.jsonl"
REPORT_FILE = "report.txt"
SFT_SUFFIX = "-sft"
KINDS = ("eval", "corpus", "train", "report")


@dataclass
class Job:
    id: str  # base-eval | corpus | train-<config> | sft-eval | report
    kind: str  # eval | corpus | train | report
    needs: list[str]
    args: list[str] = field(default_factory=list)  # `engine` arguments (eval jobs: built at start)
    run_id: str | None = None  # the journal run the job writes (eval, train)
    output: str | None = None  # the file the job leaves (corpus JSONL, report)
    base: str | None = None  # train: the config id it trains


@dataclass
class Study:
    study_id: str
    runs_dir: str
    experiment: str
    recipe: str | None
    limit: int | None
    full: bool
    jobs: list[Job]
    exp_json: dict[str, Any]  # the base eval's experiment, resolved (holdout limit applied)

    def job(self, job_id: str) -> Job:
        return next(j for j in self.jobs if j.id == job_id)

    @property
    def dir(self) -> Path:
        return Path(self.runs_dir) / STUDIES / self.study_id

    def adapters(self) -> list[Path]:
        return [Path(self.runs_dir) / j.run_id / "adapter" for j in self.jobs if j.kind == "train" and j.run_id]

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Study:
        jobs = [Job(**j) for j in d.pop("jobs")]
        return cls(jobs=jobs, **d)


# ------------------------------------------------------------------------------------ planning


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
    from engine.runner import RunOptions
    from engine.train.specs import load_corpus_spec, load_recipe
    from engine.train.student import check_base

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
        bases = base_configs(exp)
        _check_base_paths(exp, bases)
        recipe_path = Path(recipe).resolve()
        first = load_recipe(recipe_path, sets)  # a wrong-typed override fails here, naming the field
        corpus = Path(first.corpus)
        needs = ["base-eval"]
        if corpus_spec is not None:
            spec_path = Path(corpus_spec).resolve()
            _check_teacher(spec_path)
            spec = load_corpus_spec(spec_path)
            corpus = Path(corpus_out).resolve() if corpus_out else Path(spec.out)
            if not corpus.exists():
                args = ["corpus", "build", str(spec_path), "--out", str(corpus), "--runs-dir", str(rd)]
                jobs.append(Job("corpus", "corpus", [], args=args, output=str(corpus)))
                needs = ["base-eval", "corpus"]
        elif not corpus.exists():
            raise DataError(
                str(recipe_path), None, "corpus", f"{corpus} does not exist; give a corpus spec to build it"
            )
        trains = []
        for c in bases:
            model = f"embedded:{c.model}" if c.backend == "embedded" else c.model
            r = load_recipe(recipe_path, {**(sets or {}), "base_model": model, "corpus": str(corpus)})
            check_base(r, c)
            run_id = f"sft-{r.name}-{c.id}-{_hash(r.model_dump(mode='json'))}"
            args = ["train", str(recipe_path), "--run-id", run_id, "--runs-dir", str(rd)]
            args += ["--base-model", model, "--corpus", str(corpus)]
            for k, v in (sets or {}).items():
                args += ["--set", f"{k}={json.dumps(v)}"]
            jobs.append(Job(f"train-{c.id}", "train", list(needs), args=args, run_id=run_id, base=c.id))
            trains.append(f"train-{c.id}")
        jobs.append(Job("sft-eval", "eval", ["base-eval", *trains], run_id=f"{study_id}-sft"))
    if report:
        out = rd / STUDIES / study_id / REPORT_FILE
        args = ["report", "--experiment", str(exp_path), "--runs-dir", str(rd)]
        jobs.append(Job("report", "report", [j.id for j in jobs if j.kind == "eval"], args=args, output=str(out)))
    opts = RunOptions(runs_dir=rd, limit=limit).to_json()
    exp_json["_options"] = opts
    study = Study(study_id, str(rd), str(exp_path), str(recipe) if recipe else None, limit, full, jobs, exp_json)
    check_conflicts(study)
    return study


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


def save_plan(study: Study) -> None:
    study.dir.mkdir(parents=True, exist_ok=True)
    tmp = study.dir / (PLAN_FILE + ".tmp")
    tmp.write_text(json.dumps(study.to_json(), indent=1), encoding="utf-8")
    os.replace(tmp, study.dir / PLAN_FILE)


def load_study(runs_dir: str | Path, study_id: str) -> Study:
    p = Path(runs_dir) / STUDIES / study_id / PLAN_FILE
    try:
        return Study.from_json(json.loads(p.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise ValueError(f"no study {study_id} in {Path(runs_dir) / STUDIES}") from None
    except (json.JSONDecodeError, TypeError, KeyError) as exc:
        raise DataError(str(p), None, None, f"unreadable study plan: {exc}") from None


def list_studies(runs_dir: Path) -> list[Study]:
    out = []
    for p in sorted((Path(runs_dir) / STUDIES).glob(f"*/{PLAN_FILE}")):
        try:
            out.append(Study.from_json(json.loads(p.read_text(encoding="utf-8"))))
        except (OSError, json.JSONDecodeError, TypeError, KeyError):
            continue
    return out


def events(study: Study) -> list[dict[str, Any]]:
    return list(jr.iter_records(study.dir / EVENTS_FILE))


def _append(study: Study, event: str, **data: Any) -> None:
    study.dir.mkdir(parents=True, exist_ok=True)
    with open(study.dir / EVENTS_FILE, "a", encoding="utf-8") as f:
        f.write(json.dumps({"t": time.time(), "event": event, **data}) + "\n")


def job_done(study: Study, job: Job) -> bool:
    rd = Path(study.runs_dir)
    if job.kind == "eval":
        return bool(job.run_id) and run_status(rd / str(job.run_id)).status == "finished"
    if job.kind == "train":
        d = rd / str(job.run_id)
        return (d / "adapter").is_dir() and run_status(d).status == "finished"
    return bool(job.output) and Path(str(job.output)).exists()


def chain_pid(evs: list[dict[str, Any]]) -> int | None:
    starts = [e for e in evs if e.get("event") == "chain_started"]
    return int(starts[-1]["pid"]) if starts else None


def chain_status(study: Study, evs: list[dict[str, Any]] | None = None) -> str:
    """planned | running | finished | failed | cancelled | interrupted (killed: resume it)."""
    evs = events(study) if evs is None else evs
    if not evs:
        return "planned"
    pid = chain_pid(evs)
    last = evs[-1]
    if last.get("event") == "chain_ended":
        return str(last.get("status", "failed"))
    if pid is not None and pid_alive(pid):
        return "running"
    return "interrupted"


def job_states(study: Study, evs: list[dict[str, Any]] | None = None) -> dict[str, str]:
    """Each job's state: done | running | failed | cancelled | waiting."""
    evs = events(study) if evs is None else evs
    out: dict[str, str] = {}
    for j in study.jobs:
        mine = [e for e in evs if e.get("job") == j.id]
        if job_done(study, j):
            out[j.id] = "done"
        elif mine and mine[-1].get("event") == "job_started" and pid_alive(mine[-1].get("pid")):
            out[j.id] = "running"
        elif mine and mine[-1].get("event") == "job_ended":
            out[j.id] = "cancelled" if mine[-1].get("cancelled") else "failed"
        elif mine:
            out[j.id] = "interrupted"
        else:
            out[j.id] = "waiting"
    return out


# ------------------------------------------------------------------------------------ running


def _prepare_eval(study: Study, job: Job) -> list[str]:
    """Write the eval's experiment into its run dir; the child continues it with `engine resume`."""
    from engine.train.student import sft_config

    d = Path(study.runs_dir) / str(job.run_id)
    data = json.loads(json.dumps(study.exp_json))
    opts = data.pop("_options")
    source = data.pop("source", None)
    if job.id == "sft-eval":
        exp = Experiment.model_validate(data)
        bases, students = [], []
        for t in study.jobs:
            if t.kind == "train" and t.base:
                base = exp.config(t.base)
                bases.append(base.model_dump(mode="json"))
                adapter = Path(study.runs_dir) / str(t.run_id) / "adapter"
                students.append(sft_config(base, adapter, base.id + SFT_SUFFIX).model_dump(mode="json"))
        data["configs"] = bases + students
    if not (d / "experiment.json").exists():
        d.mkdir(parents=True, exist_ok=True)
        (d / "options.json").write_text(json.dumps(opts), encoding="utf-8")
        (d / "experiment.json").write_text(json.dumps({**data, "source": source}, indent=1), encoding="utf-8")
    return ["resume", str(job.run_id), "--runs-dir", study.runs_dir]


def child_env() -> dict[str, str]:
    """The children import this checkout's engine, whatever the caller's sys.path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_study(study: Study, *, events_mode: str = "none", say: Callable[[str], None] | None = None) -> str:
    """Run (or continue) the chain in this process; returns its final status."""
    say = say or (lambda line: print(line, file=sys.stderr, flush=True))
    evs = events(study)
    if chain_status(study, evs) == "running" and chain_pid(evs) != os.getpid():
        raise ValueError(f"study {study.study_id} is already running (pid {chain_pid(evs)})")
    save_plan(study)
    _append(study, "chain_started", pid=os.getpid())
    state: dict[str, Any] = {"cancel": False, "proc": None}

    def stop(*_: Any) -> None:
        state["cancel"] = True
        proc = state["proc"]
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    status, error = "finished", None
    try:
        for job in study.jobs:
            if job_done(study, job):
                continue
            _wait_orphan(study, job, evs, state)
            if state["cancel"]:
                status = "cancelled"
                break
            if job_done(study, job):
                continue
            missing = [n for n in job.needs if not job_done(study, study.job(n))]
            if missing:
                status, error = "failed", f"{job.id}: its inputs are missing ({', '.join(missing)})"
                break
            args = _prepare_eval(study, job) if job.kind == "eval" else list(job.args)
            rc = _run_job(study, job, args, events_mode, state, say)
            if state["cancel"]:
                _append(study, "job_ended", job=job.id, rc=rc, cancelled=True)
                status = "cancelled"
                break
            _append(study, "job_ended", job=job.id, rc=rc)
            if rc != 0 or not job_done(study, job):
                status, error = "failed", f"{job.id} exited with status {rc}"
                break
            say(f"study {study.study_id}: {job.id} done")
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
    _append(study, "chain_ended", status=status, error=error)
    say(f"study {study.study_id}: {status}" + (f" ({error})" if error else ""))
    return status


def _run_job(study: Study, job: Job, args: list[str], events_mode: str, state: dict[str, Any], say: Any) -> int:
    cmd = [sys.executable, "-m", "engine.cli", *args]
    if job.kind in ("eval", "corpus", "train"):
        cmd += ["--events", events_mode]
    say(f"study {study.study_id}: {job.id} starting: engine {' '.join(args)}")
    if job.kind == "report":
        tmp = Path(str(job.output) + ".tmp")
        with open(tmp, "wb") as out:
            proc = subprocess.Popen(cmd, stdout=out, cwd=str(ROOT), env=child_env())  # noqa: S603
            state["proc"] = proc
            _append(study, "job_started", job=job.id, pid=proc.pid)
            rc = proc.wait()
        if rc == 0:
            os.replace(tmp, str(job.output))
    else:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, cwd=str(ROOT), env=child_env())  # noqa: S603
        state["proc"] = proc
        _append(study, "job_started", job=job.id, pid=proc.pid, run_id=job.run_id)
        rc = proc.wait()
    state["proc"] = None
    return rc


def _wait_orphan(study: Study, job: Job, evs: list[dict[str, Any]], state: dict[str, Any]) -> None:
    """A killed chain may have left its job running: wait for it rather than start a second one."""
    mine = [e for e in evs if e.get("job") == job.id]
    if not mine or mine[-1].get("event") != "job_started":
        return
    pid = int(mine[-1].get("pid") or 0)
    while pid_alive(pid):
        if state["cancel"]:
            os.kill(pid, signal.SIGTERM)
        time.sleep(0.5)


def cancel_study(runs_dir: str | Path, study_id: str) -> int:
    """SIGTERM to the chain: it stops the job in flight and runs nothing more."""
    study = load_study(runs_dir, study_id)
    evs = events(study)
    pid = chain_pid(evs)
    if chain_status(study, evs) != "running" or pid is None:
        raise ValueError(f"study {study_id} is not running")
    os.kill(pid, signal.SIGTERM)
    return pid


def describe(study: Study) -> list[str]:
    """The plan, one line a job (for `engine study --plan` and the cockpit)."""
    lines = [f"study {study.study_id}: {study.experiment}"]
    for j in study.jobs:
        after = f" after {', '.join(j.needs)}" if j.needs else ""
        what = j.run_id or j.output or ""
        lines.append(f"  {j.id:<20} {j.kind:<7} {what}{after}")
    return lines


def job_runs(study: Study, evs: list[dict[str, Any]] | None = None) -> dict[str, str]:
    """The journal run of each job that has one: its planned run id, else (corpus) the run its process wrote."""
    evs = events(study) if evs is None else evs
    rd = Path(study.runs_dir)
    out = {j.id: str(j.run_id) for j in study.jobs if j.run_id and (rd / str(j.run_id)).is_dir()}
    pids = {int(e["pid"]): str(e["job"]) for e in evs if e.get("event") == "job_started" and e.get("pid")}
    wanted = {j.id for j in study.jobs if not j.run_id and j.kind == "corpus"}
    if wanted and pids:
        for d in jr.run_dirs(rd):
            info = jr.read_run_info(d)
            job = pids.get(int(info.get("pid") or 0))
            if job in wanted and info.get("kind") == "corpus":
                out[job] = d.name
    return out
