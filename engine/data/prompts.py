"""Prompt rendering for the two conditions, and the leakage checks.

Both conditions carry the same task text and the same output instruction; only the skill block
differs. `check_leakage` refuses a run where skill text reaches a no-skill prompt or a holdout
task also appears in the train split.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from engine.data.schemas import Condition, Skill, Task

OUTPUT_INSTRUCTION = (
    "Show your work briefly, then end your response with a final line of the form:\nANSWER: <your answer>"
)
PROMPT_VERSION = "v1"

# A one-shot format example (an experiment's `format_example = true`): one neutral exchange, in
# no skill's domain, that shows the output instruction followed. It is the same in both
# conditions and carries no skill text. Models far below the study's students (the embedded
# SmolLM2-135M) never write the ANSWER line from the instruction alone; with the example they
# write it on about half the tier's tasks (docs/embedded-model.md), so the extractor and the
# lenient judge can be compared on the same episodes.
FORMAT_EXAMPLE_VERSION = "shot-v1"
FORMAT_EXAMPLE = (
    {"role": "user", "content": f"How many legs does a cat have?\n\n{OUTPUT_INSTRUCTION}"},
    {"role": "assistant", "content": "A cat has four legs.\nANSWER: 4"},
)


class LeakageError(Exception):
    """Skill text in a no-skill prompt, or a holdout task in the train split."""


def render_messages(
    task: Task, skill: Skill, condition: Condition, format_example: bool = False
) -> list[dict[str, str]]:
    """The chat messages of one episode (after the one-shot FORMAT_EXAMPLE when asked for)."""
    if condition == "no_skill":
        user = f"{task.prompt}\n\n{OUTPUT_INSTRUCTION}"
    elif condition == "curated":
        user = f"{skill.block()}\n\nTask:\n{task.prompt}\n\n{OUTPUT_INSTRUCTION}"
    else:  # pragma: no cover - guarded by the Condition type and config validation
        raise ValueError(f"unknown condition {condition!r}")
    shot = [dict(m) for m in FORMAT_EXAMPLE] if format_example else []
    return [*shot, {"role": "user", "content": user}]


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def skill_fragments(skill: Skill, min_len: int = 24) -> list[str]:
    """Distinctive pieces of a skill block that must never reach a no-skill prompt."""
    frags = [_norm(step) for step in skill.procedure]
    frags.append(_norm(f"Skill: {skill.title}"))
    frags.append(_norm("Follow this procedure step by step"))
    return [f for f in frags if len(f) >= min_len]


def check_no_skill_prompts(prompts: Iterable[tuple[str, str, Condition]], skills: dict[str, Skill]) -> None:
    """`prompts` are (skill_id, prompt text, condition); raise if a no-skill prompt holds skill text."""
    all_frags = {sid: skill_fragments(s) for sid, s in skills.items()}
    for skill_id, text, condition in prompts:
        if condition != "no_skill":
            continue
        norm = _norm(text)
        for sid, frags in all_frags.items():
            for frag in frags:
                if frag in norm:
                    raise LeakageError(
                        f"skill text of '{sid}' reaches a no-skill prompt (task skill '{skill_id}'): '{frag[:60]}...'"
                    )


def check_split_disjoint(holdout: Sequence[Task], train: Sequence[Task]) -> None:
    """No holdout task (by id, content or normalised prompt) may appear in the train split."""
    train_ids = {t.id for t in train}
    train_hashes = {t.content_hash: t.id for t in train}
    train_prompts = {_norm(t.prompt): t.id for t in train}
    for t in holdout:
        if t.id in train_ids:
            raise LeakageError(f"holdout task '{t.id}' also appears in the train split (same id)")
        if t.content_hash in train_hashes:
            raise LeakageError(
                f"holdout task '{t.id}' also appears in the train split as '{train_hashes[t.content_hash]}'"
            )
        if _norm(t.prompt) in train_prompts:
            raise LeakageError(
                f"holdout task '{t.id}' has the same prompt as train task '{train_prompts[_norm(t.prompt)]}'"
            )
