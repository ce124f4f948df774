"""Micro tier, number procedures: one- or two-step comparison, counting on, lookup in stated facts.

Tasks at the level of the embedded SmolLM2-135M: each is one or two steps of a procedure, with
small numbers and a one-token answer. Each generator returns `key`, the instance (its numbers or
its table and question), so that no instance is drawn twice within a skill across the splits.
"""

from __future__ import annotations

import random

from engine.data.suite.base import Generated, SkillDef

DOMAIN = "micro"


def _free(prompt: str, gold: str, fact: str, worked: tuple[str, ...], key: str) -> Generated:
    """A prose-scored (llm) micro task: a one-sentence explanation whose key fact is `fact`."""
    return Generated(
        prompt=prompt,
        answer=fact,
        answer_type="free",
        worked=worked,
        scoring="llm",
        rubric=f"PASS only if the response states that {fact} (the answer {gold}).",
        key=key,
    )


# ---------------------------------------------------------------- micro-is-larger


def _is_larger(rng: random.Random, free_form: bool) -> Generated:
    a, b = rng.sample(range(11, 100), 2)
    ans = "yes" if a > b else "no"
    same_tens = a // 10 == b // 10
    worked = (
        f"The numbers are {a} and {b}; both have two digits.",
        f"Tens digits: {a // 10} and {b // 10}.",
        "The tens digits are equal, so compare the units digits."
        if same_tens
        else f"The tens digit of {max(a, b)} is larger.",
        f"So {max(a, b)} is the larger number.",
        f"Is {a} larger than {b}? {ans}",
    )
    key = f"{a}>{b}"
    if free_form:
        prompt = f"In one sentence, say whether {a} is larger than {b}."
        fact = f"{a} is {'larger' if a > b else 'smaller'} than {b}"
        return _free(prompt, ans, fact, worked, key)
    prompt = rng.choice([f"Is {a} larger than {b}? Reply yes or no.", f"Is the number {a} bigger than {b}? Yes or no?"])
    return Generated(prompt, ans, "choice", worked, choices=("yes", "no"), key=key)


IS_LARGER = SkillDef(
    id="micro-is-larger",
    title="Is one two-digit number larger than another",
    domain=DOMAIN,
    description="Compare two two-digit numbers digit by digit and say yes or no.",
    procedure=(
        "Write down the two numbers and check that both have two digits.",
        "Look at the tens digit (the left digit) of each number.",
        "If one tens digit is larger, that number is the larger one.",
        "If the tens digits are equal, the number with the larger units digit (the right digit) is larger.",
        "Answer yes if the first number named is the larger one, otherwise answer no.",
    ),
    generate=_is_larger,
    free_form_share=0.2,
)

# ---------------------------------------------------------------- micro-add-single-digit


def _add(rng: random.Random, free_form: bool) -> Generated:
    a, b = rng.randint(1, 9), rng.randint(1, 9)
    ans = a + b
    prompt = rng.choice(
        [f"What is {a} + {b}?", f"Ann has {a} apples and gets {b} more. How many apples does she have?"]
    )
    worked = (
        f"Start from the first number, {a}.",
        f"The second number, {b}, is how many to count on.",
        f"Counting on: {', '.join(str(a + i) for i in range(1, b + 1))}.",
        f"The last number counted is {ans}.",
        f"{a} + {b} = {ans}.",
    )
    return Generated(prompt, str(ans), "integer", worked, key="+".join(map(str, sorted((a, b)))))


ADD = SkillDef(
    id="micro-add-single-digit",
    title="Adding two one-digit numbers",
    domain=DOMAIN,
    description="Add two one-digit numbers by counting on from the first.",
    procedure=(
        "Take the first number as the starting point.",
        "Take the second number as how many steps to count on.",
        "Count on one step at a time from the starting point, saying each number.",
        "Stop after as many steps as the second number.",
        "The last number said is the sum.",
    ),
    generate=_add,
)

# ---------------------------------------------------------------- micro-next-number


def _next(rng: random.Random, free_form: bool) -> Generated:
    n = rng.randint(11, 98)
    ans = n + 1
    if n % 10 == 9:
        n -= 1
        ans = n + 1
    prompt = rng.choice(
        [f"Which number comes right after {n}?", f"Count up by one from {n}. Which number do you reach?"]
    )
    worked = (
        f"The number is {n}.",
        f"Its tens digit is {n // 10} and its units digit is {n % 10}.",
        f"The units digit {n % 10} is below 9, so only it changes.",
        f"The units digit becomes {n % 10 + 1}.",
        f"The number after {n} is {ans}.",
    )
    return Generated(prompt, str(ans), "integer", worked, key=str(n))


NEXT = SkillDef(
    id="micro-next-number",
    title="The number after a two-digit number",
    domain=DOMAIN,
    description="Add one to a two-digit number by raising its units digit.",
    procedure=(
        "Write down the number.",
        "Split it into its tens digit and its units digit.",
        "If the units digit is below 9, the tens digit stays the same.",
        "Raise the units digit by one.",
        "Write the tens digit and the new units digit together: that is the next number.",
    ),
    generate=_next,
)

# ---------------------------------------------------------------- micro-age-lookup

_NAMES = "Tom Ann Bob Eve Sam Mia Leo Zoe Max Ivy Ben Amy".split()


def _ages(rng: random.Random, free_form: bool) -> Generated:
    names = rng.sample(_NAMES, 3)
    ages = rng.sample(range(5, 40), 3)
    i = rng.randrange(3)
    facts = f"{names[0]} is {ages[0]}, {names[1]} is {ages[1]} and {names[2]} is {ages[2]} years old"
    prompt = rng.choice([f"{facts}. How old is {names[i]}?", f"{facts}. What is the age of {names[i]}?"])
    key = f"{facts}?{names[i]}"
    worked = (
        f"The facts: {names[0]} {ages[0]}, {names[1]} {ages[1]}, {names[2]} {ages[2]}.",
        f"The question asks about {names[i]}.",
        f"{names[i]} is fact number {i + 1}.",
        f"The age next to {names[i]} is {ages[i]}.",
        f"{names[i]} is {ages[i]} years old.",
    )
    if free_form:
        prose = f"{facts}. In one sentence, tell me how old {names[i]} is."
        return _free(prose, str(ages[i]), f"{names[i]} is {ages[i]} years old", worked, key)
    return Generated(prompt, str(ages[i]), "integer", worked, key=key)


AGES = SkillDef(
    id="micro-age-lookup",
    title="Looking up an age in three stated facts",
    domain=DOMAIN,
    description="Find the fact about the person asked for and read the age stated there.",
    procedure=(
        "List the stated facts, one person and one age each.",
        "Note exactly which person the question asks about.",
        "Find the fact that names that person.",
        "Read the age written in that fact, and no other.",
        "Give that age as the answer, as a plain number.",
    ),
    generate=_ages,
    free_form_share=0.2,
)

# ---------------------------------------------------------------- micro-table-lookup

_ITEMS = "apple pear plum lemon melon grape peach cherry mango kiwi orange banana".split()


def _lookup(rng: random.Random, free_form: bool) -> Generated:
    items = rng.sample(_ITEMS, 4)
    prices = rng.sample(range(2, 20), 4)
    i = rng.randrange(4)
    table = ", ".join(f"{it} {p}" for it, p in zip(items, prices, strict=True))
    want, ans = items[i], prices[i]
    worked = (
        f"The table lists: {table}.",
        f"The item asked about is {want}.",
        f"Scanning the rows, {want} is row {i + 1}.",
        f"The value in that row is {ans}.",
        f"The price of {want} is {ans}.",
    )
    key = f"{table}?{want}"
    if free_form:
        prompt = f"Price list (in coins): {table}. In one sentence, tell a customer what a {want} costs."
        return _free(prompt, str(ans), f"a {want} costs {ans} coins", worked, key)
    prompt = rng.choice(
        [
            f"Price list (in coins): {table}. How many coins does a {want} cost?",
            f"A market stall sells: {table} (prices in coins). What is the price of one {want}?",
        ]
    )
    return Generated(prompt, str(ans), "integer", worked, key=key)


LOOKUP = SkillDef(
    id="micro-table-lookup",
    title="Looking a value up in a small table",
    domain=DOMAIN,
    description="Find the row of a named item in a short list and read its value.",
    procedure=(
        "Read the table as a list of rows, each an item followed by its value.",
        "Note the exact item the question asks about.",
        "Scan the rows from the start until the item name matches exactly.",
        "Read the value written next to that item, and no other.",
        "Give that value as the answer, as a plain number.",
    ),
    generate=_lookup,
    free_form_share=0.2,
)

# every candidate measured for the tier; engine.data.suite.MICRO_SKILLS keeps the calibrated ones
CANDIDATES = [IS_LARGER, ADD, NEXT, AGES, LOOKUP]
