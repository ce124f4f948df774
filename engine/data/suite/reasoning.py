"""Logic and graphs: validity of propositional arguments, shortest paths (Dijkstra)."""

from __future__ import annotations

import random

from engine.data.suite.base import Generated, SkillDef, free

# ---------------------------------------------------------------- argument-validity (free form)

# chains P -> Q -> R, each statement as (affirmed, negated)
_CHAINS = [
    (
        ("the server is overloaded", "the server is not overloaded"),
        ("response times rise", "response times do not rise"),
        ("customers complain", "customers do not complain"),
    ),
    (
        ("it rains on Saturday", "it does not rain on Saturday"),
        ("the match is postponed", "the match is not postponed"),
        ("the tickets are refunded", "the tickets are not refunded"),
    ),
    (
        ("the reactor temperature exceeds 90 degrees", "the reactor temperature does not exceed 90 degrees"),
        ("the alarm sounds", "the alarm does not sound"),
        ("the plant is evacuated", "the plant is not evacuated"),
    ),
    (
        ("Maya passes the exam", "Maya does not pass the exam"),
        ("Maya gets the certificate", "Maya does not get the certificate"),
        ("Maya is promoted", "Maya is not promoted"),
    ),
    (
        ("the invoice is unpaid", "the invoice is paid"),
        ("a reminder is sent", "no reminder is sent"),
        ("a late fee is charged", "no late fee is charged"),
    ),
    (
        ("the bridge is closed", "the bridge is open"),
        ("traffic is diverted", "traffic is not diverted"),
        ("the bus is late", "the bus is not late"),
    ),
    (
        ("the test suite fails", "the test suite does not fail"),
        ("the release is blocked", "the release is not blocked"),
        ("the launch slips by a week", "the launch does not slip"),
    ),
    (
        ("the river floods", "the river does not flood"),
        ("the lower road is closed", "the lower road is not closed"),
        ("deliveries take the hill route", "deliveries do not take the hill route"),
    ),
    (
        ("the price of copper rises", "the price of copper does not rise"),
        ("wiring costs increase", "wiring costs do not increase"),
        ("the project goes over budget", "the project does not go over budget"),
    ),
    (
        ("the password is wrong", "the password is not wrong"),
        ("access is denied", "access is not denied"),
        ("the attempt is logged", "the attempt is not logged"),
    ),
]
_DISJUNCTIONS = [
    (
        ("the package was lost", "the package was not lost"),
        ("the package was left with a neighbour", "the package was not left with a neighbour"),
    ),
    (("the fuse has blown", "the fuse has not blown"), ("the switch is faulty", "the switch is not faulty")),
    (
        ("the meeting is in room 4", "the meeting is not in room 4"),
        ("the meeting is online", "the meeting is not online"),
    ),
    (
        ("Tom took the keys", "Tom did not take the keys"),
        ("the keys are in the office", "the keys are not in the office"),
    ),
    (
        ("the leak is in the roof", "the leak is not in the roof"),
        ("the leak is in the pipe", "the leak is not in the pipe"),
    ),
    (
        ("the error is in the data", "the error is not in the data"),
        ("the error is in the formula", "the error is not in the formula"),
    ),
    (
        ("the printer is out of toner", "the printer is not out of toner"),
        ("the printer is offline", "the printer is not offline"),
    ),
]

# form: (name, valid, premises, conclusion) in symbols
_FORMS = {
    "modus ponens": (True, ["P → Q", "P"], "Q"),
    "modus tollens": (True, ["P → Q", "¬Q"], "¬P"),
    "hypothetical syllogism": (True, ["P → Q", "Q → R"], "P → R"),
    "disjunctive syllogism": (True, ["P ∨ Q", "¬P"], "Q"),
    "affirming the consequent": (False, ["P → Q", "Q"], "P"),
    "denying the antecedent": (False, ["P → Q", "¬P"], "¬Q"),
    "affirming a disjunct": (False, ["P ∨ Q", "P"], "¬Q"),
}
_COUNTER = {
    "affirming the consequent": ("P false and Q true", (False, True)),
    "denying the antecedent": ("P false and Q true", (False, True)),
    "affirming a disjunct": ("P and Q both true", (True, True)),
}
_WHY_VALID = {
    "modus ponens": "P is true and P → Q, so Q must be true",
    "modus tollens": "if P were true, Q would be true, contradicting ¬Q, so P is false",
    "hypothetical syllogism": "whenever P is true, Q is true, and then R is true, so P → R holds",
    "disjunctive syllogism": "at least one of P, Q is true and P is false, so Q is true",
}


def _cap(s: str) -> str:
    return s[0].upper() + s[1:]


def _render(sym: str, st: dict[str, tuple[str, str]]) -> str:
    """Render a symbolic statement (P, ¬P, P → Q, P ∨ Q) as an English sentence."""
    if " → " in sym:
        a, b = sym.split(" → ")
        return f"if {_render(a, st)}, then {_render(b, st)}"
    if " ∨ " in sym:
        a, b = sym.split(" ∨ ")
        return f"either {_render(a, st)} or {_render(b, st)} (or both)"
    if sym.startswith("¬"):
        return st[sym[1:]][1]
    return st[sym][0]


def _argument(rng: random.Random, free_form: bool) -> Generated:
    form = rng.choice(sorted(_FORMS))
    valid, premises, conclusion = _FORMS[form]
    if "P ∨ Q" in premises:
        p, q = rng.choice(_DISJUNCTIONS)
        if rng.random() < 0.5:
            p, q = q, p
        st = {"P": p, "Q": q}
    else:
        p, q, r = rng.choice(_CHAINS)
        st = {"P": p, "Q": q, "R": r}
    lines = [f"Premise {i}: {_cap(_render(s, st))}." for i, s in enumerate(premises, 1)]
    lines.append(f"Conclusion: Therefore, {_render(conclusion, st)}.")
    prompt = (
        " ".join(lines)
        + " Is this argument logically valid (must the conclusion be true whenever both premises are true)? "
        "Justify your answer by naming the argument form."
    )
    used = "".join(premises) + conclusion
    legend = ", ".join(f"{k} = {v[0]}" for k, v in st.items() if k in used)
    symbolic = f"{', '.join(premises)} ⊢ {conclusion}"
    if valid:
        answer = f"Valid: {form} ({symbolic}); {_WHY_VALID[form]}."
        rubric = (
            f"PASS only if the response says the argument is VALID AND identifies it as {form} or gives an "
            f"equivalent justification ({_WHY_VALID[form]}). FAIL if it calls the argument invalid."
        )
        step2 = f"This matches {form}: {symbolic}."
        step3 = "It is not one of the listed fallacies."
        step4 = f"No counterexample exists: {_WHY_VALID[form]}."
        step5 = f"The argument is valid ({form})."
    else:
        desc, (pv, qv) = _COUNTER[form]
        world = f"{_render('P' if pv else '¬P', st)} and {_render('Q' if qv else '¬Q', st)}"
        answer = (
            f"Invalid: {form} ({symbolic}). Counterexample: {desc} — {world}; both premises are true but the "
            "conclusion is false."
        )
        rubric = (
            "PASS only if the response says the argument is INVALID AND either names the fallacy "
            f"({form}) or "
            f"gives a valid counterexample ({desc}: {world}). FAIL if it calls the argument valid."
        )
        step2 = f"It matches none of the valid forms ({symbolic} is not modus ponens, modus tollens, "
        step2 += "hypothetical syllogism or disjunctive syllogism)."
        step3 = f"It matches the fallacy of {form}."
        step4 = f"Counterexample: {desc} ({world}) makes every premise true and the conclusion false."
        step5 = f"The argument is invalid ({form})."
    worked = (f"{legend}; in symbols: {symbolic}.", step2, step3, step4, step5)
    return free(prompt, answer, worked, rubric)


ARGUMENT = SkillDef(
    id="argument-validity",
    title="Checking the validity of a propositional argument",
    domain="logic",
    description="Classify a short argument as valid or invalid by its logical form and justify the verdict.",
    procedure=(
        "Label each simple statement with a letter (P, Q, R) and rewrite the premises and the conclusion in "
        "symbols, using → for if-then, ∨ for or and ¬ for not.",
        "Compare the symbolic form with the valid forms: modus ponens (P → Q, P ⊢ Q), modus tollens "
        "(P → Q, ¬Q ⊢ ¬P), hypothetical syllogism (P → Q, Q → R ⊢ P → R) and disjunctive syllogism "
        "(P ∨ Q, ¬P ⊢ Q).",
        "Compare it with the common fallacies: affirming the consequent (P → Q, Q ⊢ P), denying the "
        "antecedent (P → Q, ¬P ⊢ ¬Q) and affirming a disjunct (P ∨ Q, P ⊢ ¬Q, with an inclusive or).",
        "Confirm the verdict by searching for a counterexample: a true/false assignment that makes every "
        "premise true and the conclusion false; the argument is valid only if none exists.",
        "State whether the argument is valid or invalid, name its form, and give the counterexample if it is invalid.",
    ),
    generate=_argument,
    free_form_share=1.0,
)

# ---------------------------------------------------------------- shortest-path (Dijkstra)


def dijkstra(nodes: list[str], edges: dict[tuple[str, str], int], src: str) -> dict[str, int]:
    adj: dict[str, list[tuple[str, int]]] = {n: [] for n in nodes}
    for (u, v), w in edges.items():
        adj[u].append((v, w))
        adj[v].append((u, w))
    dist = {src: 0}
    done: set[str] = set()
    while len(done) < len(dist):
        u = min((n for n in dist if n not in done), key=lambda n: (dist[n], n))
        done.add(u)
        for v, w in adj[u]:
            if dist[u] + w < dist.get(v, 10**9):
                dist[v] = dist[u] + w
    return dist


def _shortest_path(rng: random.Random, free_form: bool) -> Generated:
    while True:
        nodes = list("ABCDEFG")[: rng.choice([6, 7])]
        edges: dict[tuple[str, str], int] = {}
        order = nodes[1:]
        rng.shuffle(order)
        linked = ["A"]
        for n in order:
            u = rng.choice(linked)
            edges[tuple(sorted((u, n)))] = rng.randint(2, 15)  # type: ignore[index]
            linked.append(n)
        for _ in range(rng.randint(3, 5)):
            u, v = rng.sample(nodes, 2)
            edges.setdefault(tuple(sorted((u, v))), rng.randint(2, 20))  # type: ignore[arg-type]
        dest = rng.choice(nodes[1:])
        # trace Dijkstra with visit order and updates
        adj: dict[str, list[tuple[str, int]]] = {n: [] for n in nodes}
        for (u, v), w in sorted(edges.items()):
            adj[u].append((v, w))
            adj[v].append((u, w))
        dist, prev = {"A": 0}, {"A": ""}
        done: list[str] = []
        visits = []
        while dest not in done:
            u = min((n for n in dist if n not in done), key=lambda n: (dist[n], n))
            done.append(u)
            ups = []
            for v, w in adj[u]:
                if v in done:
                    continue
                nd = dist[u] + w
                if nd < dist.get(v, 10**9):
                    ups.append(f"{v} → {nd}")
                    dist[v], prev[v] = nd, u
                else:
                    ups.append(f"{v} stays {dist[v]}")
            visits.append((u, dist[u], ups))
        path = [dest]
        while path[-1] != "A":
            path.append(prev[path[-1]])
        path.reverse()
        direct = edges.get(tuple(sorted(("A", dest))))  # type: ignore[arg-type]
        if len(path) >= 4 and len(visits) >= 4:
            break
    ans = dist[dest]
    assert ans == dijkstra(nodes, edges, "A")[dest]
    road_text = ", ".join(f"{u}–{v} {w}" for (u, v), w in sorted(edges.items()))
    prompt = rng.choice(
        [
            f"Road lengths in km between depots: {road_text}. Every road can be driven in both "
            "directions. What is "
            f"the length of the shortest route from A to {dest}, in km?",
            f"A network has links with these latencies in milliseconds: {road_text} (links work both ways). "
            f"What is the lowest total latency of a path from node A to node {dest}?",
        ]
    )
    first = visits[0]
    rest = "; ".join(
        f"visit {u} ({d}): " + (", ".join(ups) if ups else "no unvisited neighbours") for u, d, ups in visits[1:-1]
    )
    worked = (
        "Start: A = 0, " + ", ".join(f"{n} = ∞" for n in nodes[1:]) + ".",
        f"Visit {first[0]} (distance {first[1]}), the smallest unvisited.",
        f"Neighbours of A: {', '.join(first[2])}.",
        f"{rest}.",
        f"Visit {dest} with final distance {ans} (route {'–'.join(path)}"
        + (f"; the direct link is {direct}" if direct else "")
        + f"): the answer is {ans}.",
    )
    return Generated(prompt, str(ans), "integer", worked)


SHORTEST_PATH = SkillDef(
    id="shortest-path",
    title="Shortest route with Dijkstra's algorithm",
    domain="graphs",
    description="Find the shortest distance between two nodes of a weighted graph by Dijkstra's algorithm.",
    procedure=(
        "Give the start node distance 0 and every other node distance infinity, with all nodes unvisited.",
        "Pick the unvisited node with the smallest tentative distance and mark it visited.",
        "For each unvisited neighbour of that node, compute its distance through the node (node distance + "
        "edge length) and keep it if it is smaller than the neighbour's current distance.",
        "Repeat the pick-and-update steps until the destination node is visited.",
        "The destination's distance when it is visited is the length of the shortest route.",
    ),
    generate=_shortest_path,
)

SKILLS = [ARGUMENT, SHORTEST_PATH]
