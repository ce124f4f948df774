"""A study as a chain of jobs: base eval -> corpus (if missing) -> one training per size -> SFT eval -> report.

`engine study EXP.toml --recipe R` (and the cockpit's "Run the study", and `engine demo`) plan the
chain here and run it. Each job is a child process of an existing command (`engine resume` of an
eval run whose experiment the chain wrote, `engine corpus build`, `engine train`, `engine report`),
started only when the jobs it needs are done. Whether a job is done is read from what it leaves
behind (a finished eval run, the corpus file, a finished training's adapter, the report file), not
from the chain's memory, so a killed chain re-run with the same command (or `--resume ID`) skips
what is done, waits for a job a killed chain left running, and continues the rest.

Layout: `runs/studies/<study-id>/study.json` (the plan), `events.jsonl` (the chain's journal:
chain_started, job_started, job_ended, chain_ended), `report.txt` (the report job's output).
Cancelling (SIGTERM/SIGINT to the chain) stops the job in flight and the rest.
"""

from engine.study.chain import cancel_study, child_env, run_study
from engine.study.model import (
    EVENTS_FILE,
    KINDS,
    PLAN_FILE,
    REPORT_FILE,
    SFT_SUFFIX,
    STUDIES,
    Job,
    Study,
    list_studies,
    load_study,
    save_plan,
)
from engine.study.plan import base_configs, check_conflicts, describe, plan_study
from engine.study.status import chain_pid, chain_status, events, job_done, job_runs, job_states

__all__ = [
    "EVENTS_FILE",
    "KINDS",
    "PLAN_FILE",
    "REPORT_FILE",
    "SFT_SUFFIX",
    "STUDIES",
    "Job",
    "Study",
    "base_configs",
    "cancel_study",
    "chain_pid",
    "chain_status",
    "check_conflicts",
    "child_env",
    "describe",
    "events",
    "job_done",
    "job_runs",
    "job_states",
    "list_studies",
    "load_study",
    "plan_study",
    "run_study",
    "save_plan",
]
