"""Power and minimum detectable effect (MDE) of a paired design: procedural Δ and SFT lift.

Closed form (Miller 2024, "Adding Error Bars to Evals", arXiv 2411.00640, power analysis of a paired
comparison): with ω² the variance of the per-task paired differences and n tasks, the paired z-test
of Δ = 0 at two-sided level α has power at a true effect δ

    power(δ) = Φ(|δ|√n/ω − z_{1−α/2}) + Φ(−|δ|√n/ω − z_{1−α/2}),

so the tasks needed for power 1 − β are n = (z_{1−α/2} + z_{1−β})² ω² / δ², and the MDE of n tasks
is (z_{1−α/2} + z_{1−β}) ω / √n. For the lift, ω² is the variance of the per-task difference of
differences (Δ_sft − Δ_base per task).

One sample per task: the per-task difference d ∈ {−1, 0, +1} with P(+1) = p01 (curated passes,
no_skill fails) and P(−1) = p10, so ω² = p01 + p10 − (p01 − p10)² = D − δ² at discordance D. Holding D
fixed, δ = z√(ω²/n) solves to δ = z √(a V / (n + z² a)) for ω² = a (V − δ²) (`mde_assumed`).

k samples per task (Miller 2024, "resampling" within questions: Var(mean) = (Var(x̄_i) + E[σ²_i]/K)/n):
ω²_k = τ² + σ²_w / k, τ² the between-task variance of the tasks' true differences and σ²_w the
within-task (sampling) variance of one sample's difference. Without a pilot, a share `within` of the
one-sample ω² is taken to be σ²_w; under greedy decoding (temperature 0) it is 0 and samples add
nothing.

McNemar's test (one sample per task), asymptotic: Connor (1987), "Sample size for testing
differences in proportions for the paired-sample design", Biometrics 43:207-211, whose sample size
n = (z_{1−α/2}√D + z_{1−β}√(D − δ²))² / δ² inverts to power = Φ((|δ|√n − z_{1−α/2} √D) / √(D − δ²)).
The exact test's power (lower: the test is conservative) comes from `simulate`.

The simulation (`simulate`) resamples tasks from a table of per-task outcome patterns (the pilot's,
or the four 2x2 cells of the stated rates) with replacement (a task-level bootstrap, the task the
unit as in `engine.analysis.stats.paired_ci`), shifted to the target effect by reweighting the tasks
whose conditions differ (`shift`): their share stays the pilot's, the balance between the two
directions moves to the target. With one sample this is the fixed-discordance model of the closed
form (p01 = (D + δ)/2, p10 = (D − δ)/2); an exponential tilt (Efron 1981) would raise the discordance
with δ. It counts rejections of the paired z-test and of exact McNemar.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

_N = NormalDist()
DELTA_CONTRAST = np.array([-1.0, 1.0])  # columns: no_skill, curated
LIFT_CONTRAST = np.array([1.0, -1.0, -1.0, 1.0])  # base no_skill, base curated, sft no_skill, sft curated


def check_levels(alpha: float, power: float) -> None:
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"--alpha must be in (0, 1), got {alpha}")
    if not 0.0 < power < 1.0:
        raise ValueError(f"--power must be in (0, 1), got {power}")


def z_sum(alpha: float, power: float) -> float:
    """z_{1−α/2} + z_{power}: the multiplier of ω/√n in the MDE of a two-sided test."""
    check_levels(alpha, power)
    return _N.inv_cdf(1 - alpha / 2) + _N.inv_cdf(power)


def power_z(delta: float, omega2: float, n: int, alpha: float) -> float:
    """Power of the two-sided paired z-test at true effect `delta` (Miller 2024, power analysis)."""
    if omega2 <= 0:
        return 1.0 if delta != 0 else alpha
    z = _N.inv_cdf(1 - alpha / 2)
    s = abs(delta) * math.sqrt(n / omega2)
    return _N.cdf(s - z) + _N.cdf(-s - z)


def mde(omega2: float, n: int, alpha: float, power: float) -> float:
    """Minimum detectable |effect| of n tasks: (z_{1−α/2} + z_{1−β}) ω / √n."""
    return z_sum(alpha, power) * math.sqrt(max(omega2, 0.0) / n)


def tasks_needed(omega2: float, delta: float, alpha: float, power: float) -> int:
    """n = (z_{1−α/2} + z_{1−β})² ω² / δ², rounded up (Miller 2024, power analysis)."""
    if delta == 0:
        raise ValueError("--effect must not be 0")
    return max(2, math.ceil(z_sum(alpha, power) ** 2 * max(omega2, 0.0) / delta**2))


def k_factor(within: float, k: int) -> float:
    """ω²_k / ω²_1 when a share `within` of one sample's variance is within-task: 1 − w + w/k."""
    return 1.0 - within + within / k


def mcnemar_power(delta: float, discordance: float, n: int, alpha: float) -> float:
    """Asymptotic power of McNemar's test (Connor 1987), one sample per task."""
    if discordance <= delta**2:
        return 1.0
    z = _N.inv_cdf(1 - alpha / 2)
    return _N.cdf((abs(delta) * math.sqrt(n) - z * math.sqrt(discordance)) / math.sqrt(discordance - delta**2))


@dataclass(frozen=True)
class Assumed:
    """The design without a pilot: stated no-skill pass rate, one-sample discordance D (share of tasks whose
    two conditions disagree), within-task variance share, and the correlation of a task's base and SFT Δ."""

    p_no_skill: float = 0.4
    discordance: float = 0.2
    within: float = 0.0
    corr: float = 0.0

    def check(self) -> None:
        if not 0.0 < self.p_no_skill < 1.0:
            raise ValueError(f"--p-no-skill must be in (0, 1), got {self.p_no_skill}")
        if not 0.0 < self.discordance <= 2 * min(self.p_no_skill, 1 - self.p_no_skill):
            raise ValueError(
                f"--discordance must be in (0, {2 * min(self.p_no_skill, 1 - self.p_no_skill):.2f}] at "
                f"--p-no-skill {self.p_no_skill} (at Δ = 0 half the discordant tasks pass only under no_skill), "
                f"got {self.discordance}"
            )
        if not 0.0 <= self.within <= 1.0:
            raise ValueError(f"--within must be in [0, 1], got {self.within}")
        if not -1.0 < self.corr < 1.0:
            raise ValueError(f"--corr must be in (-1, 1), got {self.corr}")

    def cells(self, delta: float) -> tuple[float, float, float, float]:
        """(p00, p10, p01, p11) of one (task, sample) at Δ = delta: p10 no_skill only, p01 curated only."""
        d = self.discordance
        if abs(delta) > d:
            raise ValueError(f"an effect of {delta:+.3f} needs a discordance of at least {abs(delta):.3f}, got {d}")
        p01, p10 = (d + delta) / 2, (d - delta) / 2
        p11 = self.p_no_skill - p10
        p00 = 1.0 - p11 - p10 - p01
        if min(p00, p11) < -1e-12:
            raise ValueError(
                f"no-skill pass rate {self.p_no_skill} with discordance {d} and Δ {delta:+.3f} is not a valid table"
            )
        return max(p00, 0.0), p10, p01, max(p11, 0.0)

    def terms(self, kind: str, k: int) -> tuple[float, float]:
        """(a, V) with ω²(δ) = a (V − δ²): Δ has V = D; the lift (base at Δ = 0, SFT at Δ = lift, both at
        discordance D, per-task Δs correlated `corr`) has V = 2D, a scaled by (1 − corr)."""
        f = k_factor(self.within, k)
        return (f, self.discordance) if kind == "delta" else (f * (1 - self.corr), 2 * self.discordance)

    def omega2(self, kind: str, delta: float, k: int) -> float:
        a, v = self.terms(kind, k)
        return a * max(v - delta**2, 0.0)


def mde_assumed(assumed: Assumed, kind: str, n: int, k: int, alpha: float, power: float) -> float:
    """MDE with ω² = a (V − δ²) (see the module docstring): δ = z √(a V / (n + z² a))."""
    z = z_sum(alpha, power)
    a, v = assumed.terms(kind, k)
    return z * math.sqrt(a * v / (n + z * z * a))


def tasks_needed_assumed(assumed: Assumed, kind: str, delta: float, k: int, alpha: float, power: float) -> int:
    return tasks_needed(assumed.omega2(kind, delta, k), delta, alpha, power)


# ---------------------------------------------------------------- simulation


def shift(d: np.ndarray, base: np.ndarray, target: float) -> np.ndarray:
    """Weights with Σ w d = target: the tasks with d > 0 scaled by a, those with d < 0 by b, where
    a P₊ + b P₋ = P₊ + P₋ (the mass of tasks whose conditions differ is kept, the rest untouched) and
    a S₊ − b S₋ = target (P± the mass, S± the mass-weighted |d| of each side)."""
    w = np.asarray(base, float) / np.sum(base)
    pos, neg = d > 0, d < 0
    pp, pn = float(w[pos].sum()), float(w[neg].sum())
    sp, sn = float(w[pos] @ d[pos]), float(-(w[neg] @ d[neg]))
    det = pp * sn + pn * sp
    a = ((pp + pn) * sn + target * pn) / det if det > 0 else -1.0
    b = ((pp + pn) * sp - target * pp) / det if det > 0 else -1.0
    if a < 0 or b < 0:
        lo = -(pp + pn) * sn / pn if pn > 0 else float(w @ d)
        hi = (pp + pn) * sp / pp if pp > 0 else float(w @ d)
        raise ValueError(
            f"an effect of {target:+.3f} is outside what the pilot's per-task outcomes can show "
            f"({lo:+.3f} .. {hi:+.3f}): the pilot needs tasks whose conditions differ in both directions"
        )
    return np.where(pos, a * w, np.where(neg, b * w, w))


@dataclass(frozen=True)
class SimPower:
    z_test: float  # paired z-test on per-task differences
    mcnemar: float | None  # exact McNemar over (task, sample) pairs; None with samples > 1 or for a lift
    sims: int


def simulate(
    rates: np.ndarray,
    weights: np.ndarray,
    contrast: np.ndarray,
    n: int,
    *,
    k: int,
    k_pilot: int,
    target: float | None,
    alpha: float,
    sims: int = 2000,
    seed: int = 0,
) -> SimPower:
    """Power by simulation: draw n tasks from the rows of `rates` (per-task pass rates, columns as
    `contrast`) with probabilities `weights` shifted to mean difference `target` (None: as given); a task's
    outcomes are its pilot outcomes, so k must equal k_pilot unless every pilot task's outcomes are all
    equal (greedy decoding: k samples repeat them). Re-drawing k samples at a task's pilot rates would
    count the pilot's own sampling noise as between-task variance (ω² too large by σ²_w/k_pilot).
    The paired z-test rejects when |mean| / (sd / √n) > z_{1−α/2}; exact McNemar (Δ with one sample)
    when 2·Binom(min(b, c); b + c, ½) ≤ α, as statsmodels' `mcnemar(exact=True)` computes it."""
    from scipy.special import bdtr

    if k != k_pilot and np.any((rates > 0) & (rates < 1)):
        raise ValueError(
            f"the simulation resamples the pilot's outcomes: it needs the pilot's {k_pilot} sample(s) per task "
            f"(planned: {k}); the closed form covers other sample counts"
        )
    d = rates @ contrast
    w = np.asarray(weights, float) / np.sum(weights)
    if target is not None:
        w = shift(d, w, target)
    rng = np.random.default_rng(seed)
    z = _N.inv_cdf(1 - alpha / 2)
    reject_z = reject_m = 0
    binary = k == 1 and k_pilot == 1 and contrast.size == 2
    for start in range(0, sims, 500):
        m = min(500, sims - start)
        idx = rng.choice(len(d), size=(m, n), p=w)
        x = rates[idx]  # k samples of a task with all-equal outcomes have the same mean
        diff = x @ contrast
        mean, sd = diff.mean(1), diff.std(1, ddof=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            stat = np.where(sd > 0, np.abs(mean) / (sd / math.sqrt(n)), np.where(mean != 0, np.inf, 0.0))
        reject_z += int((stat > z).sum())
        if binary:
            b, c = (diff < 0).sum(1), (diff > 0).sum(1)
            p = np.minimum(1.0, 2 * bdtr(np.minimum(b, c), b + c, 0.5))
            reject_m += int(((b + c > 0) & (p <= alpha)).sum())
    return SimPower(reject_z / sims, reject_m / sims if binary else None, sims)


def assumed_patterns(assumed: Assumed, delta: float) -> tuple[np.ndarray, np.ndarray]:
    """The four one-sample outcome patterns (no_skill, curated) and their probabilities at Δ = delta."""
    p00, p10, p01, p11 = assumed.cells(delta)
    return np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.array([p00, p10, p01, p11])


def assumed_lift_patterns(assumed: Assumed, lift: float) -> tuple[np.ndarray, np.ndarray]:
    """The 16 patterns (base no_skill, base curated, sft no_skill, sft curated): base at Δ = 0, SFT at
    Δ = lift, independent within a task (corr = 0)."""
    pb, wb = assumed_patterns(assumed, 0.0)
    ps, ws = assumed_patterns(assumed, lift)
    rows = np.array([np.concatenate([a, b]) for a in pb for b in ps])
    return rows, np.outer(wb, ws).reshape(-1)
