"""Simulated coverage of κ's 95% intervals when items cluster in tasks: asymptotic vs task bootstrap.

    python bench/bench_kappa_coverage.py [--reps 1000] [--n-boot 1000] [--seed 0]

Design: T tasks x 2 conditions x m samples. Task k has a pass probability p_k ~ U(0.1, 0.9) (a
verdict's truth: pass with p_k) and a grading difficulty: judge A reads the truth, judge B flips it
with probability e_k, e_k = 0.02 on most tasks and 0.45 on a fifth of them (tasks the judge cannot
grade). Items of a task share p_k and e_k: the intra-task correlation that makes the asymptotic κ
CI (every item independent) too narrow. The true κ is that of the population (2,000,000 tasks).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.analysis.kappa_boot import CELLS, cluster_boot, kappa_2x2  # noqa: E402
from engine.analysis.stats import cohens_kappa  # noqa: E402


def simulate(rng: np.random.Generator, reps: int, tasks: int, m: int) -> dict[str, np.ndarray]:
    """(reps, tasks) counts n11..n00 per condition, as `cluster_boot` takes them."""
    p = rng.uniform(0.1, 0.9, size=(reps, tasks))
    e = np.where(rng.random((reps, tasks)) < 0.2, 0.45, 0.02)
    out = {}
    for suffix in ("ns", "cu"):
        a = rng.random((reps, tasks, m)) < p[..., None]
        b = a ^ (rng.random((reps, tasks, m)) < e[..., None])
        for name, cell in zip(CELLS, (a & b, a & ~b, ~a & b, ~a & ~b), strict=True):
            out[f"{name}_{suffix}"] = cell.sum(axis=2).astype(float)
    return out


def true_kappa(rng: np.random.Generator, m: int) -> float:
    c = simulate(rng, 1, 2_000_000, m)
    return float(kappa_2x2(*(c[f"{k}_ns"].sum() + c[f"{k}_cu"].sum() for k in CELLS)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=1000)
    ap.add_argument("--n-boot", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    print("| tasks | samples | true κ | asymptotic | bootstrap-task |")
    print("|---|---|---|---|---|")
    for tasks, m in ((34, 1), (34, 4), (100, 4), (200, 2)):
        k0 = true_kappa(rng, m)
        c = simulate(rng, args.reps, tasks, m)
        boot = cluster_boot(c, n_boot=args.n_boot, seed=args.seed)
        tot = {k: c[f"{k}_ns"].sum(axis=1) + c[f"{k}_cu"].sum(axis=1) for k in CELLS}
        asym = [
            cohens_kappa([[tot["n11"][i], tot["n10"][i]], [tot["n01"][i], tot["n00"][i]]]) for i in range(args.reps)
        ]
        a_cov = np.mean([x.low is not None and x.high is not None and x.low <= k0 <= x.high for x in asym])
        b_cov = np.mean((boot["low"] <= k0) & (k0 <= boot["high"]))
        print(f"| {tasks} | {m} | {k0:.3f} | {a_cov:.3f} | {b_cov:.3f} |")
    print(f"({args.reps} replicates a row, {args.n_boot} resamples; MC SE ≈ {np.sqrt(0.0475 / args.reps):.3f})")


if __name__ == "__main__":
    main()
