"""Typed notices: every warning of the analysis as a record with a kind, and whom it is about.

A `Notice` is what `build_report` (and the pre-registration reader, the power pilot, the CLI)
says about a store besides the numbers: a format artifact, a constant judge, a path that covers
only one scoring family. (Not "finding": in this codebase a finding is a Δ that may be read as a
result, `Delta.finding`.) `message` is the sentence a person reads (the report's Markdown, LaTeX,
rich tables and the cockpit print it verbatim); `kind` (one of `NoticeKind`, a closed set),
`path`, `config`, `judge` and `subject` are what programs read. Consumers route a notice by those
fields, never by its text (tests/test_notices.py greps engine/ and cockpit/ for text matching):
the cockpit's Judges screen shows the `JUDGE_KINDS` and every notice naming a judge
(`about_judges`), the Δ screen the notices of its path and the general ones (`on_path`), the
paper's threats each kind in its section (`engine.paper.threats`).

`ConstantJudge` (`engine.analysis.eligibility`) is the detailed record behind the three
constant-judge kinds (`CONSTANT_KINDS`); their notice carries its config, judge and scoring
family (the subject), once over all paths.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Literal, get_args

NoticeKind = Literal[
    # the store and its inputs
    "stale_aggregates",  # the aggregates are stale: the report was computed from the raw tables
    "store_snapshot",  # the store file is held by another process: the report comes from the journals
    "fingerprints",  # a config or judge id has several fingerprints (config / judge says which)
    "unknown_judge",  # a judge is not in the judges table
    "judge_resolution",  # a path names a judge id with several fingerprints: the busiest is used
    # the declared analysis
    "headline_conflict",  # the runs' experiments pre-register different headline paths
    "plan_conflict",  # the runs' journals record different analysis plans
    "no_headline",  # no eligible headline (the reason)
    "no_path",  # no judge path could be formed from the judges present
    "pilot_path",  # the power pilot has no Δ on the path asked for (engine power)
    # judge paths and comparisons
    "missing_judge",  # a path names a judge with no judgments here
    "partial_path",  # a path scores only one scoring family
    "tasks_dropped",  # tasks left out of Δ for lack of a pass/fail verdict in one condition
    "missing_config",  # an SFT config's base config has no judgments: no lift
    "coverage_mismatch",  # a lift compares two configs on different task sets (the intersection)
    # verdicts
    "error_verdicts",  # error verdicts are excluded from every rate
    "abstention",  # judges abstained: excluded, counted apart
    "generation_errors",  # episodes failed to generate
    "blind_judge",  # a constant judge shown blind: Δ under it is not a finding
    "unverified_judge",  # a constant judge nothing checks: floor/ceiling or blind, unknown
    "floor_ceiling",  # a constant judge the others agree with: Δ = 0 is a finding
    "small_n",  # two judges share too few items for a reliable κ
    "human_sample",  # the human verdicts the judge error rates use are not (all) a sample
    # format
    "format_gap",  # format artifact: the ANSWER:-line judge's gap to the LLM judge differs by condition
    "format_flag",  # completions aimed at the judge, or not checked for it
    "truncation",  # completions cut off at max_tokens in >= 10 % of a config x condition (subject: uneven configs)
    # resampling
    "cluster",  # clustered by skill: tasks without a skill, or too few skills
]
KINDS: tuple[NoticeKind, ...] = get_args(NoticeKind)

# kinds the Judges screen shows whatever they name (with every notice that names a judge)
JUDGE_KINDS: frozenset[NoticeKind] = frozenset(
    {
        "unknown_judge",
        "judge_resolution",
        "missing_judge",
        "abstention",
        "blind_judge",
        "unverified_judge",
        "floor_ceiling",
        "small_n",
        "human_sample",
        "format_gap",
        "format_flag",
        "truncation",
        "no_path",
    }
)
CONSTANT_KINDS: frozenset[NoticeKind] = frozenset({"blind_judge", "unverified_judge", "floor_ceiling"})


@dataclass(frozen=True)
class Notice:
    """One warning of the analysis: its `kind`, whom it is about, and the sentence a person reads.

    path / config / judge: the judge path, config label and judge label it concerns (None: it
    concerns none in particular, or several). subject: what else it is about, per kind (the
    scoring family of a constant judge, the other judge of a pair, the fingerprinted id)."""

    kind: NoticeKind
    message: str
    subject: str | None = None
    config: str | None = None
    judge: str | None = None
    path: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"notice kind must be one of {', '.join(KINDS)}, got {self.kind!r}")

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict[str, str | None]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> Notice:
        """The inverse of `to_dict` (a report's JSON read back); raises ValueError on an unknown kind."""

        def opt(k: str) -> str | None:
            v = d.get(k)
            return None if v is None else str(v)

        kind = str(d.get("kind"))
        if kind not in KINDS:
            raise ValueError(f"notice kind must be one of {', '.join(KINDS)}, got {kind!r}")
        return cls(kind, str(d.get("message", "")), opt("subject"), opt("config"), opt("judge"), opt("path"))


def messages(notices: Iterable[Notice]) -> list[str]:
    """The sentences, in order (the report's plain `warnings` list)."""
    return [f.message for f in notices]


def unique(notices: Iterable[Notice]) -> list[Notice]:
    """Each notice once, in first-seen order (two sites saying the same thing say it once)."""
    out: dict[str, Notice] = {}
    for f in notices:
        out.setdefault(f.message, f)
    return list(out.values())


def of_kind(notices: Sequence[Notice], *kinds: NoticeKind) -> list[Notice]:
    return [f for f in notices if f.kind in kinds]


def about_judges(f: Notice) -> bool:
    """Whether the Judges screen shows `f`: a judge kind, or a notice naming a judge."""
    return f.kind in JUDGE_KINDS or f.judge is not None


def on_path(f: Notice, path: str | None) -> bool:
    """Whether the Δ screen of `path` shows `f`: a notice about that path, or about no path."""
    return f.path is None or f.path == path
