"""A run's counts, folded from its events once: the one tally the CLI reporter, the runner's result
and the cockpit's run tail all keep.

`Tally.apply(event)` counts episodes, errors, tokens, cost, judgments and their verdicts, training
steps and the phase. A `RunStarted` opens a session: a resume's RunStarted carries the episodes and
judgments already stored (`done_*`), so "done" is those plus the session's new ones, while tokens,
cost, errors and verdicts add up over every session of the journal (`run`); `session` holds the
counts of the latest session alone (what one process of the runner did).

`Tally.record(kind)` turns the counts into the typed progress of that kind of job: an eval (or an
import) has episodes and judgments, a re-judge (or a human labelling) judgments of stored episodes,
a corpus build teacher answers and the rows kept, a training steps and loss. Rates, ETAs and
throughput windows are the display's (the cockpit's tail keeps them); the counts are all here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.events import (
    EpisodeFinished,
    Event,
    JudgmentRecorded,
    PhaseChanged,
    RunCancelled,
    RunFailed,
    RunFinished,
    RunStarted,
    TrainStepLogged,
)

_ENDED = {"RunFinished": "finished", "RunFailed": "failed", "RunCancelled": "cancelled"}


def _share(finished: bool, *done_of: tuple[int, int]) -> float:
    """Done / total of the first pair with a total; without any, 1 once the run finished, else 0."""
    for done, total in done_of:
        if total:
            return min(1.0, done / total)
    return 1.0 if finished else 0.0


@dataclass
class Counts:
    """Episodes and judgments recorded, their errors, tokens and cost."""

    episodes: int = 0
    episode_errors: int = 0
    judgments: int = 0
    judgment_errors: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0

    @property
    def errors(self) -> int:
        return self.episode_errors + self.judgment_errors

    def episode(self, ev: EpisodeFinished) -> None:
        self.episodes += 1
        self.episode_errors += 1 if ev.error else 0
        self.tokens_in += ev.tokens_in
        self.tokens_out += ev.tokens_out
        self.cost_usd += ev.cost_usd

    def judgment(self, ev: JudgmentRecorded) -> None:
        self.judgments += 1
        self.judgment_errors += 1 if ev.verdict == "error" else 0
        self.cost_usd += ev.cost_usd


@dataclass(frozen=True)
class EvalProgress:
    """An eval (or an imported log): episodes generated and judged."""

    episodes_done: int = 0
    episodes_total: int = 0
    judgments_done: int = 0
    judgments_total: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    verdicts: tuple[tuple[str, int], ...] = ()
    errors: int = 0
    cost_usd: float = 0.0

    def fraction(self, finished: bool) -> float:
        return _share(finished, (self.episodes_done, self.episodes_total), (self.judgments_done, self.judgments_total))


@dataclass(frozen=True)
class JudgeProgress:
    """A re-judge (or a human's labels): judgments of episodes already stored (`episodes`)."""

    episodes: int = 0
    judgments_done: int = 0
    judgments_total: int = 0
    verdicts: tuple[tuple[str, int], ...] = ()
    errors: int = 0
    cost_usd: float = 0.0
    projected_cost_usd: float | None = None

    def fraction(self, finished: bool) -> float:
        return _share(finished, (self.judgments_done, self.judgments_total))


@dataclass(frozen=True)
class CorpusProgress:
    """A corpus build: the teacher's answers, the judges' verdicts on them, the rows kept (known from
    the manifest once it finishes)."""

    answers_done: int = 0
    answers_total: int = 0
    judgments_done: int = 0
    judgments_total: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    verdicts: tuple[tuple[str, int], ...] = ()
    errors: int = 0
    cost_usd: float = 0.0
    rows_kept: int | None = None
    teacher_answers: int | None = None

    def fraction(self, finished: bool) -> float:
        return _share(finished, (self.answers_done, self.answers_total), (self.judgments_done, self.judgments_total))


@dataclass(frozen=True)
class TrainProgress:
    """A training: the last step logged of the planned ones, its loss."""

    step: int = 0
    max_steps: int = 0
    loss: float | None = None
    errors: int = 0
    cost_usd: float = 0.0

    def fraction(self, finished: bool) -> float:
        return _share(finished, (self.step, self.max_steps))


JobProgress = EvalProgress | JudgeProgress | CorpusProgress | TrainProgress


@dataclass
class Tally:
    """The counts of one run's events, in the order its journal has them."""

    kind: str = ""  # RunStarted's (the manifest's kind is the same)
    sessions: int = 0  # RunStarted events: 1 for a run started once, one more for each resume
    run: Counts = field(default_factory=Counts)  # every session
    session: Counts = field(default_factory=Counts)  # since the last RunStarted
    stored_episodes: int = 0  # already stored when the session started (not regenerated)
    stored_judgments: int = 0
    total_episodes: int = 0
    total_judgments: int = 0
    projected_cost_usd: float | None = None
    verdicts: dict[str, int] = field(default_factory=dict)
    failures: int = 0  # RunFailed events: each an error of the run
    train_step: int = 0
    train_max_steps: int = 0
    train_loss: float | None = None
    phase: str = ""
    phase_detail: str = ""
    ended: str | None = None  # finished | failed | cancelled, until a resume starts a session
    error: str | None = None  # the last RunFailed's

    @property
    def episodes_done(self) -> int:
        return self.stored_episodes + self.session.episodes

    @property
    def judgments_done(self) -> int:
        return self.stored_judgments + self.session.judgments

    @property
    def errors(self) -> int:
        """Every session's episode and judgment errors, and one per failure of the run."""
        return self.run.errors + self.failures

    def apply(self, ev: Event) -> None:
        """Fold one event into the counts; events that count nothing are ignored."""
        if isinstance(ev, EpisodeFinished):
            self.run.episode(ev)
            self.session.episode(ev)
        elif isinstance(ev, JudgmentRecorded):
            self.run.judgment(ev)
            self.session.judgment(ev)
            self.verdicts[ev.verdict] = self.verdicts.get(ev.verdict, 0) + 1
        elif isinstance(ev, TrainStepLogged):
            self.train(ev.step, ev.max_steps, ev.loss)
        elif isinstance(ev, PhaseChanged):
            self.phase, self.phase_detail = ev.phase, ev.detail
        elif isinstance(ev, RunStarted):
            self._started(ev)
        elif isinstance(ev, RunFinished | RunFailed | RunCancelled):
            self.ended = _ENDED[type(ev).__name__]
            self.phase, self.phase_detail = self.ended, ""
            if isinstance(ev, RunFailed):
                self.failures += 1
                self.error = ev.error

    def train(self, step: int, max_steps: int, loss: float | None) -> None:
        """A logged training step (an event, or a row of `train_steps.jsonl`): steps only go forward."""
        if step >= self.train_step and loss is not None:
            self.train_loss = loss
        self.train_step = max(self.train_step, step)
        self.train_max_steps = max_steps or self.train_max_steps

    def _started(self, ev: RunStarted) -> None:
        self.kind = ev.kind
        self.sessions += 1
        self.session = Counts()
        self.stored_episodes, self.stored_judgments = ev.done_episodes, ev.done_judgments
        self.total_episodes, self.total_judgments = ev.total_episodes, ev.total_judgments
        self.projected_cost_usd = ev.projected_cost_usd
        self.ended = self.error = None
        self.phase, self.phase_detail = "starting", ""

    def record(
        self,
        kind: str | None = None,
        *,
        total_episodes: int = 0,
        total_judgments: int = 0,
        rows_kept: int | None = None,
        teacher_answers: int | None = None,
    ) -> JobProgress:
        """The progress of a job of `kind` (default: RunStarted's); `total_*` stand in for totals the
        events have not announced yet (the manifest's), `rows_kept`/`teacher_answers` are a corpus
        build's (the manifest has them once it finishes)."""
        kind = kind or self.kind
        eps_total = self.total_episodes or total_episodes
        jdg_total = self.total_judgments or total_judgments
        errors, cost = self.errors, self.run.cost_usd
        if kind == "train":
            return TrainProgress(self.train_step, self.train_max_steps, self.train_loss, errors=errors, cost_usd=cost)
        verdicts = tuple(sorted(self.verdicts.items()))
        done_j = self.judgments_done
        if kind in ("judge", "human"):
            return JudgeProgress(eps_total, done_j, jdg_total, verdicts, errors, cost, self.projected_cost_usd)
        tok_in, tok_out = self.run.tokens_in, self.run.tokens_out
        if kind == "corpus":
            done_e, kept = self.episodes_done, (rows_kept, teacher_answers)
            return CorpusProgress(done_e, eps_total, done_j, jdg_total, tok_in, tok_out, verdicts, errors, cost, *kept)
        return EvalProgress(self.episodes_done, eps_total, done_j, jdg_total, tok_in, tok_out, verdicts, errors, cost)
