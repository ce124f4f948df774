"""The micro tier of the bundled suite: committed files, golds, splits, leakage and the tier selector."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.data import SUITE_DIR
from engine.data.answers import matches
from engine.data.loader import load_skills, load_tasks
from engine.data.suite import MICRO_SKILLS, SKILLS, TIERS, tier_of
from engine.data.suite.builder import SuiteError, build_tier, write_suite, write_tiers
from engine.train.leakage import check_corpus_leakage, near_duplicates

MICRO_DIR = SUITE_DIR / "micro"
FILES = ("skills.jsonl", "tasks.jsonl", "solutions.jsonl")


@pytest.fixture(scope="module")
def micro():
    return build_tier("micro")


def test_committed_micro_files_equal_a_fresh_build(tmp_path: Path) -> None:
    counts = write_tiers(tmp_path)
    n = len(MICRO_SKILLS)
    assert counts["micro"]["skills"] == n
    assert counts["micro"]["holdout"] == 8 * n
    assert counts["micro"]["train"] == 16 * n
    assert counts["study"]["tasks"] == 600, "the study tier is untouched"
    for name in FILES:
        assert (tmp_path / "micro" / name).read_bytes() == (MICRO_DIR / name).read_bytes(), f"micro/{name} is stale"
        assert (tmp_path / name).read_bytes() == (SUITE_DIR / name).read_bytes(), f"{name} is stale"


def test_build_is_reproducible_and_seeded(tmp_path: Path) -> None:
    a = write_suite(tmp_path / "a", tier="micro")
    b = write_suite(tmp_path / "b", tier="micro")
    assert a == b
    for name in FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    _, other, _ = build_tier("micro", seed=7)
    _, default, _ = build_tier("micro")
    assert [t.prompt for t in other] != [t.prompt for t in default]


def test_unknown_tier_is_a_clear_error() -> None:
    with pytest.raises(SuiteError, match="unknown tier 'nano'"):
        build_tier("nano")


def test_ids_tiers_and_structure(micro) -> None:
    skills, tasks, solutions = micro
    assert set(TIERS) == {"study", "micro"}
    assert all(s.id.startswith("micro-") and tier_of(s.id) == "micro" for s in skills)
    assert all(tier_of(d.id) == "study" for d in SKILLS)
    assert not {s.id for s in skills} & {d.id for d in SKILLS}
    for s in skills:
        assert len(s.procedure) == 5 and all(len(step) > 20 for step in s.procedure)
        hold = sorted(t.id for t in tasks if t.skill_id == s.id and t.split == "holdout")
        train = sorted(t.id for t in tasks if t.skill_id == s.id and t.split == "train")
        assert hold == sorted(f"{s.id}-h{i}" for i in range(1, 9))
        assert train == [f"{s.id}-t{i:02d}" for i in range(1, 17)]
    assert len(solutions) == len(tasks)
    assert {t.scoring for t in tasks if t.split == "holdout"} == {"answer_line", "llm"}, "both scoring families"


def test_golds_are_recomputed_from_the_prompt(micro) -> None:
    """Each gold recomputed here from the prompt text alone, independently of the generators."""
    _, tasks, _ = micro
    checked = 0
    for t in tasks:
        if t.scoring != "answer_line":
            continue
        gold = _solve(t.skill_id, t.prompt)
        assert matches(gold, t.answer, t.answer_type), (t.id, t.prompt, gold, t.answer)
        assert not matches(str(_neighbour(t.answer)), t.answer, t.answer_type)
        checked += 1
    assert checked >= 80


def _solve(skill: str, prompt: str) -> str:
    nums = [int(x) for x in re.findall(r"\d+", prompt)]
    quoted = re.findall(r'"([^"]+)"', prompt)
    if skill == "micro-is-larger":
        return "yes" if nums[0] > nums[1] else "no"
    if skill == "micro-add-single-digit":
        return str(sum(nums))
    if skill == "micro-next-number":
        return str(nums[0] + 1)
    if skill == "micro-age-lookup":
        ages = dict(re.findall(r"([A-Z][a-z]+) is (\d+)", prompt))
        who = re.search(r"(?:How old is|the age of) ([A-Z][a-z]+)\?", prompt)
        assert who
        return ages[who.group(1)]
    if skill == "micro-table-lookup":
        table = dict(re.findall(r"([a-z]+) (\d+)", prompt.split(":", 1)[1]))
        item = re.search(r"(?:does a|one) ([a-z]+) cost|price of one ([a-z]+)", prompt)
        assert item
        return table[item.group(1) or item.group(2)]
    text = quoted[0]
    if skill == "micro-first-word":
        return text.split()[0]
    if skill == "micro-last-letter":
        return text[-1]
    if skill == "micro-word-count":
        return str(len(text.split()))
    if skill == "micro-initials":
        return "".join(w[0] for w in text.split())
    raise AssertionError(f"no independent solver for {skill}")


def _neighbour(answer: str) -> str:
    flip = {"yes": "no", "no": "yes"}
    return str(int(answer) + 1) if answer.isdigit() else flip.get(answer, answer + "x")


def test_worked_solutions_reach_the_gold(micro) -> None:
    _, tasks, solutions = micro
    by_id = {s["task_id"]: s["worked"] for s in solutions}
    for t in tasks:
        worked = by_id[t.id]
        assert len(worked) == 5
        if t.scoring == "answer_line":
            assert t.answer in worked[-1]


def test_leakage_check_passes_between_micro_train_and_holdout(micro) -> None:
    _, tasks, _ = micro
    train = [t for t in tasks if t.split == "train"]
    holdout = [t for t in tasks if t.split == "holdout"]
    check_corpus_leakage(train, holdout)
    assert near_duplicates(train, holdout) == []


def test_no_instance_is_drawn_twice_within_a_skill(micro) -> None:
    """The generators name their instance (word, numbers): no holdout instance reappears in train."""
    _, tasks, _ = micro
    for s in MICRO_SKILLS:
        keys = [_instance(s.id, t.prompt) for t in tasks if t.skill_id == s.id]
        assert len(set(keys)) == len(keys), s.id


def _instance(skill: str, prompt: str) -> str:
    quoted = re.findall(r'"([^"]+)"', prompt)
    if quoted:
        return quoted[0]
    nums = re.findall(r"\d+", prompt)
    if skill == "micro-is-larger":  # "is a larger than b" and "is b larger than a" are two tasks
        return ">".join(nums)
    words = re.findall(r"\b(?:does a|one|a) ([a-z]+) (?:cost|costs)|(?:old is|age of) ([A-Z][a-z]+)", prompt)
    words = ["".join(w) for w in words]
    return ",".join(sorted(nums)) + "|" + ",".join(words)


def test_committed_micro_files_load(micro) -> None:
    skills = load_skills(MICRO_DIR / "skills.jsonl")
    tasks = load_tasks(MICRO_DIR / "tasks.jsonl", skills)
    assert [t.id for t in tasks] == [t.id for t in micro[1]]


# ---------------------------------------------------------------- the tier selector (holdout.tier)


def _exp(tmp_path: Path, tier: str, folder: Path = MICRO_DIR) -> Path:
    exp = tmp_path / "exp.toml"
    exp.write_text(
        f'name = "x"\n[holdout]\nskills = "{folder / "skills.jsonl"}"\ntasks = "{folder / "tasks.jsonl"}"\n'
        f'tier = "{tier}"\n[[configs]]\nid = "a"\nbackend = "hf"\nmodel = "m"\n'
    )
    return exp


def test_tier_selector_keeps_the_tier(tmp_path: Path) -> None:
    from engine.config import load_experiment
    from engine.plan import select

    sel = select(load_experiment(_exp(tmp_path, "micro")))
    assert len(sel.tasks) == 8 * len(MICRO_SKILLS)
    assert {t.skill_id for t in sel.tasks} == {s.id for s in MICRO_SKILLS}
    study = select(load_experiment(_exp(tmp_path, "study", SUITE_DIR)))
    assert len(study.tasks) == 200


def test_tier_selector_with_no_task_of_the_tier_is_a_clear_error(tmp_path: Path) -> None:
    from engine.config import load_experiment
    from engine.plan import select

    with pytest.raises(ValueError, match="holdout.tier: tier 'study' selects no tasks of .*micro/tasks.jsonl"):
        select(load_experiment(_exp(tmp_path, "study")))


def test_unknown_tier_in_an_experiment_names_the_field(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from engine.cli import app

    exp = _exp(tmp_path, "nano")
    res = CliRunner().invoke(app, ["data", "validate", str(exp)], terminal_width=300)
    assert res.exit_code == 2
    assert "holdout.tier" in res.output
    assert "Traceback" not in res.output


def test_dropped_candidates_still_build_and_solve() -> None:
    """The candidates the calibration dropped (docs/embedded-model.md) stay valid, for a later recalibration."""
    from engine.data.suite import micro_numbers, micro_words
    from engine.data.suite.builder import TIER_SPLITS, build_suite

    candidates = [*micro_numbers.CANDIDATES, *micro_words.CANDIDATES]
    assert {s.id for s in MICRO_SKILLS} < {s.id for s in candidates}
    _, tasks, _ = build_suite(skills=candidates, splits=TIER_SPLITS["micro"])
    for t in tasks:
        if t.scoring == "answer_line":
            assert matches(_solve(t.skill_id, t.prompt), t.answer, t.answer_type), t.id
