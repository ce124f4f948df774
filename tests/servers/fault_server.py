"""A fault-injecting chat server on 127.0.0.1 that speaks both the OpenAI and the Anthropic wire format.

`POST /v1/chat/completions` answers like OpenAI (and vLLM, llama.cpp, OpenRouter); `POST /v1/messages`
answers like Anthropic; the real SDKs parse both. The default reply is a deterministic toy judge: when
the text after `GOLD ANSWER:` (to the end of its line) appears in the `RESPONSE:` section of the last
user message, it ends in `VERDICT: PASS`, otherwise `VERDICT: FAIL`; a prompt without a gold answer
gets an echo of itself.

Faults are driven by a marker anywhere in the request's messages, `FAULT=<kind>[:<nonce>]`. Counters
are kept per marker text, so tests that run at once stay independent when each uses its own nonce:

    <code>x<N>, <code>always   the first N requests (or every request) get that HTTP status (429, 500, 401...)
                               408, 429 and 5xx carry `retry-after-ms` (default 10) and `Retry-After: 0`
    leakkey                    401 whose error message repeats the key the client sent (scrubbing tests)
    timeout[x<N>]              sleep `timeout_sleep` seconds (past the client's timeout), then answer
    drop[x<N>]                 close the connection without answering (a connection error)
    malformed[x<N>]            200 with a broken JSON body
    badshape[x<N>]             200 with valid JSON of the wrong shape
    refusal                    OpenAI: `message.refusal` set; Anthropic: `stop_reason: "refusal"`
    contentfilter              OpenAI: `finish_reason: "content_filter"`; Anthropic: as refusal
    length                     a truncated answer (`length` / `max_tokens`)
    nousage                    a normal answer without a `usage` object
    noverdict, both            a judge answer with no VERDICT line / with both PASS and FAIL lines
    ok                         no fault (a marker just for the counters)

A fault with `x<N>` answers normally from request N+1 on; one without a count is permanent.

Everything runs on one asyncio loop (in a thread when used in-process, or as the main program), so
hundreds of slow concurrent connections cost no threads. Success bodies are byte templates filled in
per request; the base latency is an `asyncio.sleep`.

    python -m tests.servers.fault_server --port 0 --latency 0.05     # prints the port, serves until killed
    GET /_stats                                                      # counters as JSON

`GET /v1/models` lists the server's models (OpenAI's list shape, or Anthropic's when the request carries
`anthropic-version`) and `GET /v1/models/<id>` retrieves one: every id is served unless the server was
given `models`. Given `keys`, any request with another key gets 401, as a real API refuses a wrong key.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import re
import signal
import sys
import threading
from collections.abc import Callable, Collection
from typing import Any

from tests.servers.wire import (
    ANTHROPIC_ERROR_TYPES,
    BADSHAPE,
    BOTH_TEXT,
    LENGTH_TEXT,
    MALFORMED,
    NOVERDICT_TEXT,
    REASONS,
    REFUSAL_TEXT,
    TEMPLATES,
    count_tokens,
    judge_reply,
    model_entry,
    models_page,
    text_of,
)

MARKER = re.compile(r"FAULT=([A-Za-z0-9_.]+)(?::([A-Za-z0-9_-]+))?")
KIND = re.compile(r"([A-Za-z0-9_.]+?)(?:x(\d+)|always)?")


class FaultServer:
    """The server; `start()` runs it on a loop in a daemon thread and returns the base URL."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        timeout_sleep: float = 5.0,
        retry_after_ms: int = 10,
        reply: Callable[[str], str | None] | None = None,
        models: Collection[str] | None = None,
        keys: Collection[str] | None = None,
    ) -> None:
        self.models = None if models is None else set(models)  # None: serves any model id
        self.keys = None if keys is None else set(keys)  # None: any key
        self.host, self.port = host, port
        self.reply = reply  # in-process use: the answer to a last user message (None: the toy judge)
        self.latency = latency
        self.timeout_sleep = timeout_sleep
        self.retry_after_ms = retry_after_ms
        self.requests_by_path: collections.Counter[str] = collections.Counter()
        self.marker_counts: collections.Counter[str] = collections.Counter()
        self.headers_by_marker: dict[str, dict[str, str]] = {}
        self.bodies_by_marker: dict[str, dict[str, Any]] = {}
        self.usage_by_marker: dict[str, tuple[int, int]] = {}
        self.recent_headers: collections.deque[dict[str, str]] = collections.deque(maxlen=256)
        self.connections = 0
        self._seq = 0
        self._tasks: set[asyncio.Task[Any]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.AbstractServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """Root URL (the Anthropic SDK's base_url); the OpenAI SDK wants `openai_url`."""
        return f"http://{self.host}:{self.port}"

    @property
    def openai_url(self) -> str:
        return f"{self.base_url}/v1"

    async def serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._server = await asyncio.start_server(self._handle, self.host, self.port, backlog=1024)
        self.port = self._server.sockets[0].getsockname()[1]

    def start(self) -> str:
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            try:
                loop.run_until_complete(self.serve())
            except BaseException as exc:  # noqa: BLE001 - surface bind errors to start()
                failure.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._shutdown())
            loop.close()

        self._thread = threading.Thread(target=run, name="fault-server", daemon=True)
        self._thread.start()
        ready.wait(10)
        if failure:
            raise failure[0]
        return self.base_url

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._thread = None

    def __enter__(self) -> FaultServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        self.requests_by_path.clear()
        self.marker_counts.clear()
        self.headers_by_marker.clear()
        self.bodies_by_marker.clear()
        self.usage_by_marker.clear()
        self.recent_headers.clear()

    def stats(self) -> dict[str, Any]:
        return {
            "requests_by_path": dict(self.requests_by_path),
            "marker_counts": dict(self.marker_counts),
            "connections": self.connections,
        }

    # -- HTTP/1.1 ----------------------------------------------------------------------------------
    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connections += 1
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                parts = lines[0].split(" ")
                if len(parts) != 3:
                    return
                method, path, _version = parts
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, _, value = line.partition(":")
                        headers[name.strip().lower()] = value.strip()
                length = headers.get("content-length")
                if length is None and method == "POST":
                    await self._send(writer, 411, b'{"error": {"message": "content-length required"}}')
                    return
                body = await reader.readexactly(int(length)) if length else b""
                keep = await self._respond(writer, method, path.split("?", 1)[0], headers, body)
                if not keep or headers.get("connection", "").lower() == "close":
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        except asyncio.CancelledError:  # shutting down; returning keeps asyncio from logging it
            return
        finally:
            self._tasks.discard(task)
            with contextlib.suppress(Exception):
                writer.close()

    async def _send(
        self, writer: asyncio.StreamWriter, status: int, body: bytes, extra: dict[str, str] | None = None
    ) -> None:
        head = [
            f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}",
            "content-type: application/json",
            f"content-length: {len(body)}",
        ]
        head += [f"{k}: {v}" for k, v in (extra or {}).items()]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        await writer.drain()

    async def _respond(
        self, writer: asyncio.StreamWriter, method: str, path: str, headers: dict[str, str], raw: bytes
    ) -> bool:
        """Answer one request; False closes the connection."""
        self.requests_by_path[path] += 1
        self.recent_headers.append(headers)
        if method == "GET" and path == "/_stats":
            await self._send(writer, 200, json.dumps(self.stats()).encode())
            return True
        fmt = "anthropic" if path == "/v1/messages" or "anthropic-version" in headers else "openai"
        if self.keys is not None:
            sent = headers.get("x-api-key") or headers.get("authorization", "").removeprefix("Bearer ")
            if sent not in self.keys:
                await self._send(writer, 401, self._error_body(fmt, 401, "invalid x-api-key"))
                return True
        if method == "GET" and (path == "/v1/models" or path.startswith("/v1/models/")):
            await self._models(writer, fmt, path.removeprefix("/v1/models").lstrip("/"))
            return True
        if method != "POST" or path not in ("/v1/chat/completions", "/v1/messages"):
            await self._send(writer, 404, b'{"error": {"message": "not found", "type": "not_found_error"}}')
            return True
        try:
            req = json.loads(raw)
            messages = req["messages"]
        except (ValueError, KeyError, TypeError):
            await self._send(writer, 400, self._error_body(fmt, 400, "request body is not a chat request"))
            return True
        if req.get("stream"):
            await self._send(writer, 400, self._error_body(fmt, 400, "streaming is not supported here"))
            return True
        texts = [text_of(m.get("content")) for m in messages if isinstance(m, dict)]
        users = [text_of(m.get("content")) for m in messages if isinstance(m, dict) and m.get("role") == "user"]
        kind, limit = "ok", None
        found = MARKER.search("\n".join(texts))
        if found is not None:
            marker = found.group(0)
            self.marker_counts[marker] += 1
            self.headers_by_marker[marker] = headers
            self.bodies_by_marker[marker] = req
            m = KIND.fullmatch(found.group(1))
            assert m is not None
            kind, limit = m.group(1), int(m.group(2)) if m.group(2) else None
            if limit is not None and self.marker_counts[marker] > limit:
                kind = "ok"
        if self.latency:
            await asyncio.sleep(self.latency)
        if kind == "leakkey":
            sent = headers.get("x-api-key") or headers.get("authorization", "").removeprefix("Bearer ")
            await self._send(writer, 401, self._error_body(fmt, 401, f"Incorrect API key provided: {sent}"))
            return True
        marker = found.group(0) if found is not None else None
        n_in, _ = await self._answer(writer, fmt, kind, req, users[-1] if users else "", len(raw), marker)
        return n_in >= 0

    async def _answer(
        self,
        writer: asyncio.StreamWriter,
        fmt: str,
        kind: str,
        req: dict[str, Any],
        user: str,
        size: int,
        marker: str | None = None,
    ) -> tuple[int, int]:
        """Send the answer; (tokens in, tokens out) reported, (0, 0) for a fault, (-1, 0) to close.

        The usage of a marked request is recorded before the reply is sent, so a client that has its
        reply can always read it from `usage_by_marker`.
        """
        if kind.isdigit():
            status = int(kind)
            extra = {}
            if status in (408, 429) or status >= 500:
                extra = {"retry-after-ms": str(self.retry_after_ms), "retry-after": "0"}
            await self._send(writer, status, self._error_body(fmt, status, f"injected HTTP {status}"), extra)
            return 0, 0
        if kind == "timeout":
            await asyncio.sleep(self.timeout_sleep)
            kind = "ok"
        if kind == "drop":
            return -1, 0
        if kind == "malformed":
            await self._send(writer, 200, MALFORMED)
            return 0, 0
        if kind == "badshape":
            await self._send(writer, 200, BADSHAPE[fmt])
            return 0, 0
        variant, text = "stop", None
        if kind in ("refusal", "contentfilter"):
            variant, text = kind, REFUSAL_TEXT
        elif kind == "length":
            variant, text = "length", LENGTH_TEXT
        elif kind == "nousage":
            variant = "nousage"
        elif kind == "noverdict":
            text = NOVERDICT_TEXT
        elif kind == "both":
            text = BOTH_TEXT
        if text is None and self.reply is not None:
            text = self.reply(user)
        if text is None:
            text = judge_reply(user)
        self._seq += 1
        n_in, n_out = max(1, size // 4), count_tokens(text)
        body = (
            TEMPLATES[(fmt, variant)]
            .replace(b"1111111", str(n_in).encode())
            .replace(b"2222222", str(n_out).encode())
            .replace(b"3333333", str(n_in + n_out).encode())
            .replace(b"@ID@", str(self._seq).encode())
            .replace(b"@MODEL@", json.dumps(str(req.get("model", "fault"))).encode())
            .replace(b"@TEXT@", json.dumps(text).encode())
        )
        if marker is not None:
            self.usage_by_marker[marker] = (n_in, n_out)
        await self._send(writer, 200, body)
        return n_in, n_out

    async def _models(self, writer: asyncio.StreamWriter, fmt: str, model_id: str) -> None:
        if model_id and self.models is not None and model_id not in self.models:
            await self._send(writer, 404, self._error_body(fmt, 404, f"model: {model_id} does not exist"))
            return
        listed = sorted(self.models) if self.models is not None else ["fault-model"]
        body = model_entry(fmt, model_id) if model_id else models_page(fmt, listed)
        await self._send(writer, 200, json.dumps(body).encode())

    @staticmethod
    def _error_body(fmt: str, status: int, message: str) -> bytes:
        if fmt == "anthropic":
            etype = ANTHROPIC_ERROR_TYPES.get(status, "api_error")
            return json.dumps({"type": "error", "error": {"type": etype, "message": message}}).encode()
        etype = "rate_limit_error" if status == 429 else ("server_error" if status >= 500 else "invalid_request_error")
        return json.dumps({"error": {"message": message, "type": etype, "param": None, "code": None}}).encode()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every answer")
    parser.add_argument("--timeout-sleep", type=float, default=5.0, help="how long FAULT=timeout sleeps")
    args = parser.parse_args(argv)
    server = FaultServer(args.host, args.port, args.latency, args.timeout_sleep)

    async def run() -> None:
        await server.serve()
        print(server.port, flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        await server._shutdown()

    asyncio.run(run())
    sys.exit(0)


if __name__ == "__main__":
    main()
