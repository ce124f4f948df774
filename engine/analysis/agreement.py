"""Judge agreement: Cohen's κ with CI, % agreement, 2x2 confusion and the Δ shift between judges,
per config x judge pair, on the episodes both judges scored non-error; and the disagreement browser.

κ's CI is a bootstrap clustered by task (by skill with `skills`, `engine.analysis.clusters`), beside
the asymptotic one; κ per condition beside the pooled κ; κ undefined (with the reason) when a judge
gives one verdict throughout (`engine.analysis.kappa_boot`).

Pairs are oriented by judge kind (answer_line, final_answer, llm, human): judge_a is the more
deterministic one, and the confusion's rows are judge_a pass/fail, its columns judge_b pass/fail.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from engine.analysis import clusters as cl
from engine.analysis import kappa_boot
from engine.analysis.inputs import Inputs
from engine.analysis.notices import Notice
from engine.analysis.passrates import CONDITIONS
from engine.analysis.stats import cohens_kappa
from engine.store.reader import Con

MIN_KAPPA_ITEMS = 30
ALL = "*"


@dataclass
class Agreement:
    config: str
    judge_a: str
    judge_b: str
    n: int  # episodes both judged non-error
    agree: int
    pct_agreement: float | None
    kappa: float | None
    kappa_low: float | None
    kappa_high: float | None
    confusion: list[list[int]]  # rows: judge_a pass/fail; columns: judge_b pass/fail
    pass_rate_a: float | None
    pass_rate_b: float | None
    n_tasks: int  # tasks with both conditions judged by both
    delta_a: float | None
    delta_b: float | None
    delta_shift: float | None  # delta_b − delta_a on the same episodes
    kappa_ci_method: str | None = None  # bootstrap-task-percentile | wilson-agreement (kappa_boot)
    kappa_undefined: str | None = None  # why κ is None, e.g. "judge X gave 'pass' on all 40 items"
    kappa_asymptotic_low: float | None = None  # Fleiss-Cohen-Everitt, episodes as independent items
    kappa_asymptotic_high: float | None = None
    # no_skill / curated -> n, kappa, kappa_low, kappa_high, kappa_ci_method, kappa_undefined
    kappa_by_condition: dict[str, dict[str, object]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class AgreementSummary:
    """The reference study's validation statement for one judge pair, across configs."""

    judge_a: str
    judge_b: str
    configs: int
    n: int
    kappa_pooled: float | None
    kappa_min: float | None
    pct_agreement_min: float | None
    max_abs_delta_shift: float | None
    direction_flips: list[str] = field(default_factory=list)  # configs whose Δ changes sign

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class PairStats:
    """Per group (config x judge pair, or judge pair pooled): 2x2 sums by condition and Δ per judge."""

    keys: list[tuple[int, int, int]]  # (config index or -1 when pooled, judge a, judge b)
    n: dict[str, np.ndarray]  # "n11_ns", ..., "n00_cu": per group
    n_tasks: np.ndarray
    delta_a: np.ndarray  # NaN without tasks
    delta_b: np.ndarray
    cells: dict[str, np.ndarray] | None = None  # "n11_ns", ..., "n00_cu": (group, task) counts


def pair_stats(inp: Inputs, mask: np.ndarray | None = None, *, pooled: bool = False, cells: bool = False) -> PairStats:
    """Vectorised over all groups: κ inputs, pass rates and the Δ each judge sees on shared episodes."""
    p = inp.pair
    sel = np.ones(p.n, dtype=bool) if mask is None else mask
    J = max(1, len(inp.judges))
    cfg = np.zeros(p.n, dtype=np.int64) if pooled else p.num["cfg"]
    gkey = (cfg * J + p.num["ja"]) * J + p.num["jb"]
    ukeys, g = np.unique(gkey[sel], return_inverse=True)
    g = g.reshape(-1)
    G, T = len(ukeys), max(1, len(p.dicts.get("task_id", [])))
    num = {k: v[sel] for k, v in p.num.items()}
    cond = p.codes["condition"][sel]
    tot = num["n11"] + num["n10"] + num["n01"] + num["n00"]
    # tasks in id order (not the store's row order), so the per-task sums below add up in the same
    # order every time: the same store gives the same bits
    tasks = np.asarray(p.dicts.get("task_id", []), dtype=object)
    rank = np.argsort(np.argsort(tasks, kind="stable"), kind="stable")
    task_key = g * T + rank[p.codes["task_id"][sel]]
    n: dict[str, np.ndarray] = {}
    per_task: dict[str, np.ndarray] = {}
    task_cells: dict[str, np.ndarray] = {}
    for c, suffix in zip(CONDITIONS, ("ns", "cu"), strict=True):
        m = cond == p.code("condition", c)
        for k in ("n11", "n10", "n01", "n00"):
            n[f"{k}_{suffix}"] = np.bincount(g[m], weights=num[k][m], minlength=G).astype(np.int64)
            if cells:
                w = np.bincount(task_key[m], weights=num[k][m], minlength=G * T)
                task_cells[f"{k}_{suffix}"] = w.reshape(G, T)
        for k, w in (("n", tot), ("a", num["n11"] + num["n10"]), ("b", num["n11"] + num["n01"])):
            per_task[f"{k}_{suffix}"] = np.bincount(task_key[m], weights=w[m], minlength=G * T).reshape(G, T)
    ok = (per_task["n_ns"] > 0) & (per_task["n_cu"] > 0)
    k = ok.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        da = np.where(ok, per_task["a_cu"] / per_task["n_cu"] - per_task["a_ns"] / per_task["n_ns"], 0.0)
        db = np.where(ok, per_task["b_cu"] / per_task["n_cu"] - per_task["b_ns"] / per_task["n_ns"], 0.0)
        da, db = da.sum(1) / k, db.sum(1) / k
    keys = [(-1 if pooled else x // (J * J), x // J % J, x % J) for x in ukeys.tolist()]
    return PairStats(keys, n, k, da, db, task_cells or None)


def _f(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def _agreement_row(
    cfg: str,
    a: str,
    b: str,
    st: PairStats,
    i: int,
    boot: dict[str, np.ndarray] | None = None,
    boot_method: str = kappa_boot.BOOT_METHOD,
) -> Agreement:
    n11, n10, n01, n00 = (int(st.n[f"{k}_ns"][i] + st.n[f"{k}_cu"][i]) for k in ("n11", "n10", "n01", "n00"))
    n = n11 + n10 + n01 + n00
    why = kappa_boot.undefined_reason(a, b, (n11, n10, n01, n00))
    kap = cohens_kappa([[n11, n10], [n01, n00]])
    if why is not None:
        kap = type(kap)(None, None, None)
    low, high, method = kap.low, kap.high, "asymptotic" if kap.kappa is not None else None
    if boot is not None and why is None:
        low, high, method = kappa_boot.interval(
            (n11, n10, n01, n00), boot["low"][i], boot["high"][i], int(boot["units"][i]), boot_method
        )
    da, db = _f(st.delta_a[i]), _f(st.delta_b[i])
    return Agreement(
        config=cfg,
        judge_a=a,
        judge_b=b,
        n=n,
        agree=n11 + n00,
        pct_agreement=(n11 + n00) / n if n else None,
        kappa=kap.kappa,
        kappa_low=low,
        kappa_high=high,
        confusion=[[n11, n10], [n01, n00]],
        pass_rate_a=(n11 + n10) / n if n else None,
        pass_rate_b=(n11 + n01) / n if n else None,
        n_tasks=int(st.n_tasks[i]),
        delta_a=da,
        delta_b=db,
        delta_shift=db - da if da is not None and db is not None else None,
        kappa_ci_method=method,
        kappa_undefined=why,
        kappa_asymptotic_low=kap.low,
        kappa_asymptotic_high=kap.high,
        kappa_by_condition={} if boot is None else kappa_boot.by_condition(a, b, st.n, boot, i, boot_method),
    )


def agreement(
    inp: Inputs, found: list[Notice], *, n_boot: int = 2000, seed: int = 0, skills: Mapping[str, str] | None = None
) -> tuple[list[Agreement], list[AgreementSummary]]:
    """Per config x judge pair rows (config order within each pair) and one summary per pair; each row's
    κ CI is the task-clustered bootstrap (n_boot resamples), pooled and per condition; with `skills`
    (task -> skill) the bootstrap over skills."""
    jl = [j.label for j in inp.judges]
    st = pair_stats(inp, cells=True)
    tasks = np.sort(np.asarray(inp.pair.dicts.get("task_id", []), dtype=object))  # the cells' task columns
    codes = cl.codes(tasks, skills) if skills is not None and tasks.size else None
    method = kappa_boot.BOOT_METHOD if codes is None else kappa_boot.SKILL_METHOD
    boot = kappa_boot.cluster_boot(st.cells, n_boot=n_boot, seed=seed, clusters=codes) if st.cells else None
    rows = [
        _agreement_row(inp.configs[c].label, jl[a], jl[b], st, i, boot, method) for i, (c, a, b) in enumerate(st.keys)
    ]
    rows.sort(key=lambda r: (jl.index(r.judge_a), jl.index(r.judge_b)))  # stable: config order kept
    few: dict[tuple[str, str], list[str]] = {}
    for r in rows:
        if r.n < MIN_KAPPA_ITEMS:
            few.setdefault((r.judge_a, r.judge_b), []).append(f"{r.config} ({r.n})")
    for (ja, jb), cfgs in few.items():
        msg = (
            f"judges {ja} and {jb} share fewer than {MIN_KAPPA_ITEMS} non-error items for "
            f"{', '.join(cfgs)}: κ there is unreliable"
        )
        found.append(Notice("small_n", msg, subject=jb, judge=ja))
    pooled = pair_stats(inp, pooled=True)
    summaries = []
    for i, (_, ia, ib) in enumerate(pooled.keys):
        a, b = jl[ia], jl[ib]
        whole = _agreement_row(ALL, a, b, pooled, i)
        ags = [r for r in rows if (r.judge_a, r.judge_b) == (a, b)]
        kappas = [g.kappa for g in ags if g.kappa is not None]
        shifts = [abs(g.delta_shift) for g in ags if g.delta_shift is not None]
        pcts = [g.pct_agreement for g in ags if g.pct_agreement is not None]
        summaries.append(
            AgreementSummary(
                judge_a=a,
                judge_b=b,
                configs=len(ags),
                n=whole.n,
                kappa_pooled=whole.kappa,
                kappa_min=min(kappas) if kappas else None,
                pct_agreement_min=min(pcts) if pcts else None,
                max_abs_delta_shift=max(shifts) if shifts else None,
                direction_flips=[
                    g.config
                    for g in ags
                    if g.delta_a is not None and g.delta_b is not None and g.delta_a * g.delta_b < 0
                ],
            )
        )
    return rows, summaries


@dataclass
class Disagreement:
    episode_id: str
    config_id: str
    config_fp: str | None
    task_id: str
    condition: str
    sample: int
    scoring: str | None
    verdict_a: str
    verdict_b: str
    rationale_a: str | None
    rationale_b: str | None
    extracted_a: str | None
    extracted_b: str | None
    completion: str | None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _judge_clause(alias: str, judge: str, params: list[Any]) -> str:
    """`id` or `id@fp6` (a label from the report) -> SQL condition on judgments alias."""
    jid, _, fp = judge.partition("@")
    params.append(jid)
    if fp:
        params.append(fp if fp != "none" else "")
        return f"{alias}.judge_id = ? AND starts_with(coalesce({alias}.judge_fp, ''), ?)"
    return f"{alias}.judge_id = ?"


def _disagreement_sql(judge_a: str, judge_b: str, config_id: str | None) -> tuple[str, list[Any]]:
    params: list[Any] = []
    where = [_judge_clause("a", judge_a, params), _judge_clause("b", judge_b, params)]
    if config_id is not None:
        cid, _, fp = config_id.partition("@")
        where.append("a.config_id = ?")
        params.append(cid)
        if fp:
            where.append("starts_with(coalesce(a.config_fp, ''), ?)")
            params.append(fp if fp != "none" else "")
    where.append("a.verdict IN ('pass', 'fail') AND b.verdict IN ('pass', 'fail') AND a.verdict <> b.verdict")
    sql = (
        "SELECT a.episode_id, a.config_id, a.config_fp, a.task_id, a.condition, a.sample, a.scoring, "
        "a.verdict AS verdict_a, b.verdict AS verdict_b, "
        "a.rationale AS rationale_a, b.rationale AS rationale_b, "
        "a.extracted AS extracted_a, b.extracted AS extracted_b "
        "FROM judgments AS a JOIN judgments AS b ON a.episode_id = b.episode_id WHERE " + " AND ".join(where)
    )
    return sql, params


def disagreements(
    con: Con,
    judge_a: str,
    judge_b: str,
    *,
    config_id: str | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[Disagreement]:
    """Episodes where two judges gave different non-error verdicts, with the completion and both
    rationales, in a stable order (config, task, condition, sample). Judges and config may be
    report labels (`id@fp6`). Completions are store text: render them literally."""
    sql, params = _disagreement_sql(judge_a, judge_b, config_id)
    page = (
        f"WITH d AS ({sql} ORDER BY a.config_id, a.config_fp, a.task_id, a.condition, a.sample, a.episode_id "
        "LIMIT ? OFFSET ?) SELECT d.*, e.completion FROM d "
        "LEFT JOIN episodes AS e ON e.episode_id = d.episode_id "
        "ORDER BY d.config_id, d.config_fp, d.task_id, d.condition, d.sample, d.episode_id"
    )
    rows = con.execute(page, [*params, int(limit), int(offset)]).fetchall()
    return [Disagreement(*r) for r in rows]


def count_disagreements(con: Con, judge_a: str, judge_b: str, *, config_id: str | None = None) -> int:
    """How many episodes `disagreements` pages through."""
    sql, params = _disagreement_sql(judge_a, judge_b, config_id)
    return int(con.execute(f"SELECT count(*) FROM ({sql})", params).fetchall()[0][0])
