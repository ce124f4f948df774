"""What an experiment asks for: the task selection and the planned episodes with deterministic ids.

An episode id hashes the config fingerprint (model state + sampling), the task content, the
condition and the sample index (and the seed when sampling is stochastic), so re-running an
experiment finds the episodes it already has and regenerates none of them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from engine.config import ConfigSpec, Experiment, size_in_billions
from engine.data.loader import load_skills, load_tasks
from engine.data.prompts import FORMAT_EXAMPLE_VERSION, check_no_skill_prompts, check_split_disjoint, render_messages
from engine.data.schemas import Condition, Skill, Task, canonical_hash


@dataclass(frozen=True)
class PlannedEpisode:
    episode_id: str
    config: ConfigSpec
    config_fp: str
    task: Task
    skill: Skill
    condition: Condition
    sample: int
    messages: list[dict[str, str]] = field(hash=False, compare=False)
    seed: int | None = None


@dataclass
class Selection:
    skills: dict[str, Skill]
    tasks: list[Task]  # the selected holdout slice, in stratified order
    train: list[Task]


def stratified(tasks: list[Task], limit: int | None) -> list[Task]:
    """Round-robin over skills in file order, so any prefix covers as many skills as possible."""
    by_skill: dict[str, list[Task]] = defaultdict(list)
    for t in tasks:
        by_skill[t.skill_id].append(t)
    order: list[Task] = []
    depth = 0
    while len(order) < len(tasks):
        for group in by_skill.values():
            if depth < len(group):
                order.append(group[depth])
        depth += 1
    return order if limit is None else order[:limit]


def select(exp: Experiment, limit: int | None = None) -> Selection:
    """Load and validate the experiment's data, apply the slice, run the split leakage check."""
    skills = load_skills(exp.holdout.skills)
    all_tasks = load_tasks(exp.holdout.tasks, skills)
    skill_map = {s.id: s for s in skills}
    pool = [t for t in all_tasks if t.split == exp.holdout.split]
    train = [t for t in all_tasks if t.split == "train"]
    if exp.holdout.split == "holdout":
        check_split_disjoint(pool, train)
    if exp.holdout.skill_ids is not None:
        unknown = set(exp.holdout.skill_ids) - set(skill_map)
        if unknown:
            raise ValueError(f"holdout.skill_ids names unknown skills: {sorted(unknown)}")
        pool = [t for t in pool if t.skill_id in set(exp.holdout.skill_ids)]
    if exp.holdout.tier is not None:
        pool = select_tier(pool, exp.holdout.tier, exp.holdout.tasks)
    n = limit if limit is not None else exp.holdout.limit
    return Selection(skill_map, stratified(pool, n), train)


def select_tier(pool: list[Task], tier: str, source: str) -> list[Task]:
    """The tasks of `pool` whose skill belongs to `tier`; a tier with none of them is an error."""
    from engine.data.suite import tier_of

    kept = [t for t in pool if tier_of(t.skill_id) == tier]
    if not kept:
        raise ValueError(f"holdout.tier: tier '{tier}' selects no tasks of {source} (micro skills are named micro-*)")
    return kept


def episode_id(
    config_fp: str, task: Task, condition: str, sample: int, seed: int | None, format_example: bool = False
) -> str:
    """Identity of one episode; the prompt's format example joins it only when used (old ids stay)."""
    key: dict[str, object] = {
        "config": config_fp,
        "task": task.content_hash,
        "condition": condition,
        "sample": sample,
        "seed": seed,
    }
    if format_example:
        key["prompt"] = FORMAT_EXAMPLE_VERSION
    return canonical_hash(key, 24)


def plan_episodes(exp: Experiment, sel: Selection, configs: list[ConfigSpec] | None = None) -> list[PlannedEpisode]:
    out: list[PlannedEpisode] = []
    for cfg in configs if configs is not None else exp.configs:
        fp = cfg.fingerprint()
        for task in sel.tasks:
            skill = sel.skills[task.skill_id]
            for condition in exp.conditions:
                messages = render_messages(task, skill, condition, exp.format_example)
                for sample in range(exp.samples):
                    seed = None
                    if cfg.sampling.temperature > 0:
                        seed = cfg.sampling.seed if cfg.sampling.seed is not None else exp.seed * 1000 + sample
                    out.append(
                        PlannedEpisode(
                            episode_id=episode_id(fp, task, condition, sample, seed, exp.format_example),
                            config=cfg,
                            config_fp=fp,
                            task=task,
                            skill=skill,
                            condition=condition,
                            sample=sample,
                            messages=messages,
                            seed=seed,
                        )
                    )
    check_no_skill_prompts(
        ((p.task.skill_id, "\n".join(m["content"] for m in p.messages), p.condition) for p in out), sel.skills
    )
    return out


def config_row(cfg: ConfigSpec) -> dict[str, object]:
    return {
        "config_id": cfg.id,
        "config_fp": cfg.fingerprint(),
        "backend": cfg.backend,
        "model": cfg.model,
        "adapter": cfg.adapter,
        "size": cfg.size,
        "size_b": size_in_billions(cfg.size),
        "role": cfg.role,
        "base_config": cfg.base,
        "price_in_per_mtok": cfg.price_in_per_mtok,
        "price_out_per_mtok": cfg.price_out_per_mtok,
        "spec_json": cfg.model_dump_json(),
    }


def task_row(task: Task) -> dict[str, object]:
    return {
        "task_id": task.id,
        "task_hash": task.content_hash,
        "skill_id": task.skill_id,
        "split": task.split,
        "prompt": task.prompt,
        "answer": task.answer,
        "answer_type": task.answer_type,
        "tolerance": task.tolerance,
        "scoring": task.scoring,
        "rubric": task.rubric,
    }


def skill_row(skill: Skill) -> dict[str, object]:
    return {"skill_id": skill.id, "title": skill.title, "domain": skill.domain, "block": skill.block()}


def resolve_runs_dir(runs_dir: str | Path | None) -> Path:
    import os

    return Path(runs_dir or os.environ.get("SKILL_COCKPIT_RUNS", "runs")).resolve()
