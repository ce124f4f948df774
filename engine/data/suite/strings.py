"""String procedures: run-length encoding, Levenshtein distance, Soundex."""

from __future__ import annotations

import random
import string

from engine.data.suite.base import Generated, SkillDef

# ---------------------------------------------------------------- run-length-encoding


def rle(text: str) -> list[tuple[str, int]]:
    runs: list[tuple[str, int]] = []
    for ch in text:
        if runs and runs[-1][0] == ch:
            runs[-1] = (ch, runs[-1][1] + 1)
        else:
            runs.append((ch, 1))
    return runs


def _rle(rng: random.Random, free_form: bool) -> Generated:
    alphabet = rng.sample("abcdefghkmnprstwxyz", 4)
    runs: list[tuple[str, int]] = []
    for _ in range(rng.randint(6, 9)):
        ch = rng.choice([c for c in alphabet if not runs or c != runs[-1][0]])
        n = rng.choice([1, 1, 2, 2, 3, 3, 4, 4, 5, 6, 7, 8, 9, 10])
        runs.append((ch, n))
    text = "".join(c * n for c, n in runs)
    assert rle(text) == runs
    ans = "".join(f"{n}{c}" for c, n in runs)
    prompt = rng.choice(
        [
            f'Run-length encode the string "{text}". Write each run as its length followed by its character, '
            "with no separators, and include runs of length 1.",
            f'A sensor log stores the symbol sequence "{text}". Compress it with run-length encoding, '
            "writing "
            "every run as count then symbol (counts of 1 included), with nothing between runs.",
        ]
    )
    worked = (
        f"String of {len(text)} characters; the first run starts with '{runs[0][0]}'.",
        "Runs found by extending while the character repeats: " + " | ".join(c * n for c, n in runs) + ".",
        "Recorded runs: " + ", ".join(f"{c}×{n}" for c, n in runs) + ".",
        f"{len(runs)} runs in total; their lengths add up to {sum(n for _, n in runs)}.",
        f"Encoded: {ans}",
    )
    return Generated(prompt, ans, "string", worked)


RLE = SkillDef(
    id="run-length-encoding",
    title="Run-length encoding of a string",
    domain="strings",
    description="Compress runs of repeated characters into count-character pairs.",
    procedure=(
        "Scan the string from left to right, starting a run at the first character.",
        "Extend the current run while the next character is the same as the run's character.",
        "When the character changes or the string ends, record the run's length and its character.",
        "Start a new run at the changed character and continue scanning until the end of the string.",
        "Write every run as its count followed by its character, in order, with nothing in between.",
    ),
    generate=_rle,
)

# ---------------------------------------------------------------- levenshtein-distance

_WORDS = (
    "garden planet marble journey lantern harvest crystal thunder blanket compass quarter silence pattern "
    "monster balance chimney orchard whisper captain freedom glacier horizon kingdom library machine network "
    "pilgrim rainbow scholar station trumpet volcano weather feather banquet cabinet dolphin emerald fortune"
).split()


def levenshtein_table(a: str, b: str) -> list[list[int]]:
    rows = [list(range(len(b) + 1))]
    for i, ca in enumerate(a, 1):
        row = [i]
        for j, cb in enumerate(b, 1):
            row.append(min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (ca != cb)))
        rows.append(row)
    return rows


def _mutate(rng: random.Random, word: str) -> str:
    w = list(word)
    for _ in range(rng.randint(2, 4)):
        op = rng.choice(["sub", "ins", "del"]) if len(w) > 4 else "ins"
        i = rng.randrange(len(w))
        if op == "sub":
            w[i] = rng.choice([c for c in string.ascii_lowercase if c != w[i]])
        elif op == "ins":
            w.insert(i, rng.choice(string.ascii_lowercase))
        else:
            del w[i]
    return "".join(w)


def _levenshtein(rng: random.Random, free_form: bool) -> Generated:
    while True:
        a = rng.choice(_WORDS)
        b = _mutate(rng, a)
        if rng.random() < 0.5:
            a, b = b, a
        table = levenshtein_table(a, b)
        ans = table[-1][-1]
        if ans >= 2:
            break
    prompt = rng.choice(
        [
            f'What is the Levenshtein edit distance between "{a}" and "{b}" (the minimum number of '
            "single-letter insertions, deletions and substitutions that turn one into the other)?",
            f'A spell checker compares the typed word "{a}" with the dictionary word "{b}". How many '
            "single-letter insertions, deletions or substitutions are needed, at minimum, to turn the "
            "first into the second?",
        ]
    )
    c1 = table[1][1]
    worked = (
        f"Rows: '', {', '.join(a)} ({len(a) + 1} rows); columns: '', {', '.join(b)} ({len(b) + 1} columns).",
        f"First row: {' '.join(map(str, table[0]))}; first column: {' '.join(str(r[0]) for r in table)}.",
        f"First inner cell ({a[0]}, {b[0]}): min({table[0][1]} + 1, {table[1][0]} + 1, "
        f"{table[0][0]} + {int(a[0] != b[0])}) = {c1}.",
        "Rows: " + " | ".join(f"{ch}: {' '.join(map(str, row))}" for ch, row in zip(a, table[1:], strict=True)) + ".",
        f"The bottom-right cell is {ans}, so the edit distance is {ans}.",
    )
    return Generated(prompt, str(ans), "integer", worked)


LEVENSHTEIN = SkillDef(
    id="levenshtein-distance",
    title="Levenshtein edit distance by dynamic programming",
    domain="strings",
    description="Fill the edit-distance table to find the fewest insertions, deletions and substitutions.",
    procedure=(
        "Build a table with one row for each prefix of the first word (starting with the empty prefix) "
        "and one column for each prefix of the second word.",
        "Fill the first row with 0, 1, 2, … and the first column with 0, 1, 2, … (the cost of inserting or "
        "deleting that many letters).",
        "For every other cell take the minimum of: the cell above + 1, the cell to the left + 1, and the "
        "diagonal cell + 0 if the two letters match or + 1 if they differ.",
        "Fill the table row by row, left to right, so that the three neighbours are always known.",
        "The value in the bottom-right cell is the edit distance.",
    ),
    generate=_levenshtein,
)

# ---------------------------------------------------------------- soundex-code

SOUNDEX_CODES = {
    **dict.fromkeys("bfpv", "1"),
    **dict.fromkeys("cgjkqsxz", "2"),
    **dict.fromkeys("dt", "3"),
    "l": "4",
    **dict.fromkeys("mn", "5"),
    "r": "6",
}

_SURNAMES = (
    "Ashcraft Ashcroft Tymczak Pfister Honeyman Rupert Rubin Lloyd Gutierrez Jackson Washington Schmidt "
    "Bennett Sawyer Lukasiewicz Callahan Ellery Knuth Ladd Moskowitz Brewster Pfeiffer Szczepanski Burroughs "
    "Burrows Czarnecki Dickson Ferguson Gallagher Hawthorne Hughes Jablonski Kowalczyk Lindqvist MacKenzie "
    "Nakamura Oppenheimer Pankhurst Quigley Rasmussen Thompson Underwood Vasquez Whitfield Zimmerman Abbott "
    "Bishop Carraway Dodds Fitzgerald Goldschmidt Hochberg Ingersoll Jefferson Kirkpatrick Lockhart "
    "Montgomery Nightingale Pritchard Rockwell Shackleton Tschirhart Whitworth Wojcik Sczepanski Achterberg"
).split()


def soundex_trace(name: str) -> tuple[str, list[str], list[str], list[str]]:
    """(code, per-letter codes, merge notes, kept digits) of American Soundex."""
    low = name.lower()
    first = low[0]
    letters = [f"{ch}={SOUNDEX_CODES.get(ch, '–')}" for ch in low[1:]]
    prev, prev_letter = SOUNDEX_CODES.get(first, ""), first
    kept: list[str] = []
    notes: list[str] = []
    gap = ""
    at_first = True
    for ch in low[1:]:
        code = SOUNDEX_CODES.get(ch, "")
        if ch in "hw":
            gap = ch
            continue
        if not code:
            prev, prev_letter, gap, at_first = "", ch, "", False
            continue
        if code == prev:
            if gap:
                how = f"only {gap} between them"
            elif at_first:
                how = "same digit as the first letter"
            else:
                how = "adjacent"
            notes.append(f"{ch} ({code}) merges with {prev_letter} ({code}), {how}")
        else:
            kept.append(code)
        prev, prev_letter, gap, at_first = code, ch, "", False
    code = (name[0].upper() + "".join(kept) + "000")[:4]
    return code, letters, notes, kept


def soundex(name: str) -> str:
    return soundex_trace(name)[0]


def _soundex(rng: random.Random, free_form: bool) -> Generated:
    name = rng.choice(_SURNAMES)
    ans, letters, notes, kept = soundex_trace(name)
    prompt = rng.choice(
        [
            f'What is the American Soundex code of the surname "{name}"? Give it as a letter followed by three digits.',
            f"A genealogy index files records under the American Soundex code of the surname. Under which "
            f'code is "{name}" filed? Give it as a letter followed by three digits.',
        ]
    )
    digits = "".join(kept)
    pad = "" if len(digits) >= 3 else f", padded with {3 - len(digits)} zero(s)"
    cut = ", cut to three digits" if len(digits) > 3 else ""
    worked = (
        f"First letter: {name[0].upper()}.",
        "Codes of the other letters: " + ", ".join(letters) + ".",
        "Merges: " + ("; ".join(notes) if notes else "no repeated digits to collapse") + ".",
        "Digits kept after dropping uncoded letters: " + (", ".join(kept) if kept else "none") + ".",
        f"{name[0].upper()} + {digits or '(none)'}{pad}{cut} → {ans}.",
    )
    return Generated(prompt, ans, "string", worked)


SOUNDEX = SkillDef(
    id="soundex-code",
    title="American Soundex code of a surname",
    domain="strings",
    description="Encode a surname by sound so that similar-sounding names share a code.",
    procedure=(
        "Keep the first letter of the name as it is.",
        "Give the other letters digits: b f p v = 1; c g j k q s x z = 2; d t = 3; l = 4; m n = 5; r = 6; "
        "the vowels a e i o u y and the letters h and w get no digit.",
        "Where two letters with the same digit are adjacent, or separated only by h or w, keep the digit "
        "once; this also applies to the first letter, so drop the next digit if it equals the first "
        "letter's own digit.",
        "Drop the letters without digits; a vowel between two letters with the same digit means both digits are kept.",
        "Write the first letter followed by the first three remaining digits, padding with zeros to make "
        "four characters.",
    ),
    generate=_soundex,
)

SKILLS = [RLE, LEVENSHTEIN, SOUNDEX]
