"""Micro tier, number procedures: one- or two-step comparison, addition, subtraction, minimum, lookup.

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


# ---------------------------------------------------------------- micro-larger-number


def _larger(rng: random.Random, free_form: bool) -> Generated:
    a, b = rng.sample(range(11, 100), 2)
    big, small = max(a, b), min(a, b)
    same_tens = big // 10 == small // 10
    worked = (
        f"The numbers are {a} and {b}; both have two digits.",
        f"Tens digits: {a // 10} and {b // 10}.",
        "The tens digits are equal, so compare the units digits."
        if same_tens
        else f"The tens digit {big // 10} is larger than {small // 10}.",
        f"Units digits: {a % 10} and {b % 10}." if same_tens else "No need to compare the units digits.",
        f"The larger number is {big}.",
    )
    key = f"{small}<{big}"
    if free_form:
        prompt = f"In one sentence, say which of {a} and {b} is larger and why."
        return _free(prompt, str(big), f"{big} is larger than {small}", worked, key)
    prompt = rng.choice(
        [
            f"Which number is larger: {a} or {b}?",
            f"Two boxes hold {a} and {b} marbles. How many marbles are in the fuller box?",
        ]
    )
    return Generated(prompt, str(big), "integer", worked, key=key)


LARGER = SkillDef(
    id="micro-larger-number",
    title="The larger of two two-digit numbers",
    domain=DOMAIN,
    description="Compare two two-digit numbers digit by digit and name the larger.",
    procedure=(
        "Write down the two numbers and check that both have two digits.",
        "Look at the tens digit (the left digit) of each number.",
        "If one tens digit is larger, that number is the larger one.",
        "If the tens digits are equal, the number with the larger units digit (the right digit) is larger.",
        "Give the larger number itself as the answer, not its position.",
    ),
    generate=_larger,
    free_form_share=0.2,
)

# ---------------------------------------------------------------- micro-add-two-digit


def _add(rng: random.Random, free_form: bool) -> Generated:
    a, b = rng.randint(10, 49), rng.randint(10, 49)
    units = a % 10 + b % 10
    carry = units // 10
    tens = a // 10 + b // 10 + carry
    ans = a + b
    assert ans == tens * 10 + units % 10
    prompt = rng.choice(
        [
            f"What is {a} + {b}?",
            f"A shelf has {a} books and another shelf has {b} books. How many books are there in total?",
        ]
    )
    worked = (
        f"Tens and units: {a} = {a // 10} tens + {a % 10}; {b} = {b // 10} tens + {b % 10}.",
        f"Units: {a % 10} + {b % 10} = {units}.",
        f"Carry: {carry}." if carry else "No carry.",
        f"Tens: {a // 10} + {b // 10} + {carry} = {tens}.",
        f"{a} + {b} = {ans}.",
    )
    return Generated(prompt, str(ans), "integer", worked, key="+".join(map(str, sorted((a, b)))))


ADD = SkillDef(
    id="micro-add-two-digit",
    title="Adding two two-digit numbers",
    domain=DOMAIN,
    description="Add two two-digit numbers column by column with a carry.",
    procedure=(
        "Split each number into its tens digit and its units digit.",
        "Add the two units digits.",
        "If the units sum is 10 or more, keep its last digit and carry 1 to the tens.",
        "Add the two tens digits and the carry.",
        "Write the tens result followed by the units digit: that is the sum.",
    ),
    generate=_add,
)

# ---------------------------------------------------------------- micro-subtract-small


def _subtract(rng: random.Random, free_form: bool) -> Generated:
    a = rng.randint(21, 99)
    b = rng.randint(2, 9)
    ans = a - b
    prompt = rng.choice(
        [
            f"What is {a} - {b}?",
            f"A jar holds {a} sweets and {b} are eaten. How many sweets are left?",
        ]
    )
    borrow = a % 10 < b
    worked = (
        f"Start at {a} and take away {b}.",
        f"The units digit of {a} is {a % 10}.",
        f"{a % 10} is smaller than {b}, so borrow one ten." if borrow else f"{a % 10} - {b} = {a % 10 - b}.",
        f"Counting back {b} from {a} lands on {ans}.",
        f"{a} - {b} = {ans}.",
    )
    return Generated(prompt, str(ans), "integer", worked, key=f"{a}-{b}")


SUBTRACT = SkillDef(
    id="micro-subtract-small",
    title="Subtracting a one-digit number",
    domain=DOMAIN,
    description="Take a one-digit number away from a two-digit number, borrowing when needed.",
    procedure=(
        "Write down the larger number and the one-digit number to take away.",
        "Look at the units digit of the larger number.",
        "If that units digit is at least the number to take away, subtract it from the units digit.",
        "Otherwise borrow: take one ten away and add ten to the units digit, then subtract.",
        "Write the tens digit and the new units digit together: that is the difference.",
    ),
    generate=_subtract,
)

# ---------------------------------------------------------------- micro-smallest-of-four


def _smallest(rng: random.Random, free_form: bool) -> Generated:
    nums = rng.sample(range(3, 60), 4)
    low = min(nums)
    listed = ", ".join(map(str, nums))
    prompt = rng.choice(
        [
            f"Which is the smallest of these numbers: {listed}?",
            f"Four runners finished in {listed} minutes. What was the fastest time, in minutes?",
        ]
    )
    worked = (
        f"The numbers are {listed}.",
        f"Keep the first one, {nums[0]}, as the smallest so far.",
        f"Compare with {nums[1]}: the smallest so far is {min(nums[:2])}.",
        f"Compare with {nums[2]} and {nums[3]}: the smallest so far is {low}.",
        f"The smallest number is {low}.",
    )
    return Generated(prompt, str(low), "integer", worked, key=",".join(map(str, sorted(nums))))


SMALLEST = SkillDef(
    id="micro-smallest-of-four",
    title="The smallest of four numbers",
    domain=DOMAIN,
    description="Scan a short list once, keeping the smallest number seen so far.",
    procedure=(
        "Read the list of numbers from left to right.",
        "Take the first number as the smallest so far.",
        "Compare the next number with the smallest so far and keep whichever is smaller.",
        "Repeat the comparison for every remaining number in the list.",
        "The number kept at the end is the smallest; give it as the answer.",
    ),
    generate=_smallest,
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

SKILLS = [LARGER, ADD, SUBTRACT, SMALLEST, LOOKUP]
