"""`vllm` backend (GPU, optional extra `vllm`): offline batched generation with LoRA requests.

Prompts are rendered with the model's own chat template (as the hf backend does, so both
backends see identical prompts) and sent to `LLM.generate` in chunks, so results stream back to
the runner. A base config and its SFT configs share one engine: the engine is created with LoRA
enabled whenever a config of that model names an adapter, and each adapter is a `LoRARequest`.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

from engine.config import ModelSpec
from engine.models.base import BackendError, ChoiceResult, GenRequest, GenResult, render_chat

CHUNK = 256
_engines: dict[tuple[Any, ...], Any] = {}
_lock = threading.Lock()
_lora_ids: dict[str, int] = {}


def _engine(spec: ModelSpec) -> Any:
    try:
        from vllm import LLM
    except ImportError as exc:
        raise BackendError("the vllm backend needs the 'vllm' extra on a machine with a GPU") from exc
    key = (spec.model, spec.dtype, spec.max_model_len, spec.gpu_memory_utilization, bool(spec.adapter))
    with _lock:
        if key in _engines:
            return _engines[key]
        # one engine at a time on the GPU: a base engine can serve a LoRA config only if built with LoRA
        for k in [k for k in _engines if k[0] != spec.model or k[4] != key[4]]:
            _drop(k)
        kwargs: dict[str, Any] = {
            "model": spec.model,
            "dtype": "auto" if spec.dtype == "auto" else spec.dtype,
            "gpu_memory_utilization": spec.gpu_memory_utilization,
            "seed": 0,
            "enable_lora": bool(spec.adapter),
        }
        if spec.max_model_len:
            kwargs["max_model_len"] = spec.max_model_len
        if spec.adapter:
            kwargs["max_lora_rank"] = 64
        _engines[key] = LLM(**kwargs)
        return _engines[key]


def _drop(key: tuple[Any, ...]) -> None:
    engine = _engines.pop(key, None)
    del engine
    gc.collect()
    try:
        import torch

        torch.cuda.empty_cache()
    except Exception:  # noqa: BLE001
        pass


class VLLMBackend:
    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec
        self.llm = _engine(spec)
        self.tok = self.llm.get_tokenizer()
        self.lora = None
        if spec.adapter:
            from vllm.lora.request import LoRARequest

            lora_id = _lora_ids.setdefault(spec.adapter, len(_lora_ids) + 1)
            self.lora = LoRARequest(f"adapter-{lora_id}", lora_id, spec.adapter)

    def _render(self, messages: list[dict[str, str]]) -> str:
        return render_chat(self.tok, messages, self.spec.chat_template_kwargs)

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

    def generate(self, requests: Sequence[GenRequest]) -> Iterator[GenResult]:
        for start in range(0, len(requests), CHUNK):
            chunk = requests[start : start + CHUNK]
            prompts = [{"prompt": self._render(r.messages)} for r in chunk]
            t0 = time.perf_counter()
            try:
                outs = self.llm.generate(
                    prompts, [self._params(r) for r in chunk], lora_request=self.lora, use_tqdm=False
                )
            except (RuntimeError, ValueError) as exc:
                dt = time.perf_counter() - t0
                for r in chunk:
                    yield GenResult(
                        r.key, "", latency_s=dt, finish_reason="error", error=f"{type(exc).__name__}: {exc}"
                    )
                continue
            dt = time.perf_counter() - t0
            for r, out in zip(chunk, outs, strict=True):
                o = out.outputs[0]
                yield GenResult(
                    r.key,
                    o.text,
                    tokens_in=len(out.prompt_token_ids or ()),
                    tokens_out=len(o.token_ids),
                    latency_s=dt,
                    finish_reason="length" if o.finish_reason == "length" else "stop",
                )

    def score_choices(self, requests: Sequence[GenRequest], choices: Sequence[str]) -> Iterator[ChoiceResult]:
        import math

        first = [self.tok.encode(c, add_special_tokens=False)[0] for c in choices]
        for start in range(0, len(requests), CHUNK):
            chunk = requests[start : start + CHUNK]
            prompts = [{"prompt": self._render(r.messages)} for r in chunk]
            params = [self._params(r, logprobs=20) for r in chunk]
            for p in params:
                p.max_tokens = 1
                p.temperature = 0.0
            t0 = time.perf_counter()
            outs = self.llm.generate(prompts, params, lora_request=self.lora, use_tqdm=False)
            dt = time.perf_counter() - t0
            for r, out in zip(chunk, outs, strict=True):
                top = out.outputs[0].logprobs[0] if out.outputs[0].logprobs else {}
                probs = {
                    c: (math.exp(top[t].logprob) if t in top else 0.0) for c, t in zip(choices, first, strict=True)
                }
                yield ChoiceResult(r.key, probs, tokens_in=len(out.prompt_token_ids or ()), latency_s=dt)

    def close(self) -> None:
        pass


def release_engines() -> None:
    with _lock:
        for k in list(_engines):
            _drop(k)
