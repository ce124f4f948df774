"""The SQL behind the Episodes screen: filter options, a page of episodes, their verdicts, flips.

Every function takes a DuckDB cursor (borrowed by a worker thread) and returns plain values.
Pages come in store order (`ORDER BY rowid`: ingest order, which DuckDB serves without a sort),
so a filter over a million episodes returns its first page in milliseconds. A page is two steps:
`page` (the rows) and `details` (every judge's verdict, and episode fields when the page was
read from the judgments table); the screen paints the rows first.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from engine.store import reader as rd
from engine.store.reader import Con

PAGE = 100
CONDITIONS = ("no_skill", "curated")
VERDICTS = ("pass", "fail", "error", "abstain")


@dataclass(frozen=True)
class EpisodeFilter:
    run_id: str | None = None
    config_id: str | None = None
    skill_id: str | None = None
    condition: str | None = None
    judge_id: str | None = None  # with verdict: that judge's verdict; None: any judge
    verdict: str | None = None

    def describe(self) -> str:
        parts = [f"{k}={v}" for k, v in vars(self).items() if v is not None]
        return ", ".join(parts) or "all episodes"


@dataclass(frozen=True)
class Options:
    runs: tuple[str, ...] = ()
    configs: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()
    judges: tuple[str, ...] = ()
    bases: dict[str, str] = field(default_factory=dict)  # sft config -> base config


@dataclass(frozen=True)
class EpisodeRow:
    episode_id: str
    config_id: str
    task_id: str
    skill_id: str | None
    condition: str
    sample: int
    run_id: str | None = None
    tokens_out: int | None = None
    latency_s: float | None = None
    error: str | None = None
    latency_kind: str | None = None  # request | batch | None (not said)
    flags: str | None = None  # completion aimed at the judge: verdict,grader,delimiter ('' none, None unchecked)
    verdicts: dict[str, str] | None = None  # judge_id -> verdict; None until details arrive


@dataclass(frozen=True)
class FlipRow:
    skill_id: str | None
    task_id: str
    sample: int
    left: str  # verdict on the left side (no_skill, or the base config)
    right: str
    left_episode: str
    right_episode: str

    @property
    def direction(self) -> str:
        return "gain" if self.right == "pass" else "loss"


@dataclass(frozen=True)
class JudgmentView:
    judge_id: str
    kind: str | None
    verdict: str
    rationale: str | None
    extracted: str | None


@dataclass(frozen=True)
class EpisodeView:
    episode_id: str
    config_id: str
    condition: str
    task_id: str
    skill_id: str | None
    sample: int
    prompt: str
    completion: str
    tokens_in: int | None
    tokens_out: int | None
    latency_s: float | None
    error: str | None
    latency_kind: str | None = None
    flags: str | None = None
    finish_reason: str | None = None
    skill_title: str | None = None
    skill_block: str | None = None
    answer: str | None = None
    judgments: tuple[JudgmentView, ...] = field(default_factory=tuple)


class _ConfigBase(NamedTuple):
    config_id: str
    base_config: str | None


def options(cur: Con) -> Options:
    runs = tuple(r[0] for r in cur.execute("SELECT run_id FROM runs ORDER BY started_at NULLS LAST, run_id").fetchall())
    sql = "SELECT DISTINCT config_id, base_config FROM configs ORDER BY config_id"
    cfg_rows = rd.rows(cur, sql, None, _ConfigBase)
    configs = tuple(dict.fromkeys(r.config_id for r in cfg_rows))
    bases = {r.config_id: r.base_config for r in cfg_rows if r.base_config}
    skills = tuple(r[0] for r in cur.execute("SELECT DISTINCT skill_id FROM skills ORDER BY skill_id").fetchall())
    judges = tuple(r[0] for r in cur.execute("SELECT DISTINCT judge_id FROM judges ORDER BY judge_id").fetchall())
    return Options(runs, configs, skills, judges, bases)


def _where(f: EpisodeFilter, alias: str, *, with_run: bool) -> tuple[str, list[Any]]:
    clauses, params = [], []
    for col in ("config_id", "skill_id", "condition"):
        v = getattr(f, col)
        if v is not None:
            clauses.append(f"{alias}.{col} = ?")
            params.append(v)
    if with_run and f.run_id is not None:
        clauses.append(f"{alias}.run_id = ?")
        params.append(f.run_id)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


_EP_COLS = (
    "e.episode_id, e.config_id, e.task_id, e.skill_id, e.condition, e.sample, e.run_id, e.tokens_out, "
    "e.latency_s, e.error, e.latency_kind, e.flags"
)
_J_COLS = "j.episode_id, j.config_id, j.task_id, j.skill_id, j.condition, j.sample"


def _source(f: EpisodeFilter) -> tuple[str, list[Any], bool]:
    """(FROM ... WHERE ..., params, from_judgments)."""
    if f.verdict is None:
        where, params = _where(f, "e", with_run=True)
        return f"FROM episodes e{where}", params, False
    where, params = _where(f, "j", with_run=False)
    extra = ["j.verdict = ?"]
    params.append(f.verdict)
    if f.judge_id is not None:
        extra.append("j.judge_id = ?")
        params.append(f.judge_id)
    if f.run_id is not None:
        extra.append("j.episode_id IN (SELECT episode_id FROM episodes WHERE run_id = ?)")
        params.append(f.run_id)
    where = (where + " AND " if where else " WHERE ") + " AND ".join(extra)
    if f.judge_id is None:  # any judge: one row per episode
        return (
            f"FROM judgments j{where} QUALIFY row_number() OVER (PARTITION BY j.episode_id ORDER BY j.rowid) = 1",
            params,
            True,
        )
    return f"FROM judgments j{where}", params, True


def page(cur: Con, f: EpisodeFilter, *, limit: int = PAGE, offset: int = 0) -> list[EpisodeRow]:
    """One page of episodes matching `f`, in store order (verdicts come from `details`)."""
    src, params, from_j = _source(f)
    if from_j:  # the episode fields a judgments row lacks come from `details`
        return rd.rows(
            cur, f"SELECT {_J_COLS} {src} ORDER BY j.rowid LIMIT ? OFFSET ?", [*params, limit, offset], EpisodeRow
        )
    return rd.rows(
        cur, f"SELECT {_EP_COLS} {src} ORDER BY e.rowid LIMIT ? OFFSET ?", [*params, limit, offset], EpisodeRow
    )


def count(cur: Con, f: EpisodeFilter) -> int:
    src, params, _ = _source(f)
    return int(rd.scalar(cur, f"SELECT count(*) FROM (SELECT 1 {src})", params))


class _EpisodeFields(NamedTuple):
    """The fields `details` adds to a judgments-driven page row."""

    episode_id: str
    run_id: str | None
    tokens_out: int | None
    latency_s: float | None
    error: str | None
    latency_kind: str | None
    flags: str | None


def details(cur: Con, rows: list[EpisodeRow]) -> list[EpisodeRow]:
    """The rows with every judge's verdict (and the episode fields a judgments-driven page lacks).

    The lookup joins on the natural key and filters on the page's configs, so DuckDB prunes row
    groups instead of probing every judgment for 200 random ids."""
    if not rows:
        return rows
    cols = [
        list(c)
        for c in zip(*((r.episode_id, r.config_id, r.task_id, r.condition, r.sample) for r in rows), strict=True)
    ]
    cfgs = sorted({r.config_id for r in rows})
    page_cte = (
        "WITH p AS (SELECT unnest(?::VARCHAR[]) AS episode_id, unnest(?::VARCHAR[]) AS config_id, "
        "unnest(?::VARCHAR[]) AS task_id, unnest(?::VARCHAR[]) AS condition, unnest(?::BIGINT[]) AS sample) "
    )
    on = "x.config_id = p.config_id AND x.task_id = p.task_id AND x.condition = p.condition AND x.sample = p.sample"
    in_cfgs = f"x.config_id IN ({', '.join('?' for _ in cfgs)})"
    verdicts: dict[str, dict[str, str]] = {r.episode_id: {} for r in rows}
    for eid, jid, v in cur.execute(
        page_cte + f"SELECT x.episode_id, x.judge_id, x.verdict FROM judgments x JOIN p ON {on} "
        f"AND x.episode_id = p.episode_id WHERE {in_cfgs} ORDER BY x.judge_id",
        [*cols, *cfgs],
    ).fetchall():
        verdicts.setdefault(eid, {})[jid] = v
    extra: dict[str, _EpisodeFields] = {}
    if any(r.tokens_out is None and r.error is None for r in rows):
        sql = (
            page_cte + "SELECT x.episode_id, x.run_id, x.tokens_out, x.latency_s, x.error, x.latency_kind, x.flags "
            f"FROM episodes x JOIN p ON {on} AND x.episode_id = p.episode_id WHERE {in_cfgs}"
        )
        extra = {x.episode_id: x for x in rd.rows(cur, sql, [*cols, *cfgs], _EpisodeFields)}
    out = []
    for r in rows:
        x = extra.get(r.episode_id)
        if x is not None:
            r = replace(r, **x._asdict())  # the same episode_id
        out.append(replace(r, verdicts=verdicts.get(r.episode_id, {})))
    return out


_FLIP_SIDES = 'a.verdict AS "left", b.verdict AS "right", a.episode_id AS left_episode, b.episode_id AS right_episode'


def flips_between_conditions(cur: Con, config_id: str, judge_id: str) -> list[FlipRow]:
    """(task, sample) pairs of a config whose verdict differs between no_skill and curated."""
    sql = (
        "WITH v AS (SELECT task_id, any_value(skill_id) AS skill_id, sample, condition, "
        "any_value(verdict) AS verdict, any_value(episode_id) AS episode_id FROM judgments "
        "WHERE config_id = ? AND judge_id = ? AND verdict IN ('pass', 'fail') GROUP BY task_id, sample, condition) "
        "SELECT a.skill_id, a.task_id, a.sample, " + _FLIP_SIDES + " "
        "FROM v a JOIN v b ON a.task_id = b.task_id AND a.sample = b.sample "
        "WHERE a.condition = 'no_skill' AND b.condition = 'curated' AND a.verdict <> b.verdict "
        "ORDER BY a.skill_id, a.task_id, a.sample"
    )
    return rd.rows(cur, sql, [config_id, judge_id], FlipRow)


def flips_between_configs(cur: Con, base_id: str, sft_id: str, condition: str, judge_id: str) -> list[FlipRow]:
    """(task, sample) pairs whose verdict differs between a base config and its SFT config."""
    sql = (
        "WITH v AS (SELECT config_id, task_id, any_value(skill_id) AS skill_id, sample, "
        "any_value(verdict) AS verdict, any_value(episode_id) AS episode_id FROM judgments "
        "WHERE config_id IN (?, ?) AND condition = ? AND judge_id = ? AND verdict IN ('pass', 'fail') "
        "GROUP BY config_id, task_id, sample) "
        "SELECT a.skill_id, a.task_id, a.sample, " + _FLIP_SIDES + " "
        "FROM v a JOIN v b ON a.task_id = b.task_id AND a.sample = b.sample "
        "WHERE a.config_id = ? AND b.config_id = ? AND a.verdict <> b.verdict "
        "ORDER BY a.skill_id, a.task_id, a.sample"
    )
    return rd.rows(cur, sql, [base_id, sft_id, condition, judge_id, base_id, sft_id], FlipRow)


_EPISODE_SQL = (
    "SELECT e.episode_id, e.config_id, e.condition, e.task_id, e.skill_id, e.sample, e.prompt, e.completion, "
    "e.tokens_in, e.tokens_out, e.latency_s, e.error, e.latency_kind, e.flags, e.finish_reason, "
    "s.title AS skill_title, s.block AS skill_block, t.answer "
    "FROM episodes e LEFT JOIN skills s ON s.skill_id = e.skill_id "
    "LEFT JOIN tasks t ON t.task_id = e.task_id AND t.task_hash = e.task_hash WHERE e.episode_id = ? LIMIT 1"
)


def episode(cur: Con, episode_id: str) -> EpisodeView | None:
    view = rd.first(cur, _EPISODE_SQL, [episode_id], EpisodeView)
    if view is None:
        return None
    js = rd.rows(
        cur,
        "SELECT j.judge_id, (SELECT any_value(k.kind) FROM judges k WHERE k.judge_id = j.judge_id) AS kind, "
        "j.verdict, j.rationale, j.extracted FROM judgments j WHERE j.episode_id = ? ORDER BY j.judge_id, j.created_at",
        [episode_id],
        JudgmentView,
    )
    return replace(view, judgments=tuple(js))


@dataclass(frozen=True)
class Pair:
    mode: str  # conditions | sft
    left_title: str
    right_title: str
    left: EpisodeView | None
    right: EpisodeView | None


def _find(cur: Con, config_id: str, task_id: str, condition: str, sample: int, config_fp: str | None) -> str | None:
    found: str | None = rd.scalar(
        cur,
        "SELECT episode_id FROM episodes WHERE config_id = ? AND task_id = ? AND condition = ? AND sample = ? "
        "ORDER BY (config_fp IS NOT DISTINCT FROM ?) DESC, (error IS NULL) DESC, created_at DESC LIMIT 1",
        [config_id, task_id, condition, sample, config_fp],
    )
    return found


class _EpisodeKey(NamedTuple):
    config_id: str
    config_fp: str | None
    task_id: str
    condition: str
    sample: int


def pair(cur: Con, episode_id: str, mode: str = "conditions") -> Pair | None:
    """The episode and its counterpart: the other condition of the same config (mode "conditions"),
    or the same condition under the base / SFT config (mode "sft")."""
    key = rd.first(
        cur,
        "SELECT config_id, config_fp, task_id, condition, sample FROM episodes WHERE episode_id = ? LIMIT 1",
        [episode_id],
        _EpisodeKey,
    )
    if key is None:
        return None
    cfg, fp, task, cond, sample = key
    if mode == "conditions":
        other = _find(cur, cfg, task, "curated" if cond == "no_skill" else "no_skill", sample, fp)
        left, right = (episode_id, other) if cond == "no_skill" else (other, episode_id)
        return Pair(
            mode,
            f"{cfg} · no_skill",
            f"{cfg} · curated",
            episode(cur, left) if left else None,
            episode(cur, right) if right else None,
        )
    base_id = rd.scalar(cur, "SELECT any_value(base_config) FROM configs WHERE config_id = ?", [cfg])
    if base_id:  # this is the SFT config: its base goes left
        other = _find(cur, base_id, task, cond, sample, None)
        return Pair(
            mode,
            f"{base_id} (base) · {cond}",
            f"{cfg} (SFT) · {cond}",
            episode(cur, other) if other else None,
            episode(cur, episode_id),
        )
    sft = rd.scalar(cur, "SELECT DISTINCT config_id FROM configs WHERE base_config = ? ORDER BY 1", [cfg])
    if sft is None:
        return Pair(
            mode,
            f"{cfg} (base) · {cond}",
            "no SFT config names this config as its base",
            episode(cur, episode_id),
            None,
        )
    other = _find(cur, sft, task, cond, sample, None)
    return Pair(
        mode,
        f"{cfg} (base) · {cond}",
        f"{sft} (SFT) · {cond}",
        episode(cur, episode_id),
        episode(cur, other) if other else None,
    )
