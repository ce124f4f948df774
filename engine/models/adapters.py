"""LoRA adapters as files: what they target, whether a base model can serve them, and their key names.

A PEFT adapter names every weight by the module path of the model it was trained on
(`base_model.model.<module>.lora_A.weight`). Serving engines look those paths up in the base
checkpoint's own naming, and a path that is not there is *silently ignored* by vLLM: the SFT
config then generates exactly like its base and the SFT lift reads ~0. That happens with
vision-language checkpoints such as Qwen3.5 (`Qwen3_5ForConditionalGeneration`): transformers
loads their text half for `AutoModelForCausalLM` as `model.layers.N`, while the checkpoint (and
vLLM) call it `model.language_model.layers.N`. So:

- the trainer saves adapters in the *checkpoint's* naming (`to_checkpoint_naming`),
- the hf backend maps them onto the modules of the model it loaded (`remap_modules`),
- every local backend checks an adapter before generating (`check_adapter`): the directory, the
  rank limit, the base it was trained on, modules the base checkpoint lacks, and modules vLLM
  cannot serve (embeddings, lm_head, `modules_to_save`, the vision tower, DoRA).

Only the standard library here: the safetensors header is JSON after an 8-byte length.
"""

from __future__ import annotations

import json
import re
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.models.base import BackendError

ADAPTER_CONFIG = "adapter_config.json"
PEFT_PREFIX = "base_model.model."
LORA_SUFFIX = re.compile(r"\.(lora_A|lora_B)(?:\.[^.]+)?\.weight$|\.(lora_embedding_A|lora_embedding_B)(?:\.[^.]+)?$")
# LoRA ranks vLLM can be configured for (vllm.config.lora.MaxLoRARanks)
VLLM_RANKS = (1, 8, 16, 32, 64, 128, 256, 320, 512)
EMBEDDING_MODULES = ("embed_tokens", "lm_head", "wte", "embed_in", "embed_out", "word_embeddings")
VISION_PARTS = ("visual", "vision_tower", "vision_model", "vision_encoder", "image_encoder", "mm_projector")


class AdapterError(BackendError):
    """An adapter that cannot be served as asked (names the adapter directory and the reason)."""


@dataclass(frozen=True)
class AdapterInfo:
    path: Path
    rank: int  # the largest rank in the adapter (rank_pattern can raise it per module)
    alpha: float
    base_model: str | None
    target_modules: tuple[str, ...]
    modules_to_save: tuple[str, ...]
    use_dora: bool
    modules: tuple[str, ...] = field(default=())  # module paths the weights name (PEFT prefix removed)


def _tensor_names(path: Path) -> list[str]:
    """Tensor names of a .safetensors file, from its header only."""
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) != 8:
            raise ValueError(f"{path}: not a safetensors file")
        (n,) = struct.unpack("<Q", head)
        if n > 100_000_000:
            raise ValueError(f"{path}: not a safetensors file (header of {n} bytes)")
        meta = json.loads(f.read(n))
    return [k for k in meta if k != "__metadata__"]


def read_adapter(path: str | Path) -> AdapterInfo:
    """An adapter directory's config and the module paths its weights name; AdapterError if unreadable."""
    p = Path(path)
    if not p.is_dir():
        raise AdapterError(f"adapter '{p}': no such directory (train it first: engine train RECIPE)")
    cfg_path = p / ADAPTER_CONFIG
    if not cfg_path.is_file():
        raise AdapterError(f"adapter '{p}': no {ADAPTER_CONFIG} (not a PEFT adapter directory)")
    try:
        cfg: dict[str, Any] = json.loads(cfg_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AdapterError(f"adapter '{p}': {ADAPTER_CONFIG} is not valid JSON ({exc})") from None
    if cfg.get("peft_type", "LORA") != "LORA":
        raise AdapterError(f"adapter '{p}': peft_type {cfg.get('peft_type')!r} is not a LoRA adapter")
    weights = sorted(p.glob("adapter_model*.safetensors"))
    if not weights:
        raise AdapterError(f"adapter '{p}': no adapter_model.safetensors")
    modules: set[str] = set()
    try:
        for w in weights:
            for name in _tensor_names(w):
                modules.add(module_of(name))
    except (OSError, ValueError) as exc:
        raise AdapterError(f"adapter '{p}': cannot read its weights ({exc})") from None
    rank = int(cfg.get("r") or 0)
    ranks = [rank, *(int(v) for v in (cfg.get("rank_pattern") or {}).values())]
    targets = cfg.get("target_modules") or ()
    return AdapterInfo(
        path=p,
        rank=max(ranks),
        alpha=float(cfg.get("lora_alpha") or 0),
        base_model=cfg.get("base_model_name_or_path"),
        target_modules=(targets,) if isinstance(targets, str) else tuple(targets),
        modules_to_save=tuple(cfg.get("modules_to_save") or ()),
        use_dora=bool(cfg.get("use_dora")),
        modules=tuple(sorted(modules)),
    )


def module_of(tensor_name: str) -> str:
    """'base_model.model.model.layers.0.mlp.up_proj.lora_A.weight' -> 'model.layers.0.mlp.up_proj'."""
    name = tensor_name.removeprefix(PEFT_PREFIX)
    return LORA_SUFFIX.sub("", name)


def vllm_rank(rank: int) -> int:
    """The smallest `max_lora_rank` vLLM accepts that holds `rank`."""
    for r in VLLM_RANKS:
        if r >= rank:
            return r
    raise AdapterError(f"LoRA rank {rank} exceeds vLLM's largest max_lora_rank ({VLLM_RANKS[-1]})")


# ------------------------------------------------------------------------------ base checkpoints


def local_model_dir(model: str) -> Path | None:
    """The directory of a model given as a path, or as a hub id already in the local HF cache."""
    p = Path(model).expanduser()
    if p.is_dir():
        return p
    if p.is_absolute() or model.count("/") != 1:
        return None
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return None
    found = try_to_load_from_cache(model, "config.json")
    return Path(found).parent if isinstance(found, str) else None


def checkpoint_weight_names(model_dir: Path) -> set[str]:
    """Every weight name of a checkpoint directory (index file or safetensors headers)."""
    index = model_dir / "model.safetensors.index.json"
    if index.is_file():
        return set(json.loads(index.read_text(encoding="utf-8")).get("weight_map", {}))
    names: set[str] = set()
    for f in sorted(model_dir.glob("*.safetensors")):
        names.update(_tensor_names(f))
    return names


def _is_vision(module: str) -> bool:
    parts = module.split(".")
    return any(v in parts for v in VISION_PARTS)


def remap_modules(modules: Iterable[str], known: set[str], *, suffix: str = "") -> dict[str, str]:
    """Map adapter module paths onto the names in `known` (checkpoint weight names with `suffix`
    '.weight', or a model's module names with suffix ''), by one consistent prefix rewrite.

    Identity when every module is known. Otherwise the leading components of each module are
    dropped until exactly one known name ends with the rest: the prefix found there replaces the
    dropped one (`model.` -> `model.language_model.`). Modules that still match nothing are left
    out of the result (the caller names them).
    """
    mods = list(modules)
    out: dict[str, str] = {}
    rules: dict[str, str] = {}
    ends: dict[str, list[str]] = {}
    for name in known:
        if suffix and not name.endswith(suffix):
            continue
        base = name[: len(name) - len(suffix)] if suffix else name
        parts = base.split(".")
        for i in range(1, len(parts)):
            ends.setdefault(".".join(parts[i:]), []).append(base)
    for m in mods:
        if m + suffix in known:
            out[m] = m
            continue
        parts = m.split(".")
        for i in range(1, len(parts)):
            tail = ".".join(parts[i:])
            old = ".".join(parts[:i]) + "."
            if old in rules:
                cand = rules[old] + tail
                if cand + suffix in known:
                    out[m] = cand
                    break
                continue
            hits = [h for h in ends.get(tail, []) if not _is_vision(h)]
            if len(hits) == 1:
                new = hits[0][: len(hits[0]) - len(tail)]
                rules[old] = new
                out[m] = hits[0]
                break
    return out


def base_matches(adapter_base: str | None, model: str) -> bool:
    """Whether the base an adapter records is the model a config names (same id, same path, or the
    same last path component: `Qwen/Qwen3.5-2B` and `/models/Qwen3.5-2B` are one model)."""
    if not adapter_base:
        return True  # nothing recorded: nothing to compare
    if adapter_base == model:
        return True
    a, b = Path(adapter_base).expanduser(), Path(model).expanduser()
    try:
        if a.exists() and b.exists() and a.resolve() == b.resolve():
            return True
    except OSError:
        pass
    return a.name.lower() == b.name.lower() and a.name != ""


def check_adapter(
    info: AdapterInfo,
    model: str,
    *,
    model_dir: Path | None,
    max_rank: int | None = None,
    for_vllm: bool = True,
) -> None:
    """Refuse, before anything is generated, an adapter the base cannot serve as trained."""
    p = info.path
    if not base_matches(info.base_model, model):
        raise AdapterError(
            f"adapter '{p}' was trained on '{info.base_model}', but this config's model is '{model}' "
            "(base_model_name_or_path in adapter_config.json)"
        )
    if max_rank is not None and info.rank > max_rank:
        raise AdapterError(f"adapter '{p}' has LoRA rank {info.rank}, above this config's max_lora_rank {max_rank}")
    if for_vllm:
        if info.rank > VLLM_RANKS[-1]:
            raise AdapterError(
                f"adapter '{p}' has LoRA rank {info.rank}, above vLLM's largest max_lora_rank ({VLLM_RANKS[-1]})"
            )
        if info.use_dora:
            raise AdapterError(f"adapter '{p}' is a DoRA adapter (use_dora); vLLM serves plain LoRA only")
        bad = sorted({m.rsplit(".", 1)[-1] for m in info.modules if m.rsplit(".", 1)[-1] in EMBEDDING_MODULES})
        if info.modules_to_save:
            bad = sorted({*bad, *info.modules_to_save})
        if bad:
            raise AdapterError(
                f"adapter '{p}' trains {', '.join(bad)} (embeddings, lm_head or modules_to_save), which vLLM "
                "cannot serve with LoRA; train without them (lora.targets, no modules_to_save)"
            )
        vision = sorted(m for m in info.modules if _is_vision(m))
        if vision:
            raise AdapterError(
                f"adapter '{p}' adapts {len(vision)} vision-tower module(s) (e.g. {vision[0]}), whose LoRA "
                "weights vLLM ignores; target the language model only"
            )
    if model_dir is None:
        return
    known = checkpoint_weight_names(model_dir)
    if not known:
        return
    mapping = remap_modules(info.modules, known, suffix=".weight")
    missing = [m for m in info.modules if m not in mapping]
    if missing:
        raise AdapterError(
            f"adapter '{p}' names {len(missing)} module(s) the base checkpoint {model_dir} does not have "
            f"(e.g. {missing[0]}); a serving engine would silently ignore them"
        )
    renamed = [m for m, c in mapping.items() if m != c]
    if renamed and for_vllm:
        raise AdapterError(
            f"adapter '{p}' names modules as the training model did ({renamed[0]}), not as the checkpoint "
            f"does ({mapping[renamed[0]]}); vLLM would silently ignore it. Re-save it in the checkpoint's "
            "naming: python -m engine.models.adapters rename ADAPTER BASE_MODEL_DIR"
        )


# ------------------------------------------------------------------------------ renaming (torch)


def rename_weights(adapter_dir: Path, mapping: dict[str, str]) -> int:
    """Rewrite the adapter's tensor names by a module mapping; returns how many were renamed."""
    from safetensors.torch import load_file, save_file

    n = 0
    if not mapping:
        return n
    for f in sorted(adapter_dir.glob("adapter_model*.safetensors")):
        tensors = load_file(str(f))
        out = {}
        for name, t in tensors.items():
            mod = module_of(name)
            new_mod = mapping.get(mod, mod)
            if new_mod != mod:
                n += 1
                rest = name.removeprefix(PEFT_PREFIX)[len(mod) :]
                name = PEFT_PREFIX + new_mod + rest if name.startswith(PEFT_PREFIX) else new_mod + rest
            out[name] = t.contiguous()
        save_file(out, str(f), metadata={"format": "pt"})
    return n


def for_model(adapter_dir: Path, module_names: set[str], scratch: Path) -> Path:
    """The adapter as a model loaded under other module names can take it: `adapter_dir` itself
    when its names match, else a renamed copy in `scratch` (AdapterError if modules are missing)."""
    import shutil

    info = read_adapter(adapter_dir)
    mapping = remap_modules(info.modules, module_names)
    missing = [m for m in info.modules if m not in mapping]
    if missing:
        raise AdapterError(
            f"adapter '{adapter_dir}' names {len(missing)} module(s) this model does not have (e.g. {missing[0]})"
        )
    renames = {m: c for m, c in mapping.items() if m != c}
    if not renames:
        return adapter_dir
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(adapter_dir, scratch)
    rename_weights(scratch, renames)
    return scratch


def to_checkpoint_naming(adapter_dir: Path, base_dir: Path) -> int:
    """Rename an adapter's modules to the base checkpoint's weight names (what vLLM looks up)."""
    info = read_adapter(adapter_dir)
    known = checkpoint_weight_names(base_dir)
    mapping = remap_modules(info.modules, known, suffix=".weight")
    return rename_weights(adapter_dir, {m: c for m, c in mapping.items() if m != c})


def main(argv: list[str] | None = None) -> int:
    """`python -m engine.models.adapters rename ADAPTER BASE_DIR` (adapters saved by other tools)."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3 or args[0] != "rename":
        print("usage: python -m engine.models.adapters rename ADAPTER_DIR BASE_MODEL_DIR", file=sys.stderr)
        return 2
    try:
        n = to_checkpoint_naming(Path(args[1]), Path(args[2]))
    except (AdapterError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"renamed {n} tensor(s) in {args[1]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
