"""The generation-backend protocol and its lazy registry.

A backend turns chat requests into completions. Results are yielded as they complete (any
order), so the runner can journal each episode at once. SDKs and ML libraries are imported
only inside the backend module that needs them, and that module only when the backend is used.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from engine.events import LatencyKind
from engine.registry import Registry

if TYPE_CHECKING:
    from engine.config import ModelSpec


@dataclass(frozen=True)
class GenRequest:
    key: str  # the episode or judgment id this request produces
    messages: list[dict[str, str]]
    max_tokens: int
    temperature: float = 0.0
    top_p: float = 1.0
    seed: int | None = None
    stop: tuple[str, ...] = ()
    route: str | None = None  # the peer config this request is for (engine-sharing backends); None: the backend's own


@dataclass
class GenResult:
    key: str
    text: str
    tokens_in: int = 0
    tokens_out: int = 0
    latency_s: float = 0.0
    finish_reason: str = "stop"  # stop | length | refusal | error
    error: str | None = None  # set when the call failed after every retry; text is then ""
    attempts: int = 1
    tokens_estimated: bool = False  # the reply carried no usage: token counts (and cost) are estimates
    # what latency_s measures: "request" (this request, submission to its last token or reply),
    # "batch" (the whole batch it ran in, the same for every request of the batch), None: not said
    latency_kind: LatencyKind | None = None
    worker: str = ""  # who generated it, when not this process: a Ray replica, "<pool>-<n>@<host>"

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class ChoiceResult:
    """Next-token probabilities of a fixed set of choices (logprob judging on local models)."""

    key: str
    probs: dict[str, float] = field(default_factory=dict)
    tokens_in: int = 0
    latency_s: float = 0.0
    error: str | None = None
    worker: str = ""  # as GenResult.worker: the Ray replica that scored it ("" in this process)


def render_chat(tokenizer: Any, messages: list[dict[str, str]], template_kwargs: dict[str, Any]) -> str:
    """A conversation as the model's own chat template renders it (hf and vllm see identical prompts).

    A final assistant message is a prefill: the template continues it instead of opening a new turn.
    """
    prefill = messages[-1]["role"] == "assistant"
    text: str = tokenizer.apply_chat_template(
        messages,
        tokenize=False,
        add_generation_prompt=not prefill,
        continue_final_message=prefill,
        **template_kwargs,
    )
    return text


class BackendError(Exception):
    """A backend could not be created (missing extra, missing key, bad model path...)."""


@runtime_checkable
class Backend(Protocol):
    spec: ModelSpec

    def generate(self, requests: Sequence[GenRequest]) -> Iterator[GenResult]:
        """Yield one result per request, as each completes. Never raises for a single failed call:
        such a call yields a result with `error` set."""
        ...

    def close(self) -> None: ...


class ChoiceScorer(Protocol):
    def score_choices(self, requests: Sequence[GenRequest], choices: Sequence[str]) -> Iterator[ChoiceResult]: ...


# Backends whose one instance serves several configs of one base model (a base and its adapters):
# `make_backend(spec, peers)` hands them every config that shares their engine settings.
ENGINE_SHARING = {"vllm": "engine.models.vllm:engine_key"}
# Checks a run makes before it writes anything: packages present, adapters servable (no engine built).
PREFLIGHT = {"vllm": "engine.models.vllm:preflight"}


def _install_hint(backend: str) -> str:
    if backend == "vllm":
        return "run bash scripts/setup.sh --vllm (a .venv-vllm with vLLM)"
    return "install the 'ml' extra (bash scripts/setup.sh)"


_REGISTRY = Registry(
    "backend",
    {
        "embedded": "engine.models.embedded:EmbeddedBackend",
        "hf": "engine.models.hf:HFBackend",
        "vllm": "engine.models.vllm:VLLMBackend",
        "openai": "engine.models.openai_compat:OpenAIBackend",
        "anthropic": "engine.models.anthropic:AnthropicBackend",
    },
    error=BackendError,
    install_hint=_install_hint,
)


def register_backend(name: str, target: str) -> None:
    """Register a backend factory as 'module:Class' (imported on first use)."""
    _REGISTRY.register(name, target)


def _load(target: str, backend: str) -> Any:
    return _REGISTRY.load_target(target, backend)


def generation_groups(specs: Mapping[str, ModelSpec]) -> list[list[str]]:
    """Config ids in the order they are generated: configs whose backend shares one engine among
    configs with the same engine settings (vLLM: a base and its adapters) form one group, in
    first-seen order; every other config is a group of its own. Imports no backend."""
    groups: list[list[str]] = []
    index: dict[tuple[Any, ...], int] = {}
    for cid, spec in specs.items():
        if spec.backend in ENGINE_SHARING:
            key = (spec.backend, *_engine_key(spec))
            if key in index:
                groups[index[key]].append(cid)
                continue
            index[key] = len(groups)
        groups.append([cid])
    return groups


def _engine_key(spec: ModelSpec) -> tuple[Any, ...]:
    # the key function lives with its backend; the backend module imports its SDK lazily
    key: tuple[Any, ...] = _load(ENGINE_SHARING[spec.backend], spec.backend)(spec)
    return key


def preflight(specs: Sequence[ModelSpec]) -> None:
    """Raise BackendError now for configs that could not generate (a missing package, an adapter
    the base cannot serve), so a run fails before its journal exists rather than midway."""
    by_backend: dict[str, list[ModelSpec]] = {}
    for s in specs:
        by_backend.setdefault(s.backend, []).append(s)
    for backend, group in by_backend.items():
        if backend in PREFLIGHT:
            _load(PREFLIGHT[backend], backend)(group)


def make_backend(spec: ModelSpec, peers: Mapping[str, ModelSpec] | None = None) -> Backend:
    """A backend for `spec`; an engine-sharing backend also serves `peers` (config id -> spec),
    selected per request by `GenRequest.route`."""
    cls = _REGISTRY.load(spec.backend)
    if spec.backend in ENGINE_SHARING:
        backend: Backend = cls(spec, peers)
    else:
        if peers and any(p is not spec for p in peers.values()):
            raise BackendError(f"backend '{spec.backend}' serves one config per instance")
        backend = cls(spec)
    return backend
