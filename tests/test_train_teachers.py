"""A model teacher (any generation backend) and an LLM judge for free-form train tasks, routed by a judge
path: answers are kept when their judge passes them; failed calls are skipped, never kept."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from engine.config import ModelSpec
from engine.data.loader import load_corpus, load_tasks
from engine.models import base as models
from engine.models.base import GenRequest, GenResult
from engine.train.corpus import build_corpus
from engine.train.specs import load_corpus_spec

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "data" / "corpus" / "demo.toml"
GOLD = {t.prompt: t for t in load_tasks(ROOT / "data" / "suite" / "tasks.jsonl")}


class FakeModel:
    """Answers curated prompts (right, except every fourth call: wrong; every seventh: an API error),
    and grades free-form answers `VERDICT: PASS`."""

    calls = 0

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec

    def generate(self, requests: Sequence[GenRequest]) -> Iterator[GenResult]:
        for r in requests:
            user = r.messages[-1]["content"]
            if r.messages[0]["role"] == "system":  # an LLM judge prompt
                yield GenResult(r.key, "The answer matches.\nVERDICT: PASS", tokens_in=50, tokens_out=8)
                continue
            FakeModel.calls += 1
            task = GOLD[user.split("Task:\n", 1)[1].split("\n\nShow your work", 1)[0]]
            if FakeModel.calls % 7 == 0:
                yield GenResult(r.key, "", finish_reason="error", error="HTTP 500 after 3 attempts")
            elif FakeModel.calls % 4 == 0:
                yield GenResult(r.key, "I think so.\nANSWER: not it", tokens_in=100, tokens_out=10)
            else:
                yield GenResult(r.key, f"Working...\nANSWER: {task.answer}", tokens_in=100, tokens_out=10)

    def close(self) -> None:
        pass


def test_model_teacher_with_llm_judge_for_free_form(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(models._REGISTRY, "anthropic", f"{__name__}:FakeModel")
    FakeModel.calls = 0
    model = {"backend": "anthropic", "model": "claude-teacher", "api_key_env": "X", "price_out_per_mtok": 10.0}
    spec = load_corpus_spec(
        SPEC,
        {
            "teacher": model,
            "limit": 40,
            "judges": [
                {"id": "extractor", "kind": "answer_line"},
                {"id": "grader", "kind": "llm", "model": {"backend": "anthropic", "model": "claude-judge"}},
            ],
            "path": {"name": "corpus", "answer_line": "extractor", "llm": "grader"},
        },
    )
    spec.out = str(tmp_path / "c.jsonl")
    res = build_corpus(spec)
    rows = load_corpus(spec.out)
    assert res.rows == len(rows) > 0
    assert res.skipped["teacher gave no answer"] == 40 // 7
    assert res.failed > 0
    assert res.cost_usd > 0
    by_scoring: dict[str, set[str]] = {}
    tasks = {t.id: t for t in GOLD.values()}
    for r in rows:
        assert r.teacher == "anthropic:claude-teacher"
        assert "not it" not in r.messages[-1].content or tasks[r.task_id].scoring == "llm"
        by_scoring.setdefault(tasks[r.task_id].scoring, set()).update(r.verdicts)
    # each task judged by the judge of its scoring family only
    assert by_scoring == {"answer_line": {"extractor"}, "llm": {"grader"}}
