"""The answers a model teacher gave, kept beside the corpus (`<out stem>.answers.jsonl`) as they
arrive, so an interrupted or re-judged corpus build asks the teacher only for what it lacks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.data.schemas import canonical_hash
from engine.train.teachers import TeacherAnswer, TeacherItem


def answers_path(out: Path) -> Path:
    return out.with_name(out.stem + ".answers.jsonl")


class AnswerStore:
    """Teacher answers already bought, keyed by (teacher fingerprint, curated prompt, sample)."""

    def __init__(self, path: Path, teacher_fp: str, *, reuse: bool = True) -> None:
        from engine.store import journal as jr

        self.path = path
        self.teacher_fp = teacher_fp
        self.stored: dict[str, dict[str, Any]] = {}
        for r in jr.iter_records(path) if reuse else ():  # a torn last line (kill -9 mid-write) is skipped
            if isinstance(r, dict) and isinstance(r.get("answer_key"), str) and isinstance(r.get("text"), str):
                self.stored[r["answer_key"]] = r
        self._out: jr.Appender | None = None

    def key(self, item: TeacherItem) -> str:
        return canonical_hash({"teacher": self.teacher_fp, "messages": item.messages, "sample": item.sample}, 32)

    def get(self, item: TeacherItem) -> TeacherAnswer | None:
        r = self.stored.get(self.key(item))
        if r is None:
            return None
        return TeacherAnswer(
            item.key,
            r["text"],
            tokens_in=int(r.get("tokens_in") or 0),
            tokens_out=int(r.get("tokens_out") or 0),
            cost_usd=float(r.get("cost_usd") or 0.0),
        )

    def put(self, item: TeacherItem, answer: TeacherAnswer) -> None:
        """Store a usable answer (one O_APPEND write of one complete line); failed calls are not stored."""
        from engine.store import journal as jr

        if answer.error is not None or not answer.text.strip():
            return
        if self._out is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._out = jr.Appender(self.path)  # cuts a torn last line before appending after it
        rec = {
            "answer_key": self.key(item),
            "task_id": item.task.id,
            "sample": item.sample,
            "text": answer.text,
            "tokens_in": answer.tokens_in,
            "tokens_out": answer.tokens_out,
            "cost_usd": answer.cost_usd,
        }
        self._out.write(jr.dumps(rec))

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None
