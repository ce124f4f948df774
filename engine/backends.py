"""The backends: one registry of names, each with the capabilities the layers above ask about.

A backend is a class (`engine.models.base.Backend`) registered here by name as 'module:Class',
imported only when a run uses it, with a `Capabilities` record declared beside it: whether it calls
an API server, whether one instance serves several configs (and the key they share it by), the check
a run makes before it writes anything, and how it is probed and released. The record is plain data
with 'module:function' paths, so the config loader validates a `backend` name against this registry
(and the runner plans with it) without importing an SDK or torch. Each backend class carries its
record as `capabilities`; `register_backend` reads it from a plug-in's class.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.registry import Registry, import_target


class BackendError(Exception):
    """A backend could not be created (missing extra, missing key, bad model path...)."""


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do, as the config loader, the planner and the schedule ask it."""

    # calls a server over the network: no LoRA adapters, a thread per server with up to the spec's
    # `concurrency` calls in flight, never on a Ray cluster, base_url part of the fingerprint, probed
    api: bool
    # 'module:fn', spec -> tuple: configs with equal keys share one instance (vLLM: a base and its
    # adapters); `make_backend(spec, peers)` hands such a backend every config of its group
    engine_key: str | None = None
    # 'module:fn', list of specs -> None: raises BackendError before a run writes anything
    preflight: str | None = None
    # 'module:fn', list of specs -> None: asks each server of the specs whether it would serve them
    # (reachable, key accepted, model known), raising BackendError (API backends)
    probe: str | None = None
    # 'module:fn', () -> None: frees what a closed instance leaves loaded (hf: cached weights)
    release: str | None = None
    logprob: bool = False  # scores a fixed set of choices (`mode = "logprob"` judges)
    fingerprint_as: str | None = None  # the name its generations are fingerprinted under (embedded: hf)

    @property
    def shares_engine(self) -> bool:
        return self.engine_key is not None

    def concurrency_key(self, backend: str, base_url: str | None) -> tuple[str, str] | None:
        """The queue a config's calls join: an API server, (backend, base_url), one thread each;
        None for a local model (the main thread, one group after another)."""
        return (backend, base_url or "") if self.api else None


def _install_hint(backend: str) -> str:
    if backend == "vllm":
        return "run bash scripts/setup.sh --vllm (a .venv-vllm with vLLM)"
    return "install the 'ml' extra (bash scripts/setup.sh)"


TARGETS = Registry("backend", {}, error=BackendError, install_hint=_install_hint)
_CAPABILITIES: dict[str, Capabilities] = {}


def register(name: str, target: str, capabilities: Capabilities) -> None:
    """Add (or replace) backend `name`: its class as 'module:Class' and its capabilities."""
    TARGETS.register(name, target)
    _CAPABILITIES[name] = capabilities


def unregister(name: str) -> None:
    TARGETS.pop(name, None)
    _CAPABILITIES.pop(name, None)


def names() -> list[str]:
    """Every backend a config may name, sorted."""
    return sorted(_CAPABILITIES)


def known(name: str) -> bool:
    return name in _CAPABILITIES


def capabilities(name: str) -> Capabilities:
    caps = _CAPABILITIES.get(name)
    if caps is None:
        raise BackendError(f"unknown backend '{name}' (known: {', '.join(names())})")
    return caps


def is_api(name: str) -> bool:
    """Whether backend `name` calls an API server (False for an unknown name)."""
    caps = _CAPABILITIES.get(name)
    return caps is not None and caps.api


def function(name: str, target: str) -> Callable[..., Any]:
    """A capability's 'module:fn', imported now (a missing package is a BackendError saying what to install)."""
    fn: Callable[..., Any] = TARGETS.load_target(target, name)
    return fn


def capabilities_of(target: str) -> Capabilities:
    """The `capabilities` a backend class declares (a plug-in's registration reads it)."""
    caps = getattr(import_target(target), "capabilities", None)
    if not isinstance(caps, Capabilities):
        raise BackendError(f"backend class {target} declares no `capabilities: Capabilities`")
    return caps


_RELEASE = "engine.models.hf:release_models"
_VLLM = "engine.models.vllm"
_PROBE = "engine.models.probe"
register(
    "embedded",
    "engine.models.embedded:EmbeddedBackend",
    Capabilities(api=False, release=_RELEASE, logprob=True, fingerprint_as="hf"),
)
register("hf", "engine.models.hf:HFBackend", Capabilities(api=False, release=_RELEASE, logprob=True))
register(
    "vllm",
    f"{_VLLM}:VLLMBackend",
    Capabilities(api=False, engine_key=f"{_VLLM}:engine_key", preflight=f"{_VLLM}:preflight", logprob=True),
)
register("openai", "engine.models.openai_compat:OpenAIBackend", Capabilities(api=True, probe=f"{_PROBE}:openai"))
register("anthropic", "engine.models.anthropic:AnthropicBackend", Capabilities(api=True, probe=f"{_PROBE}:anthropic"))
