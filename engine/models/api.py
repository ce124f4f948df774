"""The base of the API backends (OpenAI-compatible and Anthropic): keys, retries, counting, threads.

Keys: read from the environment only (`spec.api_key_env`, else the provider's usual variable); a
loopback server with no `api_key_env` gets a placeholder, so no real key is sent to whatever
listens on localhost. A key value never reaches an error, a result or a log: `Scrubber` removes it.

Retries, in two layers:
  1. the SDK's own (`max_retries=spec.retry.sdk_max_retries`, `timeout=spec.retry.timeout_s`):
     429, 408, 409, 5xx, timeouts and connection errors, honouring Retry-After / retry-after-ms;
  2. this module's outer policy, when the SDK gives up: up to `max_attempts` rounds, retrying the
     same classes plus malformed or undecodable 2xx bodies, waiting the Retry-After of the final
     exception when it has one, else exponential backoff from `backoff_s` (equal jitter), each wait
     capped at `backoff_max_s`. 400/401/403/404/422 and other client errors end the call at once.

`GenResult.attempts` counts HTTP requests sent (SDK retries included), counted by an httpx request
hook, so it matches what the server saw. `latency_s` is the wall time from the first request to the
result, waits included.

Concurrency: each backend holds one sync SDK client (one connection pool sized to `spec.concurrency`)
and one thread pool of `spec.concurrency` workers; `generate` yields results as they complete. In
bench/bench_api_judging.py's setting (C=64, L=0.1 s, 2 cores) a prototype with the async clients on
one event loop reached 0.6-0.8 of C/L against 0.85-0.9 for threads, so threads it is.
"""

from __future__ import annotations

import email.utils
import ipaddress
import json
import math
import os
import queue
import random
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from engine.models.base import BackendError, GenRequest, GenResult

if TYPE_CHECKING:
    from engine.config import ModelSpec, RetryPolicy

PLACEHOLDER_KEY = "EMPTY"  # what vLLM / llama.cpp servers without --api-key accept
NO_RETRY_STATUS = frozenset({400, 401, 403, 404, 422})
RETRY_STATUS = frozenset({408, 409, 429})
_BEARER = re.compile(r"(?i)(bearer\s+)[^\s'\"]+")
_KEYLIKE = re.compile(r"\b(sk|sk-ant|sk-or|sk-proj)-[A-Za-z0-9_\-]{12,}")


# API results are plain GenResults; `tokens_estimated` says when a reply had no usage.
ApiGenResult = GenResult


class MalformedResponse(Exception):
    """A 2xx reply whose body is not what the wire format promises (retried like a 5xx)."""


# -- keys ------------------------------------------------------------------------------------------
def host_of(url: str | None) -> str:
    return (urlparse(url).hostname or "").lower() if url else ""


def is_loopback(url: str | None) -> bool:
    host = host_of(url)
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_api_key(spec: ModelSpec, default_env: str) -> str:
    """The key for this spec, from the environment. Errors name the variable, never a value."""
    if spec.api_key_env:
        name = spec.api_key_env
    elif host_of(spec.base_url).endswith("openrouter.ai"):
        name = "OPENROUTER_API_KEY"
    elif is_loopback(spec.base_url):
        return PLACEHOLDER_KEY
    else:
        name = default_env
    value = os.environ.get(name, "").strip()
    if not value:
        raise BackendError(
            f"backend '{spec.backend}' (model '{spec.model}') needs an API key in the environment "
            f"variable {name}, which is not set"
        )
    return value


class Scrubber:
    """Removes a key from text; `error()` also masks anything shaped like a bearer token or an API key."""

    def __init__(self, *secrets: str) -> None:
        self.secrets = [s for s in secrets if s and s != PLACEHOLDER_KEY]

    def __call__(self, text: str) -> str:
        for s in self.secrets:
            if s in text:
                text = text.replace(s, "[key redacted]")
        return text

    def error(self, text: str) -> str:
        text = self(text)
        if "earer" in text or "sk-" in text:
            text = _BEARER.sub(r"\1[redacted]", text)
            text = _KEYLIKE.sub("[key redacted]", text)
        return text


# -- classification and waits ----------------------------------------------------------------------
def _status(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None)
    return status if isinstance(status, int) else None


def describe(exc: BaseException, timeout_s: float | None = None) -> tuple[bool, str]:
    """(retryable, a one-line description) of an exception raised by an SDK call."""
    name = type(exc).__name__
    status = _status(exc)
    if status is not None and status >= 400:
        message = _status_message(exc)
        if status in NO_RETRY_STATUS or (400 <= status < 500 and status not in RETRY_STATUS):
            return False, f"HTTP {status} ({name}, not retried): {message}"
        label = "rate limited" if status == 429 else "server error" if status >= 500 else "error"
        return True, f"HTTP {status} {label} ({name}): {message}"
    if isinstance(exc, MalformedResponse):
        return True, f"unexpected response shape: {exc}"
    if isinstance(exc, (json.JSONDecodeError, UnicodeDecodeError)):
        return True, f"malformed response body ({name}: {exc})"
    if "Timeout" in name:
        after = f" after {timeout_s:g} s" if timeout_s else ""
        return True, f"request timed out{after} ({name})"
    if "Connection" in name:
        cause = exc.__cause__ or exc.__context__
        detail = f": {type(cause).__name__}" if cause is not None else ""
        return True, f"connection error ({name}{detail})"
    if "ResponseValidation" in name:
        return True, f"malformed response body ({name}: {exc})"
    return False, f"{name}: {exc}"


def _status_message(exc: BaseException) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict) and isinstance(err.get("message"), str):
            return err["message"][:300]
    return str(getattr(exc, "message", exc))[:300]


def retry_after_s(exc: BaseException) -> float | None:
    """Seconds the server asked to wait (retry-after-ms, then Retry-After as seconds or a date)."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    for name, scale in (("retry-after-ms", 1e-3), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) * scale
        except ValueError:
            parsed = email.utils.parsedate_tz(value) if name == "retry-after" else None
            if parsed is None:
                continue
            seconds = email.utils.mktime_tz(parsed) - time.time()
        if math.isfinite(seconds):
            return max(0.0, seconds)
    return None


def backoff_s(policy: RetryPolicy, attempt: int, exc: BaseException | None = None) -> float:
    """The wait after outer attempt `attempt` (1-based) failed."""
    asked = retry_after_s(exc) if exc is not None else None
    if asked is not None:
        return min(asked, policy.backoff_max_s)
    ceiling = min(policy.backoff_s * (2 ** (attempt - 1)), policy.backoff_max_s)
    return ceiling / 2 + random.uniform(0, ceiling / 2)


# -- counting requests -----------------------------------------------------------------------------
class RequestCounter:
    """Counts the HTTP requests a thread sends, through an httpx `request` event hook."""

    def __init__(self) -> None:
        self._local = threading.local()

    def hook(self, request: Any) -> None:
        self._local.n = getattr(self._local, "n", 0) + 1

    def reset(self) -> None:
        self._local.n = 0

    @property
    def count(self) -> int:
        return int(getattr(self._local, "n", 0))


def httpx_module() -> Any:
    """The httpx flavour the installed SDKs use (httpx2 for the current majors, httpx before)."""
    try:
        import httpx2

        return httpx2
    except ImportError:  # pragma: no cover - older SDKs
        import httpx

        return httpx


def pool_limits(concurrency: int) -> Any:
    n = concurrency + 4
    return httpx_module().Limits(max_connections=n, max_keepalive_connections=n)


def estimate_tokens(text: str) -> int:
    """About four characters a token; used only when a reply has no `usage`."""
    return max(1, math.ceil(len(text) / 4)) if text else 0


def token_counts(request: GenRequest, text: str, tokens_in: Any, tokens_out: Any) -> tuple[int, int, bool]:
    """(in, out, estimated): the reply's usage counts, or estimates when the reply has none."""
    if isinstance(tokens_in, int) and isinstance(tokens_out, int):
        return tokens_in, tokens_out, False
    est_in = sum(estimate_tokens(str(m.get("content", ""))) for m in request.messages)
    return est_in, estimate_tokens(text), True


class ApiBackend:
    """What both API backends share: one SDK client, the ApiRunner, and malformed-reply handling.

    Subclasses set `spec`, `_client` and `_runner`, and implement `_send` (the SDK call) and `_parse`
    (reply -> ApiGenResult; an attribute/type/index/key/value error there means a malformed reply).
    """

    spec: ModelSpec
    _client: Any
    _runner: ApiRunner

    def _send(self, request: GenRequest) -> Any:
        raise NotImplementedError

    def _parse(self, request: GenRequest, reply: Any) -> ApiGenResult:
        raise NotImplementedError

    def _call(self, request: GenRequest) -> ApiGenResult:
        reply = self._send(request)
        try:
            return self._parse(request, reply)
        except (AttributeError, TypeError, IndexError, KeyError, ValueError) as exc:
            raise MalformedResponse(f"{type(exc).__name__}: {exc}") from None

    def generate(self, requests: Sequence[GenRequest]) -> Iterator[GenResult]:
        return self._runner.run(requests, self._call)

    def close(self) -> None:
        self._runner.close()
        self._client.close()


# -- the runner ------------------------------------------------------------------------------------
CallFn = Callable[[GenRequest], ApiGenResult]


def _on_cancel(key: str, done: queue.SimpleQueue[GenResult]) -> Callable[[Future[None]], None]:
    """A done-callback that still delivers a result when a queued call is cancelled (backend closed)."""

    def callback(future: Future[None]) -> None:
        if future.cancelled():
            done.put(GenResult(key, "", finish_reason="error", error="cancelled: the backend was closed", attempts=0))

    return callback


class ApiRunner:
    """Runs one SDK call per request on a thread pool, with the outer retry policy; never raises per call."""

    def __init__(self, spec: ModelSpec, scrub: Scrubber, counter: RequestCounter) -> None:
        self.spec = spec
        self.scrub = scrub
        self.counter = counter
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._closed = False

    def run(self, requests: Sequence[GenRequest], call: CallFn) -> Iterator[GenResult]:
        if not requests:
            return
        with self._lock:
            self._closed = False
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.spec.concurrency, thread_name_prefix=f"api-{self.spec.backend}")
            pool = self._pool
        done: queue.SimpleQueue[GenResult] = queue.SimpleQueue()
        futures: list[Future[None]] = []
        for r in requests:
            future = pool.submit(self._one, r, call, done)
            future.add_done_callback(_on_cancel(r.key, done))
            futures.append(future)
        try:
            for _ in futures:
                yield done.get()
        finally:
            for f in futures:
                f.cancel()

    def _one(self, request: GenRequest, call: CallFn, done: queue.SimpleQueue[GenResult]) -> None:
        try:
            result: GenResult = self.call_with_retry(request, call)
        except BaseException as exc:  # noqa: BLE001 - never lose a request: the generator waits for one result each
            result = GenResult(
                request.key, "", finish_reason="error", error=self.scrub.error(f"{type(exc).__name__}: {exc}")
            )
        done.put(result)

    def call_with_retry(self, request: GenRequest, call: CallFn) -> GenResult:
        policy = self.spec.retry
        self.counter.reset()
        start = time.perf_counter()
        error = "no attempt made"
        for attempt in range(1, policy.max_attempts + 1):
            try:
                result = call(request)
            except Exception as exc:  # noqa: BLE001 - `describe` sorts retryable from final
                retryable, error = describe(exc, policy.timeout_s)
                if not retryable or attempt == policy.max_attempts or self._closed:
                    break
                time.sleep(backoff_s(policy, attempt, exc))
                continue
            result.key = request.key
            result.text = self.scrub(result.text)
            result.latency_s = time.perf_counter() - start
            result.latency_kind = "request"
            result.attempts = max(self.counter.count, attempt)
            return result
        return GenResult(
            request.key,
            "",
            latency_s=time.perf_counter() - start,
            latency_kind="request",
            finish_reason="error",
            error=self.scrub.error(error),
            attempts=max(self.counter.count, 1),
        )

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None
