"""`engine run --executor ray`: join the cluster, check it can hold the run, and put the run's local
models on it: generation groups (the runner builds a `RayPool` per group) and LLM judges on local
models (each judge's backend is a pool of its own, `<run id>:judge-<judge id>-<n>` actors).

A local-model judge streams (scores each episode as it exists, as API judges do) when the cluster
holds each local generation group's replicas and every such judge's at once; otherwise it starts
after generation, when the generation replicas are gone. Streaming on a cluster too small would
deadlock: a later group's replicas would wait for resources the idle judge holds.
"""

from __future__ import annotations

from collections.abc import Callable

from engine.backends import is_api
from engine.config import ConfigSpec, JudgeSpec, ModelSpec
from engine.events import TelemetrySampled
from engine.judges.base import Judge
from engine.judges.llm import LLMJudge
from engine.models.base import Backend, generation_groups
from engine.plan import PlannedEpisode
from engine.store.request import RunRequest


def join(opts: RunRequest, configs: list[ConfigSpec], judges: list[JudgeSpec]) -> bool:
    """With the ray executor: join the cluster and check it can hold each local generation group's
    replicas and each local-model judge's. Returns whether this call joined (the run then leaves at
    the end). Raises before anything is journaled: Ray missing, no cluster there, a shortfall."""
    if opts.executor != "ray":
        return False
    from engine.models import ray_cluster

    ray_cluster.import_ray()  # the one-line hint when Ray is missing
    local = {c.id: c for c in configs if not is_api(c.backend)} if opts.generate else {}
    groups: dict[str, ModelSpec] = {" + ".join(g): local[g[0]] for g in generation_groups(local)}
    groups |= {f"judge {j.id}": j.model for j in judges if j.model is not None and not is_api(j.model.backend)}
    joined = ray_cluster.connect(opts.address)
    try:
        ray_cluster.check_resources(groups)
    except BaseException:
        if joined:
            ray_cluster.disconnect()
        raise
    return joined


def local_judges(judges: list[Judge]) -> list[LLMJudge]:
    """The LLM judges on local models (embedded, hf, vLLM)."""
    return [
        j for j in judges if isinstance(j, LLMJudge) and j.spec.model is not None and not is_api(j.spec.model.backend)
    ]


def serve_judges(
    judges: list[LLMJudge],
    run_id: str,
    on_telemetry: Callable[[TelemetrySampled], None],
    stop: Callable[[], bool],
) -> None:
    """Each judge's backend becomes a pool of replica actors on the cluster (built at its first batch)."""
    from engine.models.ray_pool import RayPool

    for j in judges:

        def pool(spec: ModelSpec, name: str = f"{run_id}:judge-{j.id}") -> Backend:
            return RayPool(spec, None, name=name, run_id=run_id, on_telemetry=on_telemetry, stop=stop)

        j.serve_with(pool)


def judges_fit_beside(todo: list[PlannedEpisode], judges: list[LLMJudge]) -> bool:
    """Whether the cluster holds every judge's replicas beside each local generation group's."""
    from engine.models.ray_cluster import fits_together

    specs = {p.config.id: p.config for p in todo if not is_api(p.config.backend)}
    pools = [j.spec.model for j in judges if j.spec.model is not None]
    groups = generation_groups(specs) or [[]]
    return all(fits_together([*(specs[c] for c in g[:1]), *pools]) for g in groups)
