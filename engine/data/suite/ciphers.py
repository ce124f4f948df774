"""Classical ciphers: Caesar decryption, Vigenère encryption, rail fence encryption."""

from __future__ import annotations

import random

from engine.data.suite.base import Generated, SkillDef

_VERBS = ["move", "hide", "check", "send", "load", "guard", "paint", "count", "open", "seal", "ship", "find"]
_ADJS = ["red", "blue", "old", "small", "heavy", "silver", "north", "quiet", "empty", "wooden", "spare"]
_NOUNS = [
    "crates",
    "boats",
    "files",
    "keys",
    "lamps",
    "maps",
    "boxes",
    "wagons",
    "letters",
    "radios",
    "barrels",
]
_WHEN = ["at dawn", "at noon", "by friday", "tonight", "at six", "before sunset", "after lunch", "on monday"]
_KEYS = [
    "lemon",
    "cobalt",
    "river",
    "ember",
    "quartz",
    "falcon",
    "maple",
    "orbit",
    "tiger",
    "harbor",
    "violet",
]


def phrase(rng: random.Random, words: int = 5) -> str:
    text = f"{rng.choice(_VERBS)} the {rng.choice(_ADJS)} {rng.choice(_NOUNS)} {rng.choice(_WHEN)}"
    parts = text.split()
    if words == 3:
        return " ".join([parts[0], parts[2], parts[3]])
    return text


def pos(ch: str) -> int:
    return ord(ch) - ord("a")


def letter(n: int) -> str:
    return chr(ord("a") + n % 26)


def shift_text(text: str, k: int) -> str:
    return "".join(letter(pos(c) + k) if c.isalpha() else c for c in text)


# ---------------------------------------------------------------- caesar-decrypt


def _caesar(rng: random.Random, free_form: bool) -> Generated:
    plain = phrase(rng, rng.choice([3, 5]))
    k = rng.randint(3, 23)
    ct = shift_text(plain, k)
    words = ct.split()
    raw = [[pos(c) - k for c in w] for w in words]
    wrapped = [[x % 26 for x in w] for w in raw]
    negs = sorted({f"{x}→{x + 26}" for w in raw for x in w if x < 0}, key=lambda s: int(s.split("→")[0]))
    prompt = rng.choice(
        [
            f"This message was encrypted with a Caesar cipher that shifts every letter {k} places forward "
            f'in the alphabet (wrapping from z to a): "{ct}". What is the plaintext?',
            f'An intercepted note reads "{ct}". It is known to use a Caesar shift of {k} (each letter was '
            "moved forward that many places, wrapping around the alphabet). Decrypt it.",
        ]
    )
    worked = (
        "Positions: " + "; ".join(f"{w}=" + ",".join(str(pos(c)) for c in w) for w in words) + ".",
        f"Minus {k}: " + "; ".join(",".join(str(x) for x in w) for w in raw) + ".",
        "Add 26 to negatives: "
        + (", ".join(negs) if negs else "none")
        + " → "
        + "; ".join(",".join(str(x) for x in w) for w in wrapped)
        + ".",
        "Letters: " + " ".join("".join(letter(x) for x in w) for w in wrapped) + ".",
        f"Plaintext: {plain}",
    )
    assert shift_text(ct, -k) == plain
    return Generated(prompt, plain, "string", worked)


CAESAR = SkillDef(
    id="caesar-decrypt",
    title="Decrypting a Caesar cipher with a known shift",
    domain="ciphers",
    description="Undo a fixed alphabet shift letter by letter, wrapping around the alphabet.",
    procedure=(
        "Write the alphabet position of each ciphertext letter, with a = 0 through z = 25.",
        "Subtract the shift from each letter's position.",
        "If a result is negative, add 26 so that it wraps around the alphabet.",
        "Convert each new position back to a letter, leaving spaces and punctuation unchanged.",
        "Read the decrypted letters in order, keeping the original word breaks.",
    ),
    generate=_caesar,
)

# ---------------------------------------------------------------- vigenere-encrypt


def vigenere(plain: str, key: str) -> str:
    out, i = [], 0
    for c in plain:
        if c.isalpha():
            out.append(letter(pos(c) + pos(key[i % len(key)])))
            i += 1
        else:
            out.append(c)
    return "".join(out)


def _vigenere(rng: random.Random, free_form: bool) -> Generated:
    plain = phrase(rng, 3)
    key = rng.choice(_KEYS)
    ct = vigenere(plain, key)
    letters = plain.replace(" ", "")
    stream = "".join(key[i % len(key)] for i in range(len(letters)))
    p = [pos(c) for c in letters]
    kk = [pos(c) for c in stream]
    sums = [a + b for a, b in zip(p, kk, strict=True)]
    prompt = rng.choice(
        [
            f'Encrypt "{plain}" with the Vigenère cipher using the key "{key}". Encrypt letters only and '
            "keep the spaces where they are (the key advances only on letters).",
            f'Using a Vigenère cipher with keyword "{key}", what is the ciphertext of the message "{plain}"? '
            "Spaces are kept in place and do not use up key letters.",
        ]
    )
    worked = (
        f"Letters {letters} with key stream {stream}.",
        "Numbers: p = " + ",".join(map(str, p)) + "; k = " + ",".join(map(str, kk)) + ".",
        "Sums: " + ",".join(map(str, sums)) + ".",
        "Mod 26: " + ",".join(str(s % 26) for s in sums) + ".",
        f"Letters with spaces restored: {ct}",
    )
    return Generated(prompt, ct, "string", worked)


VIGENERE = SkillDef(
    id="vigenere-encrypt",
    title="Encrypting with the Vigenère cipher",
    domain="ciphers",
    description="Add a repeating keyword to the message letter by letter, modulo 26.",
    procedure=(
        "Line up the keyword, repeated as often as needed, under the letters of the message, skipping "
        "spaces (the key advances only on letters).",
        "Convert each message letter and its key letter to numbers, with a = 0 through z = 25.",
        "Add the message number and the key number for each letter.",
        "Reduce each sum modulo 26 (subtract 26 when it is 26 or more).",
        "Convert the results back to letters and put the spaces back in their original places.",
    ),
    generate=_vigenere,
)

# ---------------------------------------------------------------- rail-fence-encrypt


def rail_pattern(n: int, rails: int) -> list[int]:
    pattern, r, step = [], 0, 1
    for _ in range(n):
        pattern.append(r)
        if rails > 1:
            if r == 0:
                step = 1
            elif r == rails - 1:
                step = -1
            r += step
    return pattern


def rail_fence(text: str, rails: int) -> str:
    pattern = rail_pattern(len(text), rails)
    return "".join("".join(c for c, p in zip(text, pattern, strict=True) if p == r) for r in range(rails))


def _rail_fence(rng: random.Random, free_form: bool) -> Generated:
    plain = phrase(rng, rng.choice([3, 5]))
    rails = rng.choice([3, 3, 4])
    letters = plain.replace(" ", "")
    pattern = rail_pattern(len(letters), rails)
    rows = ["".join(c for c, p in zip(letters, pattern, strict=True) if p == r) for r in range(rails)]
    ct = rail_fence(letters, rails)
    prompt = rng.choice(
        [
            f'Encrypt the message "{plain}" with a rail fence cipher on {rails} rails: drop the spaces, '
            "start "
            "on the top rail, and give the ciphertext without spaces.",
            f'A rail fence (zigzag) cipher with {rails} rails is applied to "{plain}" after removing its '
            "spaces, starting on the top rail. What is the ciphertext? Write it without spaces.",
        ]
    )
    worked = (
        f"Letters: {letters} ({len(letters)} letters).",
        "Rail of each letter: " + " ".join(str(p + 1) for p in pattern) + ".",
        "; ".join(f"rail {r + 1}: {','.join(row)}" for r, row in enumerate(rows)) + ".",
        "Reading rails top to bottom: " + " | ".join(rows) + ".",
        f"Ciphertext: {ct}",
    )
    return Generated(prompt, ct, "string", worked)


RAIL_FENCE = SkillDef(
    id="rail-fence-encrypt",
    title="Encrypting with the rail fence cipher",
    domain="ciphers",
    description="Write the message in a zigzag over several rails and read the rails off in turn.",
    procedure=(
        "Remove the spaces from the message and count its letters.",
        "Assign the letters to rails in a zigzag: rail 1, 2, … down to the bottom rail, then back up to "
        "rail 1, and repeat.",
        "Collect the letters of each rail, keeping their original left-to-right order.",
        "Read off the rails from the top rail to the bottom rail.",
        "Join the rails into one string without spaces to form the ciphertext.",
    ),
    generate=_rail_fence,
)

SKILLS = [CAESAR, VIGENERE, RAIL_FENCE]
