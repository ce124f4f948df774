"""Micro tier, word procedures: counting vowels or a letter, word length, reversing, initials.

One- or two-step string procedures at the level of the embedded SmolLM2-135M, on short common
words. Each generator returns `key`, the instance (its word or phrase), so that no word is drawn
twice within a skill across the splits.
"""

from __future__ import annotations

import random

from engine.data.suite.base import Generated, SkillDef

DOMAIN = "micro"
VOWELS = "aeiou"

_WORDS = (
    "garden planet marble lantern harvest thunder blanket compass pattern balance kitten pencil basket "
    "window rabbit button carpet dinner ladder mitten pocket rocket silver ticket yellow candle dragon "
    "forest island jacket kettle lemon magnet napkin orange parrot puzzle river saddle tomato tunnel "
    "violin wagon wallet winter zipper anchor bottle castle desert engine finger guitar hammer insect"
).split()
_SHORT = (
    "lamp frog desk milk ship bell coat drum fish gold hand jump kite leaf moon nest pink ring salt "
    "tent wolf bird cake door farm gift hill king lion mask nose park rain sock tree vase wind yard"
).split()
_PHRASES = (
    "red apple pie|big brown dog|hot summer day|old stone bridge|small green frog|tall pine tree|"
    "cold winter night|soft white cloud|fast blue car|quiet dark room|bright yellow sun|long sandy beach|"
    "sweet cherry jam|deep blue sea|warm wool hat|fresh green salad|tiny black ant|loud brass band|"
    "empty glass jar|happy little bird|heavy iron gate|kind old man|late night train|open wooden door|"
    "quick red fox|round orange ball|sharp kitchen knife|thin paper bag|wild grey wolf|young oak tree"
).split("|")


def _spell(word: str) -> str:
    return "-".join(word)


# ---------------------------------------------------------------- micro-count-vowels


def _vowels(rng: random.Random, free_form: bool) -> Generated:
    word = rng.choice(_WORDS)
    found = [c for c in word if c in VOWELS]
    ans = len(found)
    prompt = rng.choice(
        [
            f'How many vowels (a, e, i, o, u) are in the word "{word}"?',
            f'Count the vowels (a, e, i, o, u) in "{word}".',
        ]
    )
    worked = (
        f"Letters: {_spell(word)}.",
        "The vowels are a, e, i, o and u.",
        f"Vowels found in order: {', '.join(found)}.",
        f"Counting them: {' '.join(str(i) for i in range(1, ans + 1))}.",
        f'"{word}" has {ans} vowels.',
    )
    return Generated(prompt, str(ans), "integer", worked, key=word)


COUNT_VOWELS = SkillDef(
    id="micro-count-vowels",
    title="Counting the vowels in a word",
    domain=DOMAIN,
    description="Spell a word out letter by letter and count its vowels.",
    procedure=(
        "Spell the word out one letter at a time.",
        "Remember that the vowels are a, e, i, o and u (y does not count).",
        "Go through the letters and mark every vowel, including repeated ones.",
        "Count the marked letters.",
        "Give the count as a single number.",
    ),
    generate=_vowels,
)

# ---------------------------------------------------------------- micro-word-length


def _length(rng: random.Random, free_form: bool) -> Generated:
    word = rng.choice(_WORDS + _SHORT)
    ans = len(word)
    prompt = rng.choice(
        [
            f'How many letters are in the word "{word}"?',
            f'A crossword clue has the answer "{word}". How many squares does it fill?',
        ]
    )
    worked = (
        f"Letters: {_spell(word)}.",
        f"The first letter is {word[0]} and the last is {word[-1]}.",
        f"Numbering them: {', '.join(f'{i}={c}' for i, c in enumerate(word, 1))}.",
        f"The last letter gets number {ans}.",
        f'"{word}" has {ans} letters.',
    )
    return Generated(prompt, str(ans), "integer", worked, key=word)


WORD_LENGTH = SkillDef(
    id="micro-word-length",
    title="Counting the letters of a word",
    domain=DOMAIN,
    description="Number the letters of a word one by one; the last number is its length.",
    procedure=(
        "Spell the word out one letter at a time.",
        "Give the first letter the number 1.",
        "Give each following letter the next number, counting repeated letters too.",
        "Stop at the last letter of the word.",
        "The number of the last letter is the length of the word.",
    ),
    generate=_length,
)

# ---------------------------------------------------------------- micro-reverse-word


def _reverse(rng: random.Random, free_form: bool) -> Generated:
    word = rng.choice(_SHORT)
    ans = word[::-1]
    prompt = rng.choice(
        [
            f'Write the word "{word}" backwards.',
            f'Reverse the order of the letters in "{word}".',
        ]
    )
    worked = (
        f"Letters: {_spell(word)}.",
        f"The last letter is {word[-1]}; it comes first.",
        f"Then {word[-2]}, then {word[-3]}.",
        f"The first letter, {word[0]}, comes last.",
        f'"{word}" backwards is {ans}.',
    )
    return Generated(prompt, ans, "string", worked, key=word)


REVERSE = SkillDef(
    id="micro-reverse-word",
    title="Reversing a four-letter word",
    domain=DOMAIN,
    description="Write the letters of a short word in the opposite order.",
    procedure=(
        "Spell the word out one letter at a time.",
        "Start the new word with the last letter of the original word.",
        "Add the letters one by one, moving from the end of the word towards its start.",
        "Finish with the first letter of the original word.",
        "Write the new letters together as one word, without spaces or hyphens.",
    ),
    generate=_reverse,
)

# ---------------------------------------------------------------- micro-first-word / initials


def _initials(rng: random.Random, free_form: bool) -> Generated:
    phrase = rng.choice(_PHRASES)
    words = phrase.split()
    ans = "".join(w[0] for w in words)
    worked = (
        f"The words are: {', '.join(words)}.",
        f"First word {words[0]}: first letter {words[0][0]}.",
        f"Second word {words[1]}: first letter {words[1][0]}.",
        f"Third word {words[2]}: first letter {words[2][0]}.",
        f"Together: {ans}.",
    )
    if free_form:
        prompt = f'In one sentence, say which letters start the three words of "{phrase}".'
        fact = f"the words start with {', '.join(ans)}"
        return Generated(
            prompt,
            fact,
            "free",
            worked,
            scoring="llm",
            rubric=f"PASS only if the response names the letters {', '.join(ans)} in this order.",
            key=phrase,
        )
    prompt = rng.choice(
        [
            f'Write the first letter of each word of "{phrase}", joined into one word.',
            f'Make an abbreviation of "{phrase}" from the first letter of each word.',
        ]
    )
    return Generated(prompt, ans, "string", worked, key=phrase)


INITIALS = SkillDef(
    id="micro-initials",
    title="The initials of a three-word phrase",
    domain=DOMAIN,
    description="Take the first letter of every word of a phrase and join them.",
    procedure=(
        "Split the phrase into its words at the spaces.",
        "Take the first letter of the first word.",
        "Take the first letter of each following word, in order.",
        "Keep the letters in lower case and in the order of the words.",
        "Join the letters with nothing between them: that is the abbreviation.",
    ),
    generate=_initials,
    free_form_share=0.2,
)

SKILLS = [COUNT_VOWELS, WORD_LENGTH, REVERSE, INITIALS]
