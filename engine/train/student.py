"""The trained student as a config: a base config plus a LoRA adapter, with `base` set.

The `hf`/`embedded` backends merge the adapter at load (engine/models/hf.py); the config's
fingerprint hashes the adapter's files, so a retrained adapter is a new model state and its
episodes are never confused with an older one's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine.config import ConfigSpec, Experiment
from engine.events import Level
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


def servable_adapter(adapter_dir: Path, recipe: Recipe) -> list[tuple[Level, str]]:
    """Save the adapter in the base checkpoint's module naming (what vLLM looks up), then check that
    vLLM can serve it; returns (level, message) notes for the journal.

    transformers loads the text half of a vision-language checkpoint (Qwen3.5) for
    AutoModelForCausalLM under other module names (`model.layers.N`) than the checkpoint's
    (`model.language_model.layers.N`); vLLM would silently ignore an adapter saved in the former.
    """
    from engine.models.adapters import AdapterError, check_adapter, local_model_dir, read_adapter, to_checkpoint_naming
    from engine.train.sft import resolve_base_model

    base = resolve_base_model(recipe)
    base_dir = local_model_dir(base)
    notes: list[tuple[Level, str]] = []
    if base_dir is None:
        return [("warning", f"base model '{base}' is not on local disk: adapter module names not checked")]
    renamed = to_checkpoint_naming(adapter_dir, base_dir)
    if renamed:
        notes.append(("info", f"adapter saved in the checkpoint's module naming ({renamed} tensors renamed for vLLM)"))
    try:
        check_adapter(read_adapter(adapter_dir), base, model_dir=base_dir, for_vllm=True)
    except AdapterError as exc:
        notes.append(("warning", f"vLLM cannot serve this adapter as saved: {exc}"))
    return notes


def canonical_adapter_config(adapter_dir: Path) -> None:
    """PEFT writes `target_modules` from a set, in an order that changes from process to process;
    sorted, two identical trainings save byte-identical adapters (one config fingerprint)."""
    path = adapter_dir / "adapter_config.json"
    cfg = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(cfg.get("target_modules"), list):
        cfg["target_modules"] = sorted(cfg["target_modules"])
    path.write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def student_toml(recipe: Recipe, adapter: Path, base_config: str = "BASE-CONFIG-ID") -> str:
    """A [[configs]] block naming the trained adapter, to paste into an experiment file."""
    backend, model = spec_model(recipe)
    return (
        "# The trained student as an experiment config. Set `base` to the id of the config of the\n"
        "# untrained base model in your experiment, so the report shows this config's SFT lift.\n"
        "[[configs]]\n"
        f'id = "{recipe.name}-sft"\n'
        f'backend = "{backend}"\n'
        f"model = {json.dumps(model)}\n"
        f"adapter = {json.dumps(str(adapter))}\n"
        f'base = "{base_config}"\n'
    )


def spec_model(recipe: Recipe) -> tuple[str, str]:
    """(backend, model) of a ModelSpec for the recipe's base model."""
    if recipe.embedded_name is not None:
        return "embedded", recipe.embedded_name
    return "hf", recipe.base_model
