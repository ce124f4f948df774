"""Format compliance and the format artifact.

The deterministic `answer_line` extractor only sees answers written on an `ANSWER:` line. If one
condition writes its conclusion in free prose more often, the extractor under-counts that
condition and biases Δ (the reference study: the extractor was biased against `curated`). This
module exposes it: the share of completions with an `ANSWER:` line per config x condition, and,
on answer_line-scored tasks, extractor vs prose-reading judges' (lenient, LLM) pass rates on the
same episodes, their gap per condition and the gap's difference between conditions.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from engine.analysis.agreement import pair_stats
from engine.analysis.inputs import Inputs
from engine.analysis.notices import Notice
from engine.analysis.passrates import CONDITIONS

GAP_WARN = 0.02  # pooled gap difference between conditions worth a warning
# judges that read an answer stated in prose, so the extractor's misses against them are the artifact:
# the lenient final-answer judge and LLM judges
READERS = ("final_answer", "llm")


@dataclass(frozen=True)
class FormatShare:
    config: str
    condition: str
    n: int  # completions (generation errors excluded)
    answer_line: int
    share: float | None
    generation_errors: int
    # completions aimed at the judge (engine.judges.robustness): any flag, then by flag
    flagged: int = 0
    flag_verdict: int = 0
    flag_grader: int = 0
    flag_delimiter: int = 0
    unchecked: int = 0  # episodes recorded before the checks existed
    at_limit: int = 0  # completions cut off at the token limit (finish_reason "length")

    @property
    def at_limit_share(self) -> float | None:
        return self.at_limit / self.n if self.n else None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class FormatGap:
    config: str  # "*" pools all configs
    extractor: str
    llm: str  # the judge that reads prose answers (kind final_answer or llm: READERS)
    n_no_skill: int
    n_curated: int
    extractor_no_skill: float | None
    extractor_curated: float | None
    llm_no_skill: float | None
    llm_curated: float | None
    gap_no_skill: float | None  # llm − extractor pass rate
    gap_curated: float | None
    gap_diff: float | None  # gap_curated − gap_no_skill: > 0, the extractor is biased against curated
    delta_extractor: float | None  # Δ on these tasks as each judge sees it
    delta_llm: float | None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def format_shares(inp: Inputs) -> list[FormatShare]:
    f = inp.fmt
    if f.n == 0:
        return []
    out = []
    for ci, c in enumerate(inp.configs):
        for cond in CONDITIONS:
            m = (f.num["cfg"] == ci) & (f.codes["condition"] == f.code("condition", cond))
            n_all, err, al = (int(f.num[k][m].sum()) for k in ("n", "errors", "answer_line"))
            if n_all:
                n = n_all - err
                flags = (int(f.num[k][m].sum()) for k in FLAG_COLUMNS)
                out.append(FormatShare(c.label, cond, n, al, al / n if n else None, err, *flags))
    return out


FLAG_COLUMNS = ("flagged", "flag_verdict", "flag_grader", "flag_delimiter", "unchecked", "at_limit")
TRUNCATION_WARN = 0.10  # share of a config x condition's completions cut off at max_tokens worth a warning


def cut_off(shares: list[FormatShare]) -> list[FormatShare]:
    """The config x condition cells whose completions end at the token limit in `TRUNCATION_WARN` or more."""
    return [s for s in shares if s.n and s.at_limit / s.n >= TRUNCATION_WARN]


def truncation_notices(shares: list[FormatShare], found: list[Notice]) -> None:
    """One notice naming every config x condition whose completions often end at the token limit.

    A completion cut off at `max_tokens` is scored as written, so its verdict is that of an unfinished
    answer; when one condition is cut off more often (a longer, step-by-step format), Δ compares
    unfinished answers with finished ones, an artifact of the token budget rather than of the skill."""
    hit = cut_off(shares)
    if not hit:
        return
    parts = ", ".join(f"{s.config}/{s.condition} {s.at_limit} of {s.n} ({s.at_limit / s.n * 100:.0f}%)" for s in hit)
    by_cfg: dict[str, dict[str, float]] = {}
    for s in shares:
        if s.n:
            by_cfg.setdefault(s.config, {})[s.condition] = s.at_limit / s.n
    uneven = sorted(
        c for c, v in by_cfg.items() if len(v) == 2 and abs(v["curated"] - v["no_skill"]) >= TRUNCATION_WARN
    )
    tail = (
        f"; the conditions differ by at least {TRUNCATION_WARN * 100:.0f} pp on {', '.join(uneven)}, so Δ there "
        "partly measures the token budget"
        if uneven
        else ""
    )
    msg = (
        f"truncation: completions cut off at max_tokens (finish_reason 'length'): {parts}; they are scored "
        f"as written, unfinished{tail}; raise max_tokens or read them by eye (Episodes screen)"
    )
    configs = {s.config for s in hit}
    found.append(
        Notice(
            "truncation",
            msg,
            subject=", ".join(uneven) or None,
            config=next(iter(configs)) if len(configs) == 1 else None,
        )
    )


def flag_notices(shares: list[FormatShare], found: list[Notice]) -> None:
    """One notice naming the configs whose completions address the judge, one for unchecked ones, and
    one for completions cut off at the token limit (`truncation_notices`)."""
    flagged = [s for s in shares if s.flagged]
    if flagged:
        parts = ", ".join(
            f"{s.config}/{s.condition} {s.flagged} (verdict {s.flag_verdict}, grader {s.flag_grader}, "
            f"delimiter {s.flag_delimiter})"
            for s in flagged
        )
        msg = (
            f"completions aimed at the judge (VERDICT: syntax, text addressed to a grader, the LLM judge's "
            f"delimiters): {parts}; verdicts on them are kept; check them by eye (Episodes screen, flags column)"
        )
        found.append(Notice("format_flag", msg, subject="flagged"))
    unchecked = sum(s.unchecked for s in shares)
    if unchecked:
        msg = f"{unchecked} episodes were recorded before completions were checked for text aimed at the judge"
        found.append(Notice("format_flag", msg, subject="unchecked"))
    truncation_notices(shares, found)


def _rate(num: int, n: int) -> float | None:
    return num / n if n else None


def _sub(a: float | None, b: float | None) -> float | None:
    return a - b if a is not None and b is not None else None


def constant_reader(g: FormatGap) -> bool:
    """The prose-reading judge gave one verdict on every episode of the comparison: it cannot tell
    what the extractor misses."""
    rates = {g.llm_no_skill, g.llm_curated} - {None}
    return rates in ({1.0}, {0.0})


def _warn(g: FormatGap, found: list[Notice]) -> None:
    if g.gap_diff is None or abs(g.gap_diff) < GAP_WARN or constant_reader(g):
        return
    against = "curated" if g.gap_diff > 0 else "no_skill"
    msg = (
        f"format artifact: on answer_line tasks the ANSWER:-line judge {g.extractor} misses "
        f"{(g.gap_curated or 0) * 100:.1f} pp of passes under curated and "
        f"{(g.gap_no_skill or 0) * 100:.1f} pp under no_skill relative to {g.llm} (answers written in "
        f"prose): Δ scored by {g.extractor} is biased against {against} by {abs(g.gap_diff) * 100:.1f} pp"
    )
    found.append(Notice("format_gap", msg, subject=g.llm, judge=g.extractor))


def format_gaps(inp: Inputs, found: list[Notice]) -> list[FormatGap]:
    """Extractor vs each judge that reads prose answers (final_answer, llm: `READERS`) on the
    answer_line-scored episodes both judged, per config and pooled ("*"). A reader that passes (or
    fails) every one of these episodes measures nothing, so it raises no artifact warning."""
    p = inp.pair
    if p.n == 0:
        return []
    kind = np.array([j.kind for j in inp.judges] or ["?"], dtype=object)
    mask = (
        (p.codes["scoring"] == p.code("scoring", "answer_line"))
        & (kind[p.num["ja"]] == "answer_line")
        & np.isin(kind[p.num["jb"]], READERS)
    )
    out: list[FormatGap] = []
    jl = [j.label for j in inp.judges]
    for pooled in (False, True):
        st = pair_stats(inp, mask, pooled=pooled)
        for i, (ci, a, b) in enumerate(st.keys):
            rates = {}
            for suffix in ("ns", "cu"):
                n11, n10, n01, n00 = (int(st.n[f"{k}_{suffix}"][i]) for k in ("n11", "n10", "n01", "n00"))
                n = n11 + n10 + n01 + n00
                rates[suffix] = (n, _rate(n11 + n10, n), _rate(n11 + n01, n))
            (n_ns, ex_ns, l_ns), (n_cu, ex_cu, l_cu) = rates["ns"], rates["cu"]
            gap_ns, gap_cu = _sub(l_ns, ex_ns), _sub(l_cu, ex_cu)
            dx, dl = (float(v) if np.isfinite(v) else None for v in (st.delta_a[i], st.delta_b[i]))
            cfg = inp.configs[ci].label if ci >= 0 else "*"
            g = FormatGap(
                cfg,
                jl[a],
                jl[b],
                n_ns,
                n_cu,
                ex_ns,
                ex_cu,
                l_ns,
                l_cu,
                gap_ns,
                gap_cu,
                _sub(gap_cu, gap_ns),
                dx,
                dl,
            )
            out.append(g)
            if pooled:
                _warn(g, found)
    return out
