"""Calendar procedures: weekday of a date, adding days, business days, adding months."""

from __future__ import annotations

import calendar
import datetime as dt
import random

from engine.data.suite.base import Generated, SkillDef

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def month_len(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def rand_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def long_date(d: dt.date) -> str:
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


# ---------------------------------------------------------------- day-of-week (Zeller)

_ZELLER = ("Saturday", "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


def _day_of_week(rng: random.Random, free_form: bool) -> Generated:
    d = rand_date(rng, dt.date(1700, 1, 1), dt.date(2199, 12, 31))
    if rng.random() < 0.3:  # January and February need the year adjustment
        d = d.replace(month=rng.choice([1, 2]), day=min(d.day, 28))
    style = rng.randrange(3)
    shown = d.isoformat() if style == 0 else long_date(d) if style == 1 else f"{MONTHS[d.month - 1]} {d.day}, {d.year}"
    templates = [
        f"What day of the week is {shown}?",
        f"On which day of the week does {shown} fall in the Gregorian calendar?",
    ]
    if d.year < 2025:
        templates.append(f"An archived record is dated {shown}. On which day of the week did that date fall?")
    else:
        templates.append(f"A contract is due to be signed on {shown}. Which day of the week is that?")
    prompt = rng.choice(templates)
    q, m, y = d.day, d.month, d.year
    if m <= 2:
        step1 = f"q = {q}; {MONTHS[m - 1]} counts as m = {m + 12} of the previous year, so Y = {y - 1}."
        m, y = m + 12, y - 1
    else:
        step1 = f"q = {q}, m = {m}, Y = {y} (no January/February adjustment)."
    k, j = y % 100, y // 100
    t1, t3, t4, t5 = 13 * (m + 1) // 5, k // 4, j // 4, 5 * j
    total = q + t1 + k + t3 + t4 + t5
    h = total % 7
    ans = _ZELLER[h]
    assert ans == WEEKDAYS[d.weekday()]
    worked = (
        step1,
        f"K = {y} mod 100 = {k}, J = floor({y} / 100) = {j}.",
        f"Terms: floor(13 × {m + 1} / 5) = {t1}, K = {k}, floor(K / 4) = {t3}, floor(J / 4) = {t4}, 5J = {t5}.",
        f"h = ({q} + {t1} + {k} + {t3} + {t4} + {t5}) mod 7 = {total} mod 7 = {h}.",
        f"h = {h} means {ans}.",
    )
    return Generated(prompt, ans, "choice", worked, choices=WEEKDAYS)


DAY_OF_WEEK = SkillDef(
    id="day-of-week",
    title="Day of the week with Zeller's congruence",
    domain="dates",
    description="Find the weekday of any Gregorian date by arithmetic alone.",
    procedure=(
        "Let q be the day of the month, m the month number and Y the year; for January or February use "
        "m = 13 or 14 and subtract 1 from Y.",
        "Split the (adjusted) year into K = Y mod 100 and J = floor(Y / 100).",
        "Compute the terms floor(13 × (m + 1) / 5), K, floor(K / 4), floor(J / 4) and 5 × J.",
        "Add q and those five terms and take the sum modulo 7 to get h.",
        "Map h to the weekday: 0 = Saturday, 1 = Sunday, 2 = Monday, 3 = Tuesday, 4 = Wednesday, "
        "5 = Thursday, 6 = Friday.",
    ),
    generate=_day_of_week,
)

# ---------------------------------------------------------------- add-days


def _add_days(rng: random.Random, free_form: bool) -> Generated:
    start = rand_date(rng, dt.date(1990, 1, 1), dt.date(2035, 12, 31))
    n = rng.randint(35, 420)
    end = start + dt.timedelta(days=n)
    ans = end.isoformat()
    kind = rng.randrange(3)
    if kind == 0:
        prompt = f"What date is {n} days after {start.isoformat()}? Give the date as YYYY-MM-DD."
    elif kind == 1:
        prompt = (
            f"A cargo ship leaves port on {long_date(start)} and the voyage takes exactly {n} days. "
            "On what date does it arrive? Give the date as YYYY-MM-DD."
        )
    else:
        prompt = (
            f"A notice period of {n} days starts on {start.isoformat()}; it ends on the date {n} days "
            "after the start date. On what date does it end? Give the date as YYYY-MM-DD."
        )
    ml = month_len(start.year, start.month)
    left = ml - start.day
    rem = n - left
    y, m = start.year, start.month
    skipped = []
    while True:
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        length = month_len(y, m)
        if rem <= length:
            break
        rem -= length
        skipped.append(f"{MONTHS[m - 1][:3]} {y} ({length}) → {rem}")
    assert dt.date(y, m, rem) == end
    step4 = "Whole months: " + ", ".join(skipped) + "." if skipped else f"N = {n - left} fits in the next month."
    worked = (
        f"Start {start.isoformat()}, N = {n}.",
        f"{MONTHS[start.month - 1]} {start.year} has {ml} days: {ml} − {start.day} = {left} remain; {n} > {left}.",
        f"N = {n} − {left} = {n - left}; now at {dt.date(start.year, start.month, ml).isoformat()}.",
        step4,
        f"Day {rem} of {MONTHS[m - 1]} {y}: {ans}.",
    )
    return Generated(prompt, ans, "date", worked)


ADD_DAYS = SkillDef(
    id="add-days",
    title="Adding a number of days to a date",
    domain="dates",
    description="Count forward across month and year boundaries, leap years included.",
    procedure=(
        "Write down the start date and the number N of days to add.",
        "Find the days remaining in the start month (its length minus the start day; February has 29 "
        "days in a leap year); if N is no more than that, add N to the day and skip to step 5.",
        "Otherwise subtract the remaining days from N and move to the last day of the start month.",
        "While N is larger than the length of the next month, subtract that month's length from N and "
        "move to that month's last day.",
        "The answer is day N of the next month (or the day reached in step 2), written as YYYY-MM-DD.",
    ),
    generate=_add_days,
)

# ---------------------------------------------------------------- business-days


def _business_days(rng: random.Random, free_form: bool) -> Generated:
    start = rand_date(rng, dt.date(2019, 1, 1), dt.date(2031, 12, 31))
    span = rng.randint(16, 75)
    end = start + dt.timedelta(days=span - 1)
    inside = [start + dt.timedelta(days=i) for i in sorted(rng.sample(range(1, span - 1), 3))]
    weekday_inside = [h for h in inside if h.weekday() < 5]
    if not weekday_inside:
        return _business_days(rng, free_form)
    holidays = inside[:2] if rng.random() < 0.5 else inside
    if rng.random() < 0.5:
        holidays = holidays + [end + dt.timedelta(days=rng.randint(2, 20))]
    holidays = sorted(holidays)
    counted = [h for h in holidays if start <= h <= end and h.weekday() < 5]
    days = [start + dt.timedelta(days=i) for i in range(span)]
    ans = sum(1 for d in days if d.weekday() < 5 and d not in holidays)
    weeks, left = divmod(span, 7)
    tail = [WEEKDAYS[(start.weekday() + i) % 7] for i in range(left)]
    tail_bd = sum(1 for w in tail if w not in ("Saturday", "Sunday"))
    assert ans == weeks * 5 + tail_bd - len(counted)
    hol_text = ", ".join(h.isoformat() for h in holidays)
    prompt = rng.choice(
        [
            f"How many business days (Monday to Friday) are there from {WEEKDAYS[start.weekday()]} "
            f"{start.isoformat()} to {end.isoformat()}, counting both dates, if these public holidays "
            f"are not worked: {hol_text}?",
            f"A contractor bills only for weekdays (Monday to Friday) that are not public holidays. The job "
            f"runs from {start.isoformat()} (a {WEEKDAYS[start.weekday()]}) to {end.isoformat()}, both days "
            f"included. The public holidays are {hol_text}. How many days are billed?",
        ]
    )
    notes = []
    for h in holidays:
        if not start <= h <= end:
            notes.append(f"{h.isoformat()} is outside the range")
        elif h.weekday() >= 5:
            notes.append(f"{h.isoformat()} is a {WEEKDAYS[h.weekday()]} (no change)")
        else:
            notes.append(f"{h.isoformat()} is a {WEEKDAYS[h.weekday()]} (subtract 1)")
    sub = weeks * 5 + tail_bd
    worked = (
        f"{start.isoformat()} to {end.isoformat()} inclusive is {span} days.",
        f"{span} = {weeks} full weeks ({weeks * 5} business days) + {left} leftover days.",
        f"Leftover days from {WEEKDAYS[start.weekday()]}: "
        + (", ".join(tail) if tail else "none")
        + f" → {tail_bd} business days; subtotal {sub}.",
        "Holidays: " + "; ".join(notes) + f" → subtract {len(counted)}.",
        f"{sub} − {len(counted)} = {ans} business days.",
    )
    return Generated(prompt, str(ans), "integer", worked)


BUSINESS_DAYS = SkillDef(
    id="business-days",
    title="Counting business days between two dates",
    domain="dates",
    description="Count Monday-to-Friday working days in a date range, minus public holidays.",
    procedure=(
        "Count the calendar days from the start date to the end date, both inclusive.",
        "Split that count into full weeks (count ÷ 7) and leftover days (count mod 7); each full week "
        "contributes 5 business days.",
        "The leftover days begin on the same weekday as the start date: walk through them and count the "
        "ones that fall Monday to Friday.",
        "For each listed holiday, work out its weekday and subtract 1 only if it lies inside the range "
        "and falls Monday to Friday.",
        "Add the full-week and leftover business days, subtract the holidays, and report the total.",
    ),
    generate=_business_days,
)

# ---------------------------------------------------------------- add-months


def _add_months(rng: random.Random, free_form: bool) -> Generated:
    y0 = rng.randint(1995, 2035)
    m0 = rng.randint(1, 12)
    ml0 = month_len(y0, m0)
    d0 = rng.randint(28, ml0) if rng.random() < 0.7 else rng.randint(1, ml0)
    n = rng.randint(1, 40)
    total = m0 - 1 + n
    y1, m1 = y0 + total // 12, total % 12 + 1
    ml1 = month_len(y1, m1)
    d1 = min(d0, ml1)
    ans = dt.date(y1, m1, d1).isoformat()
    start = dt.date(y0, m0, d0).isoformat()
    kind = rng.randrange(3)
    if kind == 0:
        prompt = (
            f"Add {n} months to {start}. If the resulting month has no such day, use the last day of "
            "that month. Give the date as YYYY-MM-DD."
        )
    elif kind == 1:
        prompt = (
            f"A lease starts on {start} and runs for {n} months. By contract, the end date is the same "
            f"day of the month {n} months later, or that month's last day if the day does not exist. "
            "What is the end date? Give it as YYYY-MM-DD."
        )
    else:
        prompt = (
            f"A bond issued on {start} matures {n} months later (same day of the month, moved back to "
            "the month's last day when that day does not exist). What is its maturity date? Give the "
            "date as YYYY-MM-DD."
        )
    leap = calendar.isleap(y1)
    feb = f" ({y1} is {'a' if leap else 'not a'} leap year)" if m1 == 2 else ""
    step5 = f"Day {d0} fits, so the date is {ans}." if d0 <= ml1 else f"Day {d0} > {ml1}, so use day {ml1}: {ans}."
    worked = (
        f"Year {y0}, month {m0}, day {d0}.",
        f"total = {m0} − 1 + {n} = {total}.",
        f"New year = {y0} + floor({total} / 12) = {y1}; new month = {total} mod 12 + 1 = {m1}.",
        f"{MONTHS[m1 - 1]} {y1} has {ml1} days{feb}.",
        step5,
    )
    return Generated(prompt, ans, "date", worked)


ADD_MONTHS = SkillDef(
    id="add-months",
    title="Adding months to a date with end-of-month clamping",
    domain="dates",
    description="Shift a date by whole months, clamping the day to the target month's length.",
    procedure=(
        "Split the start date into year, month and day.",
        "Compute total = month − 1 + the number of months to add.",
        "The new year is year + floor(total / 12) and the new month is (total mod 12) + 1.",
        "Find the length of the new month; February has 29 days in a leap year (divisible by 4, except "
        "century years not divisible by 400) and 28 otherwise.",
        "Keep the original day if it fits in the new month, otherwise use the month's last day, and "
        "write the result as YYYY-MM-DD.",
    ),
    generate=_add_months,
)

SKILLS = [DAY_OF_WEEK, ADD_DAYS, BUSINESS_DAYS, ADD_MONTHS]
