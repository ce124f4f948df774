"""Personal and business finance: compounding, amortisation, break-even, tax brackets, loan costs."""

from __future__ import annotations

import math
import random
from fractions import Fraction

from engine.data.suite.base import Generated, SkillDef, exact, fixed, free, money, pct, round_half_up

# ---------------------------------------------------------------- compound-interest


def _compound(rng: random.Random, free_form: bool) -> Generated:
    principal = Fraction(rng.randint(20, 1200) * 50)
    rate = Fraction(rng.choice(["1.5", "2", "2.25", "2.75", "3", "3.5", "4", "4.25", "4.5", "5", "5.5", "6.5"]))
    years = rng.randint(3, 6)
    deposit = Fraction(rng.choice([0, 0, 0, 500, 1000, 1200, 2400]))
    bal = principal
    rows = []
    for y in range(1, years + 1):
        interest = round_half_up(bal * rate / 100, 2)
        bal = bal + interest + deposit
        rows.append((y, interest, bal))
    ans = money(bal)
    dep = f", and then a ${money(deposit)} deposit is made" if deposit else ""
    prompt = rng.choice(
        [
            f"A savings account opens with ${money(principal)} and earns {pct(rate)} interest per year, "
            f"compounded annually: at each year end the interest, rounded to the cent, is added{dep}. "
            "What is "
            f"the balance after {years} years? Round to the nearest cent.",
            f"You invest ${money(principal)} in a certificate paying {pct(rate)} per year, credited at "
            "the end "
            f"of each year and rounded to the cent{dep}. How much is in the account after {years} years? "
            "Round to the nearest cent.",
        ]
    )
    plus = f" + {money(deposit)} deposit" if deposit else ""
    y1, i1, b1 = rows[0]
    worked = (
        f"Rate = {pct(rate)} = {exact(rate / 100)}.",
        f"Year 1 opening balance: {money(principal)}.",
        f"Year 1: {money(principal)} × {exact(rate / 100)} = {money(i1)} interest{plus} → {money(b1)}.",
        "Next years: " + "; ".join(f"year {y}: +{money(i)}{plus} → {money(b)}" for y, i, b in rows[1:]) + ".",
        f"Balance after {years} years: {ans}.",
    )
    return Generated(prompt, ans, "number", worked, tolerance=0.01)


COMPOUND = SkillDef(
    id="compound-interest",
    title="Year-by-year compound interest",
    domain="finance",
    description="Grow a balance year by year with interest credited and rounded at each year end.",
    procedure=(
        "Convert the annual interest rate from a percentage to a decimal (r% becomes r / 100).",
        "Start with the opening balance for year 1.",
        "Compute the year's interest as balance × rate, round it to the cent, and add it (plus any "
        "end-of-year deposit) to the balance.",
        "Repeat the previous step for each remaining year, using the new balance as the next opening balance.",
        "Report the balance after the final year.",
    ),
    generate=_compound,
)

# ---------------------------------------------------------------- loan-balance

_LOAN_RATES = [
    "3",
    "3.6",
    "4.2",
    "4.5",
    "4.8",
    "5.4",
    "6",
    "6.6",
    "7.2",
    "7.5",
    "8.4",
    "9",
    "9.6",
    "10.5",
    "12",
]


def _loan_balance(rng: random.Random, free_form: bool) -> Generated:
    principal = Fraction(rng.randint(40, 400) * 100)
    rate = Fraction(rng.choice(_LOAN_RATES))
    term = rng.choice([36, 48, 60, 72])
    i = rate / 1200
    payment = round_half_up(principal * i / (1 - (1 + i) ** -term), 2)
    n = rng.choice([3, 4])
    bal = principal
    rows = []
    for m in range(1, n + 1):
        interest = round_half_up(bal * i, 2)
        princ = payment - interest
        bal = bal - princ
        rows.append((m, interest, princ, bal))
    ans = money(bal)
    nth = {3: "3rd", 4: "4th"}[n]
    prompt = (
        f"A ${money(principal)} loan at {pct(rate)} annual interest is repaid with monthly payments of "
        f"${money(payment)}. Each month the interest is the opening balance × the annual rate ÷ 12, rounded "
        f"to the cent, and the rest of the payment reduces the balance. What is the balance after the {nth} "
        "payment? Round to the nearest cent."
    )
    _, i1, p1, b1 = rows[0]
    worked = (
        f"Monthly rate = {pct(rate)} ÷ 12 = {exact(i * 100)}% = {exact(i)}.",
        f"Month 1 interest: {money(principal)} × {exact(i)} = {money(i1)}.",
        f"Principal repaid: {money(payment)} − {money(i1)} = {money(p1)}.",
        f"Balance: {money(principal)} − {money(p1)} = {money(b1)}.",
        "; ".join(
            f"Month {m}: interest {money(a)}, principal {money(p)}, balance {money(b)}" for m, a, p, b in rows[1:]
        )
        + f". Balance after {n} payments: {ans}.",
    )
    return Generated(prompt, ans, "number", worked, tolerance=0.01)


LOAN_BALANCE = SkillDef(
    id="loan-balance",
    title="Remaining loan balance from an amortisation schedule",
    domain="finance",
    description="Track interest and principal month by month to find what is still owed.",
    procedure=(
        "Compute the monthly interest rate as the annual rate divided by 12.",
        "For the current month, compute interest = opening balance × monthly rate, rounded to the cent.",
        "Compute the principal repaid as the payment minus that month's interest.",
        "Subtract the principal repaid from the opening balance to get the new balance.",
        "Repeat the interest, principal and balance steps for each payment and report the balance after the last one.",
    ),
    generate=_loan_balance,
)

# ---------------------------------------------------------------- break-even-units

_COSTS = [
    ("rent", 800, 4000),
    ("wages", 1500, 9000),
    ("insurance", 100, 600),
    ("software", 40, 400),
    ("equipment lease", 200, 1500),
]


def _break_even(rng: random.Random, free_form: bool) -> Generated:
    items = [(name, Fraction(rng.randint(lo // 10, hi // 10) * 10)) for name, lo, hi in rng.sample(_COSTS, 3)]
    price = Fraction(rng.randint(900, 9000), 100)
    var = round_half_up(price * Fraction(rng.randint(35, 80), 100), 2)
    target = Fraction(rng.choice([0, 0, 500, 1000, 1500, 2500, 4000]))
    need = sum((c for _, c in items), Fraction(0)) + target
    margin = price - var
    units = math.ceil(need / margin)
    product = rng.choice(["handmade candle", "bike repair kit", "ceramic mug", "printed T-shirt", "meal box"])
    cost_text = ", ".join(f"{name} ${money(c)}" for name, c in items)
    goal = f"make a profit of at least ${money(target)}" if target else "at least break even"
    prompt = (
        f"A small business sells a {product} for ${money(price)}; each one costs ${money(var)} in "
        "materials and "
        f"labour. Its fixed monthly costs are {cost_text}. How many units must it sell in a month to {goal}?"
    )
    parts = " + ".join(money(c) for _, c in items) + (f" + target {money(target)}" if target else "")
    ratio = need / margin
    exact_div = ratio.denominator == 1
    worked = (
        f"Amount to cover: {parts} = {money(need)}.",
        f"Margin per unit: {money(price)} − {money(var)} = {money(margin)}.",
        f"{money(need)} ÷ {money(margin)} = {fixed(ratio, 2) if not exact_div else exact(ratio)}"
        + ("" if exact_div else "…")
        + ".",
        f"Exact, so {units} units." if exact_div else f"Not whole, so round up to {units}.",
        f"Check: {units} × {money(margin)} = {money(units * margin)} ≥ {money(need)}; "
        f"{units - 1} units would give {money((units - 1) * margin)}. Answer: {units} units.",
    )
    return Generated(prompt, str(units), "integer", worked)


BREAK_EVEN = SkillDef(
    id="break-even-units",
    title="Break-even (or target-profit) sales volume",
    domain="finance",
    description="Find how many units must be sold to cover fixed costs and any profit target.",
    procedure=(
        "Add up all the fixed costs, plus any target profit, to get the amount the sales must cover.",
        "Compute the contribution margin per unit: selling price minus variable cost per unit.",
        "Divide the amount to cover by the contribution margin.",
        "If the division is not exact, round up to the next whole unit, since part of a unit cannot be sold.",
        "Check that units × margin reaches the amount to cover (and one unit fewer does not), then report "
        "the number of units.",
    ),
    generate=_break_even,
)

# ---------------------------------------------------------------- progressive-tax


def _progressive_tax(rng: random.Random, free_form: bool) -> Generated:
    t1 = rng.randint(16, 30) * 500
    t2 = t1 + rng.randint(15, 35) * 1000
    t3 = t2 + rng.randint(20, 60) * 1000
    rates = sorted(rng.sample([10, 12, 15, 20, 22, 24, 25, 30, 32, 35, 37, 40, 45], 4))
    limits = [(0, t1), (t1, t2), (t2, t3), (t3, None)]
    income = Fraction(rng.randint(t1 + 1000, int(t3 * 1.5)) * 100 + rng.choice([0, 0, rng.randint(1, 99)]), 100)
    portions = []
    for lo, hi in limits:
        top = income if hi is None else min(income, Fraction(hi))
        portions.append(max(Fraction(0), top - lo))
    taxes = [p * r / 100 for p, r in zip(portions, rates, strict=True)]
    total = sum(taxes, Fraction(0))
    bracket_text = "; ".join(
        f"{r}% on income from ${lo:,} to ${hi:,}" if hi else f"{r}% on income above ${lo:,}"
        for (lo, hi), r in zip(limits, rates, strict=True)
    )
    ask_rate = rng.random() < 0.4
    who = rng.choice(["A freelancer", "A household", "A sole trader"])
    if ask_rate:
        eff = total / income * 100
        ans = fixed(eff, 2)
        question = "What is the effective (average) tax rate, as a percentage rounded to 2 decimal places?"
        step5 = f"Effective rate = {exact(total)} ÷ {money(income)} × 100 = {ans}%."
    else:
        ans = fixed(total, 2)
        question = "How much tax is owed? Round to the nearest cent."
        step5 = f"Tax owed: {ans}."
    prompt = f"{who} has taxable income of ${money(income)}. The tax brackets are: {bracket_text}. {question}"
    worked = (
        "Brackets: "
        + "; ".join(
            f"{lo}–{hi} at {r}%" if hi else f"above {lo} at {r}%" for (lo, hi), r in zip(limits, rates, strict=True)
        )
        + ".",
        "Portions: " + ", ".join(money(p) for p in portions) + ".",
        "Tax per bracket: " + ", ".join(exact(t) for t in taxes) + ".",
        f"Total tax = {exact(total)}.",
        step5,
    )
    return Generated(prompt, ans, "number", worked, tolerance=0.01)


PROGRESSIVE_TAX = SkillDef(
    id="progressive-tax",
    title="Tax owed under progressive brackets",
    domain="finance",
    description="Apply marginal tax brackets slice by slice and, if asked, the effective rate.",
    procedure=(
        "List the brackets in order with their lower limit, upper limit and rate.",
        "For each bracket, find the part of the income inside it: min(income, upper limit) − lower limit, "
        "or zero if the income does not reach the bracket.",
        "Multiply each part by its bracket's rate.",
        "Add the bracket amounts to get the total tax.",
        "If asked, divide the total tax by the income to get the effective rate, then round as requested.",
    ),
    generate=_progressive_tax,
)

# ---------------------------------------------------------------- loan-comparison (free form)


def _loan_offer(rng: random.Random, principal: Fraction) -> tuple[Fraction, Fraction | None, Fraction]:
    rate = Fraction(rng.randint(16, 52), 4)  # 4% to 13% in quarter points
    if rng.random() < 0.5:
        return rate, None, Fraction(rng.randint(0, 40) * 10)
    pct_fee = Fraction(rng.randint(2, 8), 2)  # 1% to 4% in half points
    return rate, pct_fee, principal * pct_fee / 100


def _loan_comparison(rng: random.Random, free_form: bool) -> Generated:
    principal = Fraction(rng.randint(10, 80) * 500)
    months = rng.choice([24, 30, 36, 42, 48, 60])
    years = Fraction(months, 12)
    want_trap = rng.random() < 0.5  # the lower rate loses because of its fees
    while True:
        offers = [_loan_offer(rng, principal) for _ in range(2)]
        if offers[0][0] == offers[1][0]:
            continue
        interest = [round_half_up(principal * r / 100 * years, 2) for r, _, _ in offers]
        fees = [round_half_up(f, 2) for _, _, f in offers]
        cost = [i + f for i, f in zip(interest, fees, strict=True)]
        cheaper = 0 if cost[0] < cost[1] else 1
        lower_rate = 0 if offers[0][0] < offers[1][0] else 1
        if abs(cost[0] - cost[1]) >= 25 and (cheaper != lower_rate) == want_trap:
            break
    names = "AB"

    def describe(k: int) -> str:
        rate, pct_fee, fee = offers[k]
        fee_text = (
            f"a {pct(pct_fee)} origination fee"
            if pct_fee is not None
            else (f"a ${money(fee)} arrangement fee" if fee else "no fees")
        )
        return f"Loan {names[k]} charges {pct(rate)} simple annual interest with {fee_text}"

    prompt = (
        f"You need to borrow ${money(principal)} for {months} months. {describe(0)}. {describe(1)}. "
        "Both charge "
        "simple (add-on) interest: principal × annual rate × years. Which loan costs less in total, and "
        "by how "
        "much? Explain with each loan's total cost of borrowing."
    )
    w, lo = names[cheaper], names[1 - cheaper]
    diff = abs(cost[0] - cost[1])
    answer = (
        f"Loan {w} is cheaper: total cost A = {money(cost[0])} (interest {money(interest[0])} + fees "
        f"{money(fees[0])}), B = {money(cost[1])} (interest {money(interest[1])} + fees {money(fees[1])}); "
        f"Loan {w} saves {money(diff)}."
    )
    rubric = (
        f"PASS only if the response concludes that Loan {w} costs less AND states total borrowing costs of "
        f"{money(cost[0])} for A and {money(cost[1])} for B (each ±0.01; interest + fees) or "
        "equivalently the "
        f"saving of {money(diff)}. FAIL if it picks Loan {lo}, ignores the fees, or the totals are wrong."
    )
    fee_work = []
    for k in range(2):
        rate, pct_fee, fee = offers[k]
        fee_work.append(
            f"{names[k]} {money(principal)} × {exact(pct_fee / 100)} = {money(fees[k])}"
            if pct_fee is not None
            else f"{names[k]} {money(fees[k])}"
        )
    worked = (
        "Interest: "
        + "; ".join(
            f"{names[k]} {money(principal)} × {exact(offers[k][0] / 100)} × {exact(years)} = {money(interest[k])}"
            for k in range(2)
        )
        + ".",
        "Fees: " + "; ".join(fee_work) + ".",
        f"Total cost: A {money(interest[0])} + {money(fees[0])} = {money(cost[0])}; "
        f"B {money(interest[1])} + {money(fees[1])} = {money(cost[1])}.",
        f"Difference: {money(max(cost))} − {money(min(cost))} = {money(diff)}.",
        f"Loan {w} is cheaper by {money(diff)}"
        + (" despite its higher interest rate, because of the fees." if want_trap else "."),
    )
    return free(prompt, answer, worked, rubric)


LOAN_COMPARISON = SkillDef(
    id="loan-comparison",
    title="Comparing the total cost of two loans",
    domain="finance",
    description="Compare loans by total cost of borrowing (interest plus fees), not by headline rate.",
    procedure=(
        "For each loan, compute the interest as principal × annual rate × years (simple interest).",
        "Compute each loan's fees: flat fees as given, percentage fees as principal × the percentage.",
        "Add the interest and the fees to get each loan's total cost of borrowing.",
        "Subtract the smaller total from the larger one to get the saving.",
        "State which loan is cheaper, quoting both totals and the difference, and note whether fees "
        "outweighed a lower rate.",
    ),
    generate=_loan_comparison,
    free_form_share=1.0,
)

SKILLS = [COMPOUND, LOAN_BALANCE, BREAK_EVEN, PROGRESSIVE_TAX, LOAN_COMPARISON]
