"""The judge plug-in protocol and registry.

A verdict is pass, fail or error, always with a rationale. An error (API failure, unparseable
verdict, refusal) is recorded as such and never counted as a fail.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from engine.config import JudgeSpec
from engine.data.schemas import Task, canonical_hash
from engine.events import VerdictKind
from engine.registry import Registry


@dataclass(frozen=True)
class JudgeItem:
    key: str  # the judgment id
    episode_id: str
    task: Task
    completion: str
    finish_reason: str | None = None  # stop | length | ...: "length" = cut at max_tokens (None: unknown)


@dataclass
class Verdict:
    key: str
    verdict: VerdictKind
    rationale: str
    extracted: str | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    latency_s: float = 0.0
    cost_usd: float = 0.0
    worker: str = ""  # an LLM judge on a Ray cluster: the replica that judged ("<pool>-<n>@<host>")


class Judge(ABC):
    kind: str = ""
    version: str = "1"

    def __init__(self, spec: JudgeSpec) -> None:
        self.spec = spec
        self.id = spec.id

    def fingerprint(self) -> str:
        model = self.spec.model.fingerprint() if self.spec.model is not None else None
        return canonical_hash({"kind": self.kind, "version": self.version, "model": model, "mode": self.spec.mode})

    def judgment_id(self, episode_id: str) -> str:
        return canonical_hash({"episode": episode_id, "judge": self.id, "fp": self.fingerprint()}, 24)

    def applies(self, task: Task) -> bool:
        """Whether this judge can score the task (deterministic judges skip free-form tasks)."""
        return True

    @abstractmethod
    def judge(self, items: Sequence[JudgeItem]) -> Iterator[Verdict]:
        """Yield one verdict per item (any order)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        pass


_REGISTRY = Registry(
    "judge kind",
    {
        "answer_line": "engine.judges.answer_line:AnswerLineJudge",
        "final_answer": "engine.judges.final_answer:FinalAnswerJudge",
        "llm": "engine.judges.llm:LLMJudge",
    },
)


def register_judge(kind: str, target: str) -> None:
    """Register a judge class as 'module:Class' (imported on first use)."""
    _REGISTRY.register(kind, target)


def make_judge(spec: JudgeSpec) -> Judge:
    """A judge for `spec`; an unknown kind is a ValueError naming the known ones."""
    judge: Judge = _REGISTRY.load(spec.kind)(spec)
    return judge
