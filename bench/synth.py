"""Synthetic stores for tests and benchmarks: a replica of the reference study's design, at any size.

`make_synthetic_store(con, n_episodes)` fills a connection that has `engine.store.schema.ddl()`
applied with runs, configs, skills, tasks, judges, episodes and judgments, written through Arrow.
The ground truth (per-config true Δ, answer-line rates) comes back in a `SynthStore`.

The generative model mirrors what the analysis must survive:
- each (config, task) has a pass probability; the curated condition shifts it by the config's Δ;
- a deterministic `answer_line` judge passes only correct answers that sit on an `ANSWER:` line, and
  curated completions put their answer on such a line less often (the format artifact);
- a lenient `final_answer` judge and one or more `llm` judges see the answer with some noise;
- deterministic judges skip llm-scored tasks; a few generations fail (every verdict is `error`) and
  a few LLM judgments fail on their own (`error`, never `fail`);
- a judge with `abstain` (a probability, or a pair (no_skill, curated)) abstains on that share of
  the episodes it would otherwise decide (verdict `abstain`, "cannot tell").
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from engine.store.records import EpisodeRecord, JudgmentRecord, Record, columns
from engine.store.schema import TABLES

CONDITIONS = ("no_skill", "curated")

# id, size, size_b, role, base, ability (logit), curated effect (logit)
DEFAULT_CONFIGS: list[dict[str, Any]] = [
    {"id": "q0.8b", "size": "0.8B", "role": "student", "base": None, "ability": -0.8, "effect": -0.35},
    {"id": "q0.8b-sft", "size": "0.8B", "role": "student", "base": "q0.8b", "ability": -0.7, "effect": -0.05},
    {"id": "q2b", "size": "2B", "role": "student", "base": None, "ability": 0.0, "effect": 0.25},
    {"id": "q2b-sft", "size": "2B", "role": "student", "base": "q2b", "ability": 0.1, "effect": 0.45},
    {"id": "q4b", "size": "4B", "role": "student", "base": None, "ability": 0.6, "effect": -0.05},
    {"id": "q4b-sft", "size": "4B", "role": "student", "base": "q4b", "ability": 0.7, "effect": 0.3},
    {"id": "haiku", "size": None, "role": "frontier", "base": None, "ability": 1.5, "effect": 0.15},
]
# id, kind, flip probability, own error rate
DEFAULT_JUDGES: list[dict[str, Any]] = [
    {"id": "extractor", "kind": "answer_line", "flip": 0.01, "error": 0.0},
    {"id": "lenient", "kind": "final_answer", "flip": 0.05, "error": 0.0},
    {"id": "claude", "kind": "llm", "flip": 0.04, "error": 0.004},
]
_SIZE_B = {"0.8B": 0.8, "2B": 2.0, "4B": 4.0}


@dataclass
class SynthStore:
    n_episodes: int
    n_judgments: int
    samples: int
    configs: list[dict[str, Any]]
    judges: list[dict[str, Any]]
    task_ids: list[str]
    llm_task_ids: list[str]
    true_delta: dict[str, float] = field(default_factory=dict)  # per config, expected over tasks


def _ids(prefix: str, idx: np.ndarray) -> pa.Array:
    return pc.binary_join_element_wise(prefix, pc.cast(pa.array(idx), pa.string()), "")


def _take(values: list[Any], codes: np.ndarray, typ: pa.DataType = pa.string()) -> pa.Array:
    return pc.take(pa.array(values, typ), pa.array(codes))


def _table(name: str, cols: dict[str, Any], n: int) -> pa.Table:
    schema = TABLES[name]
    arrays = []
    for f in schema:
        v = cols.get(f.name)
        if v is None:
            arrays.append(pa.nulls(n, f.type))
        elif isinstance(v, pa.Array | pa.ChunkedArray):
            arrays.append(v.cast(f.type))
        else:
            arrays.append(pa.array(v, f.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _records(record: type[Record], cols: dict[str, Any], n: int) -> pa.Table:
    """`n` journal records of one type, as columns: the names checked against the record's fields."""
    known = set(columns(record))
    required = {f.name for f in fields(record) if f.default is MISSING and f.default_factory is MISSING}
    unknown, missing = set(cols) - known, required - set(cols)
    if unknown or missing:
        raise ValueError(f"{record.__name__} columns: unknown {sorted(unknown)}, missing {sorted(missing)}")
    return _table(record.table, cols, n)


def synth_tables(
    n_episodes: int,
    *,
    configs: list[dict[str, Any]] | None = None,
    judges: list[dict[str, Any]] | None = None,
    n_tasks: int = 200,
    n_skills: int = 40,
    llm_share: float = 0.165,
    episode_error_rate: float = 0.002,
    answer_line_rate: tuple[float, float] = (0.93, 0.78),
    seed: int = 0,
) -> tuple[dict[str, pa.Table], SynthStore]:
    """Arrow tables (exact `TABLES` schemas) for a synthetic store, and its ground truth."""
    configs = [dict(c) for c in (configs or DEFAULT_CONFIGS)]
    judges = [dict(j) for j in (judges or DEFAULT_JUDGES)]
    rng = np.random.default_rng(seed)
    n_cfg = len(configs)
    grid = n_cfg * n_tasks * 2
    samples = max(1, -(-n_episodes // grid))
    n = n_episodes

    # sample-major order, condition innermost: truncation keeps (task, sample) pairs whole
    idx = np.arange(n, dtype=np.int64)
    cond = idx % 2
    task = (idx // 2) % n_tasks
    cfg = (idx // (2 * n_tasks)) % n_cfg
    sample = idx // grid

    task_ids = [f"t{t:04d}" for t in range(n_tasks)]
    skill_of_task = np.arange(n_tasks) % n_skills
    is_llm_task = np.zeros(n_tasks, bool)
    is_llm_task[rng.choice(n_tasks, int(round(llm_share * n_tasks)), replace=False)] = True
    difficulty = rng.normal(0.0, 1.0, n_tasks)
    task_effect = rng.normal(0.0, 0.3, n_tasks)  # how much the procedure helps this task
    ability = np.array([c.get("ability", 0.0) for c in configs])
    effect = np.array([c.get("effect", 0.0) for c in configs])

    def p_pass(ci: np.ndarray, ti: np.ndarray, cu: np.ndarray) -> np.ndarray:
        logit = ability[ci] - difficulty[ti] + cu * (effect[ci] + task_effect[ti])
        return 1.0 / (1.0 + np.exp(-logit))

    true_delta = {}
    all_t = np.arange(n_tasks)
    for i, c in enumerate(configs):
        ci = np.full(n_tasks, i)
        true_delta[c["id"]] = float(np.mean(p_pass(ci, all_t, np.ones(n_tasks)) - p_pass(ci, all_t, np.zeros(n_tasks))))

    correct = rng.random(n) < p_pass(cfg, task, cond)
    has_line = rng.random(n) < np.where(cond == 1, answer_line_rate[1], answer_line_rate[0])
    ep_error = rng.random(n) < episode_error_rate
    has_line &= ~ep_error

    cfg_fp = [c.get("fp") or f"fp{i:02d}{c['id'].replace('.', '')}" for i, c in enumerate(configs)]
    completions = ["The result is 41.", "ANSWER: 41", "The result is 42.", "Step 1...\nANSWER: 42", ""]
    comp_code = np.where(ep_error, 4, correct.astype(int) * 2 + has_line.astype(int))
    t0 = 1.7e9
    episodes = _records(
        EpisodeRecord,
        {
            "episode_id": _ids("ep", idx),
            "run_id": pa.array(["synth-eval"] * n) if n else pa.array([], pa.string()),
            "config_id": _take([c["id"] for c in configs], cfg),
            "config_fp": _take(cfg_fp, cfg),
            "task_id": _take(task_ids, task),
            "task_hash": _take([f"h{t:04d}" for t in range(n_tasks)], task),
            "skill_id": _take([f"s{s:03d}" for s in range(n_skills)], skill_of_task[task]),
            "condition": _take(list(CONDITIONS), cond),
            "sample": sample,
            "prompt": _take([f"Task {t}: compute the value." for t in task_ids], task),
            "completion": _take(completions, comp_code),
            "tokens_in": np.full(n, 120),
            "tokens_out": np.where(ep_error, 0, 40),
            "latency_s": np.full(n, 0.5),
            "cost_usd": np.zeros(n),
            "finish_reason": _take(["stop", "error"], ep_error.astype(int)),
            "error": pa.array(np.where(ep_error, "synthetic generation error", None).tolist(), pa.string()),
            "has_answer_line": has_line,
            "created_at": t0 + idx.astype(float),
        },
        n,
    )

    parts = []
    for ji, j in enumerate(judges):
        sel = idx if j["kind"] == "llm" else idx[~is_llm_task[task]]
        m = len(sel)
        ok = correct[sel] ^ (rng.random(m) < j.get("flip", 0.0))
        if j["kind"] == "answer_line":
            ok &= has_line[sel]
        err = ep_error[sel] | (rng.random(m) < j.get("error", 0.0))
        verdict = np.where(err, 2, np.where(ok, 0, 1))
        if j.get("abstain"):  # drawn only when asked for: the other judges' streams stay as they were
            share = np.broadcast_to(np.asarray(j["abstain"], float), (2,))[cond[sel]]
            verdict = np.where(~err & (rng.random(m) < share), 3, verdict)
        run = "synth-eval" if j["kind"] != "llm" else f"synth-judge-{j['id']}"
        parts.append(
            _records(
                JudgmentRecord,
                {
                    "judgment_id": _ids(f"jd{ji}-", sel),
                    "episode_id": _ids("ep", sel),
                    "judge_id": pa.array([j["id"]] * m, pa.string()),
                    "judge_fp": pa.array([j.get("fp") or f"jfp-{j['id']}"] * m, pa.string()),
                    "config_id": episodes["config_id"].take(sel),
                    "config_fp": episodes["config_fp"].take(sel),
                    "task_id": episodes["task_id"].take(sel),
                    "skill_id": episodes["skill_id"].take(sel),
                    "condition": episodes["condition"].take(sel),
                    "sample": sample[sel],
                    "scoring": _take(["answer_line", "llm"], is_llm_task[task[sel]].astype(int)),
                    "verdict": _take(["pass", "fail", "error", "abstain"], verdict),
                    "rationale": _take(["matches gold", "does not match gold", "judge error", "cannot tell"], verdict),
                    "extracted": _take(["41", "42"], correct[sel].astype(int)),
                    "tokens_in": np.zeros(m, np.int64),
                    "tokens_out": np.zeros(m, np.int64),
                    "latency_s": np.zeros(m),
                    "cost_usd": np.zeros(m),
                    "run_id": pa.array([run] * m, pa.string()),
                    "created_at": t0 + 1e7 + sel.astype(float) + ji * 0.1,
                },
                m,
            )
        )
    judgments = pa.concat_tables(parts) if parts else _table("judgments", {}, 0)

    tables = {
        "runs": _table(
            "runs",
            {
                "run_id": ["synth-eval"] + [f"synth-judge-{j['id']}" for j in judges if j["kind"] == "llm"],
                "kind": ["eval"] + ["judge" for j in judges if j["kind"] == "llm"],
                "experiment": ["synth"] * (1 + sum(j["kind"] == "llm" for j in judges)),
                "status": ["finished"] * (1 + sum(j["kind"] == "llm" for j in judges)),
            },
            1 + sum(j["kind"] == "llm" for j in judges),
        ),
        "configs": _table(
            "configs",
            {
                "config_id": [c["id"] for c in configs],
                "config_fp": cfg_fp,
                "backend": ["anthropic" if c.get("role") == "frontier" else "hf" for c in configs],
                "model": [c["id"] for c in configs],
                "size": [c.get("size") for c in configs],
                "size_b": [c.get("size_b", _SIZE_B.get(c.get("size") or "")) for c in configs],
                "role": [c.get("role", "student") for c in configs],
                "base_config": [c.get("base") for c in configs],
            },
            n_cfg,
        ),
        "skills": _table(
            "skills",
            {
                "skill_id": [f"s{s:03d}" for s in range(n_skills)],
                "title": [f"Skill {s}" for s in range(n_skills)],
                "domain": ["synthetic"] * n_skills,
                "block": ["1. a\n2. b\n3. c\n4. d\n5. e"] * n_skills,
            },
            n_skills,
        ),
        "tasks": _table(
            "tasks",
            {
                "task_id": task_ids,
                "task_hash": [f"h{t:04d}" for t in range(n_tasks)],
                "skill_id": [f"s{s:03d}" for s in skill_of_task],
                "split": ["holdout"] * n_tasks,
                "prompt": [f"Task {t}: compute the value." for t in task_ids],
                "answer": ["42"] * n_tasks,
                "answer_type": ["free" if x else "integer" for x in is_llm_task],
                "scoring": ["llm" if x else "answer_line" for x in is_llm_task],
                "rubric": ["42 or equivalent" if x else None for x in is_llm_task],
            },
            n_tasks,
        ),
        "judges": _table(
            "judges",
            {
                "judge_id": [j["id"] for j in judges],
                "judge_fp": [j.get("fp") or f"jfp-{j['id']}" for j in judges],
                "kind": [j["kind"] for j in judges],
                "backend": ["anthropic" if j["kind"] == "llm" else None for j in judges],
                "model": [j["id"] if j["kind"] == "llm" else None for j in judges],
            },
            len(judges),
        ),
        "episodes": episodes,
        "judgments": judgments,
    }
    info = SynthStore(
        n_episodes=n,
        n_judgments=judgments.num_rows,
        samples=samples,
        configs=configs,
        judges=judges,
        task_ids=task_ids,
        llm_task_ids=[t for t, x in zip(task_ids, is_llm_task, strict=True) if x],
        true_delta=true_delta,
    )
    return tables, info


def insert_tables(con: Any, tables: dict[str, pa.Table]) -> None:
    """Append Arrow tables to the store's tables of the same names, in one transaction."""
    con.execute("BEGIN TRANSACTION")
    try:
        for name, tbl in tables.items():
            con.register("_synth_rows", tbl)
            try:
                con.execute(f"INSERT INTO {name} SELECT * FROM _synth_rows")
            finally:
                con.unregister("_synth_rows")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def rows_table(name: str, rows: list[dict[str, Any]]) -> pa.Table:
    """An Arrow table with the exact schema of store table `name` from dicts (missing keys: null)."""
    schema = TABLES[name]
    return pa.Table.from_pylist([{f.name: r.get(f.name) for f in schema} for r in rows], schema=schema)


def insert_rows(con: Any, name: str, rows: list[dict[str, Any]]) -> pa.Table:
    """Append hand-written rows to one store table (through Arrow); returns the Arrow table written."""
    tbl = rows_table(name, rows)
    insert_tables(con, {name: tbl})
    return tbl


def make_synthetic_store(
    con: Any,
    n_episodes: int,
    *,
    configs: list[dict[str, Any]] | None = None,
    judges: list[dict[str, Any]] | None = None,
    seed: int = 0,
    **kwargs: Any,
) -> SynthStore:
    """Write a synthetic study of `n_episodes` episodes into `con` (schema applied); returns its truth.

    `configs`: dicts with id, size, role, base, ability, effect (logit scale), optional fp.
    `judges`: dicts with id, kind (answer_line|final_answer|llm), flip, error, optional fp.
    Other keyword arguments go to `synth_tables` (n_tasks, n_skills, llm_share, ...).
    """
    tables, info = synth_tables(n_episodes, configs=configs, judges=judges, seed=seed, **kwargs)
    insert_tables(con, tables)
    return info
