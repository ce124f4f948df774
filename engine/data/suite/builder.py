"""Build the bundled suite deterministically and verify every task before anything is written.

Each (skill, split) pair draws from its own RNG, `random.Random(f"{seed}:{skill_id}:{split}")`, so adding
or changing one skill never changes another skill's tasks. Holdout tasks are `<skill>-h1..h5`, train
tasks `<skill>-t01..t10`; a skill's `free_form_share` decides how many of them are llm-scored.
Tiers (`engine.data.suite.TIERS`): "study", the 40 full-size skills in `data/suite/`, and "micro",
one- or two-step skills at the embedded model's level in `data/suite/micro/` (8 holdout and 16
train tasks per skill, `<skill>-h1..h8`, `<skill>-t01..t16`), under the same checks.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from pathlib import Path

from engine.data.answers import matches, parse_number
from engine.data.prompts import check_no_skill_prompts, check_split_disjoint, render_messages
from engine.data.schemas import PROCEDURE_STEPS, Skill, Task
from engine.data.suite import SKILLS, TIERS
from engine.data.suite.base import Generated, SkillDef

DEFAULT_SEED = 2605
SPLITS: tuple[tuple[str, int], ...] = (("holdout", 5), ("train", 10))
# The micro tier has more tasks per skill: its tasks are short, and its Δ needs them for a CI.
TIER_SPLITS: dict[str, tuple[tuple[str, int], ...]] = {"study": SPLITS, "micro": (("holdout", 8), ("train", 16))}
TIER_DIRS: dict[str, str] = {"study": ".", "micro": "micro"}  # relative to the suite directory
MAX_PROMPT_CHARS = 600
MAX_STEP_CHARS = 900
MAX_TRIES = 200
FILES = ("skills.jsonl", "tasks.jsonl", "solutions.jsonl")


class SuiteError(Exception):
    """A generated task failed verification."""


def task_id(skill_id: str, split: str, i: int) -> str:
    return f"{skill_id}-h{i + 1}" if split == "holdout" else f"{skill_id}-t{i + 1:02d}"


def free_form_flags(n: int, share: float) -> list[bool]:
    """Which of n tasks are free-form: round(share × n) of them, spread evenly."""
    k = round(share * n)
    return [((i + 1) * k) // n > (i * k) // n for i in range(n)]


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def verify(task: Task, gen: Generated, free_form: bool) -> None:
    """Raise SuiteError unless the generated task is internally consistent and its gold checks out."""
    where = task.id
    if len(task.prompt) >= MAX_PROMPT_CHARS:
        raise SuiteError(f"{where}: prompt is {len(task.prompt)} chars (limit {MAX_PROMPT_CHARS})")
    if re.search(r"answer\s*:", task.prompt, re.IGNORECASE):
        raise SuiteError(f"{where}: the prompt carries an output-format instruction")
    if len(gen.worked) != PROCEDURE_STEPS or any(len(s) > MAX_STEP_CHARS for s in gen.worked):
        raise SuiteError(f"{where}: worked solution must be {PROCEDURE_STEPS} steps of <= {MAX_STEP_CHARS} chars")
    if free_form != (task.scoring == "llm"):
        raise SuiteError(f"{where}: expected {'llm' if free_form else 'answer_line'} scoring, got {task.scoring}")
    if task.scoring == "llm":
        if task.answer_type != "free" or not task.rubric:
            raise SuiteError(f"{where}: llm-scored tasks must be free-form with a rubric")
        if not task.rubric.startswith("PASS only if"):
            raise SuiteError(f"{where}: rubric must state the PASS condition")
        return
    if task.answer_type == "free" or task.rubric is not None:
        raise SuiteError(f"{where}: answer_line tasks need a deterministic answer type and no rubric")
    if not matches(task.answer, task.answer, task.answer_type, task.tolerance):
        raise SuiteError(f"{where}: gold {task.answer!r} does not match itself as {task.answer_type}")
    if task.answer not in gen.worked[-1]:
        raise SuiteError(f"{where}: the last worked step does not reach the answer {task.answer!r}")
    if task.answer_type == "date" and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", task.answer):
        raise SuiteError(f"{where}: date gold must be ISO YYYY-MM-DD")
    if task.answer_type == "number" and (parse_number(task.answer) is None or "," in task.answer):
        raise SuiteError(f"{where}: number gold must be a plain decimal")
    if task.answer_type == "choice" and task.choices and len(set(task.choices)) != len(task.choices):
        raise SuiteError(f"{where}: duplicate choices")


def _make_task(sd: SkillDef, split: str, tid: str, gen: Generated) -> Task:
    return Task(
        id=tid,
        skill_id=sd.id,
        split=split,  # type: ignore[arg-type]
        prompt=gen.prompt,
        answer=gen.answer,
        answer_type=gen.answer_type,  # type: ignore[arg-type]
        tolerance=gen.tolerance,
        choices=list(gen.choices) if gen.choices is not None else None,
        scoring=gen.scoring,  # type: ignore[arg-type]
        rubric=gen.rubric,
    )


def _skill_tasks(
    sd: SkillDef, seed: int, splits: Sequence[tuple[str, int]] = SPLITS
) -> dict[str, list[tuple[Task, Generated]]]:
    """Holdout and train tasks of one skill; prompts (and named instances) never repeat within the skill."""
    seen: set[str] = set()
    keys: set[str] = set()  # instances (Generated.key), for generators that name them
    out: dict[str, list[tuple[Task, Generated]]] = {}
    for split, n in splits:
        rng = random.Random(f"{seed}:{sd.id}:{split}")
        rows = []
        for i, free_form in enumerate(free_form_flags(n, sd.free_form_share)):
            for _ in range(MAX_TRIES):
                gen = sd.generate(rng, free_form)
                if _norm(gen.prompt) not in seen and (gen.key is None or gen.key not in keys):
                    break
            else:
                raise SuiteError(f"{sd.id}: no fresh prompt after {MAX_TRIES} draws")
            seen.add(_norm(gen.prompt))
            if gen.key is not None:
                keys.add(gen.key)
            tid = task_id(sd.id, split, i)
            task = _make_task(sd, split, tid, gen)
            verify(task, gen, free_form)
            rows.append((task, gen))
        out[split] = rows
    return out


def build_suite(
    seed: int = DEFAULT_SEED,
    skills: Sequence[SkillDef] | None = None,
    splits: Sequence[tuple[str, int]] = SPLITS,
) -> tuple[list[Skill], list[Task], list[dict]]:
    """(skills, tasks with holdout first, worked solutions) of the suite, all verified."""
    defs = list(SKILLS if skills is None else skills)
    ids = [d.id for d in defs]
    if len(set(ids)) != len(ids):
        raise SuiteError("duplicate skill ids")
    skill_rows = [d.to_skill() for d in defs]
    per_skill = {d.id: _skill_tasks(d, seed, splits) for d in defs}
    tasks: list[Task] = []
    solutions: list[dict] = []
    for split, _ in splits:
        for d in defs:
            for task, gen in per_skill[d.id][split]:
                tasks.append(task)
                solutions.append({"task_id": task.id, "skill_id": task.skill_id, "worked": list(gen.worked)})

    prompts = [_norm(t.prompt) for t in tasks]
    if len(set(prompts)) != len(prompts):
        raise SuiteError("two tasks share a prompt")
    hashes = [t.content_hash for t in tasks]
    if len(set(hashes)) != len(hashes):
        raise SuiteError("two tasks share their content")
    holdout = [t for t in tasks if t.split == "holdout"]
    train = [t for t in tasks if t.split == "train"]
    check_split_disjoint(holdout, train)
    by_id = {s.id: s for s in skill_rows}
    check_no_skill_prompts(
        ((t.skill_id, render_messages(t, by_id[t.skill_id], "no_skill")[0]["content"], "no_skill") for t in tasks),
        by_id,
    )
    return skill_rows, tasks, solutions


def _jsonl(rows: Sequence[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=False) + "\n" for r in rows)


def build_tier(tier: str, seed: int = DEFAULT_SEED) -> tuple[list[Skill], list[Task], list[dict]]:
    """`build_suite` of one tier ("study" or "micro") with that tier's split sizes."""
    if tier not in TIERS:
        raise SuiteError(f"unknown tier {tier!r} (known: {', '.join(TIERS)})")
    return build_suite(seed, TIERS[tier], TIER_SPLITS[tier])


def render_files(seed: int = DEFAULT_SEED, tier: str = "study") -> dict[str, str]:
    """The text of each suite file of a tier, keyed by file name."""
    skills, tasks, solutions = build_tier(tier, seed)
    return {
        "skills.jsonl": _jsonl([s.model_dump(mode="json", exclude_none=True) for s in skills]),
        "tasks.jsonl": _jsonl([t.model_dump(mode="json", exclude_none=True) for t in tasks]),
        "solutions.jsonl": _jsonl(solutions),
    }


def write_tiers(suite_dir: Path, seed: int = DEFAULT_SEED) -> dict[str, dict[str, int]]:
    """Write every tier into its directory under `suite_dir` (study: the directory itself; micro: micro/)."""
    return {tier: write_suite(Path(suite_dir) / TIER_DIRS[tier], seed, tier) for tier in TIERS}


def write_suite(out_dir: Path, seed: int = DEFAULT_SEED, tier: str = "study") -> dict[str, int]:
    """Write skills.jsonl, tasks.jsonl and solutions.jsonl of a tier into `out_dir`; return row counts."""
    files = render_files(seed, tier)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (out_dir / name).write_text(text, encoding="utf-8", newline="\n")
    tasks = [json.loads(line) for line in files["tasks.jsonl"].splitlines()]
    return {
        "skills": files["skills.jsonl"].count("\n"),
        "tasks": len(tasks),
        "holdout": sum(t["split"] == "holdout" for t in tasks),
        "train": sum(t["split"] == "train" for t in tasks),
        "llm_holdout": sum(t["split"] == "holdout" and t["scoring"] == "llm" for t in tasks),
        "solutions": files["solutions.jsonl"].count("\n"),
    }
