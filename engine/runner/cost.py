"""What a run will spend and when it must stop: the projected cost of its plan and its cost limit.

The projection prices what is left to do with each config's and each LLM judge's prices per
million tokens: a generation reads its prompt (4 characters a token) and writes at most the
config's `max_tokens`; an LLM judgment reads the episode's prompt, its completion (stored, or
`max_tokens` of it still to come) and about 2,000 characters of rubric and instructions, and
writes at most the judge's `max_tokens`. It is an upper bound on output, an estimate on input.

The limit (`engine run --cost-limit USD`, else the experiment's `cost_limit_usd`) counts what this
start (or resume) spends, as recorded: once it is reached the run stops as a cancel does, with a
`RunCancelled(cause="cost_limit")`; the calls already in flight (at most each server's
`concurrency`) are not journaled, and `engine resume RUN --cost-limit USD` continues it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from engine.config import Experiment
from engine.judges.base import Judge, make_judge
from engine.plan import PlannedEpisode, plan_episodes, select

JUDGE_PROMPT_CHARS = 2000  # rubric, instructions and the gold answer around an episode in a judge prompt


@dataclass(frozen=True)
class Projection:
    generation_usd: float | None  # None: no priced config has anything left to generate
    judging_usd: float | None  # None: no priced LLM judge has anything left to judge

    @property
    def total_usd(self) -> float | None:
        if self.generation_usd is None and self.judging_usd is None:
            return None
        return (self.generation_usd or 0.0) + (self.judging_usd or 0.0)

    def describe(self, limit: float | None) -> str:
        total = self.total_usd
        text = "projected cost of the plan: " + (
            f"${total:.4f} (generation ${self.generation_usd or 0.0:.4f}, LLM judges ${self.judging_usd or 0.0:.4f})"
            if total is not None
            else "none (no priced config or judge has work left)"
        )
        if limit is not None:
            over = total is not None and total > limit
            text += f"; cost limit ${limit:.4f}" + (": the run will stop at it (resumable)" if over else "")
        return text


def project(
    todo: list[PlannedEpisode],
    planned: list[PlannedEpisode],
    judges: Iterable[Judge],
    stored: dict[str, str],
    done_judgments: set[str],
) -> Projection:
    """The cost of generating `todo` and of the LLM judgments of `planned` not done yet."""
    gen: float | None = None
    for p in todo:
        c = p.config
        if c.price_in_per_mtok or c.price_out_per_mtok:
            gen = (gen or 0.0) + c.cost(_chars(p) // 4, c.sampling.max_tokens)
    jdg: float | None = None
    for j in judges:
        model = j.spec.model
        if j.kind != "llm" or model is None or not (model.price_in_per_mtok or model.price_out_per_mtok):
            continue
        for p in planned:
            if not j.applies(p.task) or j.judgment_id(p.episode_id) in done_judgments:
                continue
            done = stored.get(p.episode_id)
            completion = len(done) if done is not None else 4 * p.config.sampling.max_tokens
            chars = _chars(p) + completion + JUDGE_PROMPT_CHARS
            jdg = (jdg or 0.0) + model.cost(chars // 4, model.sampling.max_tokens)
    return Projection(gen, jdg)


def plan_projection(exp: Experiment, limit: int | None = None, samples: int | None = None) -> Projection:
    """The projected cost of a whole plan before it starts (nothing counted as done): what the
    cockpit's launch form shows beside the design's power."""
    if samples is not None:
        exp = exp.model_copy(update={"samples": samples})
    planned = plan_episodes(exp, select(exp, limit))
    return project(planned, planned, [make_judge(j) for j in exp.judges], {}, set())


def _chars(p: PlannedEpisode) -> int:
    return sum(len(m["content"]) for m in p.messages)


class CostLimit:
    """Calls `stop` once when the spending it is told of reaches `limit_usd` (None: no limit)."""

    def __init__(self, limit_usd: float | None, stop: Callable[[], None]) -> None:
        self.limit_usd, self.stop = limit_usd, stop
        self.reached = False

    def spent(self, total_usd: float) -> None:
        if self.limit_usd is not None and not self.reached and total_usd >= self.limit_usd:
            self.reached = True
            self.stop()
