"""LoRA SFT with TRL's SFTTrainer and PEFT: the pieces a training run is built from.

Loss on the teacher's tokens only: corpus rows are fed to TRL as *conversational
prompt-completion* examples (prompt = the curated user turn, completion = the assistant answer)
with `completion_only_loss=True`. TRL renders the prompt with the generation prompt, exactly as
the `hf`/`embedded` backends render it at evaluation, and masks it out; the completion's tokens,
the end-of-turn token included, carry the loss. This works with any chat template. TRL's other
route, `assistant_only_loss`, needs `{% generation %}` markers that SmolLM2's (and many other)
templates lack.

Precision: `auto` is fp32 on CPU (no bf16 autocast, no gradient checkpointing: a 135M model fits
and checkpointing would only cost time) and bf16 weights + bf16 autocast on a GPU that supports
it, with gradient checkpointing on (PEFT keeps the LoRA weights in fp32). An explicit `bf16` on a
CPU is honoured (CPU autocast). Heavy imports happen inside the functions.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from engine.data.loader import load_corpus
from engine.data.schemas import CorpusRow
from engine.train.specs import Recipe


@dataclass(frozen=True)
class Runtime:
    """Where and how a recipe runs on this machine."""

    device: Literal["cpu", "cuda"]
    precision: Literal["fp32", "bf16", "fp16"]
    gradient_checkpointing: bool


def resolve_runtime(recipe: Recipe) -> Runtime:
    import torch

    device = recipe.device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device: 'cuda' was asked for, but no CUDA GPU is available")
    precision = recipe.precision
    if precision == "auto":
        precision = "bf16" if device == "cuda" and torch.cuda.is_bf16_supported() else "fp32"
    if precision == "fp16" and device == "cpu":
        raise ValueError("precision: fp16 mixed precision needs a CUDA GPU")
    gc = recipe.gradient_checkpointing if recipe.gradient_checkpointing is not None else device == "cuda"
    return Runtime(device, precision, gc)


def resolve_base_model(recipe: Recipe) -> str:
    """A path or hub id from_pretrained accepts; `embedded:NAME` is the converted safetensors copy."""
    if recipe.embedded_name is not None:
        from engine.models.embedded import ensure_converted

        return str(ensure_converted(recipe.embedded_name))
    return recipe.base_model


def select_rows(rows: Sequence[CorpusRow], limit: int | None) -> list[CorpusRow]:
    """The first `limit` rows round-robin over skills (file order within a skill): any prefix covers
    as many skills as it can."""
    if limit is None or limit >= len(rows):
        return list(rows)
    by_skill: dict[str, list[CorpusRow]] = defaultdict(list)
    for r in rows:
        by_skill[r.skill_id].append(r)
    out: list[CorpusRow] = []
    depth = 0
    while len(out) < limit:
        for group in by_skill.values():
            if depth < len(group) and len(out) < limit:
                out.append(group[depth])
        depth += 1
    return out


def row_length(tok: Any, row: CorpusRow, chat_template_kwargs: dict[str, Any]) -> int:
    """Tokens of a row as the trainer sees it (chat template applied)."""
    msgs = [{"role": m.role, "content": m.content} for m in row.messages]
    text = tok.apply_chat_template(msgs, tokenize=False, **chat_template_kwargs)
    return len(tok(text, add_special_tokens=False)["input_ids"])


def corpus_records(recipe: Recipe, tok: Any = None) -> list[dict[str, Any]]:
    """Corpus rows as TRL examples (prompt-completion, or whole conversations without masking)."""
    rows = load_corpus(recipe.corpus)
    if recipe.drop_long:
        if tok is None:
            raise ValueError("drop_long needs the tokenizer")
        rows = [r for r in rows if row_length(tok, r, recipe.chat_template_kwargs) <= recipe.max_length]
    rows = select_rows(rows, recipe.corpus_limit)
    out = []
    for r in rows:
        msgs = [{"role": m.role, "content": m.content} for m in r.messages]
        ex: dict[str, Any] = (
            {"prompt": msgs[:-1], "completion": msgs[-1:]} if recipe.assistant_only_loss else {"messages": msgs}
        )
        if recipe.chat_template_kwargs:
            ex["chat_template_kwargs"] = dict(recipe.chat_template_kwargs)
        out.append(ex)
    return out


def build_sft_config(recipe: Recipe, output_dir: Path, rt: Runtime, run_name: str | None = None) -> Any:
    """TRL's SFTConfig for the recipe; `report_to` picks transformers' logging integrations (none by
    default; their variables are set by engine.train.tracking), `run_name` names their run."""
    from trl import SFTConfig

    return SFTConfig(
        output_dir=str(output_dir),
        num_train_epochs=recipe.epochs,
        max_steps=recipe.max_steps if recipe.max_steps is not None else -1,
        per_device_train_batch_size=recipe.batch_size,
        gradient_accumulation_steps=recipe.grad_accum,
        learning_rate=recipe.lr,
        lr_scheduler_type=recipe.lr_scheduler,
        warmup_steps=recipe.warmup,
        weight_decay=recipe.weight_decay,
        max_grad_norm=recipe.max_grad_norm,
        max_length=recipe.max_length,
        packing=recipe.packing,
        completion_only_loss=recipe.assistant_only_loss,
        bf16=rt.precision == "bf16",
        fp16=rt.precision == "fp16",
        use_cpu=rt.device == "cpu",
        **_checkpointing(rt.gradient_checkpointing),
        seed=recipe.seed,
        data_seed=recipe.seed,
        logging_steps=recipe.logging_steps,
        save_strategy="steps",
        save_steps=recipe.save_steps,
        save_total_limit=recipe.save_total_limit,
        report_to=list(recipe.report_to) or "none",
        run_name=run_name,
        disable_tqdm=True,
        log_level="warning",
        dataloader_num_workers=0,
        dataloader_pin_memory=rt.device == "cuda",
    )


def _checkpointing(on: bool) -> dict[str, Any]:
    """transformers 5 renamed gradient_checkpointing to activation_checkpointing (the old name warns)."""
    from trl import SFTConfig

    if "activation_checkpointing" in SFTConfig.__dataclass_fields__:
        return {"activation_checkpointing": on}
    return {"gradient_checkpointing": on}


def lora_config(recipe: Recipe, num_layers: int | None = None) -> Any:
    from peft import LoraConfig

    layers = None
    if recipe.lora.last_layers is not None:
        if not num_layers:
            raise ValueError("lora.last_layers: the model config does not say how many layers it has")
        layers = list(range(max(0, num_layers - recipe.lora.last_layers), num_layers))
    return LoraConfig(
        r=recipe.lora.r,
        lora_alpha=recipe.lora.alpha,
        lora_dropout=recipe.lora.dropout,
        target_modules=recipe.lora.targets,
        layers_to_transform=layers,
        bias="none",
        task_type="CAUSAL_LM",
    )


def build_trainer(
    recipe: Recipe, output_dir: Path, callbacks: list[Any] | None = None, run_name: str | None = None
) -> Any:
    """An SFTTrainer for the recipe (model loaded, LoRA attached, corpus tokenised)."""
    import datasets
    import torch
    import transformers
    from transformers import AutoModelForCausalLM, AutoTokenizer, PrinterCallback
    from trl import SFTTrainer

    datasets.disable_progress_bars()
    transformers.utils.logging.disable_progress_bar()
    # TRL 1.16 still reads the pre-rename attribute; the warning is noise for our users
    warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
    if recipe.threads:
        torch.set_num_threads(recipe.threads)
    rt = resolve_runtime(recipe)
    path = resolve_base_model(recipe)
    dtype = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[rt.precision]
    tok = AutoTokenizer.from_pretrained(path)
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    model = AutoModelForCausalLM.from_pretrained(path, dtype=dtype)
    if rt.device == "cuda":
        model.to("cuda")  # type: ignore[arg-type]  # transformers' typing of .to
    records = corpus_records(recipe, tok)
    if not records:
        raise ValueError(
            f"{recipe.corpus}: no corpus rows to train on" + (" within max_length" if recipe.drop_long else "")
        )
    trainer = SFTTrainer(
        model=model,
        args=build_sft_config(recipe, output_dir, rt, run_name),
        train_dataset=datasets.Dataset.from_list(records),
        processing_class=tok,
        peft_config=lora_config(recipe, getattr(model.config.get_text_config(), "num_hidden_layers", None)),
        callbacks=callbacks or [],
    )
    trainer.remove_callback(PrinterCallback)  # progress goes through our reporter, not print()
    return trainer


def complete_checkpoints(output_dir: Path) -> list[tuple[int, Path]]:
    """Checkpoints whose save finished (the trainer state is written last), oldest first."""
    out: list[tuple[int, Path]] = []
    if not output_dir.is_dir():
        return out
    for p in output_dir.iterdir():
        if p.is_dir() and p.name.startswith("checkpoint-") and p.name[11:].isdigit():
            if (p / "trainer_state.json").exists():
                out.append((int(p.name[11:]), p))
    return sorted(out)


def discard_incomplete_checkpoints(output_dir: Path) -> list[Path]:
    """Remove checkpoint dirs a killed save left half-written; returns what it removed."""
    import shutil

    removed: list[Path] = []
    if not output_dir.is_dir():
        return removed
    done = {p for _, p in complete_checkpoints(output_dir)}
    for p in output_dir.iterdir():
        if p.is_dir() and p.name.startswith(("checkpoint-", "tmp-checkpoint-")) and p not in done:
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed
