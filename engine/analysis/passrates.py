"""Pass rates per config x condition x judge, pooled over episodes. Errors are reported apart."""

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
    cols = ("ns_n", "ns_pass", "ns_err", "cu_n", "cu_pass", "cu_err")
    s = sums(key, C * J, {c: t.num[c] for c in cols})
    out = []
    for k in range(C * J):
        ci, ji = divmod(k, J)
        for cond, pre in zip(CONDITIONS, ("ns", "cu"), strict=True):
            n, p, e = (int(s[f"{pre}_{x}"][k]) for x in ("n", "pass", "err"))
            if n or e:
                out.append(PassRate(inp.configs[ci].label, cond, inp.judges[ji].label, n, p, p / n if n else None, e))
    return out
