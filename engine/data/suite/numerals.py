"""Number representations: base conversion, two's complement, Roman numerals."""

from __future__ import annotations

import random

from engine.data.suite.base import Generated, SkillDef

DIGITS = "0123456789abcdef"
_BASE_NAMES = {2: "binary", 8: "octal", 16: "hexadecimal"}


def to_base(n: int, b: int) -> str:
    if n == 0:
        return "0"
    out = []
    while n:
        n, r = divmod(n, b)
        out.append(DIGITS[r])
    return "".join(reversed(out))


def _base_label(b: int) -> str:
    return f"base {b}" + (f" ({_BASE_NAMES[b]})" if b in _BASE_NAMES else "")


# ---------------------------------------------------------------- base-conversion


def _base_conversion(rng: random.Random, free_form: bool) -> Generated:
    src = rng.choice([2, 3, 5, 6, 7, 8, 9, 10, 12, 16])
    dst = rng.choice([b for b in (2, 3, 4, 5, 6, 7, 8, 9, 12, 16) if b != src])
    n = rng.randint(60, 4000 if dst > 3 else 1500)
    shown = to_base(n, src)
    ans = to_base(n, dst)
    prompt = rng.choice(
        [
            f"Convert the {_base_label(src)} number {shown} to {_base_label(dst)}. Use lowercase letters for "
            "digits above 9 and write the digits without spaces or a prefix.",
            f"A value is written as {shown} in {_base_label(src)}. What is it in {_base_label(dst)}? Write "
            "the digits without spaces or a prefix, using lowercase letters for digits above 9.",
        ]
    )
    if src == 10:
        step1 = f"{shown} is already decimal."
    else:
        k = len(shown)
        terms = " + ".join(f"{DIGITS.index(c)}×{src}^{k - 1 - i}" for i, c in enumerate(shown) if c != "0")
        step1 = f"{shown} (base {src}) = {terms} = {n}."
    divisions = []
    q = n
    while q:
        divisions.append((q, q // dst, q % dst))
        q //= dst
    first = divisions[0]
    more = "; ".join(f"{a} ÷ {dst} = {b} r {r}" for a, b, r in divisions[1:])
    worked = (
        step1,
        f"{first[0]} ÷ {dst} = {first[1]} remainder {first[2]}.",
        f"Continuing: {more}." if more else "The quotient is already 0.",
        "Remainders as digits, first to last: " + ", ".join(DIGITS[r] for _, _, r in divisions) + ".",
        f"Read from last to first: {ans} (base {dst}).",
    )
    assert int(ans, dst) == int(shown, src) == n
    return Generated(prompt, ans, "string", worked)


BASE_CONVERSION = SkillDef(
    id="base-conversion",
    title="Converting a number between bases",
    domain="number-bases",
    description="Convert between positional bases by going through decimal: expand, then divide repeatedly.",
    procedure=(
        "Convert the source number to decimal: multiply each digit by the source base raised to its "
        "position (counting from 0 on the right) and add the results.",
        "Divide the decimal value by the target base and record the quotient and the remainder.",
        "Keep dividing each new quotient by the target base, recording remainders, until the quotient is 0.",
        "Write each remainder as a single digit of the target base (10 = a, 11 = b, …, 15 = f).",
        "Read the remainders from the last one to the first one to get the number in the target base.",
    ),
    generate=_base_conversion,
)

# ---------------------------------------------------------------- twos-complement


def _twos_complement(rng: random.Random, free_form: bool) -> Generated:
    width = rng.choice([8, 8, 12, 16])
    v = -rng.randint(1, 2 ** (width - 1))
    mag = bin(-v)[2:]
    padded = mag.rjust(width, "0")
    inverted = "".join("1" if c == "0" else "0" for c in padded)
    result = format((int(inverted, 2) + 1) % (1 << width), f"0{width}b")
    assert result == format(v & ((1 << width) - 1), f"0{width}b")
    art = "an" if width == 8 else "a"
    prompt = rng.choice(
        [
            f"Write {v} as {art} {width}-bit two's-complement binary number. Give all {width} bits without spaces.",
            f"{art.capitalize()} {width}-bit signed register stores {v} in two's complement. What bit "
            "pattern "
            f"does it hold? Write all {width} bits without spaces.",
        ]
    )
    worked = (
        f"|{v}| = {-v} = {mag} in binary.",
        f"Padded to {width} bits: {padded}.",
        f"Inverted: {inverted}.",
        f"{inverted} + 1 = {result}.",
        f"{v} in {width}-bit two's complement is {result}.",
    )
    return Generated(prompt, result, "string", worked)


TWOS_COMPLEMENT = SkillDef(
    id="twos-complement",
    title="Two's-complement encoding of a negative integer",
    domain="number-bases",
    description="Write a negative integer as a fixed-width two's-complement bit pattern.",
    procedure=(
        "Write the absolute value of the number in binary.",
        "Pad it with leading zeros to the full bit width.",
        "Invert every bit: each 0 becomes 1 and each 1 becomes 0.",
        "Add 1 to the inverted pattern, carrying as in ordinary binary addition.",
        "The result, kept to the bit width, is the two's-complement representation.",
    ),
    generate=_twos_complement,
)

# ---------------------------------------------------------------- roman-numeral-arithmetic

_ROMAN = [
    (1000, "M"),
    (900, "CM"),
    (500, "D"),
    (400, "CD"),
    (100, "C"),
    (90, "XC"),
    (50, "L"),
    (40, "XL"),
    (10, "X"),
    (9, "IX"),
    (5, "V"),
    (4, "IV"),
    (1, "I"),
]
_PLACE = {
    1000: ["", "M", "MM", "MMM"],
    100: ["", "C", "CC", "CCC", "CD", "D", "DC", "DCC", "DCCC", "CM"],
    10: ["", "X", "XX", "XXX", "XL", "L", "LX", "LXX", "LXXX", "XC"],
    1: ["", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX"],
}


def to_roman(n: int) -> str:
    out = []
    for value, sym in _ROMAN:
        while n >= value:
            out.append(sym)
            n -= value
    return "".join(out)


def roman_tokens(n: int) -> list[tuple[str, int]]:
    out = []
    for value, sym in _ROMAN:
        while n >= value:
            out.append((sym, value))
            n -= value
    return out


def _roman(rng: random.Random, free_form: bool) -> Generated:
    while True:
        a = rng.randint(40, 2400)
        b = rng.randint(14, 1600)
        op = rng.choice(["+", "−"])
        if op == "−" and a < b:
            a, b = b, a
        r = a + b if op == "+" else a - b
        if 1 <= r <= 3999 and a != b:
            break
    ra, rb, ans = to_roman(a), to_roman(b), to_roman(r)
    prompt = rng.choice(
        [
            f"Compute {ra} {op} {rb} and give the result as a Roman numeral.",
            f"A monument's inscription gives two years, {ra} and {rb}. What is their "
            f"{'sum' if op == '+' else 'difference'} ({ra} {op} {rb})? Give it as a Roman numeral.",
        ]
    )

    def breakdown(n: int) -> str:
        return " ".join(f"{s}({v})" for s, v in roman_tokens(n)) + f" = {n}"

    parts = [(p, (r // p) % 10 if p < 1000 else r // 1000) for p in (1000, 100, 10, 1)]
    parts = [(p, d) for p, d in parts if d]
    worked = (
        f"{ra} = {breakdown(a)}; {rb} = {breakdown(b)}.",
        f"{a} {op} {b} = {r}.",
        f"{r} = " + " + ".join(str(p * d) for p, d in parts) + ".",
        ", ".join(f"{p * d} = {_PLACE[p][d]}" for p, d in parts) + ".",
        f"Joined: {ans}.",
    )
    assert "".join(_PLACE[p][d] for p, d in parts) == ans
    return Generated(prompt, ans, "string", worked)


ROMAN = SkillDef(
    id="roman-numeral-arithmetic",
    title="Arithmetic with Roman numerals",
    domain="number-bases",
    description="Add or subtract Roman numerals by converting to integers and back.",
    procedure=(
        "Convert each numeral to an integer using I = 1, V = 5, X = 10, L = 50, C = 100, D = 500 and "
        "M = 1000, reading left to right and subtracting a symbol's value when a larger symbol follows it.",
        "Add or subtract the integer values as the question asks.",
        "Split the result into thousands, hundreds, tens and ones.",
        "Write each part with the standard symbols, using the subtractive forms CM (900), CD (400), "
        "XC (90), XL (40), IX (9) and IV (4).",
        "Join the parts from largest to smallest to form the Roman numeral.",
    ),
    generate=_roman,
)

SKILLS = [BASE_CONVERSION, TWOS_COMPLEMENT, ROMAN]
