"""Services checked before a run spends, against the loopback fault server through the real SDKs:
one probe per API server (reachable, key accepted, model known) refuses a run before its directory
exists, and `--cost-limit` stops a run cleanly at its budget, journaled and resumable."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.runs import run_status
from tests.conftest import mini_head

pytestmark = pytest.mark.server

RETRY = "retry = { max_attempts = 1, sdk_max_retries = 0, timeout_s = 2.0 }"


def _config(cid: str, backend: str, url: str, model: str, extra: str = "") -> str:
    return (
        f'[[configs]]\nid = "{cid}"\nbackend = "{backend}"\nbase_url = "{url}"\nmodel = "{model}"\n'
        f"concurrency = 1\n{RETRY}\n{extra}"
    )


def _write(tmp: Path, *configs: str) -> Path:
    exp = tmp / "api.toml"
    exp.write_text(mini_head("api") + "".join(configs) + '[[judges]]\nid = "extractor"\nkind = "answer_line"\n')
    return exp


def _run(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(app, [*args, "--events", "none"], terminal_width=400, env={"COLUMNS": "2000"})
    return res.exit_code, res.output.replace("\n", "")


def _refused(exp: Path, runs_dir: Path, *fragments: str, extra: tuple[str, ...] = ()) -> str:
    code, out = _run("run", str(exp), "--runs-dir", str(runs_dir), "--limit", "1", *extra)
    assert code == 2, out
    assert out.startswith("error: ") and str(exp) in out, out
    for f in fragments:
        assert f in out, out
    assert not any(runs_dir.iterdir()), list(runs_dir.iterdir())  # no run directory, no store
    return out


def test_an_unknown_openai_model_is_refused_before_the_run(tmp_path: Path, runs_dir: Path, make_fault_server) -> None:
    server = make_fault_server(models={"toy-student"})
    good = _config("good", "openai", server.openai_url, "toy-student")
    exp = _write(tmp_path, good, _config("typo", "openai", server.openai_url, "toy-studnet"))
    _refused(
        exp,
        runs_dir,
        f"openai server {server.openai_url} (for config 'good', config 'typo')",
        "model 'toy-studnet' is not served there (it lists: toy-student)",
    )
    assert server.requests_by_path["/v1/models"] == 1  # one probe for the server both configs use
    assert server.requests_by_path["/v1/chat/completions"] == 0


def test_an_unknown_anthropic_model_is_refused(tmp_path: Path, runs_dir: Path, make_fault_server) -> None:
    server = make_fault_server(models={"claude-toy"})
    exp = _write(tmp_path, _config("c", "anthropic", server.base_url, "claude-nope"))
    _refused(exp, runs_dir, f"anthropic server {server.base_url} (for config 'c')", "model 'claude-nope' is not served")
    assert server.requests_by_path["/v1/models/claude-nope"] == 1


@pytest.mark.parametrize("backend", ["openai", "anthropic"])
def test_a_refused_key_names_its_variable_never_its_value(
    tmp_path: Path, runs_dir: Path, make_fault_server, monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    server = make_fault_server(keys={"sk-right-key-0123456789abcdef"})
    monkeypatch.setenv("SKC_PROBE_KEY", "sk-wrong-key-0123456789abcdef")
    url = server.openai_url if backend == "openai" else server.base_url
    exp = _write(tmp_path, _config("k", backend, url, "toy", 'api_key_env = "SKC_PROBE_KEY"\n'))
    out = _refused(exp, runs_dir, "the key ($SKC_PROBE_KEY) was refused", "HTTP 401")
    assert "sk-wrong-key" not in out


def test_an_unreachable_server_is_refused_and_no_probe_skips_the_check(tmp_path: Path, runs_dir: Path) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    exp = _write(tmp_path, _config("gone", "openai", url, "toy"))
    _refused(exp, runs_dir, f"openai server {url} (for config 'gone')", "not reachable", "--no-probe skips")
    code, out = _run("run", str(exp), "--runs-dir", str(runs_dir), "--limit", "1", "--no-probe")
    assert code == 0, out  # the run happens; its episodes are errors, as before probes
    (run,) = [d for d in runs_dir.iterdir() if d.is_dir()]
    episodes = [json.loads(x) for x in (run / "episodes.jsonl").read_text().splitlines()]
    assert episodes and all(e["error"] for e in episodes)


def _events(run: Path) -> list[dict]:
    return [json.loads(x) for x in (run / "events.jsonl").read_text().splitlines()]


def test_the_cost_limit_stops_cleanly_and_resume_continues(tmp_path: Path, runs_dir: Path, fault_server) -> None:
    # about $0.1 an episode (a few hundred tokens in at $1,000 per million): a $0.25 limit stops the
    # run after a few of its episodes, one call in flight at most (concurrency 1)
    priced = "price_in_per_mtok = 1000.0\nprice_out_per_mtok = 1000.0\n"
    exp = _write(tmp_path, _config("paid", "openai", fault_server.openai_url, "toy-student", priced))
    code, out = _run("run", str(exp), "--runs-dir", str(runs_dir), "--limit", "4", "--cost-limit", "0.25")
    assert code == 3, out
    (run,) = [d for d in runs_dir.iterdir() if d.is_dir()]
    events = _events(run)
    started = next(e for e in events if e["type"] == "RunStarted")
    planned = started["total_episodes"]
    projection = next(e for e in events if e["type"] == "LogMessage" and "projected cost" in e["message"])
    assert (
        f"${started['projected_cost_usd']:.4f}" in projection["message"]
        and "cost limit $0.2500" in projection["message"]
    )
    assert projection["level"] == "warning"  # the plan costs more than the limit
    stop = events[-1]
    assert stop["type"] == "RunCancelled" and stop["cause"] == "cost_limit" and stop["cost_limit_usd"] == 0.25
    costs = [json.loads(x)["cost_usd"] for x in (run / "episodes.jsonl").read_text().splitlines()]
    assert 0 < len(costs) < planned
    assert sum(costs) == pytest.approx(stop["cost_usd"])
    assert sum(costs) >= 0.25 > sum(costs[:-1])  # stopped at the record that reached the limit
    assert run_status(run).status == "cancelled"  # resumable, as a cancel is
    code, out = _run("resume", run.name, "--runs-dir", str(runs_dir), "--cost-limit", "100")
    assert code == 0, out
    episodes = [json.loads(x) for x in (run / "episodes.jsonl").read_text().splitlines()]
    assert len({e["episode_id"] for e in episodes}) == planned == len(episodes)  # nothing generated twice
    assert _events(run)[-1]["type"] == "RunFinished"


def test_the_experiment_declares_a_cost_limit_and_the_flag_wins(tmp_path: Path, runs_dir: Path, fault_server) -> None:
    priced = "price_in_per_mtok = 1000.0\n"
    exp = _write(tmp_path, _config("paid", "openai", fault_server.openai_url, "toy-student", priced))
    exp.write_text("cost_limit_usd = 0.01\n" + exp.read_text())
    code, out = _run("run", str(exp), "--runs-dir", str(runs_dir), "--limit", "2")
    assert code == 3, out
    code, out = _run(
        "run", str(exp), "--runs-dir", str(runs_dir), "--limit", "2", "--cost-limit", "100", "--run-id", "big"
    )
    assert code == 0, out
    assert _events(runs_dir / "big")[-1]["type"] == "RunFinished"


def test_the_request_spells_the_new_flags_for_the_cockpit(tmp_path: Path) -> None:
    from engine.store.request import OptionError, RunRequest

    req = RunRequest(tmp_path, experiment=tmp_path / "e.toml", cost_limit=2.5, probe=False)
    assert req.to_argv() == ["run", str(tmp_path / "e.toml"), "--cost-limit", "2.5", "--no-probe"]
    assert "--no-probe" not in RunRequest(tmp_path, experiment=tmp_path / "e.toml").to_argv()
    assert req.saved()["cost_limit"] == 2.5  # engine resume asks it again
    with pytest.raises(OptionError, match="positive amount"):
        RunRequest(tmp_path, cost_limit=0)
