"""The generation-backend protocol, and what the runner asks of the registry (`engine.backends`).

A backend turns chat requests into completions. Results are yielded as they complete (any
order), so the runner can journal each episode at once. SDKs and ML libraries are imported
only inside the backend module that needs them, and that module only when the backend is used.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from engine import backends
from engine.backends import BackendError, Capabilities
from engine.events import LatencyKind

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


@runtime_checkable
class Backend(Protocol):
    """A generation backend; its class also declares `capabilities` (`engine.backends.Capabilities`)."""

    spec: ModelSpec

    def generate(self, requests: Sequence[GenRequest]) -> Iterator[GenResult]:
        """Yield one result per request, as each completes. Never raises for a single failed call:
        such a call yields a result with `error` set."""
        ...

    def close(self) -> None: ...


class ChoiceScorer(Protocol):
    def score_choices(self, requests: Sequence[GenRequest], choices: Sequence[str]) -> Iterator[ChoiceResult]: ...


def register_backend(name: str, target: str, capabilities: Capabilities | None = None) -> None:
    """Register a backend class as 'module:Class' (imported on first use) with its capabilities;
    without them, the class is imported now and its `capabilities` read. A config may then name it."""
    backends.register(name, target, capabilities or backends.capabilities_of(target))


_REGISTRY = backends.TARGETS  # name -> 'module:Class' (tests swap an entry for a fake)


def generation_groups(specs: Mapping[str, ModelSpec]) -> list[list[str]]:
    """Config ids in the order they are generated: configs whose backend shares one engine among
    configs with the same engine settings (vLLM: a base and its adapters) form one group, in
    first-seen order; every other config is a group of its own. Imports no backend."""
    groups: list[list[str]] = []
    index: dict[tuple[Any, ...], int] = {}
    for cid, spec in specs.items():
        caps = backends.capabilities(spec.backend)
        if caps.engine_key is not None:
            key = (spec.backend, *backends.function(spec.backend, caps.engine_key)(spec))
            if key in index:
                groups[index[key]].append(cid)
                continue
            index[key] = len(groups)
        groups.append([cid])
    return groups


def preflight(specs: Sequence[ModelSpec]) -> None:
    """Raise BackendError now for configs that could not generate (a missing package, an adapter
    the base cannot serve), so a run fails before its journal exists rather than midway."""
    for backend, group in _by_backend(specs).items():
        check = backends.capabilities(backend).preflight
        if check is not None:
            backends.function(backend, check)(group)


def probe(named: Mapping[str, ModelSpec]) -> None:
    """Ask each API server of `named` (who -> spec: "config 'gpt'", "judge 'j'"), once, whether it
    would serve them (reachable, key accepted, model known); BackendError naming the server, who
    uses it and the cause otherwise."""
    by: dict[str, dict[str, ModelSpec]] = {}
    for who, spec in named.items():
        by.setdefault(spec.backend, {})[who] = spec
    for backend, group in by.items():
        check = backends.capabilities(backend).probe
        if check is not None:
            backends.function(backend, check)(group)


def release(backend: str) -> None:
    """Free what a closed instance of `backend` leaves loaded (hf: its cached weights)."""
    target = backends.capabilities(backend).release
    if target is not None:
        backends.function(backend, target)()


def _by_backend(specs: Sequence[ModelSpec]) -> dict[str, list[ModelSpec]]:
    by: dict[str, list[ModelSpec]] = {}
    for s in specs:
        by.setdefault(s.backend, []).append(s)
    return by


def make_backend(spec: ModelSpec, peers: Mapping[str, ModelSpec] | None = None) -> Backend:
    """A backend for `spec`; an engine-sharing backend also serves `peers` (config id -> spec),
    selected per request by `GenRequest.route`."""
    cls = _REGISTRY.load(spec.backend)
    if backends.capabilities(spec.backend).shares_engine:
        backend: Backend = cls(spec, peers)
    else:
        if peers and any(p is not spec for p in peers.values()):
            raise BackendError(f"backend '{spec.backend}' serves one config per instance")
        backend = cls(spec)
    return backend
