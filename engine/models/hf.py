"""`hf` backend: transformers, batched generation with left padding, CPU or GPU, LoRA via peft.

Requests are sorted by prompt length and cut into batches of `spec.batch_size` with the same
sampling settings, so padding stays small; results are yielded batch by batch. Loaded models are
cached per process (a student and an LLM judge on the same model share one copy).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

from engine import backends
from engine.config import ModelSpec
from engine.models.base import BackendError, ChoiceResult, GenRequest, GenResult, render_chat

_cache: dict[tuple[str, str | None, str, str], tuple[Any, Any]] = {}
_cache_lock = threading.Lock()


def pick_device(device: str) -> str:
    import torch

    if device != "auto":
        return device
    return "cuda" if torch.cuda.is_available() else "cpu"


def pick_dtype(dtype: str, device: str) -> Any:
    import torch

    if dtype == "auto":
        return torch.bfloat16 if device.startswith("cuda") else torch.float32
    return {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[dtype]


def load_model(model_path: str, adapter: str | None, device: str, dtype: str) -> tuple[Any, Any]:
    """(model, tokenizer), cached; a LoRA adapter is merged into its own copy of the base."""
    key = (model_path, adapter, device, dtype)
    with _cache_lock:
        if key in _cache:
            return _cache[key]
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        try:
            tok = AutoTokenizer.from_pretrained(model_path)
            model: Any = AutoModelForCausalLM.from_pretrained(model_path, dtype=pick_dtype(dtype, device))
        except OSError as exc:
            raise BackendError(f"cannot load model '{model_path}': {exc}") from exc
        if adapter:
            try:
                from peft import PeftModel
            except ImportError as exc:  # pragma: no cover - peft is in the ml extra
                raise BackendError("LoRA adapters need peft (the 'ml' extra)") from exc
            import tempfile
            from pathlib import Path

            from engine.models.adapters import for_model

            names = {n for n, _ in model.named_modules()}
            with tempfile.TemporaryDirectory(prefix="adapter-") as scratch:
                # adapters are saved in the checkpoint's module names (vLLM's); map them onto this model's
                path = for_model(Path(adapter), names, Path(scratch) / "adapter")
                try:
                    model = PeftModel.from_pretrained(model, str(path)).merge_and_unload()
                except (OSError, ValueError) as exc:
                    raise BackendError(f"cannot load LoRA adapter '{adapter}': {exc}") from exc
        model.to(device)
        model.eval()
        if tok.pad_token is None:
            tok.pad_token = tok.eos_token
        _cache[key] = (model, tok)
        return model, tok


def release_models() -> None:
    with _cache_lock:
        _cache.clear()


class HFBackend:
    capabilities: ClassVar[backends.Capabilities] = backends.capabilities("hf")

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec
        self.device = pick_device(spec.device)
        self.model, self.tok = load_model(self.model_path(), spec.adapter, self.device, spec.dtype)

    def model_path(self) -> str:
        return self.spec.model

    # -- prompt rendering ------------------------------------------------------------------
    def render(self, messages: list[dict[str, str]]) -> str:
        return render_chat(self.tok, messages, self.spec.chat_template_kwargs)

    def _encode(self, texts: list[str]) -> Any:
        enc = self.tok(texts, return_tensors="pt", padding=True, padding_side="left", add_special_tokens=False)
        return {k: v.to(self.device) for k, v in enc.items()}

    def _batches(self, requests: Sequence[GenRequest]) -> Iterator[list[tuple[GenRequest, str, int]]]:
        rendered = [(r, self.render(r.messages)) for r in requests]
        lengths = [len(ids) for ids in self.tok([t for _, t in rendered], add_special_tokens=False)["input_ids"]]
        items = sorted(
            ((r, t, n) for (r, t), n in zip(rendered, lengths, strict=True)),
            key=lambda x: (x[0].temperature, x[0].top_p, x[0].max_tokens, x[2]),
        )
        bs = self.spec.batch_size
        batch: list[tuple[GenRequest, str, int]] = []
        for item in items:
            r = item[0]
            if batch and (len(batch) >= bs or (batch[0][0].temperature, batch[0][0].top_p) != (r.temperature, r.top_p)):
                yield batch
                batch = []
            batch.append(item)
        if batch:
            yield batch

    def batch_keys(self, requests: Sequence[GenRequest]) -> list[list[str]]:
        """The request keys batch by batch, as `generate` batches them: a caller that hands each
        batch to `generate` on its own (the Ray executor's chunks) gets the same batches back."""
        return [[r.key for r, _, _ in batch] for batch in self._batches(requests)]

    # -- generation -----------------------------------------------------------------------
    def generate(self, requests: Sequence[GenRequest]) -> Iterator[GenResult]:
        for batch in self._batches(requests):
            yield from self._generate_batch(batch)

    def _generate_batch(self, batch: list[tuple[GenRequest, str, int]]) -> list[GenResult]:
        import torch
        from transformers import StoppingCriteriaList

        first = batch[0][0]
        eos_ids = self._eos_ids()
        gc = self._generation_config(batch, eos_ids)
        if first.temperature > 0 and first.seed is not None:
            torch.manual_seed(first.seed)
        clock = _step_clock()
        t0 = time.perf_counter()
        try:
            enc = self._encode([t for _, t, _ in batch])
            with torch.inference_mode():
                out = self.model.generate(**enc, generation_config=gc, stopping_criteria=StoppingCriteriaList([clock]))
        except (RuntimeError, ValueError) as exc:  # e.g. CUDA OOM: the batch is recorded as failed
            dt = time.perf_counter() - t0
            error = f"{type(exc).__name__}: {exc}"
            return [
                GenResult(r.key, "", latency_s=dt, latency_kind="batch", finish_reason="error", error=error)
                for r, _, _ in batch
            ]
        dt = time.perf_counter() - t0
        prompt_len = enc["input_ids"].shape[1]
        return [
            self._result(r, n_in, out[row, prompt_len:].tolist(), eos_ids, clock.times, t0, dt)
            for row, (r, _, n_in) in enumerate(batch)
        ]

    def _generation_config(self, batch: list[tuple[GenRequest, str, int]], eos_ids: list[int]) -> Any:
        """One batch's settings: the first request's sampling (a batch shares it), the longest budget."""
        from transformers import GenerationConfig

        first = batch[0][0]
        sample = first.temperature > 0
        return GenerationConfig(
            max_new_tokens=max(r.max_tokens for r, _, _ in batch),
            do_sample=sample,
            temperature=first.temperature if sample else None,
            top_p=first.top_p if sample else None,
            top_k=None,
            pad_token_id=self.tok.pad_token_id,
            eos_token_id=eos_ids,
        )

    def _result(
        self, r: GenRequest, n_in: int, new: list[int], eos_ids: list[int], times: list[float], t0: float, dt: float
    ) -> GenResult:
        """One request's completion from its row of new tokens: cut at its EOS, its own token budget
        and its stop strings."""
        n_out, finish = len(new), "length"
        for i, tid in enumerate(new):
            if tid in eos_ids:
                n_out, finish = i, "stop"
                break
        n_out = min(n_out, r.max_tokens)
        text = self.tok.decode(new[:n_out], skip_special_tokens=True)
        text, stopped = _apply_stop(text, r.stop)
        # this request's own latency: batch start to the step that produced its last token
        # (its EOS when it stopped); the whole batch's when the clock missed steps
        last = n_out if finish == "stop" else n_out - 1
        done_at = times[last] if 0 <= last < len(times) else None
        return GenResult(
            r.key,
            text,
            tokens_in=n_in,
            tokens_out=n_out,
            latency_s=dt if done_at is None else done_at - t0,
            latency_kind="batch" if done_at is None else "request",
            finish_reason="stop" if stopped else finish,
        )

    def _eos_ids(self) -> list[int]:
        ids = self.model.generation_config.eos_token_id
        ids = [ids] if isinstance(ids, int) else list(ids or [])
        if self.tok.eos_token_id is not None and self.tok.eos_token_id not in ids:
            ids.append(self.tok.eos_token_id)
        return ids

    # -- logprob scoring (local LLM judges) -------------------------------------------------
    def score_choices(self, requests: Sequence[GenRequest], choices: Sequence[str]) -> Iterator[ChoiceResult]:
        import torch

        first_ids = []
        for c in choices:
            ids = self.tok(c, add_special_tokens=False)["input_ids"]
            if not ids:
                raise BackendError(f"choice {c!r} encodes to no token")
            first_ids.append(ids[0])
        if len(set(first_ids)) != len(first_ids):
            raise BackendError(f"choices {list(choices)!r} share their first token")
        for batch in self._batches(requests):
            t0 = time.perf_counter()
            try:
                enc = self._encode([t for _, t, _ in batch])
                with torch.inference_mode():
                    logits = self.model(**enc).logits[:, -1, :].float()
                probs = torch.softmax(logits, dim=-1)[:, first_ids].tolist()
            except (RuntimeError, ValueError) as exc:
                dt = time.perf_counter() - t0
                for r, _, _ in batch:
                    yield ChoiceResult(r.key, latency_s=dt, error=f"{type(exc).__name__}: {exc}")
                continue
            dt = time.perf_counter() - t0
            for row, (r, _, n_in) in enumerate(batch):
                yield ChoiceResult(r.key, dict(zip(choices, probs[row], strict=True)), tokens_in=n_in, latency_s=dt)

    def close(self) -> None:
        pass


def _step_clock() -> Any:
    """A stopping criterion that never stops: it records when each generation step ended, so a
    request's latency inside a batch is known (`times[i]`: the step that produced token i)."""
    import torch
    from transformers import StoppingCriteria

    class StepClock(StoppingCriteria):
        def __init__(self) -> None:
            self.times: list[float] = []

        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            self.times.append(time.perf_counter())
            return torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)

    return StepClock()


def _apply_stop(text: str, stop: Sequence[str]) -> tuple[str, bool]:
    cut = len(text)
    for s in stop:
        i = text.find(s)
        if s and 0 <= i < cut:
            cut = i
    return text[:cut], cut < len(text)
