"""The fault server's wire formats: OpenAI and Anthropic reply templates (byte templates filled in
per request), the canned texts, the toy token count and the toy judge."""

from __future__ import annotations

import json
import re
from typing import Any

GOLD = re.compile(r"GOLD ANSWER:[ \t]*([^\n]*)")
REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    408: "Request Timeout",
    411: "Length Required",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    529: "Overloaded",
}
ANTHROPIC_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    529: "overloaded_error",
}
PASS_TEXT = "The response states the gold answer.\nVERDICT: PASS"
FAIL_TEXT = "The response does not state the gold answer.\nVERDICT: FAIL"
NOVERDICT_TEXT = "I cannot tell whether the response is right."
BOTH_TEXT = "Partly right.\nVERDICT: PASS\nVERDICT: FAIL"
REFUSAL_TEXT = "I can't help with grading this."
LENGTH_TEXT = "The response states the gold"


def count_tokens(text: str) -> int:
    """The server's toy token count: a quarter of the characters, at least 1."""
    return max(1, len(text) // 4)


def _openai_template(finish_reason: str, refusal: bool = False, usage: bool = True) -> bytes:
    message: dict[str, Any] = {"role": "assistant", "content": "@TEXT@", "refusal": None}
    if refusal:
        message = {"role": "assistant", "content": None, "refusal": "@TEXT@"}
    body: dict[str, Any] = {
        "id": "chatcmpl-fault@ID@",
        "object": "chat.completion",
        "created": 1700000000,
        "model": "@MODEL@",
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason, "logprobs": None}],
    }
    if usage:
        body["usage"] = {"prompt_tokens": 1111111, "completion_tokens": 2222222, "total_tokens": 3333333}
    return json.dumps(body).replace('"@TEXT@"', "@TEXT@").replace('"@MODEL@"', "@MODEL@").encode()


def _anthropic_template(stop_reason: str, usage: bool = True) -> bytes:
    body: dict[str, Any] = {
        "id": "msg_fault@ID@",
        "type": "message",
        "role": "assistant",
        "model": "@MODEL@",
        "content": [{"type": "text", "text": "@TEXT@"}],
        "stop_reason": stop_reason,
        "stop_sequence": None,
    }
    if usage:
        body["usage"] = {"input_tokens": 1111111, "output_tokens": 2222222}
    return json.dumps(body).replace('"@TEXT@"', "@TEXT@").replace('"@MODEL@"', "@MODEL@").encode()


TEMPLATES: dict[tuple[str, str], bytes] = {
    ("openai", "stop"): _openai_template("stop"),
    ("openai", "length"): _openai_template("length"),
    ("openai", "refusal"): _openai_template("stop", refusal=True),
    ("openai", "contentfilter"): _openai_template("content_filter"),
    ("openai", "nousage"): _openai_template("stop", usage=False),
    ("anthropic", "stop"): _anthropic_template("end_turn"),
    ("anthropic", "length"): _anthropic_template("max_tokens"),
    ("anthropic", "refusal"): _anthropic_template("refusal"),
    ("anthropic", "contentfilter"): _anthropic_template("refusal"),
    ("anthropic", "nousage"): _anthropic_template("end_turn", usage=False),
}
MALFORMED = b'{"id": "chatcmpl-broken", "choices": [{"index": 0, "message": {"role": "assis'
BADSHAPE = {
    "openai": b'{"id": "chatcmpl-odd", "object": "chat.completion", "result": "no choices here"}',
    "anthropic": b'{"id": "msg_odd", "type": "message", "data": "no content here"}',
}


def text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def judge_reply(user_text: str) -> str:
    """The toy judge: PASS when the gold answer appears in the RESPONSE section; an echo otherwise."""
    gold = GOLD.search(user_text)
    if gold is None:
        return "echo: " + " ".join(user_text.split())[:200]
    answer = gold.group(1).strip()
    start = user_text.find("RESPONSE:", gold.end())
    section = user_text[start + len("RESPONSE:") :] if start >= 0 else ""
    end = section.rfind(">>>")
    if end >= 0:
        section = section[:end]
    return PASS_TEXT if answer and answer in section else FAIL_TEXT


def model_entry(fmt: str, model: str) -> dict[str, Any]:
    """One model as `GET /v1/models/<id>` answers it (OpenAI's or Anthropic's shape)."""
    if fmt == "anthropic":
        return {"type": "model", "id": model, "display_name": model, "created_at": "2025-01-01T00:00:00Z"}
    return {"id": model, "object": "model", "created": 0, "owned_by": "fault-server"}


def models_page(fmt: str, models: list[str]) -> dict[str, Any]:
    """`GET /v1/models`: one page listing `models`."""
    page: dict[str, Any] = {"data": [model_entry(fmt, m) for m in models]}
    if fmt == "anthropic":
        return page | {
            "has_more": False,
            "first_id": models[0] if models else None,
            "last_id": models[-1] if models else None,
        }
    return page | {"object": "list"}
