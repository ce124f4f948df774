"""Rejection rate of the size × condition permutation test on simulated stores.

    python bench/bench_size_interaction.py [--stores 200] [--alpha 0.05] [--seed 0]

Each store (`bench.synth`): 200 tasks, one sample, three base configs at 0.8B, 2B and 4B scored by
one LLM judge (3% flips). "flat": every size has the same ability and the same curated effect (logit
0.3), so Δ is the same at every size. "flat, abilities differ": abilities −0.8, 0, 0.6 and the
curated effect chosen per size so that the true Δ on the pass-rate scale is about the same (matched on
the tasks of seed 0; the true Δs of the last store are printed).
"W": logit effects −0.6, +0.6, −0.6 (Δ about −0.12, +0.12, −0.12). The report's test
(`engine.analysis.size_interaction`, 4999 permutations) is run through `build_report`. Monte Carlo SE
of a rate near 0.05: √(0.05·0.95/stores), 0.015 at 200 stores.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synth import make_synthetic_store, synth_tables  # noqa: E402
from engine.analysis import build_report  # noqa: E402
from engine.store.schema import ddl  # noqa: E402

SIZES = ("0.8B", "2B", "4B")


def _configs(abilities: tuple[float, ...], effects: tuple[float, ...]) -> list[dict[str, object]]:
    return [
        {"id": f"m{s}", "size": s, "role": "student", "base": None, "ability": a, "effect": e}
        for s, a, e in zip(SIZES, abilities, effects, strict=True)
    ]


def _matched_effects(abilities: tuple[float, ...], target: float) -> tuple[float, ...]:
    """Logit effects giving each ability the same true Δ (bisection on the store's own truth)."""
    out = []
    for a in abilities:
        lo, hi = -3.0, 3.0
        for _ in range(40):
            mid = (lo + hi) / 2
            one = [{"id": "m", "size": "2B", "role": "student", "base": None, "ability": a, "effect": mid}]
            _, info = synth_tables(2 * 200, configs=one, n_tasks=200, seed=0)
            lo, hi = (mid, hi) if next(iter(info.true_delta.values())) < target else (lo, mid)
        out.append((lo + hi) / 2)
    return tuple(out)


def _rate(cfgs: list[dict[str, object]], stores: int, alpha: float, seed: int) -> tuple[float, list[float]]:
    judge = [{"id": "claude", "kind": "llm", "flip": 0.03, "error": 0.0}]
    rejected, truth = 0, []
    for i in range(stores):
        con = duckdb.connect()
        for s in ddl():
            con.execute(s)
        info = make_synthetic_store(con, len(cfgs) * 400, configs=cfgs, judges=judge, seed=seed + i)
        truth = list(info.true_delta.values())
        (t,) = build_report(con, n_boot=20, alpha=alpha, seed=i).size_tests
        rejected += bool(t.rejects)
        con.close()
    return rejected / stores, truth


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stores", type=int, default=200)
    ap.add_argument("--alpha", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    abilities = (-0.8, 0.0, 0.6)
    cases = {
        "flat": _configs((0.0,) * 3, (0.3,) * 3),
        "flat, abilities differ": _configs(abilities, _matched_effects(abilities, 0.06)),
        "W": _configs((0.0,) * 3, (-0.6, 0.6, -0.6)),
    }
    t0 = time.perf_counter()
    print(f"{a.stores} stores per case, α = {a.alpha}")
    for name, cfgs in cases.items():
        rate, truth = _rate(cfgs, a.stores, a.alpha, a.seed)
        print(f"{name:>24}: rejects {rate:.3f}  (true Δ {', '.join(f'{d:+.3f}' for d in truth)})")
    print(f"({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
