"""The API backends and the LLM judge via the real SDKs, against the loopback fault server."""

from __future__ import annotations

import threading
import time
from dataclasses import asdict

import pytest

from engine.config import JudgeSpec, ModelSpec, RetryPolicy, Sampling
from engine.data.schemas import Task
from engine.judges.base import JudgeItem
from engine.judges.llm import LLMJudge
from engine.models.api import backoff_s, describe, retry_after_s
from engine.models.base import BackendError, GenRequest, GenResult, make_backend
from tests.servers.fault_server import FaultServer
from tests.servers.wire import FAIL_TEXT, PASS_TEXT, REFUSAL_TEXT, count_tokens

pytestmark = [pytest.mark.server, pytest.mark.timeout(60)]
BACKENDS = ["openai", "anthropic"]
FAST = dict(backoff_s=0.01, backoff_max_s=0.05, timeout_s=2.0)  # FAULT=timeout sleeps 3 s
TASK = Task(
    id="t1",
    skill_id="s1",
    split="holdout",
    prompt="What is the capital of France?",
    answer="Paris",
    answer_type="string",
)


def url(server: FaultServer, backend: str) -> str:
    return server.openai_url if backend == "openai" else server.base_url


def spec(server: FaultServer, backend: str, **kw: object) -> ModelSpec:
    retry = RetryPolicy(**{**FAST, **kw.pop("retry", {})})  # type: ignore[arg-type]
    return ModelSpec(backend=backend, model="fault-model", base_url=url(server, backend), retry=retry, **kw)  # type: ignore[arg-type]


def request(key: str, text: str, **kw: object) -> GenRequest:
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": text}]
    return GenRequest(key=key, messages=messages, max_tokens=kw.pop("max_tokens", 32), **kw)  # type: ignore[arg-type]


def generate(s: ModelSpec, *requests: GenRequest) -> dict[str, GenResult]:
    backend = make_backend(s)
    try:
        return {r.key: r for r in backend.generate(list(requests))}
    finally:
        backend.close()


def judge_prompt(response: str) -> str:
    return f"GOLD ANSWER: Paris\nRUBRIC: same city\n\nRESPONSE:\n<<<\n{response}\n>>>\n"


# -- generation -----------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
def test_success_text_tokens_latency(fault_server: FaultServer, backend: str, nonce: str) -> None:
    marker = f"FAULT=ok:{nonce}"
    r = generate(spec(fault_server, backend), request("k", judge_prompt(f"It is Paris. {marker}")))["k"]
    assert r.ok
    assert r.error is None
    assert r.text == PASS_TEXT
    assert r.finish_reason == "stop"
    assert (r.tokens_in, r.tokens_out) == fault_server.usage_by_marker[marker]
    assert r.tokens_out == count_tokens(PASS_TEXT)
    assert r.tokens_in > 0
    assert getattr(r, "tokens_estimated", None) is False
    assert 0 < r.latency_s < 5
    assert r.latency_kind == "request"
    assert r.attempts == 1 == fault_server.marker_counts[marker]


@pytest.mark.parametrize("backend", BACKENDS)
def test_many_requests_all_yield_with_the_toy_judge(fault_server: FaultServer, backend: str, nonce: str) -> None:
    reqs = [request(f"k{i}", judge_prompt(("Paris" if i % 2 else "Lyon") + f" FAULT=ok:{nonce}{i}")) for i in range(40)]
    results = generate(spec(fault_server, backend, concurrency=16), *reqs)
    assert sorted(results) == sorted(r.key for r in reqs)
    for i in range(40):
        assert results[f"k{i}"].text == (PASS_TEXT if i % 2 else FAIL_TEXT)


@pytest.mark.parametrize("backend", BACKENDS)
def test_results_yield_as_they_complete(make_fault_server, backend: str, nonce: str) -> None:
    server = make_fault_server(timeout_sleep=0.6)
    s = spec(server, backend, concurrency=4, retry={"timeout_s": 5})
    backend_ = make_backend(s)
    try:
        order = [r.key for r in backend_.generate([request("slow", f"FAULT=timeoutx1:{nonce}"), request("fast", "hi")])]
    finally:
        backend_.close()
    assert order == ["fast", "slow"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_closing_mid_run_still_yields_one_result_per_request(make_fault_server, backend: str, nonce: str) -> None:
    server = make_fault_server(timeout_sleep=0.6)
    backend_ = make_backend(spec(server, backend, concurrency=1, retry={"timeout_s": 5, "sdk_max_retries": 0}))
    reqs = [request("slow", f"FAULT=timeoutx1:{nonce}"), request("a", "hi"), request("b", "hi")]
    timer = threading.Timer(0.2, backend_.close)
    timer.start()
    results = {r.key: r for r in backend_.generate(reqs)}
    timer.join()
    assert sorted(results) == ["a", "b", "slow"]
    assert all("cancelled" in (results[k].error or "") for k in ("a", "b"))


@pytest.mark.parametrize("backend", BACKENDS)
def test_429_with_retry_after_is_retried_by_the_outer_policy(
    fault_server: FaultServer, backend: str, nonce: str
) -> None:
    # A 5 s exponential backoff would blow the time limit: finishing fast proves that
    # retry-after-ms (10 ms) was honoured.
    s = spec(
        fault_server,
        backend,
        retry={"max_attempts": 3, "sdk_max_retries": 0, "backoff_s": 5, "backoff_max_s": 5},
    )
    t0 = time.perf_counter()
    r = generate(s, request("k", judge_prompt(f"Paris FAULT=429x2:{nonce}")))["k"]
    assert time.perf_counter() - t0 < 2
    assert r.ok
    assert r.text == PASS_TEXT
    assert r.attempts == 3 == fault_server.marker_counts[f"FAULT=429x2:{nonce}"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_429_is_retried_by_the_sdk_and_counted(fault_server: FaultServer, backend: str, nonce: str) -> None:
    s = spec(fault_server, backend, retry={"max_attempts": 1, "sdk_max_retries": 2})
    r = generate(s, request("k", f"hello FAULT=429x2:{nonce}"))["k"]
    assert r.ok
    assert r.attempts == 3 == fault_server.marker_counts[f"FAULT=429x2:{nonce}"]


PERSISTENT = [
    # kind, expected words in the error, whether the SDK itself retries it
    ("429always", "HTTP 429", True),
    ("500always", "HTTP 500", True),
    ("503always", "HTTP 503", True),
    ("timeout", "timed out", True),
    ("drop", "connection error", True),
    ("malformed", "malformed response body", False),
    ("badshape", "unexpected response shape", False),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("kind", "words", "sdk_retries"), PERSISTENT)
def test_persistent_faults_end_in_an_error_after_every_retry(
    fault_server: FaultServer, backend: str, kind: str, words: str, sdk_retries: bool, nonce: str
) -> None:
    sdk = 0 if kind == "timeout" else 1  # timeouts get no retry-after, so SDK retries would wait 0.5 s each
    timeout = 0.4 if kind == "timeout" else 2.0
    s = spec(fault_server, backend, retry={"max_attempts": 2, "sdk_max_retries": sdk, "timeout_s": timeout})
    marker = f"FAULT={kind}:{nonce}"
    r = generate(s, request("k", f"hello {marker}"))["k"]
    expected = 2 * (sdk + 1) if sdk_retries else 2
    assert r.error is not None
    assert words in r.error
    assert r.text == ""
    assert r.finish_reason == "error"
    assert not r.ok
    assert r.attempts == expected == fault_server.marker_counts[marker]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_client_errors_are_not_retried(fault_server: FaultServer, backend: str, status: int, nonce: str) -> None:
    marker = f"FAULT={status}always:{nonce}"
    r = generate(spec(fault_server, backend, retry={"max_attempts": 3, "sdk_max_retries": 2}), request("k", marker))[
        "k"
    ]
    assert r.error is not None
    assert f"HTTP {status}" in r.error
    assert "not retried" in r.error
    assert r.attempts == 1 == fault_server.marker_counts[marker]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("kind", ["refusal", "contentfilter"])
def test_refusal(fault_server: FaultServer, backend: str, kind: str, nonce: str) -> None:
    r = generate(spec(fault_server, backend), request("k", f"FAULT={kind}:{nonce}"))["k"]
    assert r.ok
    assert r.finish_reason == "refusal"
    assert r.text == REFUSAL_TEXT


@pytest.mark.parametrize("backend", BACKENDS)
def test_length_and_missing_usage(fault_server: FaultServer, backend: str, nonce: str) -> None:
    s = spec(fault_server, backend)
    got = generate(s, request("len", f"FAULT=length:{nonce}"), request("nu", f"FAULT=nousage:{nonce}"))
    assert got["len"].finish_reason == "length"
    assert got["len"].ok
    nu = got["nu"]
    assert nu.ok
    assert getattr(nu, "tokens_estimated", None) is True
    assert nu.tokens_in > 0
    assert nu.tokens_out == -(-len(nu.text) // 4)


def test_openai_request_parameters_for_a_generic_server(fault_server: FaultServer, nonce: str) -> None:
    marker = f"FAULT=ok:{nonce}"
    s = spec(fault_server, "openai", chat_template_kwargs={"enable_thinking": False}, extra_body={"top_k": 20})
    generate(s, request("k", marker, temperature=0.7, top_p=0.9, seed=7, stop=("###",), max_tokens=99))
    body = fault_server.bodies_by_marker[marker]
    assert body["max_tokens"] == 99
    assert "max_completion_tokens" not in body
    assert (body["temperature"], body["top_p"], body["seed"], body["stop"]) == (0.7, 0.9, 7, ["###"])
    assert body["chat_template_kwargs"] == {"enable_thinking": False}
    assert body["top_k"] == 20
    assert body["model"] == "fault-model"


def test_openai_request_parameters_for_openai_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-used")
    backend = make_backend(ModelSpec(backend="openai", model="gpt-5.4", sampling=Sampling(temperature=1.0)))
    try:
        default = backend.body(request("k", "x", temperature=1.0, max_tokens=50))  # type: ignore[attr-defined]
        greedy = backend.body(request("k", "x", temperature=0.0, seed=None))  # type: ignore[attr-defined]
    finally:
        backend.close()
    assert default["max_completion_tokens"] == 50
    assert "max_tokens" not in default
    assert "temperature" not in default
    assert "top_p" not in default
    assert "seed" not in default
    assert greedy["temperature"] == 0.0
    with pytest.raises(BackendError, match="chat_template_kwargs"):
        make_backend(ModelSpec(backend="openai", model="gpt-5.4", chat_template_kwargs={"x": 1}))


def test_anthropic_request_parameters(fault_server: FaultServer, nonce: str) -> None:
    marker = f"FAULT=ok:{nonce}"
    s = spec(fault_server, "anthropic", extra_body={"metadata": {"user_id": "u1"}})
    r = generate(s, request("k", marker, temperature=0.7, stop=("###",), max_tokens=77))["k"]
    body = fault_server.bodies_by_marker[marker]
    assert r.ok
    assert body["system"] == "Be brief."
    assert [m["role"] for m in body["messages"]] == ["user"]
    assert body["max_tokens"] == 77
    assert body["stop_sequences"] == ["###"]
    assert body["metadata"] == {"user_id": "u1"}
    assert not {"temperature", "top_p", "top_k", "seed"} & set(body)  # API 2026-10-21 rejects them


# -- keys -----------------------------------------------------------------------------------------
SECRET = "sk-test-SECRET-0123456789abcdef"


@pytest.mark.parametrize("backend", BACKENDS)
def test_key_reaches_the_server_but_no_result_or_verdict(
    fault_server: FaultServer, backend: str, nonce: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COCKPIT_TEST_KEY", SECRET)
    s = spec(fault_server, backend, api_key_env="COCKPIT_TEST_KEY", retry={"max_attempts": 2, "sdk_max_retries": 0})
    markers = {k: f"FAULT={k}:{nonce}" for k in ("ok", "leakkey", "401always", "429always", "malformed")}
    results = generate(s, *[request(k, f"{m} echo {SECRET}") for k, m in markers.items()])
    headers = fault_server.headers_by_marker[markers["ok"]]
    assert SECRET in (headers.get("x-api-key", ""), headers.get("authorization", "").removeprefix("Bearer "))
    assert results["ok"].ok
    assert "[key redacted]" in results["ok"].text  # the echo of the prompt
    assert results["leakkey"].error is not None
    assert "HTTP 401" in results["leakkey"].error
    for r in results.values():
        assert SECRET not in repr(asdict(r))
    judge = LLMJudge(JudgeSpec(id="j", kind="llm", model=s))
    items = [JudgeItem(k, f"e{k}", TASK, f"Paris {m} {SECRET}") for k, m in markers.items()]
    try:
        verdicts = list(judge.judge(items))
    finally:
        judge.close()
    assert len(verdicts) == len(items)
    for v in verdicts:
        assert SECRET not in repr(asdict(v))


@pytest.mark.parametrize("backend", BACKENDS)
def test_loopback_without_a_key_uses_a_placeholder(
    fault_server: FaultServer, backend: str, nonce: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
    marker = f"FAULT=ok:{nonce}"
    assert generate(spec(fault_server, backend), request("k", marker))["k"].ok
    headers = fault_server.headers_by_marker[marker]
    assert SECRET not in str(headers)  # a real key is not sent to whatever listens on localhost
    assert "EMPTY" in headers.get("authorization", "") + headers.get("x-api-key", "")


@pytest.mark.parametrize(
    ("backend", "base_url", "variable"),
    [
        ("openai", None, "OPENAI_API_KEY"),
        ("openai", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY"),
        ("anthropic", None, "ANTHROPIC_API_KEY"),
        ("openai", "http://127.0.0.1:9/v1", "MY_SERVER_KEY"),
    ],
)
def test_missing_key_names_the_variable(
    backend: str, base_url: str | None, variable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENROUTER_API_KEY", "MY_SERVER_KEY"):
        monkeypatch.delenv(name, raising=False)
    env = variable if variable == "MY_SERVER_KEY" else None
    with pytest.raises(BackendError, match=variable):
        make_backend(ModelSpec(backend=backend, model="m", base_url=base_url, api_key_env=env))  # type: ignore[arg-type]


# -- through the LLM judge ------------------------------------------------------------------------
JUDGE_FAULTS = [
    ("429always", ["HTTP 429", "request(s)"]),
    ("500always", ["HTTP 500", "request(s)"]),
    ("timeout", ["timed out", "request(s)"]),
    ("malformed", ["malformed response body"]),
    ("badshape", ["unexpected response shape"]),
    ("401always", ["HTTP 401", "not retried"]),
    ("refusal", ["refused"]),
    ("noverdict", ["no 'VERDICT"]),
    ("both", ["both PASS and FAIL"]),
]


@pytest.mark.parametrize("backend", BACKENDS)
def test_llm_judge_verdicts_and_faults(fault_server: FaultServer, backend: str, nonce: str) -> None:
    s = spec(
        fault_server,
        backend,
        concurrency=8,
        retry={"max_attempts": 2, "sdk_max_retries": 0, "timeout_s": 0.75},
    )
    judge = LLMJudge(JudgeSpec(id="api-judge", kind="llm", model=s))
    items = [
        JudgeItem("good", "e-good", TASK, f"The capital is Paris.\nANSWER: Paris FAULT=ok:{nonce}"),
        JudgeItem("bad", "e-bad", TASK, f"The capital is Lyon.\nANSWER: Lyon FAULT=ok:{nonce}b"),
        JudgeItem("flaky", "e-flaky", TASK, f"ANSWER: Paris FAULT=429x1:{nonce}"),
        *[JudgeItem(kind, f"e-{kind}", TASK, f"ANSWER: Paris FAULT={kind}:{nonce}") for kind, _ in JUDGE_FAULTS],
    ]
    try:
        verdicts = {v.key: v for v in judge.judge(items)}
    finally:
        judge.close()
    assert set(verdicts) == {i.key for i in items}
    assert verdicts["good"].verdict == "pass"
    assert verdicts["good"].tokens_out == count_tokens(PASS_TEXT)
    assert verdicts["bad"].verdict == "fail"
    assert verdicts["flaky"].verdict == "pass"
    for kind, words in JUDGE_FAULTS:
        v = verdicts[kind]
        assert v.verdict == "error", (kind, v)  # never "fail"
        for w in words:
            assert w in v.rationale, (kind, v.rationale)


# -- the policy itself ----------------------------------------------------------------------------
class _Resp:
    def __init__(self, headers: dict[str, str]) -> None:
        self.headers = headers


class _StatusError(Exception):
    def __init__(self, status: int, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"status {status}")
        self.status_code = status
        self.response = _Resp(headers or {})


def test_retry_after_parsing_and_backoff() -> None:
    assert retry_after_s(_StatusError(429, {"retry-after-ms": "250"})) == pytest.approx(0.25)
    assert retry_after_s(_StatusError(429, {"retry-after": "2"})) == 2.0
    assert retry_after_s(_StatusError(429, {"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"})) == 0.0
    assert retry_after_s(_StatusError(429)) is None
    assert retry_after_s(ValueError("x")) is None
    policy = RetryPolicy(backoff_s=1.0, backoff_max_s=3.0)
    for attempt, (lo, hi) in {1: (0.5, 1.0), 2: (1.0, 2.0), 3: (1.5, 3.0), 6: (1.5, 3.0)}.items():
        assert all(lo <= backoff_s(policy, attempt) <= hi for _ in range(50))
    assert backoff_s(policy, 1, _StatusError(429, {"retry-after": "2"})) == 2.0
    assert backoff_s(policy, 1, _StatusError(429, {"retry-after": "60"})) == 3.0  # capped by backoff_max_s


def test_describe_classifies() -> None:
    assert describe(_StatusError(429))[0]
    assert describe(_StatusError(503))[0]
    assert describe(_StatusError(408))[0]
    for status in (400, 401, 403, 404, 422, 413):
        assert not describe(_StatusError(status))[0]
    assert describe(ValueError("Expecting value"))[0] is False
    import json

    assert describe(json.JSONDecodeError("Expecting value", "{", 0))[0]
