"""Units and time: chained rate conversions, time-zone conversion, unit-price comparison."""

from __future__ import annotations

import datetime as dt
import random
from fractions import Fraction

from engine.data.suite.base import Generated, SkillDef, approx, exact, fixed, free, hm, money

GAL_L = Fraction("3.785411784")
MILE_M = Fraction("1609.344")
LB_KG = Fraction("0.45359237")
ACRE_HA = Fraction("0.40468564224")
FT_M = Fraction("0.3048")
OZ_G = Fraction("28.349523125")

# Each scenario: (given unit, target unit, context, factors, cancelled units, value range in tenths).
# A factor is (value, numerator unit, denominator unit, fact shown in the prompt).
_SCENARIOS = [
    (
        "US gallons per minute",
        "litres per hour",
        "A pump moves {v} US gallons per minute. What is its flow rate in litres per hour?",
        [(GAL_L, "L", "gal", "1 US gallon = 3.785411784 L"), (Fraction(60), "min", "h", "1 h = 60 min")],
        "gal and min",
        (25, 990),
    ),
    (
        "miles per hour",
        "metres per second",
        "A train travels at {v} miles per hour. What is its speed in metres per second?",
        [(MILE_M, "m", "mile", "1 mile = 1609.344 m"), (Fraction(1, 3600), "h", "s", "1 h = 3600 s")],
        "mile and h",
        (150, 1900),
    ),
    (
        "miles per US gallon",
        "kilometres per litre",
        "A car's fuel economy is {v} miles per US gallon. What is it in kilometres per litre?",
        [
            (MILE_M / 1000, "km", "mile", "1 mile = 1.609344 km"),
            (1 / GAL_L, "gal", "L", "1 US gallon = 3.785411784 L"),
        ],
        "mile and gal",
        (150, 600),
    ),
    (
        "pounds per acre",
        "kilograms per hectare",
        "Fertiliser is spread at {v} pounds per acre. What is that rate in kilograms per hectare?",
        [
            (LB_KG, "kg", "lb", "1 lb = 0.45359237 kg"),
            (1 / ACRE_HA, "acre", "ha", "1 acre = 0.40468564224 ha"),
        ],
        "lb and acre",
        (400, 4000),
    ),
    (
        "feet per second",
        "kilometres per hour",
        "A river current flows at {v} feet per second. What is its speed in kilometres per hour?",
        [
            (FT_M, "m", "ft", "1 ft = 0.3048 m"),
            (Fraction(1, 1000), "km", "m", "1 km = 1000 m"),
            (Fraction(3600), "s", "h", "1 h = 3600 s"),
        ],
        "ft, m and s",
        (5, 150),
    ),
]


def _factor_text(value: Fraction, num: str, den: str) -> str:
    """A conversion factor as a fraction equal to 1, written with a terminating decimal."""
    if _terminates(value) and (value >= 1 or not _terminates(1 / value)):
        return f"({exact(value)} {num} / 1 {den})"
    return f"(1 {num} / {exact(1 / value)} {den})"


def _terminates(x: Fraction) -> bool:
    d = x.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


def _rate_conversion(rng: random.Random, free_form: bool) -> Generated:
    given, target, template, factors, cancelled, (lo, hi) = rng.choice(_SCENARIOS)
    v = Fraction(rng.randint(lo, hi), 10)
    result = v
    for value, _, _, _ in factors:
        result *= value
    ans = fixed(result, 2)
    facts = "; ".join(f for _, _, _, f in factors)
    prompt = template.format(v=exact(v)) + f" Use {facts}. Round to 2 decimal places."
    ftexts = [_factor_text(value, num, den) for value, num, den, _ in factors]
    worked = (
        f"Given: {exact(v)} {given}.",
        "Factors equal to 1: " + " and ".join(ftexts) + ".",
        f"{exact(v)} × " + " × ".join(ftexts) + f": {cancelled} cancel, leaving {target}.",
        f"Multiplying out: {approx(result, 6)} {target}.",
        f"Rounded to 2 decimal places: {ans} {target}.",
    )
    return Generated(prompt, ans, "number", worked, tolerance=0.01)


RATE_CONVERSION = SkillDef(
    id="unit-rate-conversion",
    title="Converting compound units by dimensional analysis",
    domain="units",
    description="Convert a rate such as gallons per minute into litres per hour with conversion factors.",
    procedure=(
        "Write the given quantity with its units as a fraction: numerator unit over denominator unit.",
        "For each unit that must change, write a conversion factor as a fraction equal to 1, with the "
        "unit to be cancelled placed opposite to where it appears in the quantity.",
        "Multiply the quantity by all the factors and check that every unwanted unit cancels, leaving "
        "only the target units.",
        "Multiply all the numerators together and divide by the product of the denominators.",
        "Round the result to the requested precision and attach the target units.",
    ),
    generate=_rate_conversion,
)

# ---------------------------------------------------------------- time-zone-conversion

_ZONES = [
    ("Honolulu", -600),
    ("Phoenix", -420),
    ("Regina", -360),
    ("Lima", -300),
    ("Bogotá", -300),
    ("Buenos Aires", -180),
    ("São Paulo", -180),
    ("Reykjavik", 0),
    ("Lagos", 60),
    ("Johannesburg", 120),
    ("Nairobi", 180),
    ("Tehran", 210),
    ("Dubai", 240),
    ("Kabul", 270),
    ("Karachi", 300),
    ("Kolkata", 330),
    ("Kathmandu", 345),
    ("Dhaka", 360),
    ("Yangon", 390),
    ("Bangkok", 420),
    ("Singapore", 480),
    ("Tokyo", 540),
    ("Darwin", 570),
    ("Brisbane", 600),
]


def _offset(minutes: int) -> str:
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{hm(abs(minutes))}"


def _hm_signed(minutes: int) -> str:
    sign = "−" if minutes < 0 else "+"
    return f"{sign} {abs(minutes) // 60}:{abs(minutes) % 60:02d}"


def _time_zone(rng: random.Random, free_form: bool) -> Generated:
    (src, so), (dst, do) = rng.sample(_ZONES, 2)
    while abs(so - do) < 120:
        (src, so), (dst, do) = rng.sample(_ZONES, 2)
    day = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randint(0, 365 * 9))
    if rng.random() < 0.35:  # near the end of a month so the carry crosses a month boundary
        day = day.replace(day=28) + dt.timedelta(days=rng.randint(0, 4))
    minute = rng.randrange(0, 24 * 4) * 15
    if rng.random() < 0.6:  # near midnight so the date changes
        minute = rng.choice([rng.randint(0, 20), rng.randint(76, 95)]) * 15
    local = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minute)
    target = local - dt.timedelta(minutes=so) + dt.timedelta(minutes=do)
    ans = target.strftime("%Y-%m-%d %H:%M")
    when = local.strftime("%Y-%m-%d %H:%M")
    prompt = rng.choice(
        [
            f"A video call starts at {when} local time in {src} ({_offset(so)}). What are the local date "
            f"and time in {dst} ({_offset(do)}) at that moment? Give the answer as YYYY-MM-DD HH:MM "
            "(24-hour clock).",
            f"A server in {src} ({_offset(so)}) logged an event at {when} local time. What was the local "
            f"date and time in {dst} ({_offset(do)})? Give the answer as YYYY-MM-DD HH:MM (24-hour clock).",
        ]
    )
    utc_clock = minute - so
    tgt_clock = utc_clock + do
    shift = tgt_clock // (24 * 60)
    clock = tgt_clock % (24 * 60)
    if shift == 0:
        carry = f"{hm(clock)} is within the day, so the date stays {target.date().isoformat()}."
    elif shift > 0:
        carry = (
            f"{_clock(tgt_clock)} is past 24:00: subtract 24:00 → {hm(clock)} and move the date one day "
            "forward "
            f"to {target.date().isoformat()}."
        )
    else:
        carry = (
            f"{_clock(tgt_clock)} is below 00:00: add 24:00 → {hm(clock)} and move the date one day back to "
            f"{target.date().isoformat()}."
        )
    assert abs(shift) <= 1
    worked = (
        f"Local {when} at {_offset(so)}.",
        f"UTC = {hm(minute)} {_hm_signed(-so)} = {_clock(utc_clock)} on the local date.",
        f"Target = {_clock(utc_clock)} {_hm_signed(do)} = {_clock(tgt_clock)}.",
        carry,
        f"Local time in {dst}: {ans}.",
    )
    return Generated(prompt, ans, "string", worked)


def _clock(minutes: int) -> str:
    """A clock reading that may run past 24:00 or below 00:00 before the day carry."""
    sign = "−" if minutes < 0 else ""
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


TIME_ZONE = SkillDef(
    id="time-zone-conversion",
    title="Converting a local time between UTC offsets",
    domain="time",
    description="Move a date and time from one fixed UTC offset to another, carrying the date.",
    procedure=(
        "Write down the local date, the clock time and the source UTC offset.",
        "Convert to UTC by subtracting the source offset from the clock time (for UTC-05:00 add 5 hours, "
        "for UTC+05:30 subtract 5 h 30 min).",
        "Convert from UTC to the target zone by adding the target offset to the clock time.",
        "If the clock passes 24:00 or drops below 00:00, add or subtract 24 hours and move the date one "
        "day forward or back, adjusting the month and year at month ends.",
        "Write the resulting local date and time as YYYY-MM-DD HH:MM.",
    ),
    generate=_time_zone,
)

# ---------------------------------------------------------------- unit-price-comparison (free form)

_PRODUCTS = ["ground coffee", "basmati rice", "rolled oats", "dried pasta", "cashew nuts", "cheddar cheese"]


def _offer(rng: random.Random, base_per_kg: Fraction, kind: str) -> tuple[str, Fraction, Fraction, str, str]:
    """(description, kilograms, price paid, quantity note, price note)."""
    factor = Fraction(rng.randint(85, 118), 100)
    if kind == "bag":
        grams = rng.choice([750, 1000, 1200, 1500, 2000, 2500])
        qty = Fraction(grams, 1000)
        price = Fraction(round(base_per_kg * factor * qty * 100), 100)
        size = f"{exact(qty)} kg" if grams >= 1000 else f"{grams} g"
        note = size if grams >= 1000 else f"{size} = {exact(qty)} kg"
        return f"a {size} bag for ${money(price)}", qty, price, note, f"${money(price)}"
    if kind == "multipack":
        count, grams = rng.choice([(4, 250), (3, 400), (6, 200), (2, 750), (5, 180)])
        qty = Fraction(count * grams, 1000)
        price = Fraction(round(base_per_kg * factor * qty * 100), 100)
        return (
            f"a multipack of {count} × {grams} g for ${money(price)}",
            qty,
            price,
            f"{count} × {grams} g = {count * grams} g = {exact(qty)} kg",
            f"${money(price)}",
        )
    if kind == "multibuy":
        grams = rng.choice([400, 500, 600])
        qty = Fraction(3 * grams, 1000)
        unit = Fraction(round(base_per_kg * factor * Fraction(grams, 1000) * 100), 100)
        price = 2 * unit
        return (
            f"{grams} g packs at ${money(unit)} each on a 'buy 2, get 1 free' deal (you take 3 packs)",
            qty,
            price,
            f"3 × {grams} g = {exact(qty)} kg (one pack free)",
            f"2 × ${money(unit)} = ${money(price)}",
        )
    if kind == "lb":
        lbs = rng.choice([2, 3, 5])
        qty = lbs * LB_KG
        price = Fraction(round(base_per_kg * factor * qty * 100), 100)
        return (
            f"a {lbs} lb sack for ${money(price)}",
            qty,
            price,
            f"{lbs} lb = {lbs} × 0.45359237 = {exact(qty)} kg",
            f"${money(price)}",
        )
    ozs = rng.choice([12, 16, 24, 32])
    qty = ozs * OZ_G / 1000
    price = Fraction(round(base_per_kg * factor * qty * 100), 100)
    return (
        f"a {ozs} oz tub for ${money(price)}",
        qty,
        price,
        f"{ozs} oz = {ozs} × 28.349523125 g = {exact(qty)} kg",
        f"${money(price)}",
    )


def _unit_price(rng: random.Random, free_form: bool) -> Generated:
    product = rng.choice(_PRODUCTS)
    base = Fraction(rng.randint(300, 2800), 100)
    while True:
        kinds = rng.sample(["bag", "multipack", "multibuy", "lb", "oz"], 3)
        offers = [_offer(rng, base, k) for k in kinds]
        unit = [price / qty for _, qty, price, _, _ in offers]
        shown = [fixed(u, 2) for u in unit]
        order = sorted(range(3), key=lambda i: unit[i])
        if len(set(shown)) == 3 and unit[order[1]] >= unit[order[0]] * Fraction(103, 100):
            break
    labels = "ABC"
    best = labels[order[0]]
    offer_text = "; ".join(f"Offer {labels[i]}: {offers[i][0]}" for i in range(3))
    prompt = (
        f"A shop sells {product} three ways. {offer_text}. Use 1 lb = 0.45359237 kg and 1 oz = "
        "28.349523125 g. "
        "Which offer gives the lowest price per kilogram? Justify your choice with each offer's price per "
        "kilogram, to the cent."
    )
    per_kg = ", ".join(f"{labels[i]} ${shown[i]}/kg" for i in range(3))
    answer = f"Offer {best} is the best value: {per_kg}."
    rubric = (
        f"PASS only if the response concludes that Offer {best} gives the lowest price per kilogram AND "
        f"states prices per kilogram of about ${shown[0]} (A), ${shown[1]} (B) and ${shown[2]} (C), each "
        f"within ±0.02. FAIL if it picks another offer, omits the per-kilogram prices or gets one of them "
        "wrong."
    )
    worked = (
        "Quantities: " + "; ".join(f"{labels[i]} {offers[i][3]}" for i in range(3)) + ".",
        "In kilograms: " + ", ".join(f"{labels[i]} {exact(offers[i][1])} kg" for i in range(3)) + ".",
        "Prices paid: " + ", ".join(f"{labels[i]} {offers[i][4]}" for i in range(3)) + ".",
        "Price per kg: " + per_kg + ".",
        f"Lowest is {best} at ${shown[order[0]]}/kg (next: {labels[order[1]]} at ${shown[order[1]]}/kg), "
        f"so Offer {best} is the best value.",
    )
    return free(prompt, answer, worked, rubric)


UNIT_PRICE = SkillDef(
    id="unit-price-comparison",
    title="Comparing offers by unit price",
    domain="consumer-math",
    description="Decide which pack or deal is the best value by converting to a common unit price.",
    procedure=(
        "For each offer, work out the total quantity you actually receive, including any free items in a "
        "multi-buy deal.",
        "Convert every quantity to the same unit (for example kilograms) using the given conversion factors.",
        "Work out the total price actually paid for each offer.",
        "Divide each offer's price by its quantity in the common unit to get a unit price, rounded to the cent.",
        "Compare the unit prices, name the offer with the lowest one as the best value, and justify the "
        "choice with the numbers.",
    ),
    generate=_unit_price,
    free_form_share=1.0,
)

SKILLS = [RATE_CONVERSION, TIME_ZONE, UNIT_PRICE]
