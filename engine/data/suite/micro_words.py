"""Micro tier, word procedures: first word, last letter, counting words, initials.

One- or two-step string procedures at the level of the embedded SmolLM2-135M, on short common
words. Each generator returns `key`, the instance (its word or phrase), so that no word is drawn
twice within a skill across the splits.
"""

from __future__ import annotations

import random

from engine.data.suite.base import Generated, SkillDef

DOMAIN = "micro"

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


# ---------------------------------------------------------------- micro-first-word


def _first_word(rng: random.Random, free_form: bool) -> Generated:
    phrase = rng.choice(_PHRASES)
    words = phrase.split()
    prompt = rng.choice(
        [f'What is the first word of the phrase "{phrase}"?', f'Which word does the phrase "{phrase}" start with?']
    )
    worked = (
        f'The phrase is "{phrase}".',
        "Words are separated by spaces.",
        f"The words, in order: {', '.join(words)}.",
        f"The first of them is {words[0]}.",
        f"The first word is {words[0]}.",
    )
    if free_form:
        return Generated(
            f'In one sentence, say which word the phrase "{phrase}" begins with.',
            f'the phrase begins with the word "{words[0]}"',
            "free",
            worked,
            scoring="llm",
            rubric=f'PASS only if the response says the first word is "{words[0]}".',
            key=phrase,
        )
    return Generated(prompt, words[0], "string", worked, key=phrase)


FIRST_WORD = SkillDef(
    id="micro-first-word",
    title="The first word of a phrase",
    domain=DOMAIN,
    description="Split a phrase at its spaces and take the first word.",
    procedure=(
        "Read the phrase exactly as it is written.",
        "Split it into words wherever there is a space.",
        "Number the words from left to right, starting at 1.",
        "Take the word with number 1.",
        "Give that word alone as the answer, without quotes.",
    ),
    generate=_first_word,
    free_form_share=0.2,
)

# ---------------------------------------------------------------- micro-last-letter


def _last_letter(rng: random.Random, free_form: bool) -> Generated:
    word = rng.choice(_WORDS)
    prompt = rng.choice(
        [f'What is the last letter of the word "{word}"?', f'Which letter does the word "{word}" end with?']
    )
    worked = (
        f"Letters: {_spell(word)}.",
        f"The word has {len(word)} letters.",
        f"The first letter is {word[0]}.",
        f"Moving to the end, the final letter is {word[-1]}.",
        f'The last letter of "{word}" is {word[-1]}.',
    )
    return Generated(prompt, word[-1], "string", worked, key=word)


LAST_LETTER = SkillDef(
    id="micro-last-letter",
    title="The last letter of a word",
    domain=DOMAIN,
    description="Spell a word out and take its final letter.",
    procedure=(
        "Spell the word out one letter at a time.",
        "Keep going until there are no letters left.",
        "The letter spelled last is the final letter.",
        "Check that no letter follows it in the word.",
        "Give that single letter as the answer.",
    ),
    generate=_last_letter,
)

# ---------------------------------------------------------------- micro-word-count


def _word_count(rng: random.Random, free_form: bool) -> Generated:
    words = rng.sample(_SHORT, rng.randint(2, 5))
    text = " ".join(words)
    ans = len(words)
    prompt = rng.choice([f'How many words are in "{text}"?', f'Count the words in the list "{text}".'])
    worked = (
        f'The text is "{text}".',
        "Words are separated by single spaces.",
        f"Numbering them: {', '.join(f'{i}={w}' for i, w in enumerate(words, 1))}.",
        f"The last word gets number {ans}.",
        f"There are {ans} words.",
    )
    return Generated(prompt, str(ans), "integer", worked, key=text)


WORD_COUNT = SkillDef(
    id="micro-word-count",
    title="Counting the words of a short list",
    domain=DOMAIN,
    description="Number the words of a short list one by one; the last number is the count.",
    procedure=(
        "Read the text and split it into words at the spaces.",
        "Give the first word the number 1.",
        "Give each following word the next number.",
        "Stop at the last word of the text.",
        "The number of the last word is how many words there are.",
    ),
    generate=_word_count,
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

# every candidate measured for the tier; engine.data.suite.MICRO_SKILLS keeps the calibrated ones
CANDIDATES = [FIRST_WORD, LAST_LETTER, WORD_COUNT, INITIALS]
