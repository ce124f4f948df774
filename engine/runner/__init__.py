"""Run an experiment: generate every planned episode not yet journaled, judge, journal, ingest.

One run = one process = one journal directory. SIGTERM/SIGINT stop the run cleanly after the
call in flight (a `RunCancelled` event); `kill -9` loses at most the episodes in flight. Either
way `engine resume RUN_ID` (or re-running the experiment) continues where it stopped.

- `options`   what a run did (`RunResult`); what it is asked is `engine.store.request.RunRequest`
- `files`     the run's own files (experiment.json, options.json, specs, run.json, written through
              `engine.store.manifest`), read back to resume (`load_run_experiment`), and the
              completions other runs stored
- `run`       the `Runner`: validate, plan, generate config group by group, judge, finish
- `schedule`  the pipelined schedule: API servers and streaming LLM judges on threads of their own
- `recorder`  the one place records are journaled (under a lock) and their events emitted
- `workers`   background threads whose first error is the run's error, and the stop they share
"""

from engine.runner.files import load_run_experiment
from engine.runner.options import RunResult
from engine.runner.run import Runner
from engine.runner.workers import Cancelled
from engine.store.request import RunRequest

__all__ = ["Cancelled", "RunRequest", "RunResult", "Runner", "load_run_experiment"]
