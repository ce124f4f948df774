"""Scheduling: critical path of a project network, earliest common meeting slot."""

from __future__ import annotations

import random

from engine.data.suite.base import Generated, SkillDef, free, hm

# ---------------------------------------------------------------- critical-path (free form)


def critical_path(names: list[str], dur: dict[str, int], preds: dict[str, list[str]]) -> dict[str, tuple[int, ...]]:
    """ES, EF, LS, LF and slack of every activity (names in topological order)."""
    es: dict[str, int] = {}
    ef: dict[str, int] = {}
    for n in names:
        es[n] = max((ef[p] for p in preds[n]), default=0)
        ef[n] = es[n] + dur[n]
    total = max(ef.values())
    succ = {n: [m for m in names if n in preds[m]] for n in names}
    ls: dict[str, int] = {}
    lf: dict[str, int] = {}
    for n in reversed(names):
        lf[n] = min((ls[s] for s in succ[n]), default=total)
        ls[n] = lf[n] - dur[n]
    return {n: (es[n], ef[n], ls[n], lf[n], ls[n] - es[n]) for n in names}


def _critical_path(rng: random.Random, free_form: bool) -> Generated:
    while True:
        names = list("ABCDEFG")[: rng.choice([6, 7])]
        dur = {n: rng.randint(2, 9) for n in names}
        preds: dict[str, list[str]] = {}
        for i, n in enumerate(names):
            if i == 0:
                preds[n] = []
            elif i == 1:
                preds[n] = [] if rng.random() < 0.4 else ["A"]
            else:
                preds[n] = sorted(rng.sample(names[:i], rng.choice([1, 1, 2])))
        t = critical_path(names, dur, preds)
        total = max(v[1] for v in t.values())
        ways: dict[str, int] = {}
        for n in names:
            ways[n] = 1 if not preds[n] else sum(ways[p] for p in preds[n] if t[p][1] == t[n][0])
        if sum(ways[n] for n in names if t[n][1] == total) != 1:
            continue
        crit = [n for n in names if t[n][4] == 0]
        slackers = [n for n in names if t[n][4] > 0]
        if len(crit) >= 3 and slackers:
            break
    x = rng.choice(slackers)
    slack = t[x][4]
    d = rng.randint(1, slack) if rng.random() < 0.5 else rng.randint(slack + 1, slack + 4)
    late = max(0, d - slack)
    art = "an" if d in (8, 11, 18) else "a"
    chain = " → ".join(crit)
    acts = "; ".join(f"{n} {dur[n]} days ({', '.join(preds[n]) if preds[n] else 'none'})" for n in names)
    prompt = (
        f"A project has these activities, each with its duration and prerequisites: {acts}. An activity "
        "can start "
        f"as soon as all its prerequisites are finished. What is the minimum project duration and which "
        f"activities form the critical path? If activity {x} is delayed by {d} days, does the project finish "
        "later, and by how much? Explain."
    )
    effect = (
        f"{art} {d}-day delay fits within it and the project still finishes in {total} days"
        if late == 0
        else f"{art} {d}-day delay exceeds it by {late} days and the project finishes {late} days later, in "
        f"{total + late} days"
    )
    answer = (
        f"Minimum duration {total} days; critical path {chain}; activity {x} has {slack} days of slack, so {effect}."
    )
    rubric = (
        f"PASS only if the response gives a minimum project duration of {total} days AND identifies the "
        "critical "
        f"path {chain} AND states that delaying {x} by {d} days "
        + (
            f"does not delay the project (slack {slack} days)."
            if late == 0
            else f"delays the project by {late} days (slack {slack} days; new duration {total + late})."
        )
        + " FAIL otherwise."
    )
    worked = (
        "Activities: " + acts + ".",
        "Forward pass (ES/EF): " + ", ".join(f"{n} {t[n][0]}/{t[n][1]}" for n in names) + ".",
        f"Duration {total} days; backward pass (LS/LF): " + ", ".join(f"{n} {t[n][2]}/{t[n][3]}" for n in names) + ".",
        "Slack: " + ", ".join(f"{n} {t[n][4]}" for n in names) + f"; critical path {chain}.",
        f"{x} has {slack} days of slack: {effect}.",
    )
    return free(prompt, answer, worked, rubric)


CRITICAL_PATH = SkillDef(
    id="critical-path",
    title="Critical path and slack of a project schedule",
    domain="scheduling",
    description="Find the minimum duration, the critical activities and the slack of a project network.",
    procedure=(
        "List the activities with their durations and immediate prerequisites.",
        "Forward pass: each activity's earliest start (ES) is the largest earliest finish of its "
        "prerequisites (0 if it has none), and its earliest finish (EF) is ES + duration.",
        "The project duration is the largest EF; then do a backward pass: each activity's latest finish (LF) "
        "is the smallest latest start of the activities that depend on it (the project duration if none), "
        "and its latest start (LS) is LF − duration.",
        "Compute each activity's slack as LS − ES; the activities with zero slack form the critical path.",
        "Answer from these numbers: a delay no larger than an activity's slack leaves the project duration "
        "unchanged, and a longer delay extends it by the excess.",
    ),
    generate=_critical_path,
    free_form_share=1.0,
)

# ---------------------------------------------------------------- meeting-slot

_PEOPLE = ["Ana", "Ben", "Chen", "Dara", "Eli", "Femi", "Gita", "Hugo"]


def merge(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(intervals):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _meeting(rng: random.Random, free_form: bool) -> Generated:
    while True:
        day_start, day_end = rng.choice([(9 * 60, 17 * 60), (8 * 60 + 30, 17 * 60 + 30), (9 * 60, 18 * 60)])
        people = rng.sample(_PEOPLE, 3)
        busy: dict[str, list[tuple[int, int]]] = {}
        for p in people:
            blocks = []
            for _ in range(rng.randint(2, 3)):
                length = rng.choice([30, 45, 60, 90, 120])
                s = rng.randrange(day_start, day_end - length + 1, 15)
                blocks.append((s, s + length))
            busy[p] = merge(blocks)
        length = rng.choice([30, 45, 60, 75, 90])
        merged = merge([b for p in people for b in busy[p]])
        gaps = []
        cur = day_start
        for s, e in merged:
            if s > cur:
                gaps.append((cur, s))
            cur = max(cur, e)
        if cur < day_end:
            gaps.append((cur, day_end))
        fit = [g for g in gaps if g[1] - g[0] >= length]
        if not fit or fit[0][0] < 10 * 60:
            continue
        earlier = [g for g in gaps if g[0] < fit[0][0]]
        if earlier and all(g[1] - g[0] < length for g in earlier):
            break
    ans = hm(fit[0][0])
    cal = "; ".join(f"{p}: " + ", ".join(f"{hm(s)}–{hm(e)}" for s, e in busy[p]) for p in people)
    prompt = rng.choice(
        [
            f"{people[0]}, {people[1]} and {people[2]} need a {length}-minute meeting today within "
            "working hours "
            f"{hm(day_start)}–{hm(day_end)}. Their busy times are {cal}. What is the earliest time the "
            "meeting "
            "can start? Give the time as HH:MM (24-hour clock).",
            f"Find the earliest start for a {length}-minute call that {people[0]}, {people[1]} and "
            f"{people[2]} can "
            f"all attend between {hm(day_start)} and {hm(day_end)}. Busy: {cal}. Give the time as HH:MM "
            "(24-hour clock).",
        ]
    )
    all_blocks = sorted((s, e, p) for p in people for s, e in busy[p])
    worked = (
        f"Busy intervals within {hm(day_start)}–{hm(day_end)}: {cal}.",
        "Sorted: " + ", ".join(f"{hm(s)}–{hm(e)}" for s, e, _ in all_blocks) + ".",
        "Merged: " + ", ".join(f"{hm(s)}–{hm(e)}" for s, e in merged) + ".",
        "Free gaps: " + ", ".join(f"{hm(s)}–{hm(e)} ({e - s} min)" for s, e in gaps) + ".",
        f"The first gap of at least {length} minutes is {hm(fit[0][0])}–{hm(fit[0][1])}, so the meeting "
        "starts "
        f"at {ans}.",
    )
    return Generated(prompt, ans, "string", worked)


MEETING = SkillDef(
    id="meeting-slot",
    title="Earliest common free slot for a meeting",
    domain="scheduling",
    description="Merge several calendars' busy intervals and find the first gap long enough for a meeting.",
    procedure=(
        "Collect every participant's busy intervals into one list, together with the working-hours limits.",
        "Sort all the busy intervals by their start time.",
        "Merge intervals that overlap or touch into combined busy blocks.",
        "List the free gaps between the working-hours start, the merged blocks and the working-hours end, "
        "with the length of each gap.",
        "Pick the earliest gap at least as long as the meeting; its start time is the answer.",
    ),
    generate=_meeting,
)

SKILLS = [CRITICAL_PATH, MEETING]
