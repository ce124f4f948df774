"""The trained student as a config: a base config plus a LoRA adapter, with `base` set.

The `hf`/`embedded` backends merge the adapter at load (engine/models/hf.py); the config's
fingerprint hashes the adapter's files, so a retrained adapter is a new model state and its
episodes are never confused with an older one's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.config import ConfigSpec, Experiment
from engine.train.specs import Recipe


def sft_config(base: ConfigSpec, adapter: str | Path, config_id: str) -> ConfigSpec:
    """`base` with the adapter on top: same model, sampling and settings, `base` = base.id."""
    data = base.model_dump()
    data.update(id=config_id, adapter=str(Path(adapter).resolve()), base=base.id)
    return ConfigSpec.model_validate(data)


def check_base(recipe: Recipe, base: ConfigSpec) -> None:
    """The adapter must be evaluated on the model it was trained from."""
    if recipe.embedded_name is not None:
        ok = base.backend == "embedded" and base.model == recipe.embedded_name
    else:
        ok = base.backend in ("hf", "vllm") and _same_model(base.model, recipe.base_model)
    if not ok:
        raise ValueError(
            f"the recipe trains '{recipe.base_model}' but the base config '{base.id}' is "
            f"{base.backend}:{base.model}; an adapter is only meaningful on its own base model"
        )


def _same_model(a: str, b: str) -> bool:
    pa, pb = Path(a), Path(b)
    if pa.exists() and pb.exists():
        return pa.resolve() == pb.resolve()
    return a.rstrip("/") == b.rstrip("/")


def default_base(exp: Experiment, base_id: str | None) -> ConfigSpec:
    if base_id is not None:
        try:
            return exp.config(base_id)
        except KeyError:
            raise ValueError(f"base config '{base_id}' is not a config of experiment '{exp.name}'") from None
    for c in exp.configs:
        if c.role == "student" and c.base is None and not c.adapter:
            return c
    raise ValueError(f"experiment '{exp.name}' has no base student config (no adapter, no base)")


def with_students(exp: Experiment, base: ConfigSpec, students: list[ConfigSpec], name: str | None = None) -> Experiment:
    """An experiment evaluating the base config and the SFT configs (and nothing else) on exp's holdout."""
    data: dict[str, Any] = exp.model_dump()
    data["configs"] = [base.model_dump(), *(s.model_dump() for s in students)]
    if name is not None:
        data["name"] = name
    out = Experiment.model_validate(data)
    out.source = exp.source
    return out
