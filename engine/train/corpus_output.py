"""What a corpus build produces: its counts (`CorpusResult`), the JSONL file, written atomically
(a temporary file, validated with the corpus loader, renamed over the output), and the manifest
beside it with the counts and the input hashes."""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from engine.data.loader import load_corpus
from engine.data.schemas import CorpusRow
from engine.train.specs import CorpusSpec


@dataclass
class CorpusResult:
    path: Path
    rows: int = 0
    candidates: int = 0
    failed: int = 0  # a judge failed the answer
    skipped: Counter[str] = field(default_factory=Counter)  # no judge applies / teacher error / judge error
    sha256: str = ""
    cost_usd: float = 0.0  # spent by this build
    wall_s: float = 0.0
    run_id: str | None = None
    reused: int = 0  # teacher answers taken from the answer store instead of asked again
    reused_cost_usd: float = 0.0  # what those answers cost when they were bought

    def summary(self) -> str:
        skipped = ", ".join(f"{n} {why}" for why, n in sorted(self.skipped.items())) or "none"
        reused = f"; {self.reused} answers reused (${self.reused_cost_usd:.4f} not spent again)" if self.reused else ""
        return (
            f"{self.rows} rows kept of {self.candidates} teacher answers; {self.failed} failed a judge; "
            f"skipped: {skipped}{reused}"
        )


def dumps_row(row: CorpusRow) -> str:
    return json.dumps(row.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":"))


def write_corpus(out: Path, rows: list[CorpusRow], result: CorpusResult) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    data = "".join(dumps_row(r) + "\n" for r in rows).encode("utf-8")
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        load_corpus(tmp)  # the file validates like every other data file before it replaces anything
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    result.rows = len(rows)
    result.sha256 = hashlib.sha256(data).hexdigest()


def _file_hash(path: str | None) -> str | None:
    if not path:
        return None
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def manifest_path(out: Path) -> Path:
    return out.with_name(out.stem + ".manifest.json")


@dataclass(frozen=True)
class LastBuild:
    """What the cockpit's corpus form shows of the previous build of an output: rows kept of candidates."""

    rows: int
    candidates: int


def last_build(out: Path) -> LastBuild | None:
    """The manifest beside `out` (`write_manifest`), or None where there is none or it is unreadable."""
    try:
        m = json.loads(manifest_path(out).read_text(encoding="utf-8"))
        return LastBuild(rows=int(m["rows"]), candidates=int(m["candidates"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_manifest(spec: CorpusSpec, out: Path, result: CorpusResult) -> None:
    manifest = {
        "name": spec.name,
        "corpus": out.name,
        "rows": result.rows,
        "sha256": result.sha256,
        "teacher": spec.teacher_name,
        "judges": [j.model_dump(mode="json", exclude_none=True) for j in spec.judges],
        "candidates": result.candidates,
        "failed": result.failed,
        "skipped": dict(sorted(result.skipped.items())),
        "inputs": {
            "skills": _file_hash(spec.skills),
            "tasks": _file_hash(spec.tasks),
            "solutions": _file_hash(spec.solutions),
        },
        "limit": spec.limit,
        "samples": spec.samples,
    }
    path = manifest_path(out)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
