"""Audit samples: episodes drawn for human adjudication, so each judge can be measured against people.

`draw` stratifies the store's judged episodes by config x condition x whether the machine judges
disagree on the episode (both a pass and a fail among their non-error verdicts), and allocates
the sample to strata in proportion to their size, at least one per non-empty stratum (largest
remainders, then the smallest strata first when there are more strata than draws). The floor of
one draw per stratum over-samples the small strata (the rare "judges disagree" ones above all), so
the sample is not self-weighting: each item stores its stratum's size and draws, and the analysis
weighs it by stratum size ÷ adjudicated draws (Horvitz–Thompson, `engine.analysis.audit_sample`)
wherever it estimates a judge's error rates. Within a stratum episodes are drawn
uniformly with numpy's generator seeded by `seed`, so the same store, N and seed give the same
sample, and its id (`audit-s{seed}-n{N}-{hash}`) names exactly that sample.

`record` appends the sample to the human journal run (`runs/human/audits.jsonl`), which the store
ingests as the `audits` table; the cockpit's audit walk (Judges screen, `a`) adjudicates it.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engine.data.schemas import canonical_hash
from engine.store import human
from engine.store import journal as jr
from engine.store.reader import Con


@dataclass(frozen=True)
class AuditItem:
    audit_id: str
    episode_id: str
    position: int
    config_id: str
    config_fp: str | None
    condition: str
    stratum: str  # config|condition|agree or ...|disagree
    stratum_size: int
    stratum_n: int
    seed: int
    created_at: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Stratum:
    config_id: str
    config_fp: str | None
    condition: str
    disagree: bool
    size: int
    drawn: int

    @property
    def name(self) -> str:
        return f"{self.config_id}|{self.condition}|{'disagree' if self.disagree else 'agree'}"


@dataclass(frozen=True)
class Audit:
    audit_id: str
    n: int
    seed: int
    items: list[AuditItem]
    strata: list[Stratum]
    population: int  # judged episodes the sample was drawn from


def _candidates(con: Con, configs: list[str] | None, judges: list[str] | None) -> list[tuple[Any, ...]]:
    """(episode_id, config_id, config_fp, condition, disagree) of every episode with a non-error machine
    verdict, in a stable order."""
    where = ["j.verdict IN ('pass', 'fail')", "coalesce(k.kind, '') <> 'human'", "j.judge_id <> 'human'"]
    params: list[Any] = []
    if configs:
        where.append(f"j.config_id IN ({', '.join('?' for _ in configs)})")
        params += configs
    if judges:
        where.append(f"j.judge_id IN ({', '.join('?' for _ in judges)})")
        params += judges
    sql = (
        "SELECT j.episode_id, any_value(j.config_id), any_value(j.config_fp), any_value(j.condition), "
        "count(DISTINCT j.verdict) > 1 AS disagree "
        "FROM judgments j LEFT JOIN (SELECT judge_id, judge_fp, any_value(kind) AS kind FROM judges GROUP BY ALL) k "
        "ON k.judge_id = j.judge_id AND k.judge_fp IS NOT DISTINCT FROM j.judge_fp "
        f"WHERE {' AND '.join(where)} "
        "AND j.episode_id IN (SELECT episode_id FROM episodes WHERE error IS NULL) "
        "GROUP BY j.episode_id ORDER BY 2, 3, 4, 1"
    )
    return list(con.execute(sql, params).fetchall())


def allocate(sizes: list[int], n: int) -> list[int]:
    """Draws per stratum: proportional to size, at least one per non-empty stratum, never more than its size."""
    total = sum(sizes)
    n = min(n, total)
    if n <= 0:
        return [0] * len(sizes)
    nonempty = [i for i, s in enumerate(sizes) if s > 0]
    out = [0] * len(sizes)
    if n < len(nonempty):  # fewer draws than strata: one each to the smallest strata (rare ones first)
        for i in sorted(nonempty, key=lambda i: (sizes[i], i))[:n]:
            out[i] = 1
        return out
    for i in nonempty:
        out[i] = 1
    left = n - len(nonempty)
    quota = [(sizes[i] * n / total) - 1 for i in range(len(sizes))]
    for i in nonempty:
        take = min(max(0, int(quota[i])), sizes[i] - out[i], left)
        out[i] += take
        left -= take
    order = sorted(nonempty, key=lambda i: (-(quota[i] - int(quota[i])), i))
    while left > 0:
        moved = False
        for i in order:
            if left and out[i] < sizes[i]:
                out[i] += 1
                left -= 1
                moved = True
        if not moved:
            break
    return out


def draw(
    con: Con, n: int, seed: int = 0, *, configs: list[str] | None = None, judges: list[str] | None = None
) -> Audit:
    """A stratified sample of `n` judged episodes (see the module docstring)."""
    if n < 1:
        raise ValueError("--audit needs a sample size of at least 1")
    rows = _candidates(con, configs, judges)
    if not rows:
        raise ValueError("no judged episodes in the store to audit (run or judge an experiment first)")
    groups: dict[tuple[str, str | None, str, bool], list[str]] = {}
    for eid, cid, cfp, cond, dis in rows:
        groups.setdefault((cid, cfp, cond, bool(dis)), []).append(eid)
    keys = sorted(groups, key=lambda k: (k[0], k[1] or "", k[2], k[3]))
    sizes = [len(groups[k]) for k in keys]
    counts = allocate(sizes, n)
    rng = np.random.default_rng(seed)
    chosen: list[tuple[tuple[str, str | None, str, bool], str]] = []
    strata: dict[tuple[str, str | None, str, bool], Stratum] = {}
    for k, size, m in zip(keys, sizes, counts, strict=True):
        strata[k] = Stratum(k[0], k[1], k[2], k[3], size, m)
        if m:
            picks = rng.choice(size, size=m, replace=False)
            chosen += [(k, groups[k][int(i)]) for i in sorted(picks.tolist())]
    order = rng.permutation(len(chosen))  # walk the sample in random order: no stratum in a block
    audit_id = f"audit-s{seed}-n{n}-" + canonical_hash(sorted(e for _, e in chosen), 8)
    now = time.time()
    items = []
    for pos, idx in enumerate(order.tolist()):
        k, eid = chosen[idx]
        st = strata[k]
        items.append(AuditItem(audit_id, eid, pos, k[0], k[1], k[2], st.name, st.size, st.drawn, seed, now))
    return Audit(audit_id, n, seed, items, list(strata.values()), len(rows))


def record(runs_dir: Path, audit: Audit) -> Path:
    """Append the sample to the human journal run (idempotent in the store: keyed by audit and episode)."""
    d = human.ensure_run(Path(runs_dir))
    journal = jr.RunJournal(Path(runs_dir), human.HUMAN_RUN)
    try:
        for item in audit.items:
            journal.append("audits", item.to_dict())
    finally:
        journal.close()
    return d / "audits.jsonl"


@dataclass(frozen=True)
class AuditEntry:
    """One sampled episode as the cockpit's audit walk shows it."""

    audit_id: str
    position: int
    episode_id: str
    config_id: str
    condition: str
    task_id: str
    stratum: str
    prompt: str | None
    answer: str | None
    completion: str | None
    finish_reason: str | None
    human: str | None  # the current human verdict, None when not adjudicated yet
    note: str | None
    machine: tuple[tuple[str, str], ...]  # (judge, verdict), shown only on request (blind adjudication)


def latest_audit(con: Con) -> str | None:
    rows = con.execute("SELECT audit_id FROM audits GROUP BY audit_id ORDER BY max(created_at) DESC LIMIT 1").fetchall()
    return rows[0][0] if rows else None


def entries(con: Con, audit_id: str) -> list[AuditEntry]:
    """The sample of an audit in walking order, with what an adjudicator needs and the human verdicts so far."""
    rows = con.execute(
        "SELECT a.audit_id, a.position, a.episode_id, a.config_id, a.condition, e.task_id, a.stratum, "
        "t.prompt, t.answer, e.completion, e.finish_reason, h.verdict, h.rationale "
        "FROM audits a LEFT JOIN episodes e ON e.episode_id = a.episode_id "
        "LEFT JOIN tasks t ON t.task_id = e.task_id AND t.task_hash = e.task_hash "
        "LEFT JOIN judgments h ON h.episode_id = a.episode_id AND h.judge_id = ? "
        "WHERE a.audit_id = ? ORDER BY a.position",
        [human.HUMAN_JUDGE, audit_id],
    ).fetchall()
    machine: dict[str, list[tuple[str, str]]] = {}
    for eid, jid, v in con.execute(
        "SELECT j.episode_id, j.judge_id, j.verdict FROM judgments j JOIN audits a ON a.episode_id = j.episode_id "
        "WHERE a.audit_id = ? AND j.judge_id <> ? ORDER BY j.judge_id",
        [audit_id, human.HUMAN_JUDGE],
    ).fetchall():
        machine.setdefault(eid, []).append((jid, v))
    names = [f for f in AuditEntry.__dataclass_fields__ if f != "machine"]
    return [AuditEntry(**dict(zip(names, r, strict=True)), machine=tuple(machine.get(r[2], ()))) for r in rows]
