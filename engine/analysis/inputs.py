"""What a report reads: the aggregates (or the same aggregates computed directly from the raw
tables when they are missing, stale, or a run filter applies), as integer-coded numpy columns,
plus the configs and judges they mention.

Rows carry `cfg` (index into `Inputs.configs`, -1 when filtered out) and judge indices into
`Inputs.judges`, which is sorted by kind (answer_line, final_answer, llm, human): grouping is
integer arithmetic, never string comparison.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from engine.analysis.notices import Notice
from engine.analysis.paths import JudgeInfo, judge_labels
from engine.store import aggregates as agg
from engine.store import reader as rd
from engine.store.reader import Con


@dataclass
class Frame:
    """Numeric columns as numpy, string columns as int codes into a dictionary."""

    n: int
    num: dict[str, np.ndarray] = field(default_factory=dict)
    codes: dict[str, np.ndarray] = field(default_factory=dict)
    dicts: dict[str, list[str]] = field(default_factory=dict)

    def code(self, col: str, value: str) -> int:
        try:
            return self.dicts[col].index(value)
        except ValueError:
            return -1

    def strings(self, col: str) -> np.ndarray:
        return np.asarray(self.dicts[col], dtype=object)[self.codes[col]] if self.n else np.array([], object)

    def take(self, mask: np.ndarray) -> Frame:
        return Frame(
            int(mask.sum()),
            {k: v[mask] for k, v in self.num.items()},
            {k: v[mask] for k, v in self.codes.items()},
            self.dicts,
        )


@dataclass(frozen=True)
class ConfigInfo:
    label: str  # config_id, or config_id@fp6 when the id has several fingerprints
    config_id: str
    config_fp: str
    role: str  # student | frontier | unknown
    size_b: float | None
    base_config: str | None


@dataclass
class Inputs:
    task: Frame  # analysis_task rows; num cfg, judge (indices)
    pair: Frame  # analysis_pair rows; num cfg, ja, jb (indices; ja < jb after orientation)
    fmt: Frame  # analysis_format rows; num cfg
    configs: list[ConfigInfo]
    judges: list[JudgeInfo]
    source: str  # aggregates | direct | mixed
    notices: list[Notice] = field(default_factory=list)


def _q(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _fetch(con: Con, sql: str) -> Frame:
    t: pa.Table = con.sql(sql).to_arrow_table()
    f = Frame(t.num_rows)
    for name in t.column_names:
        col = t[name]
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            enc = pc.dictionary_encode(pc.fill_null(col, "")).combine_chunks()
            f.codes[name] = enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
            f.dicts[name] = enc.dictionary.to_pylist()
        else:
            if pa.types.is_decimal(col.type):
                col = col.cast(pa.int64() if col.type.scale == 0 else pa.float64())
            f.num[name] = pc.fill_null(col, 0).to_numpy()
    return f


def _combos(frame: Frame, a: str, b: str) -> tuple[list[tuple[str, str]], np.ndarray]:
    """Distinct (a, b) string pairs of a frame, and each row's index into them."""
    key = frame.codes[a] * max(1, len(frame.dicts[b])) + frame.codes[b]
    u, inv = np.unique(key, return_inverse=True)
    nb = max(1, len(frame.dicts[b]))
    pairs = [(frame.dicts[a][k // nb], frame.dicts[b][k % nb]) for k in u.tolist()]
    return pairs, inv.reshape(-1)


def _index(frame: Frame, a: str, b: str, lookup: dict[tuple[str, str], int]) -> np.ndarray:
    if frame.n == 0:
        return np.zeros(0, dtype=np.int64)
    pairs, inv = _combos(frame, a, b)
    return np.array([lookup.get(p, -1) for p in pairs], dtype=np.int64)[inv]


def _config_filter(configs: Sequence[str] | None) -> str:
    if not configs:
        return ""
    ids = sorted({c.split("@", 1)[0] for c in configs})
    return f" WHERE config_id IN ({', '.join(_q(i) for i in ids)})"


def _config_order(c: ConfigInfo) -> tuple[Any, ...]:
    return (c.role == "frontier", c.size_b is None, c.size_b or 0.0, c.base_config is not None, c.label)


class _ConfigRow(NamedTuple):
    config_id: str
    config_fp: str
    role: str | None
    size_b: float | None
    base_config: str | None


def _configs(con: Con, frames: Sequence[Frame], configs: Sequence[str] | None, found: list[Notice]) -> list[ConfigInfo]:
    seen: set[tuple[str, str]] = set()
    for f in frames:
        if f.n:
            seen.update(_combos(f, "config_id", "config_fp")[0])
    sql = "SELECT config_id, coalesce(config_fp, '') AS config_fp, role, size_b, base_config FROM configs"
    meta = {(r.config_id, r.config_fp): r for r in rd.rows(con, sql, None, _ConfigRow)}
    nfp: dict[str, int] = {}
    for cid, _ in seen:
        nfp[cid] = nfp.get(cid, 0) + 1
    infos = []
    for cid, cfp in sorted(seen):
        label = f"{cid}@{(cfp or 'none')[:6]}" if nfp[cid] > 1 else cid
        m = meta.get((cid, cfp))
        role, size_b, base = (m.role, m.size_b, m.base_config) if m else (None, None, None)
        infos.append(ConfigInfo(label, cid, cfp, role or "unknown", size_b, base))
    for cid in sorted(c for c, k in nfp.items() if k > 1):
        labels = ", ".join(i.label for i in infos if i.config_id == cid)
        msg = (
            f"config '{cid}' has {nfp[cid]} fingerprints (different model states under one id); "
            f"they are reported as separate rows: {labels}"
        )
        found.append(Notice("fingerprints", msg, subject=cid, config=cid))
    if configs:
        wanted = set(configs)
        infos = [i for i in infos if i.label in wanted or i.config_id in wanted]
    return sorted(infos, key=_config_order)


def load(con: Con, *, run_ids: Sequence[str] | None = None, configs: Sequence[str] | None = None) -> Inputs:
    where = _config_filter(configs)
    found: list[Notice] = []
    rel, source = _relations(con, run_ids, found)
    task, pair, fmt = (_fetch(con, f"SELECT {', '.join(agg.COLUMNS[t])} FROM {rel[t]} AS r{where}") for t in agg.TABLES)

    infos = _configs(con, (task, fmt), configs, found)
    cidx = {(c.config_id, c.config_fp): i for i, c in enumerate(infos)}
    for f in (task, pair, fmt):
        f.num["cfg"] = _index(f, "config_id", "config_fp", cidx)
    task, pair, fmt = (f.take(f.num["cfg"] >= 0) if configs else f for f in (task, pair, fmt))
    judges = _judges(con, task, pair, found)
    return Inputs(task, pair, fmt, infos, judges, source, found)


def raw_sources(run_ids: Sequence[str] | None) -> tuple[str, str]:
    """The judgments and episodes relations of a report: the tables, or only the episodes of these
    runs (and every judgment of them, whichever run made it)."""
    if not run_ids:
        return "judgments", "episodes"
    runs = ", ".join(_q(r) for r in run_ids)
    sel = (
        f"(SELECT episode_id FROM episodes WHERE run_id IN ({runs}) "
        f"UNION SELECT episode_id FROM judgments WHERE run_id IN ({runs}))"
    )
    return f"(SELECT * FROM judgments WHERE episode_id IN {sel})", f"(SELECT * FROM episodes WHERE episode_id IN {sel})"


def _relations(con: Con, run_ids: Sequence[str] | None, found: list[Notice]) -> tuple[dict[str, str], str]:
    """What to read each analysis table from: the stored aggregate when it is fresh and every run is
    wanted, else the same SQL over the raw tables (restricted to the runs' episodes); and which it was
    (aggregates, direct or mixed)."""
    fresh = agg.freshness(con)
    jsrc, esrc = raw_sources(run_ids)
    if run_ids:
        fresh = {"judgments": False, "episodes": False, "present": fresh["present"]}
    else:
        if fresh["present"] and not fresh["judgments"]:  # a stale format aggregate is cheap to redo
            msg = (
                "analysis aggregates are stale (the store changed since the last "
                "engine.store.aggregates.refresh); this report was computed from the raw tables"
            )
            found.append(Notice("stale_aggregates", msg))
    rel = {
        "analysis_task": "analysis_task" if fresh["judgments"] else f"({agg.task_sql(jsrc)})",
        "analysis_pair": "analysis_pair" if fresh["judgments"] else f"({agg.pair_sql(jsrc)})",
        "analysis_format": "analysis_format" if fresh["episodes"] else f"({agg.format_sql(esrc)})",
    }
    source = {(True, True): "aggregates", (False, False): "direct"}.get(
        (fresh["judgments"], fresh["episodes"]), "mixed"
    )
    return rel, source


class _JudgeRow(NamedTuple):
    judge_id: str
    judge_fp: str
    kind: str


def _judges(con: Con, task: Frame, pair: Frame, found: list[Notice]) -> list[JudgeInfo]:
    """The judges present, identified by (judge_id, judge_fp) with kinds from the judges table; indexes
    them into `task` and `pair`, each pair oriented so that judge a is the more deterministic one."""
    kinds: dict[str, str] = {}
    sql = "SELECT judge_id, coalesce(judge_fp, '') AS judge_fp, kind FROM judges"
    for row in rd.rows(con, sql, None, _JudgeRow):
        kinds[f"{row.judge_id}\0{row.judge_fp}"] = row.kind
        kinds.setdefault(row.judge_id, row.kind)
    combos, inv = _combos(task, "judge_id", "judge_fp") if task.n else ([], np.zeros(0, np.int64))
    tot = sum(task.num[c] for c in ("ns_n", "ns_err", "ns_abs", "cu_n", "cu_err", "cu_abs")) if task.n else np.zeros(0)
    counts = np.bincount(inv, weights=tot, minlength=len(combos)) if task.n else np.zeros(0)
    judges = judge_labels([(j, f, int(n)) for (j, f), n in zip(combos, counts.tolist(), strict=True)], kinds)
    jidx = {(j.judge_id, j.judge_fp or ""): i for i, j in enumerate(judges)}
    task.num["judge"] = _index(task, "judge_id", "judge_fp", jidx)
    ja, jb = _index(pair, "judge_a", "fp_a", jidx), _index(pair, "judge_b", "fp_b", jidx)
    swap = ja > jb  # orient each pair by judge kind: a is the more deterministic judge
    pair.num["ja"], pair.num["jb"] = np.where(swap, jb, ja), np.where(swap, ja, jb)
    if pair.n:
        pair.num["n10"], pair.num["n01"] = (
            np.where(swap, pair.num["n01"], pair.num["n10"]),
            np.where(swap, pair.num["n10"], pair.num["n01"]),
        )
    for j in judges:
        if j.kind == "unknown":
            msg = f"judge '{j.label}' is not in the judges table; its kind is unknown"
            found.append(Notice("unknown_judge", msg, judge=j.label))
    multi = sorted({j.judge_id for j in judges if j.label != j.judge_id})
    for jid in multi:
        labels = ", ".join(j.label for j in judges if j.judge_id == jid)
        msg = f"judge '{jid}' has several fingerprints ({labels}); they are treated as separate judges"
        found.append(Notice("fingerprints", msg, subject=jid, judge=jid))
    return judges
