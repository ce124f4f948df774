"""Arithmetic procedures: Euclid's GCD, fraction arithmetic, modular powers, chained percentages."""

from __future__ import annotations

import math
import random
from fractions import Fraction

from engine.data.suite.base import Generated, SkillDef, exact, fixed, pct

# ---------------------------------------------------------------- gcd-euclid


def _gcd(rng: random.Random, free_form: bool) -> Generated:
    while True:
        g = rng.randint(4, 72)
        x = rng.randint(14, 160)
        y = rng.randint(5, x - 3)
        a, b = g * x, g * y
        divisions = []
        p, q = a, b
        while q:
            divisions.append((p, p // q, q, p % q))
            p, q = q, p % q
        if 3 <= len(divisions) <= 6:
            break
    ans = p
    assert ans == math.gcd(a, b)
    kind = rng.randrange(3)
    if kind == 0:
        prompt = f"Find the greatest common divisor of {a:,} and {b:,}."
    elif kind == 1:
        prompt = (
            f"Two steel rods are {b} mm and {a} mm long. Both must be cut into pieces of one common "
            "length, as long as possible, with nothing left over. How long is each piece, in mm?"
        )
    else:
        prompt = (
            f"A school has {a} pencils and {b} erasers and wants to pack them into identical kits, "
            "using every pencil and every eraser. What is the largest number of kits it can make?"
        )
    a0, k0, b0, r0 = divisions[0]
    rest = "; ".join(f"{p_} = {k_} × {q_} + {r_}" for p_, k_, q_, r_ in divisions[1:])
    worked = (
        f"Pair: a = {a}, b = {b}.",
        f"{a0} = {k0} × {b0} + {r0}, so the remainder is {r0}.",
        f"The new pair is ({b0}, {r0}).",
        f"Repeating: {rest}; the remainder is now 0.",
        f"The last nonzero remainder is {ans}, so the answer is {ans}.",
    )
    return Generated(prompt, str(ans), "integer", worked)


GCD = SkillDef(
    id="gcd-euclid",
    title="Greatest common divisor by the Euclidean algorithm",
    domain="arithmetic",
    description="Find the GCD of two integers by repeated division with remainder.",
    procedure=(
        "Write the two numbers as a pair (a, b), with a the larger and b the smaller.",
        "Divide a by b and record the remainder r, so that a = q × b + r.",
        "Replace the pair (a, b) with (b, r).",
        "Repeat the division and the replacement until the remainder is 0.",
        "The last nonzero remainder (the divisor of the final division) is the greatest common divisor.",
    ),
    generate=_gcd,
)

# ---------------------------------------------------------------- fraction-arithmetic


def _fractions(rng: random.Random, free_form: bool) -> Generated:
    while True:
        dens = rng.sample(range(2, 17), 3)
        nums = [rng.randint(1, d - 1) if rng.random() < 0.8 else rng.randint(d + 1, 2 * d - 1) for d in dens]
        fr = [Fraction(n, d) for n, d in zip(nums, dens, strict=True)]
        if any(f.denominator != d for f, d in zip(fr, dens, strict=True)):
            continue  # show every fraction in lowest terms
        ops = rng.choice([("+", "-"), ("-", "+"), ("+", "+")])
        total = fr[0]
        for op, f in zip(ops, fr[1:], strict=True):
            total = total + f if op == "+" else total - f
        lcd = math.lcm(*dens)
        if total <= 0 or total.denominator == 1 or lcd > 360:
            continue
        break
    terms = [f"{n}/{d}" for n, d in zip(nums, dens, strict=True)]
    expr = f"{terms[0]} {ops[0]} {terms[1]} {ops[1]} {terms[2]}".replace("-", "−")
    scaled = [n * (lcd // d) for n, d in zip(nums, dens, strict=True)]
    raw = scaled[0]
    for op, s in zip(ops, scaled[1:], strict=True):
        raw = raw + s if op == "+" else raw - s
    g = math.gcd(raw, lcd)
    ans = f"{total.numerator}/{total.denominator}"
    if ops == ("+", "-") and rng.random() < 0.5:
        prompt = (
            f"A shelf board is {terms[0]} m long. A piece {terms[1]} m long is glued to its end, and then "
            f"{terms[2]} m is sawn off. How long is the board now, in metres? Give the length as a single "
            "fraction p/q in lowest terms."
        )
    else:
        prompt = f"Compute {expr}. Give the result as a single fraction p/q in lowest terms."
    signs = "".join(f" {op} {s}" for op, s in zip(ops, scaled[1:], strict=True)).replace("-", "−")
    worked = (
        f"LCD of {dens[0]}, {dens[1]} and {dens[2]} = {lcd}.",
        ", ".join(f"{t} = {s}/{lcd}" for t, s in zip(terms, scaled, strict=True)) + ".",
        f"{scaled[0]}{signs} = {raw}, giving {raw}/{lcd}.",
        f"gcd({raw}, {lcd}) = {g}.",
        f"{raw}/{lcd} divided top and bottom by {g} = {ans}.",
    )
    return Generated(prompt, ans, "string", worked)


FRACTIONS = SkillDef(
    id="fraction-arithmetic",
    title="Adding and subtracting fractions in lowest terms",
    domain="arithmetic",
    description="Combine fractions over a least common denominator and reduce the result.",
    procedure=(
        "Find the least common denominator (LCD): the least common multiple of all the denominators.",
        "Rewrite each fraction over the LCD by multiplying its numerator by LCD ÷ its denominator.",
        "Add and subtract the rewritten numerators in the given order, keeping the LCD as the denominator.",
        "Find the greatest common divisor of the resulting numerator and the LCD.",
        "Divide the numerator and the denominator by that divisor and write the result as p/q.",
    ),
    generate=_fractions,
)

# ---------------------------------------------------------------- modular-exponentiation


def _modpow(rng: random.Random, free_form: bool) -> Generated:
    while True:
        m = rng.randint(13, 99)
        a = rng.randint(2, 150)
        e = rng.randint(11, 127)
        if a % m in (0, 1) or bin(e).count("1") < 3:
            continue
        break
    ans = pow(a, e, m)
    bits = bin(e)[2:]
    powers = [1 << i for i in range(len(bits))]
    table = [a % m]
    for _ in powers[1:]:
        table.append(table[-1] * table[-1] % m)
    chosen = [(p, v) for p, v in zip(powers, table, strict=True) if e & p]
    if rng.random() < 0.5:
        prompt = f"Compute {a}^{e} mod {m}."
    else:
        prompt = f"What is the remainder when {a} raised to the power {e} is divided by {m}?"
    mults = []
    acc = chosen[0][1]
    for _, v in chosen[1:]:
        prod = acc * v
        mults.append(f"{acc} × {v} = {prod} ≡ {prod % m}")
        acc = prod % m
    assert acc == ans
    worked = (
        f"{e} = {bits} in binary = " + " + ".join(str(p) for p, _ in reversed(chosen)) + ".",
        f"{a} mod {m} = {table[0]}; squares: "
        + ", ".join(f"{a}^{p} ≡ {v}" for p, v in zip(powers, table, strict=True))
        + f" (mod {m}).",
        "Entries for the 1 bits: " + ", ".join(f"{a}^{p} ≡ {v}" for p, v in chosen) + ".",
        "Multiplying and reducing: " + "; ".join(mults) + ".",
        f"{a}^{e} mod {m} = {ans}.",
    )
    return Generated(prompt, str(ans), "integer", worked)


MODPOW = SkillDef(
    id="modular-exponentiation",
    title="Modular exponentiation by repeated squaring",
    domain="arithmetic",
    description="Compute a^e mod m without huge numbers, using the binary digits of the exponent.",
    procedure=(
        "Write the exponent e in binary and note which powers of two (1, 2, 4, 8, …) it contains.",
        "Reduce the base modulo m, then build a table of its repeated squares — base^1, base^2, base^4, "
        "base^8, … — squaring the previous entry and reducing modulo m each time.",
        "Select the table entries whose powers of two correspond to the 1 bits of the exponent.",
        "Multiply the selected entries together one at a time, reducing modulo m after every multiplication.",
        "The final reduced product is a^e mod m.",
    ),
    generate=_modpow,
)

# ---------------------------------------------------------------- percent-change-chain

_PCTS = [Fraction(p) for p in (4, 5, 8, 10, 12, 15, 20, 25, 30, 35, 40)] + [Fraction(25, 2), Fraction(15, 2)]


def _percent_chain(rng: random.Random, free_form: bool) -> Generated:
    n = rng.choice([3, 3, 4])
    changes = []
    for _ in range(n):
        up = rng.random() < 0.5
        changes.append((up, rng.choice(_PCTS)))
    if all(up for up, _ in changes):
        changes[-1] = (False, changes[-1][1])
    mults = [1 + p / 100 if up else 1 - p / 100 for up, p in changes]
    overall = Fraction(1)
    for mlt in mults:
        overall *= mlt
    words = [f"{'rises' if up else 'falls'} by {pct(p)}" for up, p in changes]
    seq = ", ".join(words[:-1]) + ", and then " + words[-1]
    signed = ", ".join(
        f"{'+' if up else '−'}{pct(p)} → {exact(mm)}" for (up, p), mm in zip(changes, mults, strict=True)
    )
    net = (overall - 1) * 100
    if rng.random() < 0.5:
        start = Fraction(rng.randint(2000, 250000), 100)
        final = start * overall
        ans = fixed(final, 2)
        prompt = (
            f"The price of an item starts at ${fixed(start, 2)}. It {seq}. What is the final price? "
            "Round to the nearest cent."
        )
        step3 = f"{fixed(start, 2)} × {exact(overall)} = {exact(final)}."
        step4 = f"Net change = ({exact(overall)} − 1) × 100 = {exact(net)}%."
        step5 = f"Final price rounded to the cent: {ans}."
    else:
        ans = fixed(net, 2)
        prompt = (
            f"Over {n} consecutive years an investment fund's value {seq}. What is its overall percentage "
            "change across the whole period? Round to 2 decimal places, negative for a loss."
        )
        step3 = f"Start from any value V: the final value is V × {exact(overall)}."
        step4 = f"Net change = ({exact(overall)} − 1) × 100 = {exact(net)}%."
        step5 = f"Rounded to 2 decimal places: {ans}%."
    worked = (
        f"Multipliers: {signed}.",
        " × ".join(exact(mm) for mm in mults) + f" = {exact(overall)}.",
        step3,
        step4,
        step5,
    )
    return Generated(prompt, ans, "number", worked, tolerance=0.01)


PERCENT_CHAIN = SkillDef(
    id="percent-change-chain",
    title="Chaining successive percentage changes",
    domain="arithmetic",
    description="Combine several percentage increases and decreases into one exact overall change.",
    procedure=(
        "Convert each percentage change into a multiplier: 1 + p/100 for an increase, 1 − p/100 for a decrease.",
        "Multiply all the multipliers together, in order, to get the overall multiplier.",
        "Multiply the starting value by the overall multiplier to get the final value.",
        "Compute the net percentage change as (overall multiplier − 1) × 100.",
        "Round only at the very end, to the precision the question asks for.",
    ),
    generate=_percent_chain,
)

SKILLS = [GCD, FRACTIONS, MODPOW, PERCENT_CHAIN]
