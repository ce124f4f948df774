"""What a write-up needs from the store beyond the analysis numbers: tokens and cost per config and
judge, samples and seeds, coverage of the planned design, token estimates, human adjudications,
unfinished runs and training loss curves. One aggregate query each (O(configs) rows back)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.analysis.inputs import ConfigInfo
from engine.store.reader import Con


@dataclass(frozen=True)
class Design:
    """The study a run plan slices: the full holdout, its conditions and samples, and seeds."""

    tasks: int | None  # tasks in the full holdout (None: unknown, taken from the store)
    planned_tasks: int | None  # tasks the experiment itself selects (its holdout.limit)
    conditions: int = 2
    samples: int = 1
    seeds: tuple[int, ...] = ()
    source: str = "store"  # store | experiment file path | runs


@dataclass(frozen=True)
class ConfigUsage:
    config: str  # analysis label
    episodes: int  # stored, generation errors included
    generation_errors: int
    samples: int  # distinct sample indices
    tasks: int  # distinct tasks
    tokens_in: int
    tokens_out: int
    cost_usd: float
    tokens_estimated: int  # episodes whose tokens (and cost) are estimates
    full: int | None = None  # episodes the full holdout calls for

    @property
    def coverage(self) -> float | None:
        return self.episodes / self.full if self.full else None

    @property
    def projected_cost_usd(self) -> float | None:
        """Cost of the full holdout at this config's cost per episode, when it is not all run."""
        if not self.full or self.episodes >= self.full or not self.episodes:
            return None
        return self.cost_usd / self.episodes * self.full


@dataclass(frozen=True)
class JudgeUsage:
    judge: str
    kind: str
    judgments: int
    errors: int
    tokens_in: int
    tokens_out: int
    cost_usd: float


@dataclass(frozen=True)
class TrainCurve:
    run_id: str
    config: str | None  # the config evaluating this run's adapter, when there is one
    steps: tuple[int, ...]
    loss: tuple[float, ...]


@dataclass
class StudyFacts:
    design: Design
    usage: list[ConfigUsage] = field(default_factory=list)
    judges: list[JudgeUsage] = field(default_factory=list)
    curves: list[TrainCurve] = field(default_factory=list)
    unfinished: list[tuple[str, str, str]] = field(default_factory=list)  # (run_id, kind, status)
    human: dict[str, int] = field(default_factory=dict)  # config label -> human verdicts

    @property
    def partial(self) -> bool:
        return any(u.full and u.episodes < u.full for u in self.usage)


def _label(configs: Sequence[ConfigInfo], cid: str, cfp: str) -> str | None:
    for c in configs:
        if c.config_id == cid and (c.config_fp or "") == (cfp or ""):
            return c.label
    return None


def gather(con: Con, configs: Sequence[ConfigInfo], design: Design | None = None) -> StudyFacts:
    """Facts for the configs of a report (`Report.configs`); `design` defaults to what the store holds."""
    rows = con.execute(
        "SELECT config_id, coalesce(config_fp, ''), count(*), count(error), count(DISTINCT sample), "
        "count(DISTINCT task_id), coalesce(sum(tokens_in), 0), coalesce(sum(tokens_out), 0), "
        "coalesce(sum(cost_usd), 0), count(*) FILTER (tokens_estimated) FROM episodes GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    design = design or _store_design(con, rows)
    usage = []
    for cid, cfp, n, err, samples, tasks, tin, tout, cost, est in rows:
        label = _label(configs, cid, cfp)
        if label is None:
            continue
        full = design.tasks * design.conditions * max(design.samples, int(samples)) if design.tasks else None
        usage.append(
            ConfigUsage(
                label, int(n), int(err), int(samples), int(tasks), int(tin), int(tout), float(cost), int(est), full
            )
        )
    order = {c.label: i for i, c in enumerate(configs)}
    usage.sort(key=lambda u: order[u.config])
    return StudyFacts(
        design=design,
        usage=usage,
        judges=_judges(con),
        curves=_curves(con, configs),
        unfinished=[
            (str(r[0]), str(r[1]), str(r[2]))
            for r in con.execute(
                "SELECT run_id, coalesce(kind, ''), coalesce(status, '?') FROM runs "
                "WHERE coalesce(status, '') NOT IN ('finished', 'skipped') AND coalesce(kind, '') <> 'human' "
                "ORDER BY run_id"
            ).fetchall()
        ],
        human=_human(con, configs),
    )


def _human(con: Con, configs: Sequence[ConfigInfo]) -> dict[str, int]:
    """Human verdicts per config, in the report's config order."""
    got: dict[str, int] = {}
    for cid, cfp, n in con.execute(
        "SELECT config_id, coalesce(config_fp, ''), count(*) FROM judgments WHERE verdict IN ('pass', 'fail') "
        "AND judge_id IN (SELECT judge_id FROM judges WHERE kind = 'human') GROUP BY ALL"
    ).fetchall():
        label = _label(configs, cid, cfp)
        if label is not None:
            got[label] = int(n)
    return {c.label: got[c.label] for c in configs if c.label in got}


def _store_design(con: Con, rows: list[tuple[Any, ...]]) -> Design:
    """Without an experiment: the tasks, conditions and samples the store holds."""
    n_tasks = con.execute(
        "SELECT count(DISTINCT task_id) FROM tasks WHERE coalesce(split, 'holdout') = 'holdout'"
    ).fetchall()[0][0]
    conds = con.execute("SELECT count(DISTINCT condition) FROM episodes").fetchall()[0][0]
    samples = max((int(r[4]) for r in rows), default=1)
    return Design(int(n_tasks) or None, None, max(1, int(conds)), samples, (), "store")


def _judges(con: Con) -> list[JudgeUsage]:
    """Per judge (labelled as the analysis labels it): judgments, errors, tokens and cost."""
    from engine.analysis.paths import judge_labels

    rows = con.execute(
        "SELECT judge_id, coalesce(judge_fp, ''), count(*), "
        "count(*) FILTER (verdict NOT IN ('pass', 'fail', 'abstain')), "
        "coalesce(sum(tokens_in), 0), coalesce(sum(tokens_out), 0), coalesce(sum(cost_usd), 0) "
        "FROM judgments GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    kinds: dict[str, str] = {}
    for jid, jfp, kind in con.execute("SELECT judge_id, coalesce(judge_fp, ''), kind FROM judges").fetchall():
        kinds[f"{jid}\0{jfp}"] = kind
        kinds.setdefault(jid, kind)
    infos = judge_labels([(r[0], r[1], int(r[2])) for r in rows], kinds)
    by = {(r[0], r[1]): r for r in rows}
    out = []
    for j in infos:
        r = by[(j.judge_id, j.judge_fp or "")]
        out.append(JudgeUsage(j.label, j.kind, int(r[2]), int(r[3]), int(r[4]), int(r[5]), float(r[6])))
    return out


def _curves(con: Con, configs: Sequence[ConfigInfo]) -> list[TrainCurve]:
    adapters = con.execute(
        "SELECT config_id, coalesce(config_fp, ''), adapter FROM configs WHERE adapter IS NOT NULL"
    ).fetchall()
    by_run: dict[str, str] = {}
    for cid, cfp, adapter in adapters:
        label = _label(configs, cid, cfp)
        if label is not None:
            by_run.setdefault(Path(adapter).parent.name, label)
    rows = con.execute(
        "SELECT run_id, list(step ORDER BY step), list(loss ORDER BY step) FROM train_steps "
        "WHERE loss IS NOT NULL AND isfinite(loss) GROUP BY run_id ORDER BY run_id"
    ).fetchall()
    return [TrainCurve(r, by_run.get(r), tuple(int(s) for s in st), tuple(float(x) for x in ls)) for r, st, ls in rows]


def design_from_experiment(exp: Any) -> Design:
    """The full holdout an experiment draws from (ignoring its slice), its conditions, samples, seed."""
    from engine.data.loader import load_skills, load_tasks
    from engine.plan import select

    skills = load_skills(exp.holdout.skills)
    pool = [t for t in load_tasks(exp.holdout.tasks, skills) if t.split == exp.holdout.split]
    if exp.holdout.skill_ids is not None:
        pool = [t for t in pool if t.skill_id in set(exp.holdout.skill_ids)]
    planned = len(select(exp).tasks) if exp.holdout.limit else len(pool)
    return Design(len(pool), planned, len(exp.conditions), exp.samples, (exp.seed,), str(exp.source or exp.name))


def design_from_runs(runs_dir: Path) -> Design | None:
    """The design of the eval runs' experiments in a runs directory (the largest holdout), if any loads."""
    from engine.store import journal as jr
    from engine.store import manifest

    best: Design | None = None
    seeds: set[int] = set()
    for d in jr.run_dirs(Path(runs_dir)):
        info = manifest.read_info(d)
        if info is None or info.kind != "eval":
            continue
        try:
            got = design_from_experiment(manifest.read_experiment(d))
        except Exception:  # noqa: BLE001 - a run whose data moved: the store's design is used instead
            continue
        seeds.update(got.seeds)
        if best is None or (got.tasks or 0) > (best.tasks or 0):
            best = got
    if best is None:
        return None
    return Design(best.tasks, best.planned_tasks, best.conditions, best.samples, tuple(sorted(seeds)), "runs")
