"""The runner's result, the CLI's rich reporter and the cockpit's tail count a real run alike: an
API config and an API judge through the real openai SDK against the loopback fault server, stopped
at its cost limit and resumed (two sessions of one journal), with failing generations and failing
judge calls. Each count is checked against the journal's records as well."""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path

import pytest
from rich.console import Console

from cockpit.services.tail import RunTail
from engine.config import load_experiment
from engine.progress import RichReporter
from engine.runner import Runner, RunRequest, RunResult, load_run_experiment
from engine.store.request import resumed
from engine.tally import EvalProgress
from tests.conftest import MINI

pytestmark = pytest.mark.server

RETRY = "retry = { max_attempts = 1, sdk_max_retries = 0, timeout_s = 2.0 }"
FAULTY_TASKS = ("add-h2", "reverse-h3")  # their prompt fails the student's calls: episodes with an error
FAULTY_RUBRIC = ("add-h3",)  # its rubric fails the judge's calls: judgments with verdict "error"


def _experiment(tmp: Path, url: str, nonce: str) -> Path:
    rows = [json.loads(x) for x in (MINI / "tasks.jsonl").read_text().splitlines()]
    for r in rows:
        if r["id"] in FAULTY_TASKS:
            r["prompt"] += f" FAULT=500always:{nonce}"
        if r["id"] in FAULTY_RUBRIC:
            r["rubric"] = f"PASS if the final answer equals the gold answer. FAULT=500always:j{nonce}"
    (tmp / "tasks.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    exp = tmp / "agree.toml"
    exp.write_text(
        f'name = "agree"\nseed = 0\n[holdout]\nskills = "{MINI / "skills.jsonl"}"\ntasks = "{tmp / "tasks.jsonl"}"\n'
        f'[[configs]]\nid = "paid"\nbackend = "openai"\nbase_url = "{url}"\nmodel = "toy-student"\n'
        f"concurrency = 1\nprice_in_per_mtok = 1000.0\nprice_out_per_mtok = 1000.0\n{RETRY}\n"
        '[[judges]]\nid = "extractor"\nkind = "answer_line"\n'
        f'[[judges]]\nid = "gpt"\nkind = "llm"\n[judges.model]\nbackend = "openai"\nbase_url = "{url}"\n'
        f'model = "toy-judge"\nconcurrency = 2\n{RETRY}\n'
    )
    return exp


def _records(run: Path, table: str) -> list[dict]:
    return [json.loads(x) for x in (run / f"{table}.jsonl").read_text().splitlines()]


def _reporter() -> RichReporter:
    return RichReporter(Console(file=io.StringIO(), width=200))


def _agree(result: RunResult, rep: RichReporter) -> None:
    """The runner's result is the reporter's session, and the reporter's bars show it."""
    n = rep.tally.session
    assert (result.episodes, result.judgments, result.errors) == (n.episodes, n.judgments, n.errors)
    assert result.cost_usd == pytest.approx(n.cost_usd)
    tasks = {t.description.split(" ")[0]: t for t in rep.progress.tasks}
    assert tasks["episodes"].completed == result.episodes
    assert tasks["judgments"].completed == result.judgments


def test_runner_reporter_and_tail_agree_over_a_resume(tmp_path: Path, runs_dir: Path, fault_server, nonce) -> None:
    exp = _experiment(tmp_path, fault_server.openai_url, nonce)
    rep1 = _reporter()
    req = RunRequest(runs_dir=runs_dir, cost_limit=0.25, ingest=False, telemetry_interval=60.0)
    first = Runner(load_experiment(exp), req, reporter=rep1).run()
    rep1.stop()
    assert first.status == "cancelled" and first.stopped_by == "cost_limit"
    _agree(first, rep1)
    run = runs_dir / first.run_id
    eps1, jdg1 = _records(run, "episodes"), _records(run, "judgments")
    assert (first.episodes, first.judgments) == (len(eps1), len(jdg1))

    exp2, saved = load_run_experiment(runs_dir, first.run_id)
    rep2 = _reporter()
    second = Runner(exp2, resumed(saved, cost_limit=100.0), reporter=rep2).run()
    rep2.stop()
    assert second.status == "finished"
    _agree(second, rep2)
    assert rep2.tally.stored_episodes == len(eps1)  # the resume's RunStarted: what the first session stored

    eps, jdg = _records(run, "episodes"), _records(run, "judgments")
    errors = sum(1 for e in eps if e["error"]) + sum(1 for j in jdg if j["verdict"] == "error")
    assert sum(1 for e in eps if e["error"]) >= 2 and sum(1 for j in jdg if j["verdict"] == "error") >= 1
    assert (first.episodes + second.episodes, first.judgments + second.judgments) == (len(eps), len(jdg))
    assert first.errors + second.errors == errors
    cost = sum(e["cost_usd"] for e in eps) + sum(j["cost_usd"] for j in jdg)
    assert first.cost_usd + second.cost_usd == pytest.approx(cost)

    tail = RunTail(run)
    tail.poll()
    p = tail.progress()
    assert isinstance(p.job, EvalProgress) and p.status == "finished"
    assert (p.job.episodes_done, p.job.episodes_total) == (len(eps), len(eps))
    assert (p.job.judgments_done, p.job.judgments_total) == (len(jdg), rep2.tally.total_judgments)
    assert p.errors == errors
    assert p.cost_usd == pytest.approx(cost)
    assert (p.job.tokens_in, p.job.tokens_out) == (sum(e["tokens_in"] for e in eps), sum(e["tokens_out"] for e in eps))
    assert dict(p.job.verdicts) == dict(Counter(j["verdict"] for j in jdg))
    assert tail.tally.session.episodes == second.episodes  # the tail's last session is the resume's run
