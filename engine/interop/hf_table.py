"""The per-episode table (`items`) in the common per-item shape: one row per episode, one column pair
per judge, flat scalar columns only, so that `datasets.load_dataset("parquet", data_files=...)`,
pandas and DuckDB load it as it is.

Columns: `episode_id`, `run_id`, `config_id`, `config_fp`, `model`, `task_id`, `skill_id`,
`condition`, `sample`, `prompt`, `completion`, `target`, `scoring`, `error`, then for each judge J
in the store (sorted by id) `verdict_J` (pass | fail | error | abstain, NULL where J did not judge
the episode) and `rationale_J`. A judge id with several fingerprints gives the latest verdict of any
of them; the long `scores` table keeps every judgment.
"""

from __future__ import annotations

from engine.store.reader import Con

FIXED = (
    "episode_id",
    "run_id",
    "config_id",
    "config_fp",
    "model",
    "task_id",
    "skill_id",
    "condition",
    "sample",
    "prompt",
    "completion",
    "target",
    "scoring",
    "error",
)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def judge_columns(judge_id: str) -> tuple[str, str]:
    return f"verdict_{judge_id}", f"rationale_{judge_id}"


def items_sql(con: Con) -> str:
    """The SELECT of the per-episode table for the store behind `con` (its judges as columns)."""
    judges = [r[0] for r in con.execute("SELECT DISTINCT judge_id FROM judgments ORDER BY 1").fetchall()]
    cols = []
    for j in judges:
        v, r = judge_columns(j)
        cond = f"j.judge_id = {_lit(j)}"
        cols.append(f"arg_max(j.verdict, j.created_at) FILTER (WHERE {cond}) AS {_ident(v)}")
        cols.append(f"arg_max(j.rationale, j.created_at) FILTER (WHERE {cond}) AS {_ident(r)}")
    judged = (", " + ", ".join(cols)) if cols else ""
    return f"""
SELECT e.episode_id, e.run_id, e.config_id, e.config_fp, any_value(c.model) AS model, e.task_id, e.skill_id,
       e.condition, e.sample, e.prompt, e.completion, any_value(t.answer) AS target,
       any_value(t.scoring) AS scoring, e.error{judged}
FROM episodes e
LEFT JOIN configs c ON c.config_id = e.config_id AND c.config_fp IS NOT DISTINCT FROM e.config_fp
LEFT JOIN tasks t ON t.task_id = e.task_id AND t.task_hash IS NOT DISTINCT FROM e.task_hash
LEFT JOIN judgments j ON j.episode_id = e.episode_id
GROUP BY e.episode_id, e.run_id, e.config_id, e.config_fp, e.task_id, e.skill_id, e.condition, e.sample,
         e.prompt, e.completion, e.error
ORDER BY e.config_id, e.task_id, e.condition, e.sample, e.episode_id
"""
