"""Anthropic Messages API through the `anthropic` SDK (base_url is the root, without `/v1`).

One sync `anthropic.Anthropic` client shared by a thread pool of `spec.concurrency` workers;
retries, keys and counting follow `engine.models.api`.

Request: system messages are joined into `system=`, the rest go as `messages`; `max_tokens`,
`stop_sequences` when non-empty and `spec.extra_body` merged into the body. Sampling parameters are
NOT sent: the SDK 2.x majors speak API version 2026-10-21, which rejects `temperature`, `top_p` and
`top_k` (even at their defaults) and removed them from `messages.create`; there is no `seed` either.
The spec's sampling settings still enter its fingerprint, so runs stay comparable.

stop_reason: `refusal` -> refusal; `max_tokens` / `model_context_window_exceeded` -> length; else stop.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, ClassVar

import anthropic

from engine import backends
from engine.models.api import (
    ApiBackend,
    ApiGenResult,
    ApiRunner,
    MalformedResponse,
    RequestCounter,
    Scrubber,
    pool_limits,
    resolve_api_key,
    token_counts,
)
from engine.models.base import BackendError, GenRequest

if TYPE_CHECKING:
    from engine.config import ModelSpec

ANTHROPIC_URL = "https://api.anthropic.com"
LENGTH_REASONS = frozenset({"max_tokens", "model_context_window_exceeded"})


def _root_url(url: str | None) -> str:
    url = (url or ANTHROPIC_URL).rstrip("/")
    return url.removesuffix("/v1")


class AnthropicBackend(ApiBackend):
    capabilities: ClassVar[backends.Capabilities] = backends.capabilities("anthropic")

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec
        if spec.chat_template_kwargs:
            raise BackendError("chat_template_kwargs: the Anthropic API has no chat template options")
        self.base_url = _root_url(spec.base_url)
        key = resolve_api_key(spec, "ANTHROPIC_API_KEY")
        self._scrub = Scrubber(key)
        self._counter = RequestCounter()
        options: dict[str, Any] = {}
        if "open_telemetry" in inspect.signature(anthropic.Anthropic).parameters:
            options["open_telemetry"] = False  # no spans per call: this process does not export them
        try:
            self._client = anthropic.Anthropic(
                api_key=key,
                base_url=self.base_url,
                max_retries=spec.retry.sdk_max_retries,
                timeout=spec.retry.timeout_s,
                http_client=anthropic.DefaultHttpxClient(
                    limits=pool_limits(spec.concurrency), event_hooks={"request": [self._counter.hook]}
                ),
                **options,
            )
        except Exception as exc:  # noqa: BLE001 - any SDK failure becomes a BackendError, key scrubbed
            raise BackendError(self._scrub.error(f"cannot create the Anthropic client: {exc}")) from None
        self._runner = ApiRunner(spec, self._scrub, self._counter)

    def params(self, request: GenRequest) -> dict[str, Any]:
        """The keyword arguments of `messages.create` for one request."""
        system = "\n\n".join(m["content"] for m in request.messages if m["role"] == "system")
        messages = [{"role": m["role"], "content": m["content"]} for m in request.messages if m["role"] != "system"]
        kw: dict[str, Any] = {
            "model": self.spec.model,
            "max_tokens": request.max_tokens,
            "messages": messages,
        }
        if system:
            kw["system"] = system
        if request.stop:
            kw["stop_sequences"] = list(request.stop)
        if self.spec.extra_body:
            kw["extra_body"] = dict(self.spec.extra_body)
        return kw

    def _send(self, request: GenRequest) -> Any:
        return self._client.messages.create(**self.params(request))

    def _parse(self, request: GenRequest, reply: Any) -> ApiGenResult:
        return _result(request, reply)


def _result(request: GenRequest, message: Any) -> ApiGenResult:
    content = getattr(message, "content", None)
    if not isinstance(content, list):
        raise MalformedResponse("no 'content' block list in the reply")
    text = "".join(b.text for b in content if getattr(b, "type", None) == "text" and isinstance(b.text, str))
    reason = getattr(message, "stop_reason", None)
    if reason is None and not content:
        raise MalformedResponse("no content and no stop_reason in the reply")
    finish = "refusal" if reason == "refusal" else "length" if reason in LENGTH_REASONS else "stop"
    usage = getattr(message, "usage", None)
    tokens_in = getattr(usage, "input_tokens", None)
    if isinstance(tokens_in, int):  # cached prompt tokens are input too
        for extra in ("cache_creation_input_tokens", "cache_read_input_tokens"):
            tokens_in += int(getattr(usage, extra, None) or 0)
    tokens_in, tokens_out, estimated = token_counts(request, text, tokens_in, getattr(usage, "output_tokens", None))
    return ApiGenResult(
        request.key, text, tokens_in=tokens_in, tokens_out=tokens_out, finish_reason=finish, tokens_estimated=estimated
    )
