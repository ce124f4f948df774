"""What every importer produces, and the mapping rules they share.

An importer reads another tool's per-sample log into `Item`s: one sample of one model on one task
under one condition, with each scorer's verdict. `engine.interop.write` turns them into a finished
run of the store. The rules here are the same for every source:

- a score value becomes a verdict (`verdict_of`): Inspect's `C`/`I` (and correct/incorrect, yes/no,
  true/false, 1/0) are pass/fail, `N` (no answer) is an abstention; any other value (a partial
  credit `P`, a BLEU of 0.41) is refused unless a `threshold` dichotomises numbers (`P` counts 0.5,
  as in Inspect's `value_to_float`): a verdict is never guessed;
- a condition value becomes one of the two conditions (`condition_of`): the value named as the
  baseline is `no_skill`, the one named as the treatment `curated`; anything else is refused.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from engine.data.schemas import CONDITIONS
from engine.events import VerdictKind

PASS = frozenset({"c", "correct", "pass", "passed", "yes", "true", "1", "1.0"})
FAIL = frozenset({"i", "incorrect", "fail", "failed", "no", "false", "0", "0.0"})
ABSTAIN = frozenset({"n", "noanswer", "abstain"})
PARTIAL = "p"  # Inspect's PARTIAL: 0.5 under its value_to_float
VERDICTS = ("pass", "fail", "abstain", "error")
VERDICT_KEY = "skill_cockpit_verdict"  # a score's metadata key naming its verdict (our own export writes it)
_UNSAFE_ID = re.compile(r"[^A-Za-z0-9_.:-]+")


@dataclass(frozen=True)
class Mapping:
    """How another tool's names become the store's: which condition value is which, how a number
    becomes a verdict, and what the imported config is called."""

    baseline: str = "no_skill"  # the condition value that is `no_skill`
    treatment: str = "curated"  # the condition value that is `curated`
    threshold: float | None = None  # numeric score values: pass when >= threshold (None: binary only)
    config: str | None = None  # the config id of the (single) model, instead of one made from its name
    llm_scorers: frozenset[str] = frozenset()  # scorers that are LLM judges (kind llm)
    headline: str | None = None  # the scorer whose path is pre-registered as the headline

    def to_json(self) -> dict[str, Any]:
        return {
            "baseline": self.baseline,
            "treatment": self.treatment,
            "threshold": self.threshold,
            "config": self.config,
            "llm_scorers": sorted(self.llm_scorers),
            "headline": self.headline,
        }


@dataclass(frozen=True)
class Score:
    judge: str  # the judge id (a scorer's or a metric's name)
    verdict: VerdictKind
    rationale: str | None = None
    extracted: str | None = None


@dataclass(frozen=True)
class JudgeSource:
    """One scorer of the source: its judge id, kind, and the description its fingerprint hashes."""

    judge_id: str
    kind: Literal["final_answer", "llm"]
    spec: dict[str, Any] = field(hash=False, compare=False)


@dataclass(frozen=True)
class Item:
    """One sample of one model: a task under a condition, what it generated, how each scorer judged it."""

    origin: str  # the file it came from (errors name it)
    where: str  # where in that file ("sample 't1' epoch 1", "line 4")
    key: str  # unique within the source: an episode id hashes it
    backend: Literal["inspect", "lm-eval"]
    model: str  # the model as the source names it
    config_spec: dict[str, Any] = field(hash=False, compare=False)  # what the config fingerprint hashes
    task_id: str = ""
    skill_id: str = ""
    task_prompt: str = ""  # the task's own text (condition-independent)
    target: str = ""
    condition: str = "no_skill"
    sample: int = 0
    prompt: str = ""  # what the model was sent under this condition
    completion: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    latency_s: float = 0.0
    cost_usd: float = 0.0
    finish_reason: str | None = None
    error: str | None = None
    scores: tuple[Score, ...] = ()


def safe_id(name: str) -> str:
    """An id the store's specs accept (`[A-Za-z0-9_.:-]`, at most 128), made from another tool's name."""
    out = _UNSAFE_ID.sub("-", name.strip()).strip("-") or "unnamed"
    if not out[0].isalnum():
        out = "x" + out
    return out[:128]


def verdict_of(value: Any, threshold: float | None = None) -> VerdictKind:
    """The verdict of one score value; ValueError (the reason) when it is not one."""
    if isinstance(value, bool):
        return "pass" if value else "fail"
    if isinstance(value, int | float):
        v = float(value)
        if math.isnan(v):
            raise ValueError("the value is NaN")
        if threshold is not None:
            return "pass" if v >= threshold else "fail"
        if v in (0.0, 1.0):
            return "pass" if v == 1.0 else "fail"
        raise ValueError(f"the value {value!r} is not binary (1/0); pass --threshold T to count values >= T as pass")
    if isinstance(value, str):
        s = value.strip().lower()
        if s in PASS:
            return "pass"
        if s in FAIL:
            return "fail"
        if s in ABSTAIN:
            return "abstain"
        if s == PARTIAL and threshold is not None:
            return "pass" if 0.5 >= threshold else "fail"
        if s == PARTIAL:
            raise ValueError("the value 'P' (partial credit) is not a verdict; pass --threshold T (P counts 0.5)")
        try:
            return verdict_of(float(s), threshold)
        except ValueError:
            pass
        raise ValueError(f"the value {value[:40]!r} is not a verdict (C/I/N, pass/fail, true/false, 1/0)")
    if value is None:
        raise ValueError("the value is missing (null)")
    raise ValueError(f"a {type(value).__name__} value is not a verdict")


def condition_of(value: Any, mapping: Mapping) -> str:
    """`no_skill` for the baseline's value, `curated` for the treatment's; ValueError otherwise."""
    text = str(value)
    if text == mapping.baseline:
        return CONDITIONS[0]
    if text == mapping.treatment:
        return CONDITIONS[1]
    raise ValueError(
        f"condition {text[:60]!r} is neither the baseline ({mapping.baseline!r}) nor the treatment "
        f"({mapping.treatment!r}); name them with --baseline and --treatment"
    )


def split_source(arg: str) -> tuple[str | None, str]:
    """`COND=PATH` (every sample of the file has condition COND) or a plain path. A path that itself
    contains `=` is taken whole when no condition name precedes it."""
    name, sep, rest = arg.partition("=")
    if sep and rest and re.fullmatch(r"[A-Za-z0-9_.:-]+", name) and "/" not in name:
        return name, rest
    return None, arg
