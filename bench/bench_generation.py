"""Engine `hf` generation vs raw transformers batched `generate` on the same prompts (target >= 0.95).

Both sides use the same model object (the embedded SmolLM2-135M, CPU), the same rendered chat
prompts, the same batch size, greedy decoding and the same max_new_tokens. The baseline is what a
researcher would write by hand: batches in input order, left padding, `model.generate`. A second
baseline gets the engine's own batch composition (prompts sorted by length), which isolates the
engine's per-call overhead from its batching gain. Rounds alternate and the best of each is compared.

    python bench/bench_generation.py [N_PROMPTS] [BATCH] [MAX_NEW] [ROUNDS]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.config import ModelSpec  # noqa: E402
from engine.data import SUITE_DIR  # noqa: E402
from engine.data.loader import load_skills, load_tasks  # noqa: E402
from engine.data.prompts import render_messages  # noqa: E402
from engine.models.base import GenRequest  # noqa: E402
from engine.models.embedded import EmbeddedBackend  # noqa: E402
from engine.plan import stratified  # noqa: E402


def prompts(n: int) -> list[list[dict[str, str]]]:
    suite = SUITE_DIR if (SUITE_DIR / "tasks.jsonl").exists() else Path(__file__).parents[1] / "tests/fixtures/mini"
    skills = {s.id: s for s in load_skills(suite / "skills.jsonl")}
    tasks = stratified([t for t in load_tasks(suite / "tasks.jsonl") if t.split == "holdout"], None)
    out = []
    while len(out) < n:
        for t in tasks:
            for cond in ("no_skill", "curated"):
                out.append(render_messages(t, skills[t.skill_id], cond))
    return out[:n]


def engine_round(backend: EmbeddedBackend, msgs: list, max_new: int) -> tuple[int, float]:
    reqs = [GenRequest(key=str(i), messages=m, max_tokens=max_new) for i, m in enumerate(msgs)]
    t0 = time.perf_counter()
    tokens = sum(r.tokens_out for r in backend.generate(reqs))
    return tokens, time.perf_counter() - t0


def raw_round(model, tok, msgs: list, batch: int, max_new: int) -> tuple[int, float]:
    import torch

    eos = model.generation_config.eos_token_id
    eos = {eos} if isinstance(eos, int) else set(eos)
    t0 = time.perf_counter()
    tokens = 0
    for i in range(0, len(msgs), batch):
        texts = [tok.apply_chat_template(m, tokenize=False, add_generation_prompt=True) for m in msgs[i : i + batch]]
        enc = tok(texts, return_tensors="pt", padding=True, padding_side="left", add_special_tokens=False)
        with torch.inference_mode():
            out = model.generate(**enc, max_new_tokens=max_new, do_sample=False, pad_token_id=tok.pad_token_id)
        for row in out[:, enc["input_ids"].shape[1] :].tolist():
            n = len(row)
            for j, t in enumerate(row):
                if t in eos:
                    n = j
                    break
            tokens += n
    return tokens, time.perf_counter() - t0


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 64
    batch = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    max_new = int(sys.argv[3]) if len(sys.argv) > 3 else 64
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    backend = EmbeddedBackend(ModelSpec(backend="embedded", model="smollm2-135m-instruct", batch_size=batch))
    msgs = prompts(n)
    engine_round(backend, msgs[:batch], 8)  # warm-up
    tok = backend.tok
    by_len = sorted(msgs, key=lambda m: len(tok.apply_chat_template(m, tokenize=False, add_generation_prompt=True)))
    best_e = best_r = best_s = 0.0
    for r in range(rounds):
        te, de = engine_round(backend, msgs, max_new)
        tr, dr = raw_round(backend.model, tok, msgs, batch, max_new)
        ts, ds = raw_round(backend.model, tok, by_len, batch, max_new)
        best_e, best_r, best_s = max(best_e, te / de), max(best_r, tr / dr), max(best_s, ts / ds)
        print(f"round {r + 1}: engine {te / de:.1f} | raw {tr / dr:.1f} | raw length-sorted {ts / ds:.1f} tok/s")
    print(f"prompts {n}, batch {batch}, max_new_tokens {max_new}")
    ratio = best_e / best_r
    print(f"engine {best_e:.1f} tok/s vs raw transformers {best_r:.1f} tok/s: ratio {ratio:.2f} (target >= 0.95)")
    print(f"engine vs raw with the same length-sorted batches ({best_s:.1f} tok/s): ratio {best_e / best_s:.2f}")


if __name__ == "__main__":
    main()
