"""Engine `vllm` backend vs raw `LLM.generate` on the same prompts, same engine (target >= 0.95).

Both sides use one vLLM engine (the embedded SmolLM2-135M; the CPU build here, CUDA on a GPU
machine), the same holdout prompts in both conditions, greedy decoding and the same max_tokens.
The baseline is what a researcher writes by hand: `llm.chat(conversations, params)` in one call.
The engine side is `VLLMBackend.generate` (chat template rendered by the project, token ids, its
chunking, per-request metrics). Rounds alternate; the best of each is compared. With `--lora
ADAPTER_DIR`, half the prompts go to the adapter on both sides (multi-LoRA in one engine).

    python bench/bench_vllm.py [--prompts 64] [--max-tokens 64] [--rounds 3] [--lora DIR] [--model M]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    from bench.bench_generation import prompts
    from engine.config import ConfigSpec
    from engine.models.base import GenRequest, make_backend

    ap = argparse.ArgumentParser()
    ap.add_argument("--prompts", type=int, default=64)
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--lora", default=None)
    ap.add_argument("--model", default="smollm2-135m-instruct")
    ap.add_argument("--dtype", default="auto")
    args = ap.parse_args()
    os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "2")

    common = {"backend": "vllm", "model": args.model, "dtype": args.dtype, "max_model_len": 2048}
    peers = {"base": ConfigSpec(id="base", **common)}
    if args.lora:
        peers["sft"] = ConfigSpec(id="sft", base="base", adapter=args.lora, **common)
    backend = make_backend(peers["base"], peers)
    llm = backend.llm
    msgs = prompts(args.prompts)
    routes = ["sft" if args.lora and i % 2 else "base" for i in range(len(msgs))]

    from vllm import SamplingParams
    from vllm.lora.request import LoRARequest

    params = SamplingParams(temperature=0.0, max_tokens=args.max_tokens)
    lora = LoRARequest("raw-sft", 99, args.lora) if args.lora else None

    def engine_round() -> tuple[int, float]:
        reqs = [
            GenRequest(key=str(i), messages=m, max_tokens=args.max_tokens, route=routes[i]) for i, m in enumerate(msgs)
        ]
        t0 = time.perf_counter()
        tokens = sum(r.tokens_out for r in backend.generate(reqs))
        return tokens, time.perf_counter() - t0

    def raw_round() -> tuple[int, float]:
        t0 = time.perf_counter()
        tokens = 0
        groups = [(m, r) for m, r in zip(msgs, routes, strict=True)]
        # the raw side batches exactly as the backend must on this machine (base and adapter apart
        # on the CPU build, where vLLM's CPU LoRA kernels cannot mix them; together on a GPU)
        parts = [groups] if backend._engine.mix_base_and_lora else [
            [g for g in groups if g[1] == "base"],
            [g for g in groups if g[1] != "base"],
        ]  # fmt: skip
        for part in parts:
            if not part:
                continue
            loras = [lora if r != "base" else None for _, r in part]
            outs = llm.chat(
                [m for m, _ in part],
                params,
                use_tqdm=False,
                lora_request=loras if any(loras) else None,
            )
            tokens += sum(len(o.outputs[0].token_ids) for o in outs)
        return tokens, time.perf_counter() - t0

    engine_round()  # warm-up (and the adapter loaded)
    raw_round()
    best_e = best_r = 0.0
    for i in range(args.rounds):
        for name in ("engine", "raw") if i % 2 == 0 else ("raw", "engine"):
            tok, dt = engine_round() if name == "engine" else raw_round()
            rate = tok / dt
            print(f"round {i} {name:6s} {tok:6d} tokens {dt:7.2f} s {rate:8.1f} tok/s")
            if name == "engine":
                best_e = max(best_e, rate)
            else:
                best_r = max(best_r, rate)
    print(f"engine {best_e:.1f} tok/s vs raw LLM.chat {best_r:.1f} tok/s: ratio {best_e / best_r:.3f} (target >= 0.95)")


if __name__ == "__main__":
    main()
