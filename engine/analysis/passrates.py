"""Pass rates per config x condition x judge, pooled over episodes. Errors and abstentions are
reported apart, each on its own: an abstention (verdict `abstain`) is the judge saying it cannot tell,
an error is a failure to judge. Neither is a fail; both are excluded from the rate.

coverage = decided / (decided + abstentions): the share of the items the judge judged without
failing on which it reached a verdict (errors are in neither term)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from engine.analysis.inputs import Inputs

CONDITIONS = ("no_skill", "curated")


@dataclass(frozen=True)
class PassRate:
    config: str
    condition: str
    judge: str
    n: int  # non-error verdicts
    passes: int
    pass_rate: float | None
    errors: int
    abstentions: int = 0  # verdict `abstain`, excluded from the rate and counted apart from errors
    coverage: float | None = None  # n / (n + abstentions); None when both are 0

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def sums(key: np.ndarray, size: int, values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per-key sums of several columns (key: int array in [0, size))."""
    return {k: np.bincount(key, weights=v, minlength=size).astype(np.int64) for k, v in values.items()}


def pass_rates(inp: Inputs) -> list[PassRate]:
    t = inp.task
    C, J = len(inp.configs), len(inp.judges)
    if t.n == 0 or C == 0 or J == 0:
        return []
    key = t.num["cfg"] * J + t.num["judge"]
    cols = ("ns_n", "ns_pass", "ns_err", "ns_abs", "cu_n", "cu_pass", "cu_err", "cu_abs")
    s = sums(key, C * J, {c: t.num[c] for c in cols})
    out = []
    for k in range(C * J):
        ci, ji = divmod(k, J)
        for cond, pre in zip(CONDITIONS, ("ns", "cu"), strict=True):
            n, p, e, a = (int(s[f"{pre}_{x}"][k]) for x in ("n", "pass", "err", "abs"))
            if n or e or a:
                cov = n / (n + a) if n + a else None
                out.append(
                    PassRate(inp.configs[ci].label, cond, inp.judges[ji].label, n, p, p / n if n else None, e, a, cov)
                )
    return out
