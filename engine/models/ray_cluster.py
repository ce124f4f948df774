"""The Ray cluster a run joins (`--executor ray`): connect, leave, and what its nodes can hold.

`check_resources` refuses a run before anything is journaled when the cluster cannot hold a pool's
replicas (each pool on its own, naming the shortfall); `fits_together` says whether several pools
fit at once (a generation group beside its LLM judges' pools). A replica asks one CPU, and
`tensor_parallel_size` GPUs for vLLM, one GPU for hf/embedded when the cluster has any (unless
`device = "cpu"`). Ray is an optional extra, imported only when the executor is asked for.
"""

from __future__ import annotations

import math
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.models.base import BackendError

if TYPE_CHECKING:
    from engine.config import ModelSpec

RAY_HINT = "--executor ray needs Ray: pip install 'skill-cockpit[ray]' (or bash scripts/setup.sh)"
# passed to the workers, so they find the embedded model's cache and stay offline as the driver does
WORKER_ENV = ("SKILL_COCKPIT_CACHE", "HF_HOME", "HF_HUB_OFFLINE", "TRANSFORMERS_VERBOSITY", "TOKENIZERS_PARALLELISM")


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise BackendError(RAY_HINT) from None
    return ray


def connect(address: str | None) -> bool:
    """Join the cluster at `address` (None: Ray's default, a local one started here if none runs);
    returns True when this call connected (the caller disconnects with `disconnect`). An address
    that does not answer is a BackendError at once (Ray itself would retry for minutes)."""
    ray = import_ray()
    if ray.is_initialized():
        return False
    if address and address != "auto":
        _check_reachable(address)
    kwargs: dict[str, Any] = {"log_to_driver": False, "logging_level": "ERROR", "configure_logging": True}
    if not address:
        kwargs["include_dashboard"] = False
    try:
        ray.init(address=address, **kwargs)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise BackendError(f"cannot join the Ray cluster at {address or 'a local Ray'}: {exc}") from None
    return True


def disconnect() -> None:
    import_ray().shutdown()


def address_error(address: str) -> str | None:
    """What is wrong with the form of an `--address` (None: HOST:PORT, ray://HOST:PORT or auto).
    Light (no Ray, no network): the cockpit's launch form checks its field with it."""
    if address == "auto":
        return None
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if (
        not host
        or any(c.isspace() or c in "/@" for c in host)
        or not (port.isascii() and port.isdigit())
        or not 0 < int(port) < 65536
    ):
        return f"--address {address!r}: expected HOST:PORT (or ray://HOST:PORT, or auto)"
    return None


def _check_reachable(address: str) -> None:
    error = address_error(address)
    if error:
        raise BackendError(error)
    host, _, port = address.removeprefix("ray://").rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as exc:
        raise BackendError(f"--address {address}: no Ray cluster answers there ({exc.strerror or exc})") from None


@dataclass(frozen=True)
class Need:
    """What one replica of a config asks of a node."""

    num_cpus: float
    num_gpus: float


def replica_need(spec: ModelSpec, cluster_has_gpus: bool) -> Need:
    if spec.backend == "vllm":
        return Need(1.0, float(spec.tensor_parallel_size))
    if spec.device.startswith("cuda") or (spec.device == "auto" and cluster_has_gpus):
        return Need(1.0, 1.0)
    return Need(1.0, 0.0)


def alive_nodes() -> list[dict[str, float]]:
    ray = import_ray()
    return [dict(n.get("Resources", {})) for n in ray.nodes() if n.get("Alive")]


def check_resources(groups: Mapping[str, ModelSpec]) -> None:
    """Raise BackendError, naming the shortfall, when the cluster cannot hold a group's replicas at
    once (groups run one after another, so each is checked on its own against the whole cluster)."""
    nodes = alive_nodes()
    has_gpus = any(n.get("GPU", 0) > 0 for n in nodes)
    for label, spec in groups.items():
        need = replica_need(spec, has_gpus)
        fits = 0
        for n in nodes:
            per_node = math.floor(n.get("CPU", 0) / need.num_cpus) if need.num_cpus else 10**6
            if need.num_gpus:
                per_node = min(per_node, math.floor(n.get("GPU", 0) / need.num_gpus))
            fits += per_node
        if fits < spec.replicas:
            have = "; ".join(f"{n.get('CPU', 0):g} CPU, {n.get('GPU', 0):g} GPU" for n in nodes) or "no nodes"
            what = f"{need.num_gpus:g} GPU + {need.num_cpus:g} CPU" if need.num_gpus else f"{need.num_cpus:g} CPU"
            why = " (tensor_parallel_size)" if spec.backend == "vllm" else ""
            raise BackendError(
                f"the Ray cluster lacks resources for '{label}': {spec.replicas} replica(s) x {what}{why} "
                f"on one node each, room for {fits}; nodes: {have}"
            )


def fits_together(specs: Sequence[ModelSpec]) -> bool:
    """Whether the cluster holds every replica of `specs` at once (first fit, largest first, on the
    nodes' whole resources): a run's generation group beside its LLM judges' pools."""
    nodes = alive_nodes()
    has_gpus = any(n.get("GPU", 0) > 0 for n in nodes)
    free = [[n.get("CPU", 0.0), n.get("GPU", 0.0)] for n in nodes]
    needs = sorted(
        (replica_need(s, has_gpus) for s in specs for _ in range(s.replicas)),
        key=lambda n: (n.num_gpus, n.num_cpus),
        reverse=True,
    )
    for need in needs:
        node = next((f for f in free if f[0] >= need.num_cpus and f[1] >= need.num_gpus), None)
        if node is None:
            return False
        node[0] -= need.num_cpus
        node[1] -= need.num_gpus
    return True
