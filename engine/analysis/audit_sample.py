"""The human-labelled sample as the judge-correction layer uses it: one row per adjudicated episode
with its Horvitz–Thompson weight, its human verdict and every machine judge's verdict on it.

Weights. `engine judge --audit N` draws a stratified sample (config × condition × judges disagree)
with at least one draw per stratum, so the rare "judges disagree" strata are over-sampled. An
adjudicated item of stratum h stands for N_h / n_h episodes of the store: N_h the stratum's size
(`audits.stratum_size`), n_h the adjudicated sampled episodes of that stratum (Horvitz & Thompson
1952, JASA 47:663; for a stratified simple random sample this is the stratified estimator of
Cochran 1977, Sampling Techniques, §5.2). Using the adjudicated count (not the drawn count,
`stratum_n`) treats items not yet adjudicated as missing at random within their stratum (the
weighting-class adjustment, Little & Rubin 2002 §3.3); with the whole sample adjudicated both are the
same. Several audits are post-stratified by stratum label: an episode takes the stratum of its
latest audit, a stratum the size its latest audit saw, and n_h counts adjudicated episodes of that
stratum over all audits (the union of independent uniform draws within a stratum is again uniform
given its size). Without an audit every human verdict weighs 1 and its stratum is config|condition
(the report warns that such verdicts are not a sample).

Rates. A weighted proportion p̂ = Σ w·x / Σ w over its domain (recall: human passes; specificity:
human fails; precision: the judge's passes; accuracy: all) is a ratio (Hájek) estimator; its 95%
interval is Wilson's score interval with the sample size replaced by Kish's effective size
n_eff = (Σ w)² / Σ w² (Kish 1965, Survey Sampling, §11.7; Korn & Graubard 1998, Survey Methodology
24:193, use an effective sample size in binomial intervals for survey proportions). With equal
weights n_eff = n and it is the plain Wilson interval. Kish's n_eff ignores the gain from
stratification, so the interval errs on the wide side. Machine verdicts other than pass and fail
(errors, abstentions) are excluded from the judge's rates, as everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from engine.analysis.inputs import Inputs
from engine.analysis.intervals import wilson
from engine.store.reader import Con

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Rate:
    """A proportion: k of n items (raw counts); `value` the (weighted) estimate with its Wilson 95%
    interval (None when n = 0); `n_eff` Kish's effective sample size (n when unweighted)."""

    k: int
    n: int
    value: float | None
    low: float | None
    high: float | None
    n_eff: float | None = None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def wilson_interval(p: float, n: float) -> tuple[float, float]:
    """Wilson's score interval (Wilson 1927, JASA 22:209) for a rate p at size n, which may be
    fractional (an effective sample size): intervals.wilson at x = p·n, clipped to [0, 1]."""
    low, high = wilson(np.array([p * n]), np.array([n]), Z95)
    return max(0.0, float(low[0])), min(1.0, float(high[0]))


def weighted_rate(x: np.ndarray, w: np.ndarray) -> Rate:
    """Σ w·x / Σ w over the items given (x boolean), with the Kish–Wilson interval (module docstring)."""
    n = int(x.size)
    if n == 0 or float(w.sum()) <= 0:
        return Rate(int(x.sum()), n, None, None, None, None)
    sw = float(w.sum())
    p = float((w * x).sum() / sw)
    n_eff = sw * sw / float((w * w).sum())
    low, high = wilson_interval(p, n_eff)
    return Rate(int(x.sum()), n, p, low, high, n_eff)


@dataclass
class AuditSample:
    """Adjudicated episodes, one per row (see the module docstring)."""

    source: str  # audit | all | none
    episode: np.ndarray  # object
    config: np.ndarray  # config label (object)
    condition: np.ndarray  # object
    task: np.ndarray  # object
    stratum: np.ndarray  # int codes into `strata`
    strata: list[str]
    stratum_size: np.ndarray  # N_h per code, float
    weight: np.ndarray  # N_h / n_h per row (1 without an audit)
    human: np.ndarray  # 1 pass, 0 fail
    verdicts: dict[str, np.ndarray] = field(default_factory=dict)  # judge label -> 1 / 0 / nan (excluded)
    errors: dict[str, int] = field(default_factory=dict)  # judge label -> non-pass/fail verdicts here

    @property
    def n(self) -> int:
        return int(self.human.size)

    def weights_to_dict(self) -> dict[str, object]:
        """The HT weights used, per stratum: size N_h, adjudicated n_h, weight N_h / n_h ({} without a sample)."""
        if not self.n:
            return {}
        counts = np.bincount(self.stratum, minlength=len(self.strata)) if self.n else np.zeros(len(self.strata))
        return {
            "method": "horvitz-thompson" if self.source == "audit" else "equal",
            "strata": [
                {
                    "stratum": s,
                    "size": float(self.stratum_size[i]),
                    "adjudicated": int(counts[i]),
                    "weight": float(self.stratum_size[i] / counts[i]) if counts[i] else None,
                }
                for i, s in enumerate(self.strata)
            ],
        }


def empty_sample() -> AuditSample:
    e = np.array([], dtype=object)
    return AuditSample("none", e, e, e, e, np.array([], int), [], np.array([]), np.array([]), np.array([], int))


def _config_labels(inp: Inputs) -> dict[tuple[str, str], str]:
    return {(c.config_id, c.config_fp or ""): c.label for c in inp.configs}


def load_sample(con: Con, humans: Sequence[str], use: set[str], source: str, inp: Inputs) -> AuditSample:
    """The adjudicated episodes in `use` with their weights and every machine verdict on them."""
    if not use:
        return empty_sample()
    hp = ", ".join("?" for _ in humans)
    rows = con.execute(
        "SELECT h.episode_id, any_value(h.config_id), any_value(coalesce(h.config_fp, '')), "
        "any_value(h.condition), any_value(h.task_id), arg_max(h.verdict, h.created_at) "
        f"FROM judgments h WHERE h.judge_id IN ({hp}) AND h.verdict IN ('pass', 'fail') "
        "AND h.episode_id IN (SELECT unnest(?::VARCHAR[])) GROUP BY h.episode_id ORDER BY 1",
        [*humans, sorted(use)],
    ).fetchall()
    labels = _config_labels(inp)
    eids = [r[0] for r in rows]
    config = [labels.get((r[1], r[2]), r[1]) for r in rows]
    cond = [r[3] for r in rows]
    if source == "audit":
        of_ep = dict(
            con.execute(
                "SELECT episode_id, arg_max(stratum, created_at) FROM audits "
                "WHERE episode_id IN (SELECT unnest(?::VARCHAR[])) GROUP BY episode_id",
                [eids],
            ).fetchall()
        )
        size_of = dict(
            con.execute("SELECT stratum, arg_max(stratum_size, created_at) FROM audits GROUP BY 1").fetchall()
        )
        names = [str(of_ep[e]) for e in eids]
    else:
        names = [f"{c}|{k}" for c, k in zip(config, cond, strict=True)]
        size_of = {}
    strata = sorted(set(names))
    code = {s: i for i, s in enumerate(strata)}
    st = np.array([code[s] for s in names], dtype=int)
    counts = np.bincount(st, minlength=len(strata)).astype(float)
    sizes = np.array([float(size_of.get(s, counts[i])) for i, s in enumerate(strata)])
    weight = sizes[st] / counts[st] if source == "audit" else np.ones(len(eids))
    sample = AuditSample(
        source,
        np.array(eids, dtype=object),
        np.array(config, dtype=object),
        np.array(cond, dtype=object),
        np.array([r[4] for r in rows], dtype=object),
        st,
        strata,
        sizes,
        weight,
        np.array([1 if r[5] == "pass" else 0 for r in rows], dtype=int),
    )
    _machine_verdicts(con, humans, sample, inp)
    return sample


def _machine_verdicts(con: Con, humans: Sequence[str], sample: AuditSample, inp: Inputs) -> None:
    hp = ", ".join("?" for _ in humans)
    rows = con.execute(
        f"SELECT j.episode_id, j.judge_id, coalesce(j.judge_fp, ''), j.verdict FROM judgments j "
        f"WHERE j.judge_id NOT IN ({hp}) AND j.episode_id IN (SELECT unnest(?::VARCHAR[]))",
        [*humans, sample.episode.tolist()],
    ).fetchall()
    label = {(j.judge_id, j.judge_fp or ""): j.label for j in inp.judges}
    pos = {str(e): i for i, e in enumerate(sample.episode.tolist())}
    for eid, jid, jfp, v in rows:
        lab = label.get((jid, jfp), jid)
        arr = sample.verdicts.setdefault(lab, np.full(sample.n, np.nan))
        if v in ("pass", "fail"):
            arr[pos[eid]] = 1.0 if v == "pass" else 0.0
        else:
            sample.errors[lab] = sample.errors.get(lab, 0) + 1
