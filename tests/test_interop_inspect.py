"""`engine import inspect` and `engine export --format inspect` on logs the real Inspect AI library wrote
(`tests/interop_logs.py`: a tiny task on `mockllm/model`, two variants as the two conditions, two
scorers that disagree). Every number the report gives is checked against one computed here from the
logs themselves (read with Inspect's `read_eval_log`): Δ as a difference of pass rates, McNemar's
exact p with scipy's binomial test on the discordant pairs, κ with scikit-learn's `cohen_kappa_score`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from scipy.stats import binomtest
from sklearn.metrics import cohen_kappa_score
from typer.testing import CliRunner

from engine.cli import app
from engine.store import human
from engine.store.db import Store

ROOT = Path(__file__).resolve().parents[1]


def read_eval_log(path: str) -> Any:
    """Inspect's own reader, imported when a test runs: the `.venv-vllm` run (which lacks the
    `inspect` extra) collects this module and deselects its tests."""
    from inspect_ai.log import read_eval_log as read

    return read(path)


def list_eval_logs(path: str) -> Any:
    from inspect_ai.log import list_eval_logs as listing

    return listing(path)


MAP = ["--condition", "task_args.variant", "--baseline", "plain", "--treatment", "skill"]


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("inspect-logs")
    env = {**os.environ, "XDG_DATA_HOME": str(out / "xdg"), "PYTHONPATH": str(ROOT)}  # Inspect's traces stay here
    subprocess.run([sys.executable, "-m", "tests.interop_logs", str(out / "logs")], check=True, env=env, timeout=300)
    return out / "logs"


def _cli(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "400"})  # errors on one line


def _report(runs: Path) -> dict[str, Any]:
    res = _cli("report", "--runs-dir", str(runs), "--json", "--boot", "200")
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


def _verdicts(paths: list[Path]) -> dict[tuple[str, str, str], bool]:
    """(variant, scorer, sample id) -> passed, straight from the logs."""
    out = {}
    for p in paths:
        log = read_eval_log(str(p))
        for s in log.samples:
            for name, score in s.scores.items():
                out[(log.eval.task_args["variant"], name, str(s.id))] = score.value == "C"
    return out


def test_import_gives_delta_mcnemar_and_kappa_between_scorers(logs: Path, runs_dir: Path) -> None:
    files = sorted((logs / "eval").glob("*.eval"))
    res = _cli("import", "inspect", *map(str, files), *MAP, "--runs-dir", str(runs_dir))
    assert res.exit_code == 0, res.output
    assert "imported 20 episodes and 40 judgments" in res.output
    rep = _report(runs_dir)
    v = _verdicts(files)
    ids = [f"t{i}" for i in range(10)]
    deltas = {d["path"]: d for d in rep["deltas"]}
    assert set(deltas) == {"match", "includes"}
    for scorer in ("match", "includes"):
        ns = [v[("plain", scorer, t)] for t in ids]
        cu = [v[("skill", scorer, t)] for t in ids]
        d = deltas[scorer]
        assert d["config"] == "mockllm-model" and d["n_tasks"] == 10
        assert d["delta"] == pytest.approx(sum(cu) / 10 - sum(ns) / 10)
        only_cu = sum(c and not n for n, c in zip(ns, cu, strict=True))
        only_ns = sum(n and not c for n, c in zip(ns, cu, strict=True))
        assert (d["discordant_curated_only"], d["discordant_no_skill_only"]) == (only_cu, only_ns)
        assert d["mcnemar_p"] == pytest.approx(binomtest(only_cu, only_cu + only_ns, 0.5).pvalue)
    assert deltas["match"]["delta"] == pytest.approx(0.5)  # 4/10 -> 9/10: the test would see a wrong mapping
    assert deltas["includes"]["delta"] == pytest.approx(0.2)  # 7/10 -> 9/10
    (pair,) = rep["agreement"]
    a = [v[(var, pair["judge_a"], t)] for var in ("plain", "skill") for t in ids]
    b = [v[(var, pair["judge_b"], t)] for var in ("plain", "skill") for t in ids]
    assert pair["n"] == 20 and pair["agree"] == sum(x == y for x, y in zip(a, b, strict=True)) == 17
    assert pair["kappa"] == pytest.approx(cohen_kappa_score(a, b))
    assert rep["headline"] in ("match", "includes")


def test_the_human_audit_works_on_an_import(logs: Path, runs_dir: Path) -> None:
    files = sorted((logs / "eval").glob("*.eval"))
    assert _cli("import", "inspect", *map(str, files), *MAP, "--runs-dir", str(runs_dir)).exit_code == 0
    res = _cli("judge", "--audit", "6", "--seed", "1", "--runs-dir", str(runs_dir))
    assert res.exit_code == 0, res.output
    with Store.open(runs_dir) as store:
        store.ingest()
        drawn = [r[0] for r in store.query("SELECT episode_id FROM audits ORDER BY position")]
        assert len(drawn) == 6
        for eid in drawn:  # the person agrees with includes
            (verdict,) = store.query(
                "SELECT verdict FROM judgments WHERE episode_id = ? AND judge_id = 'includes'", [eid]
            )[0]
            human.adjudicate(store.con, runs_dir, eid, verdict, "checked")
    rep = _report(runs_dir)
    acc = {j["judge"]: j for j in rep["judges_vs_human"]["judges"]}
    assert set(acc) == {"match", "includes"}
    assert acc["includes"]["n"] == 6 and acc["includes"]["accuracy"]["value"] == 1.0


def test_a_log_per_condition_and_a_json_log(logs: Path, runs_dir: Path) -> None:
    skill = next(
        p for p in (logs / "eval").glob("*.eval") if read_eval_log(str(p)).eval.task_args["variant"] == "skill"
    )
    res = _cli(
        "import", "inspect", f"no_skill={logs / 'json' / 'plain.json'}", f"curated={skill}", "--runs-dir", str(runs_dir)
    )
    assert res.exit_code == 0, res.output
    deltas = {d["path"]: d["delta"] for d in _report(runs_dir)["deltas"]}
    assert deltas == {"match": pytest.approx(0.5), "includes": pytest.approx(0.2)}


def test_a_failed_sample_is_an_error_never_a_fail(logs: Path, runs_dir: Path) -> None:
    files = sorted((logs / "err").glob("*.eval"))
    res = _cli("import", "inspect", *map(str, files), *MAP, "--runs-dir", str(runs_dir))
    assert res.exit_code == 0, res.output
    rep = _report(runs_dir)
    d = next(d for d in rep["deltas"] if d["path"] == "match")
    assert (d["n_tasks"], d["errors"]) == (9, 1)  # t9 failed under skill: out of Δ, not a fail
    with Store.open(runs_dir) as store:
        store.ingest()
        rows = store.query("SELECT verdict, rationale FROM judgments WHERE task_id = 't9' AND condition = 'curated'")
        err = store.query("SELECT error FROM episodes WHERE task_id = 't9' AND condition = 'curated'")
    assert {r[0] for r in rows} == {"error"} and len(rows) == 2
    assert "the mock backend failed on t9" in err[0][0]


def test_importing_the_same_logs_again_writes_nothing(logs: Path, runs_dir: Path) -> None:
    files = sorted((logs / "eval").glob("*.eval"))
    assert _cli("import", "inspect", *map(str, files), *MAP, "--runs-dir", str(runs_dir)).exit_code == 0
    before = sorted(p.name for p in runs_dir.iterdir())
    res = _cli("import", "inspect", *map(str, files), *MAP, "--runs-dir", str(runs_dir))
    assert res.exit_code == 0 and "already imported" in res.output
    assert sorted(p.name for p in runs_dir.iterdir()) == before
    run_id = next(n for n in before if n.startswith("import-"))
    res = _cli("resume", run_id, "--runs-dir", str(runs_dir))
    assert res.exit_code == 2 and "is not a resumable run" in res.output


def test_round_trip_import_report_export_read_eval_log(logs: Path, runs_dir: Path, tmp_path: Path) -> None:
    files = sorted((logs / "eval").glob("*.eval"))
    assert _cli("import", "inspect", *map(str, files), *MAP, "--runs-dir", str(runs_dir)).exit_code == 0
    first = _report(runs_dir)
    run_id = next(p.name for p in runs_dir.iterdir() if p.name.startswith("import-"))
    out = tmp_path / "inspect-out"
    res = _cli("export", run_id, "--format", "inspect", "-o", str(out), "--runs-dir", str(runs_dir))
    assert res.exit_code == 0, res.output
    exported = sorted(Path(str(i.name).removeprefix("file://")) for i in list_eval_logs(str(out)))
    assert len(exported) == 2 and not list(out.glob(".*"))
    with Store.open(runs_dir) as store:
        store.ingest()
        stored = {
            (r[0], r[1], r[2]): (r[3], r[4])
            for r in store.query("SELECT condition, task_id, judge_id, verdict, rationale FROM judgments")
        }
    seen = 0
    for p in exported:
        log = read_eval_log(str(p))
        assert log.status == "success" and log.eval.model == "mockllm/model"
        cond = log.eval.metadata["condition"]
        for s in log.samples:
            assert s.output.completion and s.messages[-1].role == "assistant"
            for judge, score in s.scores.items():
                verdict, rationale = stored[(cond, str(s.id), judge)]
                assert score.value == {"pass": "C", "fail": "I"}[verdict]
                assert score.explanation == rationale
                seen += 1
        for es in log.results.scores:  # accuracy as Inspect's metric: the pass rate
            got = [stored[(cond, str(s.id), es.name)][0] == "pass" for s in log.samples]
            assert es.metrics["accuracy"].value == pytest.approx(sum(got) / len(got))
    assert seen == 40
    again = tmp_path / "runs-again"  # the exported logs name their condition: no mapping needed
    res = _cli("import", "inspect", *map(str, exported), "--runs-dir", str(again))
    assert res.exit_code == 0, res.output
    second = _report(again)
    key = ("path", "delta", "n_tasks", "mcnemar_p")
    assert sorted(tuple(d[k] for k in key) for d in second["deltas"]) == sorted(
        tuple(d[k] for k in key) for d in first["deltas"]
    )
    assert second["agreement"][0]["kappa"] == pytest.approx(first["agreement"][0]["kappa"])


def _no_run_written(runs: Path) -> None:
    assert not runs.exists() or list(runs.iterdir()) == [], list(runs.iterdir())


@pytest.mark.parametrize(
    ("content", "field"),
    [('{"a": 1}', "'eval'"), ('{"version": 2, "status": "success", "eval": {"task": "x"}}', "'eval.created'")],
)
def test_not_an_inspect_log_is_refused_naming_file_and_field(tmp_path: Path, content: str, field: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    runs = tmp_path / "runs"
    res = _cli("import", "inspect", str(bad), "--runs-dir", str(runs))
    assert res.exit_code == 2
    assert str(bad) in res.output and field in res.output and "not an Inspect eval log" in res.output
    assert "Traceback" not in res.output
    _no_run_written(runs)


def test_bad_mappings_are_refused_naming_the_field(logs: Path, tmp_path: Path) -> None:
    files = [str(p) for p in sorted((logs / "eval").glob("*.eval"))]
    runs = tmp_path / "runs"
    res = _cli("import", "inspect", *files, "--condition", "metadata.arm", "--runs-dir", str(runs))
    assert res.exit_code == 2 and "field 'metadata.arm'" in res.output and "no condition field" in res.output
    res = _cli("import", "inspect", *files, "--condition", "task_args.variant", "--runs-dir", str(runs))
    assert res.exit_code == 2 and "is neither the baseline ('no_skill')" in res.output
    res = _cli("import", "inspect", *files, *MAP, "--headline", "f1", "--runs-dir", str(runs))
    assert res.exit_code == 2 and "'f1' is not a scorer here" in res.output
    res = _cli("import", "inspect", str(tmp_path / "missing.eval"), "--runs-dir", str(runs))
    assert res.exit_code == 2 and "no such file" in res.output
    _no_run_written(runs)


def test_a_crash_while_writing_leaves_no_run(logs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.interop import write

    calls = {"n": 0}

    def flaky(flags: tuple[str, ...]) -> str:
        calls["n"] += 1
        if calls["n"] == 7:
            raise OSError("disk full")
        return ",".join(flags)

    monkeypatch.setattr(write, "flags_text", flaky)
    files = [str(p) for p in sorted((logs / "eval").glob("*.eval"))]
    runs = tmp_path / "runs"
    res = _cli("import", "inspect", *files, *MAP, "--runs-dir", str(runs))
    assert res.exit_code != 0 and calls["n"] == 7
    assert [p.name for p in runs.iterdir()] == []  # neither the run nor its hidden staging directory


def test_without_the_inspect_extra_the_error_says_what_to_install(
    logs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "inspect_ai.log", None)  # import inspect_ai.log now raises ImportError
    files = [str(p) for p in sorted((logs / "eval").glob("*.eval"))]
    res = _cli("import", "inspect", *files, *MAP, "--runs-dir", str(tmp_path / "runs"))
    assert res.exit_code == 2 and "install the 'inspect' extra" in res.output
    res = _cli("export", "some-run", "--format", "inspect", "--runs-dir", str(tmp_path / "runs"))
    assert res.exit_code == 2 and "install the 'inspect' extra" in res.output


def test_export_inspect_needs_a_run_it_knows(runs_dir: Path, tmp_path: Path) -> None:
    res = _cli("export", "--format", "inspect", "--runs-dir", str(runs_dir), "-o", str(tmp_path / "o"))
    assert res.exit_code == 2 and "exports one run" in res.output
    res = _cli("export", "nope", "--format", "inspect", "--runs-dir", str(runs_dir), "-o", str(tmp_path / "o"))
    assert res.exit_code == 2 and "the run has no episodes in the store" in res.output


@pytest.mark.server
def test_inspect_view_opens_the_exported_logs(logs: Path, runs_dir: Path, tmp_path: Path) -> None:
    """`inspect view` (Inspect's own log viewer, a server on 127.0.0.1) lists the exported logs and
    serves each one whole: the samples and scores its UI shows."""
    import socket
    import time
    import urllib.parse
    import urllib.request

    files = sorted((logs / "eval").glob("*.eval"))
    assert _cli("import", "inspect", *map(str, files), *MAP, "--runs-dir", str(runs_dir)).exit_code == 0
    run_id = next(p.name for p in runs_dir.iterdir() if p.name.startswith("import-"))
    out = tmp_path / "view"
    assert _cli("export", run_id, "-f", "inspect", "-o", str(out), "--runs-dir", str(runs_dir)).exit_code == 0
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg")}
    cmd = [sys.executable, "-m", "inspect_ai", "view", "--log-dir", str(out), "--host", "127.0.0.1"]
    proc = subprocess.Popen([*cmd, "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/api"
    try:
        listing = None
        deadline = time.monotonic() + 60
        while listing is None and time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"{base}/logs", timeout=5) as r:
                    listing = json.loads(r.read())
            except OSError:
                time.sleep(0.5)
        assert listing is not None, "inspect view did not answer within 60 s"
        names = sorted(f["name"] for f in listing["files"])
        assert len(names) == 2 and {f["task"] for f in listing["files"]} == {
            "import-inspect-mockllm-model-no-skill",
            "import-inspect-mockllm-model-curated",
        }
        for name in names:
            with urllib.request.urlopen(f"{base}/logs/{urllib.parse.quote(name, safe='')}", timeout=30) as r:
                log = json.loads(r.read())
            assert log["status"] == "success" and len(log["samples"]) == 10
            assert {s["name"] for s in log["results"]["scores"]} == {"match", "includes"}
            assert all(set(s["scores"]) == {"match", "includes"} for s in log["samples"])
    finally:
        proc.terminate()
        proc.wait(timeout=30)
