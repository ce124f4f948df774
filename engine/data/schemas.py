"""Data formats: skills, tasks and SFT corpus rows (one JSON object per line).

These pydantic models are the single definition of each format; the loaders in
`engine.data.loader` validate files against them and name file, line and field on error.
"""

from __future__ import annotations

import hashlib
import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

AnswerType = Literal["integer", "number", "string", "date", "choice", "free"]
Split = Literal["train", "holdout"]
Scoring = Literal["answer_line", "llm"]
Condition = Literal["no_skill", "curated"]
CONDITIONS: tuple[Condition, ...] = ("no_skill", "curated")

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$"
PROCEDURE_STEPS = 5


def canonical_hash(obj: object, length: int = 16) -> str:
    """Stable content hash of a JSON-able object (sorted keys, no whitespace)."""
    blob = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:length]


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class Skill(_Row):
    """A procedural skill: the curated block is its 5-step procedure."""

    id: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=1, max_length=200)
    domain: str = Field(min_length=1, max_length=64)
    description: str = Field(default="", max_length=2000)
    procedure: list[str] = Field(min_length=PROCEDURE_STEPS, max_length=PROCEDURE_STEPS)

    @field_validator("procedure")
    @classmethod
    def _steps_nonempty(cls, steps: list[str]) -> list[str]:
        for i, step in enumerate(steps, 1):
            if not step.strip():
                raise ValueError(f"step {i} is empty")
            if len(step) > 1000:
                raise ValueError(f"step {i} is longer than 1000 characters")
        return steps

    def block(self) -> str:
        """The curated skill block inserted into the prompt of the `curated` condition."""
        steps = "\n".join(f"{i}. {s}" for i, s in enumerate(self.procedure, 1))
        return f"Skill: {self.title}\nFollow this procedure step by step:\n{steps}"


class Task(_Row):
    """One task with an exact gold answer. `scoring` names the judge family on the bench path."""

    id: str = Field(pattern=ID_PATTERN)
    skill_id: str = Field(pattern=ID_PATTERN)
    split: Split
    prompt: str = Field(min_length=1, max_length=8000)
    answer: str = Field(min_length=1, max_length=1000)
    answer_type: AnswerType
    tolerance: float | None = Field(default=None, ge=0)
    choices: list[str] | None = None
    scoring: Scoring = "answer_line"
    rubric: str | None = Field(default=None, max_length=4000)

    @model_validator(mode="after")
    def _consistent(self) -> Task:
        if self.scoring == "llm" and not (self.rubric and self.rubric.strip()):
            raise ValueError("rubric: required when scoring is 'llm'")
        if self.answer_type == "free" and self.scoring != "llm":
            raise ValueError("scoring: free-form answers must be scored by 'llm'")
        if self.tolerance is not None and self.answer_type != "number":
            raise ValueError("tolerance: only allowed for answer_type 'number'")
        if self.answer_type == "choice":
            if not self.choices:
                raise ValueError("choices: required for answer_type 'choice'")
            if self.answer not in self.choices:
                raise ValueError("answer: must be one of choices")
        elif self.choices is not None:
            raise ValueError("choices: only allowed for answer_type 'choice'")
        return self

    @property
    def content_hash(self) -> str:
        """Hash of everything that defines the task's content (not its id or split)."""
        return canonical_hash(
            {
                "skill_id": self.skill_id,
                "prompt": self.prompt,
                "answer": self.answer,
                "answer_type": self.answer_type,
                "tolerance": self.tolerance,
                "choices": self.choices,
                "scoring": self.scoring,
                "rubric": self.rubric,
            }
        )


class Message(_Row):
    role: Literal["system", "user", "assistant"]
    content: str = Field(min_length=1, max_length=32000)


class CorpusRow(_Row):
    """One SFT demonstration: (task + curated skill block -> teacher answer), with provenance."""

    id: str = Field(pattern=ID_PATTERN)
    task_id: str = Field(pattern=ID_PATTERN)
    skill_id: str = Field(pattern=ID_PATTERN)
    messages: list[Message] = Field(min_length=2)
    teacher: str = Field(min_length=1, max_length=200)
    verdicts: dict[str, Literal["pass", "fail", "error", "abstain"]] = Field(default_factory=dict)
    content_hash: str = Field(pattern=r"^[0-9a-f]{16,64}$")

    @model_validator(mode="after")
    def _ends_with_assistant(self) -> CorpusRow:
        if self.messages[-1].role != "assistant":
            raise ValueError("messages: the last message must be the assistant's answer")
        return self
