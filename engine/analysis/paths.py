"""Judge paths: which judge scores the tasks of each scoring family.

A path maps `answer_line`-scored tasks to one judge and `llm`-scored tasks to another (or to none:
a partial path). Numbers are comparable only on the same path; the reference study drew two false
conclusions from comparing numbers scored on different paths.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from engine.analysis.notices import Notice

KIND_ORDER = {"answer_line": 0, "final_answer": 1, "llm": 2, "human": 3}


@dataclass(frozen=True)
class JudgeInfo:
    label: str  # judge_id, or judge_id@fp6 when the id has several fingerprints
    judge_id: str
    judge_fp: str | None
    kind: str  # answer_line | final_answer | llm | human | unknown
    n: int = 0  # judgments in scope (all verdicts)

    @property
    def rank(self) -> tuple[int, str]:
        return (KIND_ORDER.get(self.kind, 9), self.label)


@dataclass(frozen=True)
class JudgePath:
    name: str
    answer_line: str | None  # judge label for answer_line-scored tasks
    llm: str | None  # judge label for llm-scored tasks; None: the path covers answer_line tasks only
    source: str = "derived"  # derived | experiment | argument
    requested: tuple[str | None, str | None] = field(default=(None, None), compare=False)

    @property
    def partial(self) -> bool:
        return self.llm is None or self.answer_line is None

    @property
    def route(self) -> tuple[str | None, str | None]:
        return (self.answer_line, self.llm)

    def judge_for(self, scoring: str) -> str | None:
        return self.llm if scoring == "llm" else self.answer_line if scoring == "answer_line" else None

    def describe(self) -> str:
        return f"{self.name} (answer_line tasks: {self.answer_line or '-'}, llm tasks: {self.llm or '-'})"

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "answer_line": self.answer_line,
            "llm": self.llm,
            "partial": self.partial,
            "source": self.source,
        }


def judge_labels(rows: Iterable[tuple[str, str | None, int]], kinds: dict[str, str]) -> list[JudgeInfo]:
    """JudgeInfo for (judge_id, judge_fp, n) rows; ids with several fingerprints get `id@fp6` labels."""
    rows = list(rows)
    fps: dict[str, set[str | None]] = {}
    for jid, jfp, _ in rows:
        fps.setdefault(jid, set()).add(jfp)
    out = []
    for jid, jfp, n in rows:
        label = jid if len(fps[jid]) == 1 else f"{jid}@{(jfp or 'none')[:6]}"
        kind = kinds.get(f"{jid}\0{jfp}") or kinds.get(jid) or ("human" if jid == "human" else "unknown")
        out.append(JudgeInfo(label, jid, jfp, kind, int(n)))
    return sorted(out, key=lambda j: j.rank)


def resolve_judge(name: str | None, judges: Sequence[JudgeInfo], found: list[Notice]) -> str | None:
    """The label of the judge a path names: an exact label, or an id (its busiest fingerprint)."""
    if name is None:
        return None
    for j in judges:
        if j.label == name:
            return j.label
    same = [j for j in judges if j.judge_id == name]
    if not same:
        return name  # unknown: the path keeps the name and covers nothing
    best = max(same, key=lambda j: (j.n, j.label))
    if len(same) > 1:
        msg = (
            f"judge '{name}' has {len(same)} fingerprints; paths naming it use {best.label} "
            f"(the one with the most judgments); name a label id@fp6 to choose"
        )
        found.append(Notice("judge_resolution", msg, subject=name, judge=best.label))
    return best.label


def derive_paths(judges: Sequence[JudgeInfo]) -> list[JudgePath]:
    """Paths from the judges present: bench:L, llm:L and lenient:L per llm judge L, then `extractor`
    and `lenient` (partial: answer_line tasks only, deterministic judges). The partial paths come last:
    the headline takes them only when no complete path is eligible (an LLM judge that cannot
    discriminate, see `engine.analysis.eligibility`)."""
    al = [j.label for j in judges if j.kind == "answer_line"]
    fa = [j.label for j in judges if j.kind == "final_answer"]
    llms = [j.label for j in judges if j.kind == "llm"]
    paths: list[JudgePath] = []
    for L in llms:
        if al:
            paths.append(JudgePath(f"bench:{L}", al[0], L))
        paths.append(JudgePath(f"llm:{L}", L, L))
        if fa:
            paths.append(JudgePath(f"lenient:{L}", fa[0], L))
    if al:
        paths.append(JudgePath("extractor", al[0], None))
    if fa:
        paths.append(JudgePath("lenient", fa[0], None))
    return paths


def from_specs(specs: Sequence[object], judges: Sequence[JudgeInfo], found: list[Notice]) -> list[JudgePath]:
    """JudgePaths from `engine.config.PathSpec`s (or anything with name, answer_line, llm)."""
    out = []
    for s in specs:
        al, llm = getattr(s, "answer_line", None), getattr(s, "llm", None)
        out.append(
            JudgePath(
                str(getattr(s, "name")),  # noqa: B009 - duck-typed spec
                resolve_judge(al, judges, found),
                resolve_judge(llm, judges, found),
                source="experiment",
                requested=(al, llm),
            )
        )
    return out


def choose_headline(paths: Sequence[JudgePath], headline: str | None, explicit: bool) -> str | None:
    """`headline` if given, else the first explicit path, else the first llm:* path, else the first."""
    if not paths:
        return None
    names = [p.name for p in paths]
    if headline is not None:
        if headline not in names:
            raise ValueError(f"headline path '{headline}' is not one of the paths: {', '.join(names)}")
        return headline
    if explicit:
        return names[0]
    for n in names:
        if n.startswith("llm:"):
            return n
    return names[0]
