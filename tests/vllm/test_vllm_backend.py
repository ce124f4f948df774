"""The vllm backend in process, on the real engine (CPU build): one engine serves a base and its
adapters, prompts equal the hf backend's, adapters change outputs, logprob judging works."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.config import ConfigSpec, JudgeSpec, ModelSpec
from engine.data.loader import load_skills, load_tasks
from engine.data.prompts import render_messages
from engine.models.base import GenRequest, make_backend
from tests.conftest import MINI


@pytest.fixture(scope="module")
def tasks() -> list:
    skills = load_skills(MINI / "skills.jsonl")
    return load_tasks(MINI / "tasks.jsonl", skills)[:4], {s.id: s for s in skills}


@pytest.fixture(scope="module")
def smol_peers(smol_dir: Path, smol_adapter: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, ConfigSpec]:
    import shutil

    second = tmp_path_factory.mktemp("second") / "adapter"
    shutil.copytree(smol_adapter, second)
    common = {"backend": "vllm", "model": "smollm2-135m-instruct", "dtype": "float32", "max_model_len": 2048}
    return {
        "smol": ConfigSpec(id="smol", **common),
        "smol-sft": ConfigSpec(id="smol-sft", base="smol", adapter=str(smol_adapter), **common),
        "smol-sft-b": ConfigSpec(id="smol-sft-b", base="smol", adapter=str(second), **common),
    }


@pytest.fixture(scope="module")
def backend(smol_peers: dict[str, ConfigSpec]) -> Iterator:
    from engine.models import vllm as vb

    before = vb.engine_builds()
    b = make_backend(smol_peers["smol"], smol_peers)
    assert vb.engine_builds() == before + 1
    yield b
    vb.release_engines()


def _requests(tasks: tuple, route: str, max_tokens: int = 40) -> list[GenRequest]:
    ts, skills = tasks
    out = []
    for t in ts:
        for cond in ("no_skill", "curated"):
            msgs = render_messages(t, skills[t.skill_id], cond)
            out.append(GenRequest(key=f"{route}:{t.id}:{cond}", messages=msgs, max_tokens=max_tokens, route=route))
    return out


def test_one_engine_serves_the_base_and_every_adapter(backend, smol_peers) -> None:  # noqa: ANN001
    from engine.models import vllm as vb

    eng = backend._engine
    assert eng.lora
    assert eng.max_loras == 2
    assert eng.max_rank == 16
    builds = vb.engine_builds()
    # a judge (or another backend instance) on the same model reuses the engine
    again = make_backend(ModelSpec(backend="vllm", model="smollm2-135m-instruct", dtype="float32", max_model_len=2048))
    assert again.llm is backend.llm
    assert vb.engine_builds() == builds


def test_prompts_are_token_identical_to_the_hf_backend(backend, tasks) -> None:  # noqa: ANN001
    from engine.models.hf import release_models

    hf = make_backend(ModelSpec(backend="embedded", model="smollm2-135m-instruct"))
    try:
        for r in _requests(tasks, "smol"):
            assert backend.render(r.messages) == hf.render(r.messages)
            assert (
                backend.prompt_ids(r.messages) == hf.tok(hf.render(r.messages), add_special_tokens=False)["input_ids"]
            )
    finally:
        release_models()


def test_base_and_adapters_generate_together_and_the_adapter_changes_outputs(backend, tasks) -> None:  # noqa: ANN001
    reqs = _requests(tasks, "smol") + _requests(tasks, "smol-sft") + _requests(tasks, "smol-sft-b")
    results = {r.key: r for r in backend.generate(reqs)}  # one batch, three routes
    assert len(results) == len(reqs)
    assert all(r.ok for r in results.values())
    assert all(r.tokens_in > 0 and 0 < r.tokens_out <= 40 for r in results.values())
    # each episode's own latency from vLLM's request metrics, not the batch's wall time
    assert all(r.latency_kind == "request" and r.latency_s > 0 for r in results.values())
    base = {k.split(":", 1)[1]: r.text for k, r in results.items() if k.startswith("smol:")}
    sft = {k.split(":", 1)[1]: r.text for k, r in results.items() if k.startswith("smol-sft:")}
    sft_b = {k.split(":", 1)[1]: r.text for k, r in results.items() if k.startswith("smol-sft-b:")}
    assert sft == sft_b  # the same weights under two adapter slots: the same greedy text
    changed = sum(base[k] != sft[k] for k in base)
    assert changed >= len(base) // 2, (base, sft)
    # greedy decoding is deterministic: the base alone gives what it gave inside the mixed batch
    alone = {r.key.split(":", 1)[1]: r.text for r in backend.generate(_requests(tasks, "smol"))}
    assert alone == base


def test_logprob_judging_through_vllm_matches_hf(backend, tasks) -> None:  # noqa: ANN001
    from engine.judges.base import JudgeItem, make_judge
    from engine.models.hf import release_models

    spec = JudgeSpec(
        id="smol-judge",
        kind="llm",
        mode="logprob",
        model=ModelSpec(backend="vllm", model="smollm2-135m-instruct", dtype="float32", max_model_len=2048),
    )
    judge = make_judge(spec)
    ts, _ = tasks
    items = [JudgeItem(f"j{i}", f"e{i}", t, f"The answer is {t.answer}.") for i, t in enumerate(ts)]
    verdicts = list(judge.judge(items))
    assert [v.verdict for v in verdicts] != []
    assert all(v.verdict in ("pass", "fail") for v in verdicts)
    # the same scoring on the hf backend: P(PASS) of the PASS/FAIL mass agrees
    from engine.judges.llm import CHOICES, judge_messages

    reqs = [
        GenRequest(
            key=i.key,
            messages=[*judge_messages(i.task, i.completion), {"role": "assistant", "content": "VERDICT:"}],
            max_tokens=1,
        )
        for i in items
    ]
    hf = make_backend(ModelSpec(backend="embedded", model="smollm2-135m-instruct"))
    try:
        p_hf = {r.key: r.probs for r in hf.score_choices(reqs, CHOICES)}
    finally:
        release_models()
    p_vllm = {r.key: r.probs for r in backend.score_choices(reqs, CHOICES)}
    for k in p_hf:
        share_hf = p_hf[k][CHOICES[0]] / sum(p_hf[k].values())
        share_vllm = p_vllm[k][CHOICES[0]] / sum(p_vllm[k].values())
        assert abs(share_hf - share_vllm) < 0.02, (k, p_hf[k], p_vllm[k])


def test_routing_to_a_config_the_engine_does_not_serve_is_an_error(backend, tasks) -> None:  # noqa: ANN001
    from engine.models.base import BackendError

    with pytest.raises(BackendError, match="does not serve"):
        list(backend.generate(_requests(tasks, "other")))
