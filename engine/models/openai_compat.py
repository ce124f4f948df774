"""OpenAI-compatible chat completions: OpenAI itself, OpenRouter, `vllm serve`, llama.cpp's server.

One sync `openai.OpenAI` client (its connection pool sized to `spec.concurrency`) is shared by a
thread pool of `spec.concurrency` workers; retries, keys and counting follow `engine.models.api`.

Request parameters:
- OpenAI's own API (api.openai.com, the default base URL): the length cap goes as
  `max_completion_tokens`, because its reasoning models (o-series, GPT-5.x) reject `max_tokens`;
  `temperature` / `top_p` are left out when they equal the API default 1.0, so a spec with the
  defaults also works on reasoning models, which reject any explicit value.
- Any other server: `max_tokens`, `temperature` and `top_p` are always sent. Generic servers
  (older vLLM, llama.cpp, many proxies) know `max_tokens` and may silently ignore
  `max_completion_tokens`; vLLM would otherwise fill unset sampling fields from the model's
  generation_config, which is not what the spec says.
- `seed` when not None, `stop` when non-empty, `spec.extra_body` merged into the body last, and
  `spec.chat_template_kwargs` (e.g. `{"enable_thinking": false}`) as `extra_body.chat_template_kwargs`
  for vLLM-style servers; OpenAI's own API has no such field, so setting it there is an error.

finish_reason: `length` -> length; `content_filter` or a `message.refusal` -> refusal; else stop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import openai
from openai.types.chat import ChatCompletion

from engine import backends
from engine.models.api import (
    ApiBackend,
    ApiGenResult,
    ApiRunner,
    MalformedResponse,
    RequestCounter,
    Scrubber,
    host_of,
    pool_limits,
    resolve_api_key,
    token_counts,
)
from engine.models.base import BackendError, GenRequest

if TYPE_CHECKING:
    from engine.config import ModelSpec

OPENAI_URL = "https://api.openai.com/v1"


class OpenAIBackend(ApiBackend):
    capabilities: ClassVar[backends.Capabilities] = backends.capabilities("openai")

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec
        self.base_url = (spec.base_url or OPENAI_URL).rstrip("/")
        self.official = host_of(self.base_url) == "api.openai.com"
        if self.official and spec.chat_template_kwargs:
            raise BackendError(
                "chat_template_kwargs: OpenAI's own API has no chat template options; they are for vLLM-style servers"
            )
        key = resolve_api_key(spec, "OPENAI_API_KEY")
        self._scrub = Scrubber(key)
        self._counter = RequestCounter()
        self._extra_body: dict[str, Any] = {}
        if spec.chat_template_kwargs:
            self._extra_body["chat_template_kwargs"] = dict(spec.chat_template_kwargs)
        self._extra_body.update(spec.extra_body)
        try:
            self._client = openai.OpenAI(
                api_key=key,
                base_url=self.base_url,
                max_retries=spec.retry.sdk_max_retries,
                timeout=spec.retry.timeout_s,
                http_client=openai.DefaultHttpxClient(
                    limits=pool_limits(spec.concurrency), event_hooks={"request": [self._counter.hook]}
                ),
            )
        except Exception as exc:  # noqa: BLE001 - e.g. a malformed base_url; never echo the key
            raise BackendError(self._scrub.error(f"cannot create the OpenAI client: {exc}")) from None
        self._runner = ApiRunner(spec, self._scrub, self._counter)

    def body(self, request: GenRequest) -> dict[str, Any]:
        """The JSON body of one chat completion request (`extra_body` merged in last)."""
        body: dict[str, Any] = {"model": self.spec.model, "messages": request.messages}
        if self.official:
            body["max_completion_tokens"] = request.max_tokens
            if request.temperature != 1.0:
                body["temperature"] = request.temperature
            if request.top_p != 1.0:
                body["top_p"] = request.top_p
        else:
            body["max_tokens"] = request.max_tokens
            body["temperature"] = request.temperature
            body["top_p"] = request.top_p
        if request.seed is not None:
            body["seed"] = request.seed
        if request.stop:
            body["stop"] = list(request.stop)
        body.update(self._extra_body)
        return body

    def _send(self, request: GenRequest) -> Any:
        # `client.post` is the path `chat.completions.create` takes (auth, SDK retries, timeout,
        # typed errors, parsing into ChatCompletion) minus the SDK's TypedDict transform of the
        # params: the identity for plain-text messages, but a quarter of the client's CPU per call,
        # which is what bounds throughput at high concurrency (bench/bench_api_judging.py).
        return self._client.post("/chat/completions", body=self.body(request), cast_to=ChatCompletion)

    def _parse(self, request: GenRequest, reply: Any) -> ApiGenResult:
        return _result(request, reply)


def _result(request: GenRequest, completion: Any) -> ApiGenResult:
    choices = getattr(completion, "choices", None)
    if not choices:
        raise MalformedResponse("no 'choices' in the reply")
    choice = choices[0]
    message = getattr(choice, "message", None)
    if message is None:
        raise MalformedResponse("no 'message' in choices[0]")
    content = message.content
    if content is not None and not isinstance(content, str):
        raise MalformedResponse(f"message.content is a {type(content).__name__}, not text")
    refusal = getattr(message, "refusal", None)
    reason = getattr(choice, "finish_reason", None)
    text = content or ""
    if refusal:
        finish, text = "refusal", str(refusal)
    elif reason == "content_filter":
        finish = "refusal"
    elif reason == "length":
        finish = "length"
    else:
        finish = "stop"
    usage = getattr(completion, "usage", None)
    tokens_in, tokens_out, estimated = token_counts(
        request, text, getattr(usage, "prompt_tokens", None), getattr(usage, "completion_tokens", None)
    )
    return ApiGenResult(
        request.key, text, tokens_in=tokens_in, tokens_out=tokens_out, finish_reason=finish, tokens_estimated=estimated
    )
