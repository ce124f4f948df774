"""The one-shot format example (`format_example = true`): same in both conditions, no skill text,
part of an episode's identity only when used, and on in the micro demo."""

from __future__ import annotations

from pathlib import Path

from engine.config import load_experiment
from engine.data import SUITE_DIR
from engine.data.loader import load_skills, load_tasks
from engine.data.prompts import FORMAT_EXAMPLE, OUTPUT_INSTRUCTION, render_messages, skill_fragments
from engine.data.schemas import canonical_hash
from engine.demo import demo_files
from engine.plan import episode_id, plan_episodes, select


def _skills_and_tasks() -> tuple[dict, list]:
    skills = {}
    tasks = []
    for folder in (SUITE_DIR, SUITE_DIR / "micro"):
        ss = load_skills(folder / "skills.jsonl")
        skills.update({s.id: s for s in ss})
        tasks += load_tasks(folder / "tasks.jsonl", ss)
    return skills, tasks


def test_the_example_precedes_the_same_task_message_in_both_conditions() -> None:
    skills, tasks = _skills_and_tasks()
    t = tasks[0]
    for cond in ("no_skill", "curated"):
        plain = render_messages(t, skills[t.skill_id], cond)
        shot = render_messages(t, skills[t.skill_id], cond, format_example=True)
        assert shot[-1] == plain[-1] and len(shot) == len(plain) + 2
        assert [m["role"] for m in shot[:2]] == ["user", "assistant"]
        assert shot[:2] == [dict(m) for m in FORMAT_EXAMPLE]
    # it follows the very instruction the task carries, and ends in an ANSWER line
    assert FORMAT_EXAMPLE[0]["content"].endswith(OUTPUT_INSTRUCTION)
    assert FORMAT_EXAMPLE[1]["content"].splitlines()[-1].startswith("ANSWER: ")


def test_the_example_carries_no_skill_text_and_no_task() -> None:
    skills, tasks = _skills_and_tasks()
    text = " ".join(m["content"] for m in FORMAT_EXAMPLE).lower()
    for s in skills.values():
        assert not any(f in " ".join(text.split()) for f in skill_fragments(s)), s.id
    prompts = {" ".join(t.prompt.lower().split()) for t in tasks}
    assert " ".join(FORMAT_EXAMPLE[0]["content"].split("\n\n")[0].lower().split()) not in prompts


def test_episode_ids_change_with_the_example_and_only_then(tmp_path: Path) -> None:
    skills, tasks = _skills_and_tasks()
    t = tasks[0]
    key = {"config": "fp", "task": t.content_hash, "condition": "curated", "sample": 0, "seed": None}
    old = canonical_hash(key, 24)
    assert episode_id("fp", t, "curated", 0, None) == old  # stores written before the example keep their ids
    assert episode_id("fp", t, "curated", 0, None, format_example=True) != old


def test_the_micro_demo_plans_with_the_example() -> None:
    exp = load_experiment(demo_files("micro")[0])
    assert exp.format_example
    planned = plan_episodes(exp, select(exp))  # the leakage check runs over every message
    assert planned and all(p.messages[:2] == [dict(m) for m in FORMAT_EXAMPLE] for p in planned)
    study = load_experiment(demo_files("study")[0])
    assert not study.format_example
    assert all(len(p.messages) == 1 for p in plan_episodes(study, select(study))[:4])
