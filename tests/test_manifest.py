"""The run manifest (`engine.store.manifest`): run.json, options.json and experiment.json written and
read in one place; journals written before it still read; the command line the cockpit builds parses
back, through the CLI's own options, into the request it came from."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from engine.cli import app
from engine.data.loader import DataError
from engine.host import this_host
from engine.runs import run_status
from engine.store import journal as jr
from engine.store import manifest, request
from engine.store.db import Store
from engine.store.manifest import RunInfo, read_info, write_info
from engine.store.request import OptionError, RunRequest, check_executor
from tests.conftest import MINI

LEGACY = Path(__file__).parent / "data" / "legacy_runs"  # written by the engine before the manifest
EVAL, TRAIN = "20250101-000000-legacy-eval", "20250101-010000-train-legacy"
JUDGE, CORPUS = "20261207-061721-judge-legacy-e808", "20261207-061722-corpus-offline-micro-be3b"


@pytest.fixture
def legacy(tmp_path: Path) -> Path:
    runs = tmp_path / "runs"
    shutil.copytree(LEGACY, runs)
    return runs


# ---------------------------------------------------------------------------------- old journals


def test_run_headers_written_before_the_manifest_read_back(legacy: Path) -> None:
    infos = {d.name: read_info(d) for d in jr.run_dirs(legacy)}
    assert set(infos) == {EVAL, TRAIN, JUDGE, CORPUS, "human"}
    ev, tr, jd, cp, hu = infos[EVAL], infos[TRAIN], infos[JUDGE], infos[CORPUS], infos["human"]
    assert ev is not None and (ev.kind, ev.experiment, ev.executor, ev.total_episodes) == ("eval", "legacy", "local", 4)
    assert ev.started_at and ev.pid and ev.host == "vm" and ev.resumed_at is None
    assert jd is not None and (jd.kind, jd.experiment, jd.total_judgments) == ("judge", "legacy", 4)
    # a training run kept its recipe's name under "experiment": it is the recipe now, with its path
    assert tr is not None and (tr.kind, tr.recipe, tr.experiment, tr.title) == ("train", "demo", None, "demo")
    assert tr.recipe_path is not None and tr.recipe_path.endswith("data/recipes/demo.toml")
    assert tr.experiment_path is None and tr.spec_path == tr.recipe_path
    assert (tr.base_model, tr.recipe_fp) == ("embedded:smollm2-135m-instruct", "e5c64a6beee696ea")
    assert cp is not None and (cp.kind, cp.corpus_spec, cp.experiment) == ("corpus", "offline-micro", None)
    assert (cp.rows_kept, cp.teacher_answers, cp.failed_judge) == (3, 4, 1)
    assert hu is not None and (hu.kind, hu.experiment, hu.pid) == ("human", "human", None)


def test_options_and_experiments_written_before_the_manifest_read_back(legacy: Path) -> None:
    for run_id in (EVAL, JUDGE):
        d = legacy / run_id
        req = manifest.read_request(d)
        assert req.saved() == json.loads((d / manifest.OPTIONS_FILE).read_text())  # nothing lost, nothing added
        assert (req.runs_dir, req.run_id) == (legacy, run_id)
        exp = manifest.read_experiment(d)
        assert (exp.name, exp.headline_path, [p.name for p in exp.paths]) == ("legacy", "strict", ["strict", "loose"])
    judge = manifest.read_request(legacy / JUDGE)
    assert (judge.kind, judge.generate, judge.judge_ids, judge.limit) == ("judge", False, ["lenient"], 2)


def test_old_journals_list_and_ingest_with_their_kinds_and_names(legacy: Path) -> None:
    states = {d.name: run_status(d) for d in jr.run_dirs(legacy)}
    assert {k: (s.kind, s.experiment, s.status) for k, s in states.items() if k != TRAIN} == {
        EVAL: ("eval", "legacy", "finished"),
        JUDGE: ("judge", "legacy", "finished"),
        CORPUS: ("corpus", "offline-micro", "interrupted"),  # its header only: no lifecycle was journaled
        "human": ("human", "human", "finished"),
    }
    with Store.open(legacy, fallback=None) as store:
        store.ingest()
        rows = dict(store.query("SELECT run_id, experiment FROM runs"))
    assert rows[TRAIN] == "demo" and rows[CORPUS] == "offline-micro" and rows[EVAL] == "legacy"


# --------------------------------------------------------------------------------------- run.json


def test_write_info_records_the_host_with_the_pid_and_reads_back(tmp_path: Path) -> None:
    info = RunInfo(run_id="r1", kind="train", recipe="demo", pid=os.getpid(), executor="ray task")
    write_info(tmp_path, info)
    back = read_info(tmp_path)
    assert back is not None and back.host == this_host()
    assert back == RunInfo(
        run_id="r1", kind="train", recipe="demo", pid=os.getpid(), executor="ray task", host=this_host()
    )
    raw = json.loads((tmp_path / jr.RUN_FILE).read_text())
    assert raw["recipe"] == "demo" and "experiment" not in raw  # what is None is left out
    write_info(tmp_path, RunInfo(run_id="h", kind="human", experiment="human"))
    assert "host" not in json.loads((tmp_path / jr.RUN_FILE).read_text())  # no pid: no host


@pytest.mark.parametrize(
    "text",
    ["", '{"run_id": "r1"', "[1, 2]", '{"kind": "eval"}', '{"run_id": "r1", "kind": "bogus"}', '{"run_id": [1]}'],
)
def test_a_torn_or_foreign_run_json_reads_as_none(tmp_path: Path, text: str) -> None:
    (tmp_path / jr.RUN_FILE).write_text(text)
    assert read_info(tmp_path) is None
    assert run_status(tmp_path).kind is None


def test_start_info_keeps_the_first_start_of_a_resumed_run(tmp_path: Path) -> None:
    info = RunInfo(run_id="r1", kind="eval", experiment="x", pid=os.getpid())
    assert manifest.start_info(tmp_path, info, 100.0).started_at == 100.0
    again = manifest.start_info(tmp_path, info, 250.0)
    assert (again.started_at, again.resumed_at) == (100.0, 250.0)
    assert read_info(tmp_path) == again
    manifest.update_info(tmp_path, rows_kept=7)
    got = read_info(tmp_path)
    assert got is not None and (got.rows_kept, got.started_at) == (7, 100.0)


# ----------------------------------------------------------------------------------- options.json


def test_options_json_refuses_a_wrong_field_naming_it(tmp_path: Path) -> None:
    (tmp_path / manifest.OPTIONS_FILE).write_text(json.dumps({"limit": "many"}))
    with pytest.raises(DataError) as err:
        manifest.read_request(tmp_path)
    assert err.value.field == "limit" and err.value.path.endswith("options.json")
    (tmp_path / manifest.OPTIONS_FILE).write_text(json.dumps({"executor": "gpu"}))
    with pytest.raises(DataError, match="executor"):
        manifest.read_request(tmp_path)
    with pytest.raises(FileNotFoundError, match="not a resumable run"):
        manifest.read_request(tmp_path / "missing")


def test_resume_keeps_the_saved_request_or_moves_it_to_another_executor(tmp_path: Path) -> None:
    saved = RunRequest(tmp_path, executor="ray", address="head:6379", limit=3)
    assert request.resumed(saved) is saved
    local = request.resumed(saved, "local")
    assert (local.executor, local.address, local.limit) == ("local", None, 3)
    moved = request.resumed(saved, None, "other:6379")
    assert (moved.executor, moved.address) == ("ray", "other:6379")
    with pytest.raises(OptionError):
        request.resumed(local, None, "head:6379")
    # an address once given to the local executor (never used) does not stop a resume
    (tmp_path / manifest.OPTIONS_FILE).write_text(json.dumps({"executor": "local", "address": "h:1"}))
    assert manifest.read_request(tmp_path).address is None


def test_the_executor_is_checked_in_one_place() -> None:
    assert check_executor("local") == "local" and check_executor("ray", "auto") == "ray"
    with pytest.raises(OptionError) as err:
        check_executor("gpu")
    assert (err.value.option, str(err.value)) == ("executor", "--executor 'gpu': expected local or ray")
    with pytest.raises(OptionError) as err:
        check_executor("local", "head:6379")
    assert (err.value.option, str(err.value)) == ("address", "--address needs --executor ray")
    with pytest.raises(OptionError):
        RunRequest(Path("runs"), executor="gpu")  # type: ignore[arg-type]


def test_engine_run_refuses_a_wrong_executor_in_one_line(tmp_path: Path) -> None:
    exp = MINI / "experiment.toml"
    res = CliRunner().invoke(app, ["run", str(exp), "--runs-dir", str(tmp_path), "--executor", "gpu"])
    assert res.exit_code == 2
    assert "--executor 'gpu': expected local or ray" in res.output
    assert not list(tmp_path.iterdir())  # nothing half-written


# ------------------------------------------------------------------------------------ to_argv


def _parsed(argv: list[str]) -> dict[str, object]:
    """The parameters `engine <argv>` would call its command with (click parses, nothing runs)."""
    command = typer.main.get_command(app).commands[argv[0]]  # type: ignore[attr-defined]
    with command.make_context(argv[0], argv[1:]) as ctx:
        return dict(ctx.params)


def test_to_argv_parses_back_into_the_request_through_the_cli_options(tmp_path: Path) -> None:
    req = RunRequest(
        tmp_path,
        Path("exp.toml"),
        config_ids=["a", "b"],
        conditions=["curated"],
        judge_ids=["j1"],
        limit=3,
        samples=2,
        run_id="rid",
        executor="ray",
        address="head:6379",
    )
    params = _parsed(req.to_argv())
    fields = ("config_ids", "conditions", "judge_ids", "limit", "samples", "run_id", "executor", "address")
    assert {f: params[f] for f in fields} == {f: getattr(req, f) for f in fields}
    assert params["experiment"] == Path("exp.toml")

    plain = _parsed(RunRequest(tmp_path, Path("exp.toml")).to_argv())
    assert plain["executor"] == "local" and not plain["config_ids"] and plain["limit"] is None  # click: () unset

    judge = RunRequest(tmp_path, Path("e.toml"), judge_ids=["j"], limit=1, kind="judge", generate=False)
    assert judge.to_argv()[0] == "judge"
    params = _parsed(judge.to_argv())
    assert (params["judge_ids"], params["limit"], params["config_ids"]) == (["j"], 1, ())
    with pytest.raises(ValueError, match="--samples"):
        RunRequest(tmp_path, Path("e.toml"), samples=2, kind="judge", generate=False).to_argv()


def test_a_study_writes_its_evals_run_files_for_engine_resume(tmp_path: Path) -> None:
    from engine.paths import DATA_DIR
    from engine.study import chain, plan_study

    study = plan_study(DATA_DIR / "experiments" / "demo.toml", tmp_path / "runs", sft=False, report=False, limit=2)
    job = study.job("base-eval")
    assert chain._prepare_eval(study, job) == ["resume", str(job.run_id), "--runs-dir", study.runs_dir]
    d = Path(study.runs_dir) / str(job.run_id)
    req = manifest.read_request(d)
    assert (req.limit, req.kind, req.executor, req.run_id) == (2, "eval", "local", job.run_id)
    exp = manifest.read_experiment(d)
    assert exp.name == "demo" and exp.source == str((DATA_DIR / "experiments" / "demo.toml").resolve())
