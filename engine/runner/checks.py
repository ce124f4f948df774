"""What a run checks before it writes anything: every backend can generate (`preflight`), and every
API server it will call serves it (`probe`: reachable, key accepted, model known). A refusal is a
BackendError naming the experiment file, the server, who uses it and the cause: `engine run` exits 2
and no run directory exists."""

from __future__ import annotations

from engine.config import ConfigSpec, Experiment, JudgeSpec, ModelSpec
from engine.models.base import BackendError, preflight, probe
from engine.store.request import RunRequest


def before_writing(exp: Experiment, opts: RunRequest, configs: list[ConfigSpec], judges: list[JudgeSpec]) -> None:
    if opts.generate:
        preflight(configs)
    preflight([s.model for s in judges if s.model is not None])
    if not opts.probe:
        return
    named: dict[str, ModelSpec] = {f"config '{c.id}'": c for c in configs} if opts.generate else {}
    named |= {f"judge '{j.id}'": j.model for j in judges if j.model is not None}
    try:
        probe(named)
    except BackendError as exc:
        where = exp.source or exp.name
        raise BackendError(f"{where}: {exc} (engine run --no-probe skips this check)") from None
