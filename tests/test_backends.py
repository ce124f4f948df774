"""The backend registry: every backend declares its capabilities on its class, the registry is the one
list of names a config validates against, and a backend added from outside the tree (this module)
is one class plus one registration: a config then names it and a run generates with it."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import ClassVar

import pytest
from typer.testing import CliRunner

from engine import backends
from engine.backends import Capabilities, capabilities, is_api
from engine.cli import app
from engine.config import ModelSpec, load_experiment
from engine.data.loader import DataError
from engine.models.base import GenRequest, GenResult, generation_groups, register_backend
from engine.registry import import_target
from tests.conftest import mini_head


class ConstantBackend:
    """A local backend that answers every request with the same line (a plug-in: not in engine/)."""

    capabilities: ClassVar[Capabilities] = Capabilities(api=False)

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec

    def generate(self, requests: Sequence[GenRequest]) -> Iterator[GenResult]:
        for r in requests:
            yield GenResult(r.key, "ANSWER: 42", tokens_in=3, tokens_out=2)

    def close(self) -> None:
        pass


@pytest.fixture
def constant_backend() -> Iterator[str]:
    register_backend("constant", f"{__name__}:ConstantBackend")
    yield "constant"
    backends.unregister("constant")


def test_every_builtin_class_declares_the_registered_capabilities() -> None:
    for name in backends.names():
        cls = import_target(backends.TARGETS[name])
        assert cls.capabilities is capabilities(name), name
    assert [n for n in backends.names() if is_api(n)] == ["anthropic", "openai"]
    assert capabilities("vllm").shares_engine and not capabilities("hf").shares_engine
    assert capabilities("openai").concurrency_key("openai", "http://h/v1") == ("openai", "http://h/v1")
    assert capabilities("hf").concurrency_key("hf", None) is None


def test_an_unregistered_backend_is_refused_naming_file_line_field(tmp_path: Path) -> None:
    exp = tmp_path / "e.toml"
    exp.write_text(mini_head("x") + '[[configs]]\nid = "a"\nbackend = "constant"\nmodel = "m"\n')
    with pytest.raises(DataError) as err:
        load_experiment(exp)
    assert f"{exp}:8:" in str(err.value) and "configs.0.backend" in str(err.value)
    assert "unknown backend 'constant'" in str(err.value) and "embedded, hf" in str(err.value)


def test_a_registered_backend_validates_and_runs(tmp_path: Path, runs_dir: Path, constant_backend: str) -> None:
    exp = tmp_path / "e.toml"
    exp.write_text(
        mini_head("plug")
        + f'[[configs]]\nid = "a"\nbackend = "{constant_backend}"\nmodel = "m"\n'
        + f'[[configs]]\nid = "b"\nbackend = "{constant_backend}"\nmodel = "n"\n'
        + '[[judges]]\nid = "extractor"\nkind = "answer_line"\n'
    )
    loaded = load_experiment(exp)
    assert [c.backend for c in loaded.configs] == ["constant", "constant"]
    assert generation_groups({c.id: c for c in loaded.configs}) == [["a"], ["b"]]  # no engine sharing
    res = CliRunner().invoke(
        app, ["run", str(exp), "--runs-dir", str(runs_dir), "--limit", "2", "--events", "none"], terminal_width=300
    )
    assert res.exit_code == 0, res.output
    (run,) = [d for d in runs_dir.iterdir() if d.is_dir()]
    episodes = [json.loads(x) for x in (run / "episodes.jsonl").read_text().splitlines()]
    assert {e["config_id"] for e in episodes} == {"a", "b"}
    assert all(e["completion"] == "ANSWER: 42" for e in episodes)


def test_a_plugin_class_without_capabilities_is_refused() -> None:
    with pytest.raises(backends.BackendError, match="declares no `capabilities"):
        register_backend("nocaps", "pathlib:PurePosixPath")
    assert not backends.known("nocaps")


def test_an_api_plugin_is_asked_as_an_api_backend(constant_backend: str) -> None:
    register_backend("remote", f"{__name__}:ConstantBackend", Capabilities(api=True))
    try:
        assert is_api("remote") and not is_api(constant_backend)
        with pytest.raises(ValueError, match="adapter: LoRA adapters need a local backend"):
            ModelSpec(backend="remote", model="m", adapter="x")
    finally:
        backends.unregister("remote")
