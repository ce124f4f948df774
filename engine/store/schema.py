"""DuckDB schema of the store of record (`runs/store.duckdb`).

Journals under `runs/<run-id>/` are the source of truth; these tables are fed from them
idempotently (see `engine.store.db`). The cockpit's Query screen documents these tables to
users, so the comments here are user-facing.
"""

from __future__ import annotations

import pyarrow as pa

# Column order matters: journals are parsed into Arrow tables with exactly these schemas.
TABLES: dict[str, pa.Schema] = {
    # One row per run (eval, judge, train, corpus, human). status: running|finished|failed|cancelled|interrupted
    "runs": pa.schema(
        [
            ("run_id", pa.string()),
            ("kind", pa.string()),
            ("experiment", pa.string()),
            ("experiment_path", pa.string()),
            ("started_at", pa.float64()),
            ("finished_at", pa.float64()),
            ("status", pa.string()),
            ("pid", pa.int64()),
            ("total_episodes", pa.int64()),
            ("total_judgments", pa.int64()),
            ("error", pa.string()),
        ]
    ),
    # A config is one model state: (config_id, config_fp). base_config names the config whose Δ an SFT
    # config's lift is measured against. role: student|frontier. size_b: parameters in billions (sorting).
    "configs": pa.schema(
        [
            ("config_id", pa.string()),
            ("config_fp", pa.string()),
            ("backend", pa.string()),
            ("model", pa.string()),
            ("adapter", pa.string()),
            ("size", pa.string()),
            ("size_b", pa.float64()),
            ("role", pa.string()),
            ("base_config", pa.string()),
            ("price_in_per_mtok", pa.float64()),
            ("price_out_per_mtok", pa.float64()),
            ("spec_json", pa.string()),
        ]
    ),
    "skills": pa.schema(
        [
            ("skill_id", pa.string()),
            ("title", pa.string()),
            ("domain", pa.string()),
            ("block", pa.string()),
        ]
    ),
    # scoring: answer_line|llm, the judge family of the bench path for this task.
    "tasks": pa.schema(
        [
            ("task_id", pa.string()),
            ("task_hash", pa.string()),
            ("skill_id", pa.string()),
            ("split", pa.string()),
            ("prompt", pa.string()),
            ("answer", pa.string()),
            ("answer_type", pa.string()),
            ("tolerance", pa.float64()),
            ("scoring", pa.string()),
            ("rubric", pa.string()),
        ]
    ),
    # kind: answer_line|final_answer|llm|human
    "judges": pa.schema(
        [
            ("judge_id", pa.string()),
            ("judge_fp", pa.string()),
            ("kind", pa.string()),
            ("backend", pa.string()),
            ("model", pa.string()),
            ("spec_json", pa.string()),
        ]
    ),
    # One row per (config, task, condition, sample). error is set when generation failed after retries.
    "episodes": pa.schema(
        [
            ("episode_id", pa.string()),
            ("run_id", pa.string()),
            ("config_id", pa.string()),
            ("config_fp", pa.string()),
            ("task_id", pa.string()),
            ("task_hash", pa.string()),
            ("skill_id", pa.string()),
            ("condition", pa.string()),
            ("sample", pa.int64()),
            ("prompt", pa.string()),
            ("completion", pa.string()),
            ("tokens_in", pa.int64()),
            ("tokens_out", pa.int64()),
            ("latency_s", pa.float64()),
            ("cost_usd", pa.float64()),
            ("finish_reason", pa.string()),
            ("error", pa.string()),
            ("has_answer_line", pa.bool_()),
            ("created_at", pa.float64()),
            # appended later: an API reply without usage, so tokens and cost are estimates
            ("tokens_estimated", pa.bool_()),
            # appended later: what latency_s measures. request: this request alone (submission to its
            # last token or reply); batch: the whole batch it ran in (the same for the batch); NULL: not said
            ("latency_kind", pa.string()),
            # appended later: what the completion aims at the judge (engine.judges.robustness), comma-
            # separated: verdict (VERDICT: syntax), grader (text addressed to a grader), delimiter (the LLM
            # judge's <<< >>>); '' none; NULL: recorded before the checks existed
            ("flags", pa.string()),
        ]
    ),
    # verdict: pass|fail|error|abstain. An error is never a fail, nor is an abstention: analysis reports both apart.
    "judgments": pa.schema(
        [
            ("judgment_id", pa.string()),
            ("episode_id", pa.string()),
            ("judge_id", pa.string()),
            ("judge_fp", pa.string()),
            # denormalised from the episode so that analysis never joins 1M-row tables
            ("config_id", pa.string()),
            ("config_fp", pa.string()),
            ("task_id", pa.string()),
            ("skill_id", pa.string()),
            ("condition", pa.string()),
            ("sample", pa.int64()),
            ("scoring", pa.string()),
            ("verdict", pa.string()),
            ("rationale", pa.string()),
            ("extracted", pa.string()),
            ("tokens_in", pa.int64()),
            ("tokens_out", pa.int64()),
            ("latency_s", pa.float64()),
            ("cost_usd", pa.float64()),
            ("run_id", pa.string()),
            ("created_at", pa.float64()),
        ]
    ),
    # Audit samples for human adjudication (`engine judge --audit N --seed S`): one row per sampled
    # episode. stratum: config|condition|agree or disagree (whether the machine judges disagreed on it);
    # stratum_size: episodes in the stratum, stratum_n: how many of them were sampled.
    "audits": pa.schema(
        [
            ("audit_id", pa.string()),
            ("episode_id", pa.string()),
            ("position", pa.int64()),
            ("config_id", pa.string()),
            ("config_fp", pa.string()),
            ("condition", pa.string()),
            ("stratum", pa.string()),
            ("stratum_size", pa.int64()),
            ("stratum_n", pa.int64()),
            ("seed", pa.int64()),
            ("created_at", pa.float64()),
        ]
    ),
    # Machine samples taken by a run (gpu_json: list of per-GPU dicts, empty without NVML), by host:
    # the driver's, and under --executor ray each node its replicas run on (NULL: journaled before
    # the column, the driver's).
    "telemetry": pa.schema(
        [
            ("run_id", pa.string()),
            ("t", pa.float64()),
            ("cpu_pct", pa.float64()),
            ("ram_used_gb", pa.float64()),
            ("ram_total_gb", pa.float64()),
            ("gpu_json", pa.string()),
            ("host", pa.string()),
        ]
    ),
    # Training steps logged by `engine train` (loss curve, throughput).
    "train_steps": pa.schema(
        [
            ("run_id", pa.string()),
            ("t", pa.float64()),
            ("step", pa.int64()),
            ("max_steps", pa.int64()),
            ("epoch", pa.float64()),
            ("loss", pa.float64()),
            ("lr", pa.float64()),
            ("grad_norm", pa.float64()),
            ("tokens_per_s", pa.float64()),
            ("gpu_mem_gb", pa.float64()),
        ]
    ),
}

# Natural keys: ingest keeps one row per key (for episodes and judgments a success replaces an error).
KEYS: dict[str, tuple[str, ...]] = {
    "runs": ("run_id",),
    "configs": ("config_id", "config_fp"),
    "skills": ("skill_id",),
    "tasks": ("task_id", "task_hash"),
    "judges": ("judge_id", "judge_fp"),
    "episodes": ("episode_id",),
    "judgments": ("judgment_id",),
    "audits": ("audit_id", "episode_id"),
    "telemetry": ("run_id", "host", "t"),
    "train_steps": ("run_id", "step"),
}

_DUCK = {
    pa.string(): "VARCHAR",
    pa.float64(): "DOUBLE",
    pa.int64(): "BIGINT",
    pa.bool_(): "BOOLEAN",
}


def ddl() -> list[str]:
    """Create the tables, and add columns appended to a schema since a store file was made.

    New columns go at the end of a table's schema (ingest inserts by position).
    """
    stmts = []
    for name, schema in TABLES.items():
        cols = ", ".join(f'"{f.name}" {_DUCK[f.type]}' for f in schema)
        stmts.append(f"CREATE TABLE IF NOT EXISTS {name} ({cols})")
        stmts += [f'ALTER TABLE {name} ADD COLUMN IF NOT EXISTS "{f.name}" {_DUCK[f.type]}' for f in schema]
    stmts.append(
        "CREATE TABLE IF NOT EXISTS ingest_state (path VARCHAR PRIMARY KEY, byte_offset BIGINT, mtime_ns BIGINT)"
    )
    stmts.append("CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    return stmts


SCHEMA_VERSION = "1"
