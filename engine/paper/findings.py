"""Findings, templated from the numbers (never written by a model).

Every number comes with its 95% CI and n; a number whose CI crosses 0 is worded as not
significant, and as underpowered (MDE x) when its MDE exceeds the reference effect
(`engine.analysis.design`), never as "no effect"; a number under a judge that does not discriminate
is worded as not a finding.
"""

from __future__ import annotations

from engine.analysis.artifacts import cut_off
from engine.analysis.delta import Comparison, Delta
from engine.analysis.design import DesignSection
from engine.analysis.format_shift import Shift
from engine.analysis.inputs import ConfigInfo
from engine.analysis.report import Report
from engine.paper import fmt
from engine.paper.design import per_skill_findings, power_words
from engine.paper.facts import StudyFacts
from engine.paper.model import Finding, FindingStatus, Stat, code, escape
from engine.paper.roles import roles_text
from engine.paper.tables import size_label
from engine.paper.validity import BY_CONSTRUCTION, Validity


def describe(c: ConfigInfo | None, label: str) -> str:
    """`0.8B base`, `2B after SFT`, `frontier`: how a config is named in a sentence."""
    if c is None:
        return code(label)
    if c.role == "frontier":
        return f"the frontier reference {code(label)}"
    size = size_label(c.size_b) if c.size_b is not None else ""
    stage = "after SFT" if c.base_config else "base"
    return f"{size} {stage} ({code(label)})".strip()


def verdict(s: Stat, reason: str | None, effect: tuple[str, str]) -> tuple[str, FindingStatus]:
    """The wording and status of a number: not a finding, no CI, significant, not significant."""
    if reason:
        tail = "" if BY_CONSTRUCTION in reason else f", so {BY_CONSTRUCTION}"
        return f"not a finding: {escape(reason)}{tail}", "not_a_finding"
    if s.significant is None:
        return "no CI (fewer than two tasks): neither significant nor not", "no_ci"
    if s.significant:
        up, down = effect
        return f"significant (the 95% CI excludes 0); {up if (s.value or 0) > 0 else down}", "significant"
    return "not significant (the 95% CI includes 0)", "not_significant"


def _powered(design: DesignSection | None, item: Delta | Comparison, status: FindingStatus) -> str:
    """The power wording of a number that is not significant ("" otherwise, or without a Design section)."""
    if status != "not_significant" or design is None:
        return ""
    return power_words(design.of(item), design.effect is not None)


def _delta_finding(d: Delta, c: ConfigInfo | None, val: Validity, design: DesignSection | None = None) -> Finding:
    s = Stat(d.delta, d.ci_low, d.ci_high, d.n_tasks)
    words, status = verdict(
        s,
        val.delta_reason(d.config, d.path),
        ("the skill block raises the pass rate", "the skill block lowers the pass rate"),
    )
    rates = f"pass rate {fmt.plain(d.pass_no_skill)} without the skill, {fmt.plain(d.pass_curated)} with it"
    p = f"; McNemar p = {fmt.pvalue(d.mcnemar_p)}" if d.mcnemar_p is not None else ""
    power = _powered(design, d, status)
    text = f"**Δ, {describe(c, d.config)}**: {fmt.stat(s, with_n='tasks')} ({rates}{p}): {words}{power}."
    note = getattr(d, "caveat", None) if status != "not_a_finding" else None
    if note:  # a finding with a constant judge: at floor/ceiling (all judges agree), or unverified
        text += f" {escape(note)}."
    return Finding("delta", text, status)


def _lift_finding(lf: Comparison, c: ConfigInfo | None, val: Validity, design: DesignSection | None = None) -> Finding:
    s = Stat(lf.diff, lf.ci_low, lf.ci_high, lf.n_tasks)
    words, status = verdict(
        s, val.lift_reason(lf.a, lf.b, lf.path), ("SFT raises what the skill block adds", "SFT lowers it")
    )
    size = size_label(c.size_b) if c is not None and c.size_b is not None else code(lf.a)
    text = (
        f"**SFT lift at {size}** ({code(lf.a)} over {code(lf.b)}): {fmt.stat(s, with_n='tasks')} "
        f"(Δ {fmt.signed(lf.delta_b)} → {fmt.signed(lf.delta_a)} on the same tasks): {words}"
        f"{_powered(design, lf, status)}."
    )
    return Finding("lift", text, status)


def _plan(rep: Report) -> str:
    """The analysis against the plan the run journal recorded at start; bold when exploratory."""
    plan = getattr(rep, "preregistration", None)
    if plan is None or plan.status == "not recorded":
        return ""
    return f" **{escape(plan.line())}.**" if plan.exploratory else f" {escape(plan.line())}."


def _headline(rep: Report, val: Validity) -> list[Finding]:
    p = next((x for x in rep.paths if x.name == rep.headline), None)
    why = getattr(rep, "headline_reason", "")  # the headline rule: the pre-registered path or none
    if p is None:
        text = f"No headline: {escape(why)}." if why else "No judge path could be formed from the judges present."
        roles = f" {roles_text(rep)}" if rep.paths else ""
        return [Finding("headline", text + " Δ below, if any, is not a headline finding." + roles + _plan(rep))]
    route = (
        f"answer-line tasks scored by {code(p.answer_line) if p.answer_line else 'no judge'}, "
        f"free-form tasks by {code(p.llm) if p.llm else 'no judge'}"
    )
    text = (
        f"All findings are under matched-path scoring on the headline path {code(p.name)} ({route}); numbers "
        "from different judge paths are never compared (the matched-path guard refuses it)."
    )
    if p.partial:
        text += " This path is **partial**: it covers one scoring family only, so its Δ is not the whole holdout's."
    if why:
        text += f" Headline choice: {escape(why)}."
    text += f" {roles_text(rep)}"
    text += _plan(rep)
    configs = [d.config for d in rep.deltas if d.path == p.name]
    if not val.path_eligible(p.name, configs):
        text += (
            " It routes some configs' tasks to a judge that does not discriminate: those numbers are marked, "
            "not findings."
        )
    return [Finding("headline", text)]


def _trajectory(rep: Report) -> list[Finding]:
    """Δ by size per series; a shape is claimed only when the size × condition permutation test
    rejects flatness at the experiment's α (`engine.analysis.size_interaction`), never from the signs
    of the point estimates."""
    out = []
    front = [p for p in rep.trajectory if p.series == "frontier" and p.delta is not None]
    tests = {t.series: t for t in getattr(rep, "size_tests", [])}
    for series, name in (("base", "Pre-SFT"), ("sft", "After-SFT")):
        pts = [p for p in rep.trajectory if p.series == series and p.size_b is not None and p.delta is not None]
        if len({p.size_b for p in pts}) < 2:
            continue
        steps = ", ".join(f"{fmt.signed(p.delta)} at {size_label(p.size_b)}" for p in pts)
        sig = [size_label(p.size_b) for p in pts if Stat(p.delta, p.ci_low, p.ci_high).significant]
        ns = sorted({p.n_tasks for p in pts})
        n = f"n = {ns[0]} tasks each" if len(ns) == 1 else f"n = {ns[0]}–{ns[-1]} tasks"
        ref = "".join(f"; the frontier reference {code(f.config)} is at {fmt.signed(f.delta)}" for f in front)
        test = tests.get(series)
        text = f"**{name} Δ by size** ({len(pts)} configs, {n}): {steps}{ref}. "
        if test is None or test.rejects is None:
            text += "No test of Δ across sizes (no task is scored at two sizes), so no shape is claimed"
            status: FindingStatus = "no_ci"
        elif test.rejects:
            signs = [1 if d > 0 else -1 if d < 0 else 0 for d in test.deltas]
            changes = sum(1 for a, b in zip(signs, signs[1:], strict=False) if a * b < 0)
            text += (
                f"{escape(test.verdict())}: the shape is a finding; the point estimates change sign "
                f"{changes} time{'' if changes == 1 else 's'} across sizes"
            )
            status = "significant"
        else:
            text += f"Δ is {escape(test.verdict())}: no shape across sizes is claimed"
            status = "not_significant"
        text += f"; Δ significant at {', '.join(sig) or 'no size'} (each Δ with its CI above)."
        out.append(Finding("trajectory", text, status))
    return out


def _agreement(rep: Report, kinds: dict[str, str], val: Validity) -> list[Finding]:
    out = []
    for s in rep.agreement_summary:
        if {kinds.get(s.judge_a), kinds.get(s.judge_b)} == {"answer_line", "llm"}:
            continue  # the extractor's disagreement with an LLM judge is the format artifact, reported below
        pair = f"{code(s.judge_a)} vs {code(s.judge_b)}"
        reason = val.pooled_reason(s.judge_a) or val.pooled_reason(s.judge_b)
        if reason:
            text = f"**Judges {pair}**: not a finding: {escape(reason)}, so κ with it is undefined by construction."
            out.append(Finding("agreement", text, "not_a_finding"))
            continue
        rows = [a for a in rep.agreement if (a.judge_a, a.judge_b) == (s.judge_a, s.judge_b)]
        low = min((a for a in rows if a.kappa is not None), key=lambda a: a.kappa or 0.0, default=None)
        worst = min((a for a in rows if a.pct_agreement is not None), key=lambda a: a.pct_agreement or 0, default=None)
        if low is None or worst is None:
            out.append(Finding("agreement", f"{pair}: κ is undefined (one verdict everywhere), n = {s.n} episodes."))
            continue
        k = Stat(low.kappa, low.kappa_low, low.kappa_high, low.n)
        flips = ", ".join(code(c) for c in s.direction_flips)
        text = (
            f"**Judges {pair}**: κ ≥ {fmt.stat(k, 'plain')} (lowest at {code(low.config)}, n = {low.n} episodes; "
            f"{s.configs} configs, pooled κ {fmt.plain(s.kappa_pooled)}, n = {s.n}); agreement ≥ "
            f"{fmt.pct(worst.pct_agreement)} (at {code(worst.config)}, n = {worst.n})"
            + (
                f"; largest |Δ shift| {fmt.plain(s.max_abs_delta_shift)}; "
                + (f"Δ changes sign between them in {flips}." if flips else "Δ keeps its sign in every config.")
                if s.max_abs_delta_shift is not None
                else "; too few shared tasks for a Δ shift."
            )
        )
        out.append(Finding("agreement", text))
    return out


def _format(rep: Report, val: Validity) -> list[Finding]:
    out = []
    tot: dict[str, list[int]] = {}
    for f in rep.format:
        acc = tot.setdefault(f.condition, [0, 0])
        acc[0] += f.answer_line
        acc[1] += f.n
    if tot.get("no_skill", [0, 0])[1] and tot.get("curated", [0, 0])[1]:
        (a_ns, n_ns), (a_cu, n_cu) = tot["no_skill"], tot["curated"]
        out.append(
            Finding(
                "format",
                f"`ANSWER:` lines: {fmt.pct(a_ns / n_ns, 1)} of no-skill completions (n = {n_ns}) and "
                f"{fmt.pct(a_cu / n_cu, 1)} of curated ones (n = {n_cu}).",
            )
        )
    out += _truncation(rep)
    for g in rep.format_gaps:
        if g.config != "*" or g.gap_diff is None:
            continue
        head = (
            f"On answer-line tasks, {code(g.extractor)} misses {fmt.pp(g.gap_curated)} of {code(g.llm)}'s passes "
            f"under curated (n = {g.n_curated} episodes) and {fmt.pp(g.gap_no_skill)} under no skill "
            f"(n = {g.n_no_skill}), on the same episodes"
        )
        reason = val.pooled_reason(g.llm)
        if reason:
            text = (
                f"**Format artifact: not a finding**: {escape(reason)}, so its passes say nothing about the extractor."
            )
            out.append(Finding("format", text, "not_a_finding"))
            continue
        if abs(g.gap_diff) >= 0.02:
            against = "curated" if g.gap_diff > 0 else "no skill"
            text = (
                f"**Format artifact**: {head}: Δ scored by the extractor is biased against {against} by "
                f"{fmt.pp(g.gap_diff)} (Δ {fmt.signed(g.delta_extractor)} by {code(g.extractor)} vs "
                f"{fmt.signed(g.delta_llm)} by {code(g.llm)})."
            )
        else:
            text = f"**No format artifact beyond 2 pp**: {head}."
        out.append(Finding("format", text))
    return out


def _truncation(rep: Report) -> list[Finding]:
    """Completions cut off at max_tokens, per config x condition where they are common (a verdict on an
    unfinished answer; uneven between conditions, Δ partly measures the token budget)."""
    hit = cut_off(rep.format)
    if not hit:
        return []
    cells = "; ".join(
        f"{code(f.config)} {f.condition.replace('_', ' ')}: {f.at_limit} of {f.n} ({fmt.pct(f.at_limit / f.n, 0)})"
        for f in hit
    )
    return [
        Finding(
            "format",
            f"**Truncation**: completions cut off at `max_tokens` (scored as written, unfinished): {cells}. "
            "Where one condition is cut off more often, its Δ partly measures the token budget; read them "
            "in the Episodes screen before reading Δ as an effect of the skill.",
        )
    ]


def _pp_ci(x: Shift) -> str:
    if x.diff is None or x.ci_low is None or x.ci_high is None:
        return "no CI"
    return f"{x.diff * 100:+.1f} pp [{x.ci_low * 100:+.1f}, {x.ci_high * 100:+.1f}], n = {x.n}".replace("-", "−")


def _sft_shift(rep: Report, info: dict[str, ConfigInfo]) -> list[Finding]:
    """What SFT moved per condition: the ANSWER:-line share and the headline pass rate (same episodes)."""
    out = []
    for x in rep.format_shifts:
        a, p = x.answer_line, x.answers
        if a.n == 0:
            continue
        if x.format_only:
            reading = (
                "the format moved and the pass rate did not detectably (its CI includes 0): SFT taught the "
                "format more than the answers, the format artifact in miniature"
            )
        elif a.moved and p.moved:
            reading = "both the format and the answers moved"
        elif p.moved:
            reading = "the answers moved, the format did not"
        else:
            reading = "neither CI excludes 0"
        out.append(
            Finding(
                "sft_shift",
                f"**What SFT moved, {x.condition.replace('_', ' ')}** ({describe(info.get(x.config), x.config)} "
                f"over {code(x.base)}, same episodes): `ANSWER:` lines {fmt.pct(a.base, 1)} → {fmt.pct(a.sft, 1)} "
                f"({_pp_ci(a)}); pass rate on {code(x.path)} {fmt.pct(p.base, 1)} → {fmt.pct(p.sft, 1)} "
                f"({_pp_ci(p)}): {reading}.",
            )
        )
    return out


def build_findings(rep: Report, facts: StudyFacts, val: Validity) -> list[Finding]:
    if not rep.deltas and not rep.pass_rates:
        return [Finding("headline", "The store holds no judged episodes: there is nothing to report yet.")]
    info = {c.label: c for c in rep.configs}
    out = _headline(rep, val)
    design = getattr(rep, "design", None)
    out += [_delta_finding(d, info.get(d.config), val, design) for d in rep.deltas if d.path == rep.headline]
    out += [_lift_finding(c, info.get(c.a), val, design) for c in rep.lifts if c.path == rep.headline]
    out += _sft_shift(rep, info)
    out += _trajectory(rep)
    out += per_skill_findings(rep, {k: describe(v, k) for k, v in info.items()})
    out += _agreement(rep, {j.judge: j.kind for j in facts.judges}, val)
    out += _format(rep, val)
    return out
