"""Plug-in registries: an unknown kind names the known ones; a missing package says what to install."""

from __future__ import annotations

import pytest

from engine.config import JudgeSpec, ModelSpec
from engine.judges.base import make_judge
from engine.models.base import BackendError, make_backend
from engine.registry import Registry


def test_an_unknown_judge_kind_names_the_known_ones() -> None:
    spec = JudgeSpec.model_construct(id="j", kind="oracle")
    with pytest.raises(ValueError) as err:
        make_judge(spec)
    assert "unknown judge kind 'oracle'" in str(err.value)
    assert "answer_line, final_answer, llm" in str(err.value)


def test_an_unknown_backend_names_the_known_ones() -> None:
    spec = ModelSpec.model_construct(backend="telepathy", model="m")
    with pytest.raises(BackendError) as err:
        make_backend(spec)
    assert "unknown backend 'telepathy'" in str(err.value)
    assert "anthropic, embedded, hf, openai, vllm" in str(err.value)


def test_a_missing_package_says_what_to_install() -> None:
    reg = Registry("backend", {"x": "no_such_package_xyz.mod:Thing"}, install_hint=lambda k: f"pip install {k}-extra")
    with pytest.raises(ValueError) as err:
        reg.load("x")
    assert str(err.value) == (
        "backend 'x' needs packages that are not installed (no_such_package_xyz); pip install x-extra"
    )


def test_a_registered_target_loads_lazily() -> None:
    reg = Registry("thing", {})
    reg.register("path", "pathlib:PurePosixPath")
    assert reg.load("path")("a", "b").as_posix() == "a/b"
    with pytest.raises(ValueError, match="'module:attr'"):
        reg.register("bad", "pathlib.PurePosixPath")
