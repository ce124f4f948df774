"""Aggregates maintained at ingest, so a report reads O(tasks) rows instead of O(episodes).

Three tables live beside the store's own (all keys nullable-safe, compared with IS NOT DISTINCT FROM):

- `analysis_task`: per (config, judge, task): decided (pass/fail) verdicts, passes, errors and
  abstentions (verdict `abstain`: the judge cannot tell) by condition, and the (task, sample) pairs
  of the two conditions as a 2x2 (pp, pf, fp, ff) for McNemar. An error is any verdict other than
  pass, fail and abstain.
- `analysis_pair`: per (config, task, condition, judge A < judge B): the 2x2 of the two judges'
  verdicts on the episodes both judged non-error (κ, agreement, Δ shift, format artifact).
- `analysis_format`: per (config, condition): episodes, generation errors, `ANSWER:` lines.

`refresh(con, new_judgments, new_episodes=...)` recomputes only the keys its rows touch, from the
store's tables, so a later success replacing an earlier `error` row (same judgment_id) is picked
up. `analysis_meta` records the row counts seen at the last refresh; a report whose counts differ
computes the stale part directly from the raw tables (correct, slower; a warning when it is the
judgment aggregates). The counts catch a missing refresh after inserts, not after a replacement:
call `refresh` after every insert.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import pyarrow as pa

from engine.store import reader as rd
from engine.store.reader import Con

VERSION = "4"  # 2: analysis_format counts flagged completions; 3: analysis_task counts abstentions;
# 4: analysis_format counts completions cut off at max_tokens (at_limit)
REBUILD_SHARE = 0.25  # a batch touching more of the (config, task) keys than this: full rebuild
_OK = "verdict IN ('pass', 'fail')"
_ERR = "verdict NOT IN ('pass', 'fail', 'abstain')"

TASK_KEY = ("config_id", "config_fp", "judge_id", "judge_fp", "task_id")
PAIR_KEY = ("config_id", "config_fp", "task_id")
FORMAT_KEY = ("config_id", "config_fp")

_DDL = [
    """CREATE TABLE IF NOT EXISTS analysis_task (config_id VARCHAR, config_fp VARCHAR, judge_id VARCHAR,
    judge_fp VARCHAR, task_id VARCHAR, scoring VARCHAR, ns_n BIGINT, ns_pass BIGINT, ns_err BIGINT,
    cu_n BIGINT, cu_pass BIGINT, cu_err BIGINT, pp BIGINT, pf BIGINT, fp BIGINT, ff BIGINT, ns_abs BIGINT,
    cu_abs BIGINT)""",
    """CREATE TABLE IF NOT EXISTS analysis_pair (config_id VARCHAR, config_fp VARCHAR, task_id VARCHAR,
    scoring VARCHAR, condition VARCHAR, judge_a VARCHAR, fp_a VARCHAR, judge_b VARCHAR, fp_b VARCHAR,
    n11 BIGINT, n10 BIGINT, n01 BIGINT, n00 BIGINT)""",
    """CREATE TABLE IF NOT EXISTS analysis_format (config_id VARCHAR, config_fp VARCHAR, condition VARCHAR,
    n BIGINT, errors BIGINT, answer_line BIGINT, flagged BIGINT, flag_verdict BIGINT, flag_grader BIGINT,
    flag_delimiter BIGINT, unchecked BIGINT, at_limit BIGINT)""",
    # a store made by an older version has narrower tables (rebuilt on the version change)
    "ALTER TABLE analysis_task ADD COLUMN IF NOT EXISTS ns_abs BIGINT",
    "ALTER TABLE analysis_task ADD COLUMN IF NOT EXISTS cu_abs BIGINT",
    "ALTER TABLE analysis_format ADD COLUMN IF NOT EXISTS flagged BIGINT",
    "ALTER TABLE analysis_format ADD COLUMN IF NOT EXISTS flag_verdict BIGINT",
    "ALTER TABLE analysis_format ADD COLUMN IF NOT EXISTS flag_grader BIGINT",
    "ALTER TABLE analysis_format ADD COLUMN IF NOT EXISTS flag_delimiter BIGINT",
    "ALTER TABLE analysis_format ADD COLUMN IF NOT EXISTS unchecked BIGINT",
    "ALTER TABLE analysis_format ADD COLUMN IF NOT EXISTS at_limit BIGINT",
    "CREATE TABLE IF NOT EXISTS analysis_meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
]
TABLES = ("analysis_task", "analysis_pair", "analysis_format")
COLUMNS = {
    "analysis_task": tuple(
        "config_id config_fp judge_id judge_fp task_id scoring ns_n ns_pass ns_err cu_n cu_pass cu_err "
        "pp pf fp ff ns_abs cu_abs".split()
    ),
    "analysis_pair": tuple(
        "config_id config_fp task_id scoring condition judge_a fp_a judge_b fp_b n11 n10 n01 n00".split()
    ),
    "analysis_format": tuple(
        "config_id config_fp condition n errors answer_line flagged flag_verdict flag_grader flag_delimiter "
        "unchecked at_limit".split()
    ),
}


def task_sql(source: str) -> str:
    """Per (config, judge, task) counts from a judgments relation (a table name or `(SELECT ...)`)."""
    return f"""
    WITH s AS (
      SELECT config_id, config_fp, judge_id, judge_fp, task_id, scoring, sample,
        count(*) FILTER (condition = 'no_skill' AND verdict = 'pass') AS np_,
        count(*) FILTER (condition = 'no_skill' AND verdict = 'fail') AS nf_,
        count(*) FILTER (condition = 'no_skill' AND {_ERR}) AS ne_,
        count(*) FILTER (condition = 'no_skill' AND verdict = 'abstain') AS na_,
        count(*) FILTER (condition = 'curated' AND verdict = 'pass') AS cp_,
        count(*) FILTER (condition = 'curated' AND verdict = 'fail') AS cf_,
        count(*) FILTER (condition = 'curated' AND {_ERR}) AS ce_,
        count(*) FILTER (condition = 'curated' AND verdict = 'abstain') AS ca_
      FROM {source} AS src
      GROUP BY ALL)
    SELECT config_id, config_fp, judge_id, judge_fp, task_id, scoring,
      sum(np_ + nf_)::BIGINT AS ns_n, sum(np_)::BIGINT AS ns_pass, sum(ne_)::BIGINT AS ns_err,
      sum(cp_ + cf_)::BIGINT AS cu_n, sum(cp_)::BIGINT AS cu_pass, sum(ce_)::BIGINT AS cu_err,
      sum(np_ * cp_)::BIGINT AS pp, sum(np_ * cf_)::BIGINT AS pf,
      sum(nf_ * cp_)::BIGINT AS fp, sum(nf_ * cf_)::BIGINT AS ff,
      sum(na_)::BIGINT AS ns_abs, sum(ca_)::BIGINT AS cu_abs
    FROM s GROUP BY ALL"""


def pair_sql(source: str) -> str:
    """Per (config, task, condition, judge pair) 2x2 of verdicts on episodes both judged non-error."""
    return f"""
    WITH j AS (
      SELECT episode_id, config_id, config_fp, task_id, scoring, condition, judge_id, judge_fp,
        verdict = 'pass' AS p
      FROM {source} AS src WHERE {_OK})
    SELECT a.config_id, a.config_fp, a.task_id, a.scoring, a.condition,
      a.judge_id AS judge_a, a.judge_fp AS fp_a, b.judge_id AS judge_b, b.judge_fp AS fp_b,
      count_if(a.p AND b.p)::BIGINT AS n11, count_if(a.p AND NOT b.p)::BIGINT AS n10,
      count_if(NOT a.p AND b.p)::BIGINT AS n01, count_if(NOT a.p AND NOT b.p)::BIGINT AS n00
    FROM j AS a JOIN j AS b ON a.episode_id = b.episode_id
      AND (a.judge_id, coalesce(a.judge_fp, '')) < (b.judge_id, coalesce(b.judge_fp, ''))
    GROUP BY ALL"""


def format_sql(source: str) -> str:
    """Per (config, condition) episodes, generation errors, completions with an `ANSWER:` line, and
    completions flagged as aimed at the judge (by flag; `unchecked`: recorded before the checks), and
    completions cut off at the token limit (`at_limit`: finish_reason 'length')."""
    return f"""
    SELECT config_id, config_fp, condition, count(*)::BIGINT AS n, count(error)::BIGINT AS errors,
      count_if(has_answer_line AND error IS NULL)::BIGINT AS answer_line,
      count_if(coalesce(flags, '') <> '')::BIGINT AS flagged,
      count_if(list_contains(string_split(flags, ','), 'verdict'))::BIGINT AS flag_verdict,
      count_if(list_contains(string_split(flags, ','), 'grader'))::BIGINT AS flag_grader,
      count_if(list_contains(string_split(flags, ','), 'delimiter'))::BIGINT AS flag_delimiter,
      count_if(flags IS NULL)::BIGINT AS unchecked,
      count_if(finish_reason = 'length' AND error IS NULL)::BIGINT AS at_limit
    FROM {source} AS src GROUP BY ALL"""


def ensure(con: Con) -> None:
    """Create the aggregate tables (idempotent)."""
    for stmt in _DDL:
        con.execute(stmt)


class _Meta(NamedTuple):
    value: str


def outdated(con: Con) -> bool:
    """The aggregates were built by another version of this module (rebuild with `refresh(con)`)."""
    rows = rd.rows(con, "SELECT value FROM analysis_meta WHERE key = 'version'", None, _Meta)
    return bool(rows) and rows[0].value != VERSION


class _Counts(NamedTuple):
    judgments: int
    episodes: int


def _counts(con: Con) -> _Counts:
    sql = "SELECT (SELECT count(*) FROM judgments) AS judgments, (SELECT count(*) FROM episodes) AS episodes"
    return rd.first(con, sql, None, _Counts) or _Counts(0, 0)  # a SELECT without FROM: always one row


def _match(a: str, b: str, cols: tuple[str, ...]) -> str:
    return " AND ".join(f"{a}.{c} IS NOT DISTINCT FROM {b}.{c}" for c in cols)


def _set_meta(con: Con, **values: Any) -> None:
    for k, v in values.items():
        con.execute(
            "INSERT INTO analysis_meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [k, str(v)],
        )


_JCOLS = "episode_id, config_id, config_fp, judge_id, judge_fp, task_id, scoring, condition, sample, verdict"


def _keys_table(con: Con, name: str, rows: pa.Table, key: tuple[str, ...]) -> int:
    """A temporary table of the distinct keys of `rows`; returns how many."""
    con.register("_analysis_new_rows", rows.select(list(key)))
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT DISTINCT * FROM _analysis_new_rows")
    finally:
        con.unregister("_analysis_new_rows")
    return int(rd.scalar(con, f"SELECT count(*) FROM {name}"))


def _replace(con: Con, table: str, keys: str, key: tuple[str, ...], sql: str) -> None:
    con.execute(f"DELETE FROM {table} AS t USING {keys} AS k WHERE {_match('t', 'k', key)}")
    con.execute(f"INSERT INTO {table} BY NAME {sql}")


def _recompute_judgments(con: Con) -> None:
    """Recompute the task and pair aggregates of the keys in _analysis_pk/_analysis_tk from one scan
    of the judgments table into a temporary table of the rows under the touched (config, task)s."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _analysis_rows AS SELECT {_JCOLS} FROM judgments WHERE rowid IN "
        f"(SELECT r.rowid FROM judgments AS r SEMI JOIN _analysis_pk AS k ON {_match('r', 'k', PAIR_KEY)})"
    )
    try:
        rows = f"(SELECT r.* FROM _analysis_rows AS r SEMI JOIN _analysis_tk AS k ON {_match('r', 'k', TASK_KEY)})"
        _replace(con, "analysis_task", "_analysis_tk", TASK_KEY, task_sql(rows))
        _replace(con, "analysis_pair", "_analysis_pk", PAIR_KEY, pair_sql("_analysis_rows"))
    finally:
        con.execute("DROP TABLE IF EXISTS _analysis_rows")


def _recompute_episodes(con: Con, new_episodes: pa.Table) -> None:
    _keys_table(con, "_analysis_fk", new_episodes, FORMAT_KEY)
    try:
        rows = f"(SELECT r.* FROM episodes AS r SEMI JOIN _analysis_fk AS k ON {_match('r', 'k', FORMAT_KEY)})"
        _replace(con, "analysis_format", "_analysis_fk", FORMAT_KEY, format_sql(rows))
    finally:
        con.execute("DROP TABLE IF EXISTS _analysis_fk")


def _rebuild(con: Con, tables: tuple[str, ...]) -> None:
    sql = {"analysis_task": task_sql("judgments"), "analysis_pair": pair_sql("judgments")}
    sql["analysis_format"] = format_sql("episodes")
    for t in tables:
        con.execute(f"DELETE FROM {t}")
        con.execute(f"INSERT INTO {t} BY NAME {sql[t]}")


def refresh(con: Con, new_judgments: pa.Table | None = None, *, new_episodes: pa.Table | None = None) -> None:
    """Bring the aggregates up to date; call inside the ingest transaction right after inserting.

    `new_judgments=None` and `new_episodes=None` (both): full rebuild. Otherwise only the keys the
    given rows touch are recomputed from the store's tables, so passing rows that were not inserted
    (duplicates) is harmless and a success that replaced an error row is counted right. Rows need
    the key columns only: config_id, config_fp, judge_id, judge_fp, task_id for judgments;
    config_id, config_fp for episodes. Cost: the store's rows under the touched (config, task)
    keys; when a batch touches more than REBUILD_SHARE of the keys, a full rebuild (cheaper then)
    runs instead. Deleting rows from the store calls for a full rebuild.
    """
    ensure(con)
    meta = dict(con.execute("SELECT key, value FROM analysis_meta").fetchall())
    if meta.get("version") != VERSION or "judgments_rows" not in meta or "episodes_rows" not in meta:
        new_judgments = new_episodes = None  # never built (or built by another version): full rebuild
    full = new_judgments is None and new_episodes is None
    if full:
        _rebuild(con, TABLES)
    if new_judgments is not None and new_judgments.num_rows:
        try:
            touched = _keys_table(con, "_analysis_pk", new_judgments, PAIR_KEY)
            _keys_table(con, "_analysis_tk", new_judgments, TASK_KEY)
            held = rd.scalar(con, "SELECT count(DISTINCT (config_id, config_fp, task_id)) FROM analysis_task")
            if touched > REBUILD_SHARE * held:
                _rebuild(con, ("analysis_task", "analysis_pair"))
            else:
                _recompute_judgments(con)
        finally:
            con.execute("DROP TABLE IF EXISTS _analysis_pk")
            con.execute("DROP TABLE IF EXISTS _analysis_tk")
    if new_episodes is not None and new_episodes.num_rows:
        _recompute_episodes(con, new_episodes)
    nj, ne = _counts(con)
    values: dict[str, Any] = {"version": VERSION}
    if full or new_judgments is not None:
        values["judgments_rows"] = nj
    if full or new_episodes is not None:
        values["episodes_rows"] = ne
    _set_meta(con, **values)


def freshness(con: Con) -> dict[str, bool]:
    """Which aggregate families can be trusted: {'judgments': bool, 'episodes': bool}."""
    present = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE table_name IN "
            "('analysis_task', 'analysis_pair', 'analysis_format', 'analysis_meta') AND NOT temporary"
        ).fetchall()
    }
    if len(present) < 4:
        return {"judgments": False, "episodes": False, "present": False}
    meta = dict(con.execute("SELECT key, value FROM analysis_meta").fetchall())
    if meta.get("version") != VERSION:
        return {"judgments": False, "episodes": False, "present": True}
    nj, ne = _counts(con)
    return {
        "judgments": meta.get("judgments_rows") == str(nj),
        "episodes": meta.get("episodes_rows") == str(ne),
        "present": True,
    }
