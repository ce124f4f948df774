"""Check digits and error-correcting codes: Luhn, ISBN-10, Hamming(7,4)."""

from __future__ import annotations

import random

from engine.data.suite.base import Generated, SkillDef

# ---------------------------------------------------------------- luhn-check-digit


def luhn_check_digit(payload: str) -> int:
    total = 0
    for i, ch in enumerate(reversed(payload)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10


def _luhn(rng: random.Random, free_form: bool) -> Generated:
    kind = rng.randrange(3)
    if kind == 0:
        payload = rng.choice(["4", "5", "37", "6011"])
        payload += "".join(str(rng.randrange(10)) for _ in range(15 - len(payload)))
        prompt = (
            f"The first 15 digits of a 16-digit payment card number are {payload}. The last digit is a Luhn "
            "check digit. What is it?"
        )
    elif kind == 1:
        payload = "".join(str(rng.randrange(10)) for _ in range(14))
        prompt = (
            f"A phone's IMEI starts with the 14 digits {payload}; the 15th digit is a Luhn check digit "
            "computed over those 14 digits. What is the check digit?"
        )
    else:
        n = rng.randint(9, 12)
        payload = str(rng.randint(1, 9)) + "".join(str(rng.randrange(10)) for _ in range(n - 1))
        prompt = f"Compute the Luhn check digit to append to the account number {payload}."
    digits = [int(c) for c in payload]
    doubled = []  # (index from left, original, doubled, reduced)
    for i_right, d in enumerate(reversed(digits)):
        if i_right % 2 == 0:
            dd = 2 * d
            doubled.append((len(digits) - 1 - i_right, d, dd, dd - 9 if dd > 9 else dd))
    values = list(digits)
    for idx, _, _, red in doubled:
        values[idx] = red
    total = sum(values)
    ans = luhn_check_digit(payload)
    assert ans == (10 - total % 10) % 10
    big = [f"{dd}→{red}" for _, _, dd, red in doubled if dd > 9]
    worked = (
        "Digits: " + " ".join(payload) + ".",
        "Doubling every second digit from the right, starting with the rightmost: "
        + ", ".join(f"{d}→{dd}" for _, d, dd, _ in doubled)
        + ".",
        "Above 9, subtract 9: " + (", ".join(big) if big else "none") + ".",
        "Sum = " + " + ".join(str(v) for v in values) + f" = {total}.",
        f"(10 − {total} mod 10) mod 10 = {ans}, so the check digit is {ans}.",
    )
    return Generated(prompt, str(ans), "integer", worked)


LUHN = SkillDef(
    id="luhn-check-digit",
    title="Luhn (mod 10) check digit",
    domain="checksums",
    description="Compute the check digit used by payment cards and IMEI numbers.",
    procedure=(
        "Write down the digits of the number without the check digit.",
        "Starting from the rightmost digit and moving left, double every second digit (the rightmost, "
        "the third from the right, and so on).",
        "For any doubled value above 9, subtract 9 (the same as adding its two digits).",
        "Add up all the digits: the changed doubled ones and the untouched ones.",
        "The check digit is (10 − (sum mod 10)) mod 10.",
    ),
    generate=_luhn,
)

# ---------------------------------------------------------------- isbn10-check-character


def isbn10_check(first9: str) -> str:
    total = sum(int(c) * w for c, w in zip(first9, range(10, 1, -1), strict=True))
    v = (11 - total % 11) % 11
    return "X" if v == 10 else str(v)


def _isbn10(rng: random.Random, free_form: bool) -> Generated:
    group = rng.choice(["0", "1", "3", "2", "84", "88", "91"])
    publisher_len = rng.randint(2, 4)
    rest = 9 - len(group)
    body = "".join(str(rng.randrange(10)) for _ in range(rest))
    digits = group + body
    shown = f"{group}-{body[:publisher_len]}-{body[publisher_len:]}"
    ans = isbn10_check(digits)
    prompt = rng.choice(
        [
            f"The first nine digits of an ISBN-10 are {shown}. What is its check character?",
            f"A library record lists a book's ISBN-10 as {shown}-? with the final check character missing. "
            "What is the missing character?",
        ]
    )
    products = [int(c) * w for c, w in zip(digits, range(10, 1, -1), strict=True)]
    total = sum(products)
    v = (11 - total % 11) % 11
    worked = (
        "Digits: " + " ".join(digits) + ".",
        "Products: "
        + ", ".join(f"{c}×{w}={p}" for c, w, p in zip(digits, range(10, 1, -1), products, strict=True))
        + ".",
        f"Sum = {total}.",
        f"{total} mod 11 = {total % 11}; (11 − {total % 11}) mod 11 = {v}.",
        f"Check character: {ans}." if ans != "X" else "Value 10 is written as X, so the check character is X.",
    )
    return Generated(prompt, ans, "string", worked)


ISBN10 = SkillDef(
    id="isbn10-check-character",
    title="ISBN-10 check character",
    domain="checksums",
    description="Compute the weighted mod-11 check character of an ISBN-10.",
    procedure=(
        "Take the first nine digits of the ISBN, ignoring hyphens.",
        "Multiply the digits by the weights 10, 9, 8, 7, 6, 5, 4, 3 and 2, from left to right.",
        "Add the nine products together.",
        "Find the remainder of that sum divided by 11, then compute (11 − remainder) mod 11.",
        "Write that value as the check character, using X when it is 10.",
    ),
    generate=_isbn10,
)

# ---------------------------------------------------------------- hamming-7-4-decode


def hamming_encode(d: list[int]) -> list[int]:
    d1, d2, d3, d4 = d
    return [d1 ^ d2 ^ d4, d1 ^ d3 ^ d4, d1, d2 ^ d3 ^ d4, d2, d3, d4]


def _hamming(rng: random.Random, free_form: bool) -> Generated:
    data = [rng.randrange(2) for _ in range(4)]
    code = hamming_encode(data)
    received = list(code)
    flip = rng.randint(0, 7)  # 0: no error
    if flip:
        received[flip - 1] ^= 1
    r = received
    s1 = r[0] ^ r[2] ^ r[4] ^ r[6]
    s2 = r[1] ^ r[2] ^ r[5] ^ r[6]
    s4 = r[3] ^ r[4] ^ r[5] ^ r[6]
    syndrome = 4 * s4 + 2 * s2 + s1
    assert syndrome == flip
    corrected = list(received)
    if syndrome:
        corrected[syndrome - 1] ^= 1
    assert corrected == code
    rx = "".join(map(str, received))
    cw = "".join(map(str, corrected))
    data_bits = "".join(map(str, data))
    ask_codeword = rng.random() < 0.4
    question = (
        "What is the corrected 7-bit codeword? Write it as one bit string in position order."
        if ask_codeword
        else "What are the four data bits d1 d2 d3 d4 after correction? Write them as one 4-digit bit string."
    )
    prompt = (
        f"A Hamming(7,4) codeword with even parity, bit order p1 p2 d1 p4 d2 d3 d4 (positions 1 to 7), "
        f"was received as {rx}. At most one bit was flipped in transit. {question}"
    )
    ans = cw if ask_codeword else data_bits
    fix = f"flip bit {syndrome}: {cw}" if syndrome else f"no error, the word stays {cw}"
    final = (
        f"Corrected codeword: {cw} (data bits {data_bits})."
        if ask_codeword
        else f"Data bits from positions 3, 5, 6, 7 of {cw}: {data_bits}."
    )
    worked = (
        "r1..r7 = " + " ".join(rx) + ".",
        f"s1 = r1⊕r3⊕r5⊕r7 = {r[0]}⊕{r[2]}⊕{r[4]}⊕{r[6]} = {s1}.",
        f"s2 = r2⊕r3⊕r6⊕r7 = {r[1]}⊕{r[2]}⊕{r[5]}⊕{r[6]} = {s2}; s4 = r4⊕r5⊕r6⊕r7 = "
        f"{r[3]}⊕{r[4]}⊕{r[5]}⊕{r[6]} = {s4}.",
        f"Syndrome s4 s2 s1 = {s4}{s2}{s1} = {syndrome}; {fix}.",
        final,
    )
    return Generated(prompt, ans, "string", worked)


HAMMING = SkillDef(
    id="hamming-7-4-decode",
    title="Correcting a single-bit error with Hamming(7,4)",
    domain="checksums",
    description="Locate and fix a single flipped bit in a Hamming(7,4) codeword with the syndrome.",
    procedure=(
        "Label the received bits r1 to r7 in position order; positions 1, 2 and 4 are parity bits and "
        "positions 3, 5, 6 and 7 are data bits.",
        "Compute the check s1 = r1 XOR r3 XOR r5 XOR r7.",
        "Compute the checks s2 = r2 XOR r3 XOR r6 XOR r7 and s4 = r4 XOR r5 XOR r6 XOR r7.",
        "Read the syndrome s4 s2 s1 as a binary number; if it is not zero, flip the bit at that position.",
        "Read the data bits from positions 3, 5, 6 and 7 of the corrected word.",
    ),
    generate=_hamming,
)

SKILLS = [LUHN, ISBN10, HAMMING]
