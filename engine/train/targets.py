"""LoRA targets checked before a training loads its weights: every name in `lora.targets` must match
a module of the base model, or PEFT would adapt nothing it was asked to (or refuse mid-start).

The base model is built from its config on `torch.device("meta")` (no weights read, no memory), and
its module names are matched as PEFT matches a list of `target_modules`: a module is targeted when
its name is the target or ends in `.<target>` (peft.tuners.tuners_utils.check_target_module_exists).
"""

from __future__ import annotations

from pathlib import Path

from engine.data.loader import DataError
from engine.specs import toml_line
from engine.train.specs import Recipe


def module_names(model_path: str) -> list[str]:
    """Every module name of the model at `model_path`, from its config alone (meta device)."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    config = AutoConfig.from_pretrained(model_path)
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config)
    return [name for name, _ in model.named_modules() if name]


def unmatched(targets: list[str], names: list[str]) -> list[str]:
    """The targets no module name matches (PEFT's rule for a list of target_modules)."""
    return [t for t in targets if not any(n == t or n.endswith(f".{t}") for n in names)]


def check_targets(recipe: Recipe, model_path: str | None = None) -> None:
    """DataError naming the recipe file, line and `lora.targets` when a target matches no module of
    the base model (`model_path`, default: the recipe's base). A base whose config cannot be read
    here (a hub id offline) is left to the training's own load, which reports it."""
    targets = recipe.lora.targets
    if isinstance(targets, str):  # "all-linear": PEFT picks the linear layers itself
        return
    if model_path is None:
        from engine.train.sft import resolve_base_model

        model_path = resolve_base_model(recipe)
    try:
        names = module_names(model_path)
    except OSError:
        return
    missing = unmatched(targets, names)
    if not missing:
        return
    leaves = sorted({n.rsplit(".", 1)[-1] for n in names if not n.rsplit(".", 1)[-1].isdigit()})
    where = recipe.source or "<recipe>"
    text = Path(where).read_text(encoding="utf-8") if recipe.source and Path(where).is_file() else None
    line = toml_line(text, ("lora", "targets")) if text is not None else None
    raise DataError(
        where,
        line,
        "lora.targets",
        f"{', '.join(repr(t) for t in missing)} match(es) no module of {recipe.base_model} "
        f"(its modules are named: {', '.join(leaves)})",
    )
