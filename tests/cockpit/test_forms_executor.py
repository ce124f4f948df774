"""The executor and address fields of the Eval and Re-judge launch tabs, as units (no Textual): the
`engine` command they build, what they refuse, and that the cockpit never imports Ray to check."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cockpit.services import launcher
from cockpit.viewmodels import forms
from engine import paths
from engine.models.ray_cluster import RAY_HINT
from engine.store.request import RunRequest

DEMO = paths.DATA_DIR / "experiments" / "demo.toml"  # its LLM judge (smollm2-judge) runs on a local model


def test_build_command_adds_the_executor_only_for_ray(tmp_path: Path) -> None:
    local = launcher.build_command(RunRequest(tmp_path, Path("exp.toml"), limit=3), "rid")
    assert "--executor" not in local
    assert "--address" not in local
    tail = launcher.common_args(tmp_path)
    assert local[-len(tail) :] == tail
    ray = launcher.build_command(RunRequest(tmp_path, Path("exp.toml"), limit=3, executor="ray"), "rid")
    assert ray == [*local[: -len(tail)], "--executor", "ray", *tail]
    req = RunRequest(tmp_path, Path("exp.toml"), limit=3, executor="ray", address="ray://head:10001")
    assert launcher.build_command(req, "rid") == [
        *local[: -len(tail)],
        "--executor",
        "ray",
        "--address",
        "ray://head:10001",
        *tail,
    ]


def test_check_executor_accepts_the_engine_forms_and_names_the_wrong_field() -> None:
    assert forms.check_executor("", "") == ("local", None)
    assert forms.check_executor("local", "  ") == ("local", None)
    assert forms.check_executor("ray", "") == ("ray", None)
    for address in ("auto", "10.0.0.5:6379", "ray://head:10001"):
        assert forms.check_executor("ray", f" {address} ") == ("ray", address)
    with pytest.raises(forms.FieldError) as err:
        forms.check_executor("local", "head:6379")
    assert (err.value.field, err.value.message) == ("address", "--address needs --executor ray")
    for bad in ("head", "head:port", "http://head:6379", "head:99999"):
        with pytest.raises(forms.FieldError) as err:
            forms.check_executor("ray", bad)
        assert err.value.field == "address"
        assert "expected HOST:PORT (or ray://HOST:PORT, or auto)" in err.value.message
    with pytest.raises(forms.FieldError) as err:
        forms.check_executor("spark", "")
    assert err.value.field == "executor"


def test_ray_missing_is_the_engines_hint_on_the_executor_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # what `import ray` fails on, as when it is not installed
    assert not forms.ray_installed()
    with pytest.raises(forms.FieldError) as err:
        forms.check_executor("ray", "auto")
    assert (err.value.field, err.value.message) == ("executor", RAY_HINT)
    assert "skill-cockpit[ray]" in RAY_HINT
    assert forms.check_executor("local", "") == ("local", None)  # the local executor does not need Ray


def test_checking_the_executor_never_imports_ray() -> None:
    pytest.importorskip("ray")  # installed: the check must still only look for it
    code = (
        "import sys, json; from cockpit.viewmodels import forms; import cockpit.app; "
        "print(json.dumps([forms.check_executor('ray', 'auto'), 'ray' in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [["ray", "auto"], False]


def test_check_judge_puts_the_executor_in_the_command_and_the_preview(tmp_path: Path) -> None:
    judges, configs = ["extractor", "smollm2-judge"], ["smollm2-135m"]
    checked, _ = forms.check_judge(str(DEMO), judges, configs, "", tmp_path)
    assert checked.request.args == ("judge", str(DEMO.resolve()), "--judge", "extractor", "--judge", "smollm2-judge")
    assert checked.preview[-1] == "LLM judges on local models (smollm2-judge): here, in the engine process"

    checked, _ = forms.check_judge(str(DEMO), judges, configs, "2", tmp_path, executor="ray", address="head:6379")
    assert checked.request.args[-6:] == ("--limit", "2", "--executor", "ray", "--address", "head:6379")
    assert checked.preview[-1] == "LLM judges on local models (smollm2-judge): on the Ray cluster at head:6379"

    checked, _ = forms.check_judge(str(DEMO), ["extractor"], configs, "", tmp_path, executor="ray")
    assert checked.request.args[-2:] == ("--executor", "ray")
    assert checked.preview[-1] == "LLM judges on local models: none chosen (every judge runs here)"

    for executor, address, message in (
        ("local", "head:6379", "--address needs --executor ray"),
        ("ray", "head", "--address 'head': expected HOST:PORT (or ray://HOST:PORT, or auto)"),
    ):
        with pytest.raises(forms.FieldError) as err:
            forms.check_judge(str(DEMO), judges, configs, "", tmp_path, executor=executor, address=address)
        assert (err.value.field, err.value.message) == ("address", message)
