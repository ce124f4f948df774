"""Teachers: who writes the SFT demonstrations.

- `offline` (the default): the worked 5-step solution the bundled suite computes for each task
  (`data/suite/solutions.jsonl`, rows `{"task_id", "skill_id", "worked": [5 strings]}`), rendered
  as "Step 1: ...\\n...\\nStep 5: ...\\nANSWER: <gold>". Deterministic, no network.
- any generation backend (`[teacher]` table = a ModelSpec, e.g. Claude Opus through `anthropic`):
  the model answers the curated prompt; its answer is judged like a student's.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from engine.config import ModelSpec
from engine.data.loader import load_rows
from engine.data.schemas import ID_PATTERN, PROCEDURE_STEPS, Skill, Task, canonical_hash


class Solution(BaseModel):
    """A worked solution of one task: one line per procedure step."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    task_id: str = Field(pattern=ID_PATTERN)
    skill_id: str = Field(pattern=ID_PATTERN)
    worked: list[str] = Field(min_length=PROCEDURE_STEPS, max_length=PROCEDURE_STEPS)


def load_solutions(path: str | Path) -> dict[str, Solution]:
    return {s.task_id: s for s in load_rows(path, Solution, unique="task_id")}


def render_worked(worked: Sequence[str], answer: str) -> str:
    steps = "\n".join(f"Step {i}: {s.strip()}" for i, s in enumerate(worked, 1))
    return f"{steps}\nANSWER: {answer}"


@dataclass(frozen=True)
class TeacherItem:
    key: str
    task: Task
    skill: Skill
    sample: int
    messages: list[dict[str, str]]


@dataclass
class TeacherAnswer:
    key: str
    text: str
    error: str | None = None  # no answer (failed call, no worked solution): the item is skipped
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0


class Teacher(Protocol):
    name: str

    def fingerprint(self) -> str: ...

    def answer(self, items: Sequence[TeacherItem]) -> Iterator[TeacherAnswer]: ...

    def close(self) -> None: ...


class OfflineTeacher:
    name = "offline"

    def __init__(self, solutions_path: str | Path) -> None:
        self.path = Path(solutions_path)
        self.solutions = load_solutions(self.path)

    def fingerprint(self) -> str:
        return canonical_hash({"teacher": "offline", "format": "steps+answer-v1"})

    def answer(self, items: Sequence[TeacherItem]) -> Iterator[TeacherAnswer]:
        for item in items:
            sol = self.solutions.get(item.task.id)
            if sol is None:
                yield TeacherAnswer(item.key, "", error=f"no worked solution for task '{item.task.id}'")
            elif sol.skill_id != item.task.skill_id:
                yield TeacherAnswer(
                    item.key, "", error=f"worked solution of '{item.task.id}' names skill '{sol.skill_id}'"
                )
            else:
                yield TeacherAnswer(item.key, render_worked(sol.worked, item.task.answer))

    def close(self) -> None:
        pass


class BackendTeacher:
    """A model behind any generation backend answers the curated prompt."""

    def __init__(self, spec: ModelSpec) -> None:
        from engine.models.base import make_backend

        self.spec = spec
        self.name = f"{spec.backend}:{spec.model}"
        self.backend = make_backend(spec)

    def fingerprint(self) -> str:
        return self.spec.fingerprint()

    def answer(self, items: Sequence[TeacherItem]) -> Iterator[TeacherAnswer]:
        from engine.models.base import GenRequest

        s = self.spec.sampling
        requests = [
            GenRequest(
                key=i.key,
                messages=i.messages,
                max_tokens=s.max_tokens,
                temperature=s.temperature,
                top_p=s.top_p,
                seed=(s.seed if s.seed is not None else 0) * 1000 + i.sample if s.temperature > 0 else None,
                stop=tuple(s.stop),
            )
            for i in items
        ]
        for r in self.backend.generate(requests):
            yield TeacherAnswer(
                r.key,
                r.text,
                error=r.error
                or (f"finish reason {r.finish_reason}" if r.finish_reason in ("refusal", "error") else None),
                tokens_in=r.tokens_in,
                tokens_out=r.tokens_out,
                cost_usd=self.spec.cost(r.tokens_in, r.tokens_out),
            )

    def close(self) -> None:
        self.backend.close()


def make_teacher(teacher: str | ModelSpec, solutions: str | None) -> Teacher:
    if teacher == "offline":
        if not solutions:
            raise ValueError("the offline teacher needs a solutions file")
        return OfflineTeacher(solutions)
    assert isinstance(teacher, ModelSpec)
    return BackendTeacher(teacher)
