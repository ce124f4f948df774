"""What SFT moved: the format, the answers, or both.

For each SFT config and its base, on the episodes both ran (same task, condition and sample), two
paired differences per condition, each with Tango's score interval for a difference of paired
proportions (Tango 1998, "Equivalence test and confidence interval for the difference in proportions
for the paired-sample design", Stat. Med. 17:891-908; `engine.analysis.intervals.tango`):

- the share of completions with an `ANSWER:` line (the format the extractor needs), and
- the pass rate on the headline path (the answers as the pre-registered judges read them).

When the format moves (its CI excludes 0) and the pass rate does not, SFT taught the format rather
than the answers: the reference study's format artifact in miniature. The findings say so.

The pairs are (task, condition, sample): with one sample a task (the studies here, greedy) they are
independent, as Tango's interval assumes; with several samples a task they are not, and the interval
is narrower than a task-clustered one would be (the Δ and lift CIs cluster by task there).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from engine.analysis.inputs import ConfigInfo, raw_sources
from engine.analysis.intervals import tango
from engine.analysis.paths import JudgeInfo, JudgePath
from engine.store.reader import Con


@dataclass(frozen=True)
class Shift:
    """One paired difference, SFT − base, over n paired episodes: `gained` where only SFT has it."""

    n: int
    base: float | None
    sft: float | None
    diff: float | None
    ci_low: float | None
    ci_high: float | None
    gained: int
    lost: int

    @property
    def moved(self) -> bool | None:
        """The 95% CI excludes 0 (None without a CI)."""
        if self.ci_low is None or self.ci_high is None:
            return None
        return self.ci_low > 0 or self.ci_high < 0


@dataclass(frozen=True)
class FormatShift:
    config: str  # the SFT config
    base: str
    condition: str
    path: str  # the judge path of `answers`
    answer_line: Shift  # share of completions with an ANSWER: line
    answers: Shift  # pass rate on `path` (episodes both judged pass/fail on it)

    @property
    def format_only(self) -> bool:
        """The format moved and the answers did not: the format artifact in miniature."""
        return bool(self.answer_line.moved) and self.answers.moved is False

    def to_dict(self) -> dict[str, object]:
        return asdict(self) | {"format_only": self.format_only}


def _shift(n: int, a_sft: int, a_base: int, gained: int, lost: int) -> Shift:
    if n == 0:
        return Shift(0, None, None, None, None, None, 0, 0)
    lo, hi = tango(np.array([gained]), np.array([lost]), np.array([n]))
    return Shift(n, a_base / n, a_sft / n, (gained - lost) / n, float(lo[0]), float(hi[0]), gained, lost)


_SQL = """
WITH e AS (
  SELECT episode_id, config_id, coalesce(config_fp, '') AS fp, task_id, condition, sample,
    coalesce(has_answer_line, false) AS line
  FROM {episodes} AS src WHERE error IS NULL),
v AS (
  SELECT episode_id, verdict = 'pass' AS ok FROM {judgments} AS jsrc
  WHERE verdict IN ('pass', 'fail') AND (
    (scoring = 'answer_line' AND judge_id = $al AND coalesce(judge_fp, '') = $al_fp)
    OR (scoring <> 'answer_line' AND judge_id = $llm AND coalesce(judge_fp, '') = $llm_fp)))
SELECT s.condition, count(*) AS n, count_if(s.line) AS ls, count_if(b.line) AS lb,
  count_if(s.line AND NOT b.line) AS lg, count_if(b.line AND NOT s.line) AS ll,
  count_if(vs.ok IS NOT NULL AND vb.ok IS NOT NULL) AS m, count_if(vs.ok AND vb.ok IS NOT NULL) AS ps,
  count_if(vb.ok AND vs.ok IS NOT NULL) AS pb, count_if(vs.ok AND NOT vb.ok) AS pg,
  count_if(vb.ok AND NOT vs.ok) AS pl
FROM e AS s JOIN e AS b ON s.task_id = b.task_id AND s.condition = b.condition AND s.sample = b.sample
LEFT JOIN v AS vs ON vs.episode_id = s.episode_id
LEFT JOIN v AS vb ON vb.episode_id = b.episode_id
WHERE s.config_id = $sft AND s.fp = $sft_fp AND b.config_id = $base AND b.fp = $base_fp
GROUP BY s.condition ORDER BY s.condition DESC
"""


def _judge(label: str | None, judges: Sequence[JudgeInfo]) -> tuple[str, str]:
    j = next((x for x in judges if x.label == label), None)
    return (j.judge_id, j.judge_fp or "") if j is not None else ("\0none", "")


def format_shifts(
    con: Con,
    configs: Sequence[ConfigInfo],
    judges: Sequence[JudgeInfo],
    path: JudgePath | None,
    run_ids: Sequence[str] | None = None,
) -> list[FormatShift]:
    """Every SFT config against its base, per condition (no_skill first), on the episodes both ran
    (of `run_ids` only, when given)."""
    if path is None:
        return []
    jsrc, esrc = raw_sources(run_ids)
    sql = _SQL.format(episodes=esrc, judgments=jsrc)
    al, al_fp = _judge(path.answer_line, judges)
    llm, llm_fp = _judge(path.llm, judges)
    out: list[FormatShift] = []
    for c in configs:
        bases = [b for b in configs if c.base_config and b.config_id == c.base_config]
        if len(bases) != 1:
            continue  # no base, or one with several fingerprints (the lift warns about it)
        b = bases[0]
        params = {"al": al, "al_fp": al_fp, "llm": llm, "llm_fp": llm_fp}
        params |= {"sft": c.config_id, "sft_fp": c.config_fp, "base": b.config_id, "base_fp": b.config_fp}
        for cond, *counts in con.execute(sql, params).fetchall():
            n, ls, lb, lg, ll, m, ps, pb, pg, pl = (int(x or 0) for x in counts)  # count_if of no rows: NULL
            line = _shift(n, ls, lb, lg, ll)
            answers = _shift(m, ps, pb, pg, pl)
            out.append(FormatShift(c.label, b.label, str(cond), path.name, line, answers))
    return out
