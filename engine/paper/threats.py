"""Threats to validity, found in the store and the analysis rather than remembered by the author:
one seed or sample, judges that do not discriminate, comparisons the matched-path guard refused,
tasks dropped and errors excluded, partial coverage, estimated tokens, the human sample, the
format artifact, and every other notice of the analysis verbatim. Notices are routed by kind
(`engine.analysis.notices`), never by their text."""

from __future__ import annotations

from engine.analysis.delta import PathMismatchError, paired
from engine.analysis.notices import NoticeKind, of_kind
from engine.analysis.report import Report
from engine.paper.correction import correction_threat
from engine.paper.facts import StudyFacts
from engine.paper.fmt import signed
from engine.paper.model import Threat, code, escape
from engine.paper.validity import MIN_ITEMS, Validity


def _seeds(facts: StudyFacts) -> Threat | None:
    samples = sorted({u.samples for u in facts.usage})
    seeds = facts.design.seeds
    if not samples or (samples[0] > 1 and len(seeds) != 1):
        return None
    items = []
    if samples[0] == 1:
        ones = [code(u.config) for u in facts.usage if u.samples == 1]
        items.append(
            f"One sample per task and condition for {len(ones)} of {len(facts.usage)} configs ({', '.join(ones)}): "
            "the CIs cover the choice of tasks, not generation randomness."
        )
    if len(seeds) == 1:
        items.append(f"One generation seed ({seeds[0]}): seed-to-seed variation is not measured.")
    elif not seeds:
        items.append("The generation seeds are not recorded in the store; assume one seed.")
    return Threat("seeds", "Single seed or sample", tuple(items))


def _judges(val: Validity) -> Threat | None:
    keys = sorted(set(val.constant) | set(val.described))
    items = [f"{r}." for cfg, j in keys if (r := val.threat_reason(cfg, j))]
    flagged = {j for _, j in keys}
    items += [
        f"{r} (across configs; no config alone has the {MIN_ITEMS} items the per-config check needs)."
        for j in sorted(val.pooled)
        if j not in flagged and (r := val.pooled_reason(j))
    ]
    if not items:
        return None
    items.append(
        "Δ under a judge shown blind (another judge or the human verdicts disagree with it) is 0 by "
        "construction and κ with it is undefined: those numbers are marked, not findings. A constant judge that "
        "nothing checks cannot be told from a model at floor or ceiling: its Δ is kept, flagged unverified."
    )
    return Threat("judges", "Judges that do not discriminate", tuple(escape(i) for i in items))


def _guard(rep: Report) -> Threat:
    """Lifts that exist only across paths: the guard refuses them, so they are not in the report."""
    by = {(d.config, d.path): d for d in rep.deltas}
    have = {(c.a, c.b, c.path) for c in rep.lifts}
    items = []
    for s in rep.configs:
        for b in (b for b in rep.configs if s.base_config and b.config_id == s.base_config):
            sft_paths = {p for (c, p) in by if c == s.label}
            base_paths = {p for (c, p) in by if c == b.label}
            if not sft_paths or not base_paths or any((s.label, b.label, p) in have for p in sft_paths):
                continue
            ps, pb = sorted(sft_paths)[0], sorted(base_paths)[0]
            try:
                paired(by[(s.label, ps)], by[(b.label, pb)])
            except PathMismatchError:
                items.append(
                    f"SFT lift of {code(s.label)} over {code(b.label)}: refused. {code(s.label)} is scored on "
                    f"{', '.join(map(code, sorted(sft_paths)))} and {code(b.label)} on "
                    f"{', '.join(map(code, sorted(base_paths)))}; no path scores both, and numbers from different "
                    "judge paths are not comparable."
                )
    if not items:
        items.append(
            "None refused: every lift in this report compares two configs on one judge path; cross-path "
            "comparisons are never made."
        )
    return Threat("guard", "Comparisons the matched-path guard refused", tuple(items))


def _dropped(rep: Report) -> Threat | None:
    gen_by: dict[str, int] = {}
    for f in rep.format:
        gen_by[f.config] = gen_by.get(f.config, 0) + f.generation_errors
    items = []
    for d in (d for d in rep.deltas if d.path == rep.headline):
        parts = []
        if d.tasks_dropped:
            parts.append(f"{d.tasks_dropped} tasks dropped from Δ (no pass/fail verdict in one condition)")
        if d.errors:
            parts.append(f"{d.errors} error verdicts excluded")
        if d.abstentions:
            parts.append(f"{d.abstentions} abstentions excluded")
        if gen_by.get(d.config):
            parts.append(f"{gen_by[d.config]} generation errors")
        if d.delta_low_bound is not None and d.delta_high_bound is not None:
            lo, hi = d.delta_low_bound, d.delta_high_bound
            parts.append(f"with the excluded verdicts counted as fail or pass, Δ lies in [{signed(lo)}, {signed(hi)}]")
        if parts:
            items.append(f"{code(d.config)}: " + ", ".join(parts) + f"; Δ rests on {d.n_tasks} tasks.")
    errs: dict[str, int] = {}
    for r in rep.pass_rates:
        errs[r.judge] = errs.get(r.judge, 0) + r.errors
    listed = ", ".join(f"{code(j)} {n}" for j, n in errs.items() if n)
    if listed:
        items.append(f"Error verdicts per judge (excluded from every rate, never counted as fail): {listed}.")
    per: dict[str, list[int]] = {}
    for c in rep.coverage:
        acc = per.setdefault(c.judge, [0, 0])
        acc[0], acc[1] = acc[0] + c.decided, acc[1] + c.abstentions
    abst = ", ".join(f"{code(j)} {a} (coverage {100 * d / (d + a):.1f}%)" for j, (d, a) in per.items() if a)
    if abst:
        items.append(f"Abstentions (the judge could not tell; excluded like errors, counted apart): {abst}.")
    if not items:
        return None
    return Threat("dropped", "Tasks dropped and errors excluded", tuple(items))


def _coverage(rep: Report, facts: StudyFacts) -> Threat | None:
    items = []
    for p in rep.paths:
        if p.partial:
            fam = "answer-line" if p.answer_line else "free-form"
            items.append(f"Path {code(p.name)} is partial: it scores {fam} tasks only.")
    d = facts.design
    for u in facts.usage:
        if u.full and u.episodes < u.full:
            items.append(
                f"{code(u.config)}: {u.episodes} of the {u.full} episodes of the full holdout "
                f"({u.tasks} of {d.tasks} tasks, {100 * u.episodes / u.full:.1f}%)."
            )
    if d.planned_tasks and d.tasks and d.planned_tasks < d.tasks:
        items.append(f"The experiment itself selects {d.planned_tasks} of the {d.tasks} holdout tasks (a slice).")
    for run_id, kind, status in facts.unfinished:
        items.append(f"Run {code(run_id)} ({escape(kind)}) is {escape(status)}, not finished.")
    headline = {d.config for d in rep.deltas if d.path == rep.headline}
    missing = [c.label for c in rep.configs if c.label not in headline]
    if rep.headline and missing:
        items.append(f"No Δ on the headline path for: {', '.join(map(code, missing))}.")
    items += [escape(n.message) + "." for n in of_kind(rep.notices, "coverage_mismatch")]
    if not items:
        return None
    return Threat("coverage", "Partial coverage", tuple(items))


def _tokens(facts: StudyFacts) -> Threat | None:
    est = [(u.config, u.tokens_estimated, u.episodes) for u in facts.usage if u.tokens_estimated]
    if not est:
        return None
    items = [f"{code(c)}: {n} of {m} episodes have estimated token counts and cost." for c, n, m in est]
    items.append("The API returned no usage for them; tokens were estimated from the text, so costs are approximate.")
    return Threat("tokens", "Token estimates", tuple(items))


def _human(facts: StudyFacts) -> Threat:
    n = sum(facts.human.values())
    if not n:
        item = "No episode has a human verdict: no judge was checked against people."
        return Threat("human", "Human adjudication sample", (item,))
    per = ", ".join(f"{code(c)} {k}" for c, k in facts.human.items())  # in the report's config order
    items = (
        f"{n} episodes carry a human verdict ({per}): agreement with people rests on this sample.",
        *(
            ["Fewer than 30 per config: κ against people is unreliable per config."]
            if min(facts.human.values()) < 30
            else []
        ),
    )
    return Threat("human", "Human adjudication sample", items)


def _format(rep: Report) -> Threat | None:
    items = tuple(escape(n.message) + "." for n in of_kind(rep.notices, "format_gap"))
    return Threat("format", "Format artifact", items) if items else None


CHECKED = {
    "seeds": "a single seed or sample",
    "judges": "judges that do not discriminate",
    "dropped": "tasks dropped or errors excluded",
    "coverage": "partial coverage",
    "tokens": "estimated token counts",
    "format": "a format artifact",
}
# notices a section above states (the constant judges through `Validity`; the reason there is no
# headline in the findings); every other notice is listed verbatim under "Other warnings"
SHOWN: frozenset[NoticeKind] = frozenset(
    {"format_gap", "coverage_mismatch", "blind_judge", "unverified_judge", "no_headline"}
)


def build_threats(rep: Report, facts: StudyFacts, val: Validity) -> list[Threat]:
    found = {
        "seeds": _seeds(facts),
        "judges": _judges(val),
        "guard": _guard(rep),
        "dropped": _dropped(rep),
        "coverage": _coverage(rep, facts),
        "tokens": _tokens(facts),
        "human": _human(facts),
        "correction": correction_threat(rep),
        "format": _format(rep),
    }
    out = [t for t in found.values() if t is not None]
    others = [escape(n.message) for n in rep.notices if n.kind not in SHOWN]
    if others:
        out.append(Threat("warnings", "Other warnings of the analysis", tuple(others)))
    clear = [what for key, what in CHECKED.items() if found[key] is None]
    if clear:
        out.append(Threat("checked", "Checked, not found", (", ".join(clear).capitalize() + ".",)))
    return out
