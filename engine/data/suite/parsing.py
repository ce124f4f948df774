"""Formats and records: IPv4 subnets, semantic-version precedence, record validation."""

from __future__ import annotations

import calendar
import datetime as dt
import random

from engine.data.suite.base import Generated, SkillDef, free, join_and

# ---------------------------------------------------------------- ipv4-subnet

_ASK = {
    "network": "the network address of its subnet",
    "broadcast": "the broadcast address of its subnet",
    "first": "the first usable host address of its subnet",
    "last": "the last usable host address of its subnet",
}

_NAME = {
    "network": "network address",
    "broadcast": "broadcast address",
    "first": "first usable host",
    "last": "last usable host",
}


def _ipv4(rng: random.Random, free_form: bool) -> Generated:
    prefix = rng.choice([p for p in range(9, 31) if p % 8])
    first_octet = rng.choice([10, 172, 192, rng.randint(11, 223)])
    ip = [first_octet] + [rng.randint(0, 255) for _ in range(3)]
    mask_int = (0xFFFFFFFF << (32 - prefix)) & 0xFFFFFFFF
    mask = [(mask_int >> s) & 255 for s in (24, 16, 8, 0)]
    k = prefix // 8  # index of the interesting octet
    block = 256 - mask[k]
    net = ip[:k] + [ip[k] // block * block] + [0] * (3 - k)
    bc = ip[:k] + [net[k] + block - 1] + [255] * (3 - k)
    first = net[:3] + [net[3] + 1]
    last = bc[:3] + [bc[3] - 1]

    def dotted(o: list[int]) -> str:
        return ".".join(map(str, o))

    what = rng.choice(sorted(_ASK))
    ans = dotted({"network": net, "broadcast": bc, "first": first, "last": last}[what])
    host = f"{dotted(ip)}/{prefix}"
    prompt = rng.choice(
        [
            f"A host has the IPv4 address {host}. What is {_ASK[what]}?",
            f"In CIDR notation an interface is configured as {host}. Give {_ASK[what]}.",
        ]
    )
    ordinal = ["1st", "2nd", "3rd", "4th"][k]
    worked = (
        f"/{prefix} → mask {dotted(mask)}.",
        f"Interesting octet: the {ordinal} (mask {mask[k]}); block size 256 − {mask[k]} = {block}.",
        f"Largest multiple of {block} not above {ip[k]} is {net[k]}: network {dotted(net)}.",
        f"Broadcast: {net[k]} + {block - 1} = {bc[k]}, later octets 255 → {dotted(bc)}.",
        f"First host {dotted(first)}, last host {dotted(last)}; the {_NAME[what]} is {ans}.",
    )
    return Generated(prompt, ans, "string", worked)


IPV4 = SkillDef(
    id="ipv4-subnet",
    title="IPv4 subnet addresses from CIDR notation",
    domain="networking",
    description="Work out a subnet's network, broadcast and usable host range from address/prefix.",
    procedure=(
        "Turn the prefix length into a subnet mask (that many 1 bits followed by 0 bits) and write it in "
        "dotted decimal.",
        "Find the interesting octet, where the mask is neither 255 nor 0, and its block size: 256 minus the "
        "mask value of that octet.",
        "For the network address, keep the octets before the interesting one, set the interesting octet to "
        "the largest multiple of the block size not above the address's value, and set later octets to 0.",
        "For the broadcast address, add block size − 1 to the network's interesting octet and set every "
        "later octet to 255.",
        "The first usable host is the network address plus 1 and the last usable host is the broadcast "
        "address minus 1; report the one asked for.",
    ),
    generate=_ipv4,
)

# ---------------------------------------------------------------- semver-precedence


def semver_key(v: str) -> tuple:
    core, _, pre = v.split("+", 1)[0].partition("-")
    nums = tuple(int(x) for x in core.split("."))
    if not pre:
        return (nums, 1, ())
    ids = tuple((0, int(i), "") if i.isdigit() else (1, 0, i) for i in pre.split("."))
    return (nums, 0, ids)


_TAGS = [
    "alpha",
    "alpha.1",
    "alpha.2",
    "alpha.beta",
    "beta",
    "beta.2",
    "beta.11",
    "rc.1",
    "rc.2",
    "rc.10",
    "rc.9",
]


def _semver(rng: random.Random, free_form: bool) -> Generated:
    while True:
        major = rng.randint(0, 12)
        minor = rng.randint(0, 12)
        cores = {
            (major, minor, rng.randint(0, 12)),
            (major, minor + rng.choice([1, 8]), 0),
            (major, rng.randint(2, 9), rng.randint(1, 19)),
            (major + 1, 0, 0),
            (major, 10 + rng.randint(0, 4), rng.randint(0, 3)),
        }
        versions = {f"{a}.{b}.{c}" for a, b, c in rng.sample(sorted(cores), 3)}
        top = max(cores)
        for tag in rng.sample(_TAGS, 3):
            base = top if rng.random() < 0.6 else rng.choice(sorted(cores))
            versions.add(f"{base[0]}.{base[1]}.{base[2]}-{tag}")
        if rng.random() < 0.3:
            base = rng.choice(sorted(cores))
            versions.add(f"{base[0]}.{base[1]}.{base[2]}+build.{rng.randint(10, 99)}")
        keys = [semver_key(v) for v in versions]
        if len(set(keys)) == len(keys) and 5 <= len(versions) <= 7:
            break
    shown = sorted(versions)
    rng.shuffle(shown)
    ordered = sorted(versions, key=semver_key)
    want_high = rng.random() < 0.7
    ans = ordered[-1] if want_high else ordered[0]
    word = "highest" if want_high else "lowest"
    prompt = rng.choice(
        [
            f"Which of these versions has the {word} precedence under Semantic Versioning 2.0.0: "
            f"{', '.join(shown)}? Give the version exactly as written.",
            f"A package registry lists the versions {', '.join(shown)}. By SemVer 2.0.0 precedence "
            "rules, which "
            f"one is the {word}? Give the version exactly as written.",
        ]
    )
    groups: dict[tuple, list[str]] = {}
    for v in ordered:
        groups.setdefault(semver_key(v)[0], []).append(v)
    core_order = " < ".join(".".join(map(str, c)) for c in groups)
    tagged = {c: g for c, g in groups.items() if len(g) > 1}
    tag_notes = [" < ".join(g) for g in tagged.values()]
    worked = (
        "Parsed: "
        + "; ".join(
            f"{v} → {'.'.join(map(str, semver_key(v)[0]))}"
            + (f" pre-release {v.split('+')[0].partition('-')[2]}" if "-" in v.split("+")[0] else "")
            + (" (build metadata ignored)" if "+" in v else "")
            for v in shown
        )
        + ".",
        f"By major.minor.patch as numbers: {core_order}.",
        "Within a shared core, pre-releases rank below the release."
        if any(semver_key(v)[1] == 1 for g in tagged.values() for v in g)
        else "No release shares its core with a pre-release.",
        "Pre-release order within each core: " + ("; ".join(tag_notes) if tag_notes else "no ties to break") + ".",
        f"Full order: {' < '.join(ordered)}; the {word} is {ans}.",
    )
    return Generated(prompt, ans, "string", worked)


SEMVER = SkillDef(
    id="semver-precedence",
    title="Ordering versions by Semantic Versioning precedence",
    domain="software",
    description="Rank version strings by SemVer 2.0.0 precedence, including pre-release tags.",
    procedure=(
        "Split each version into its major, minor and patch numbers and an optional pre-release tag after "
        "the hyphen, ignoring any build metadata after a plus sign.",
        "Compare major, then minor, then patch as whole numbers, not as text (so 1.10.0 is above 1.9.0).",
        "When the three numbers are equal, a version without a pre-release tag ranks above one with a tag.",
        "Compare two pre-release tags identifier by identifier, splitting on dots: numbers compare "
        "numerically, other identifiers compare as text in ASCII order, a numeric identifier ranks below a "
        "text one, and a tag that runs out of identifiers first ranks lower.",
        "Apply these comparisons across the whole list and pick the version that was asked for.",
    ),
    generate=_semver,
)

# ---------------------------------------------------------------- record-validation (free form)

_FIRST = ["ana", "ben", "chloe", "dev", "emil", "fatima", "goran", "hana", "ivan", "jun", "kemi", "lars"]
_DOMAINS = ["mail.com", "example.org", "post.co.uk", "inbox.net", "web.de"]
RULES = (
    "R1: email has exactly one @, text before it, and a dot inside the domain after it",
    "R2: date is a real calendar date (YYYY-MM-DD)",
    "R3: qty is a whole number 1-99",
    "R4: zip is exactly 5 digits",
)


def _valid_field(rng: random.Random, rule: int) -> str:
    if rule == 0:
        return f"{rng.choice(_FIRST)}@{rng.choice(_DOMAINS)}"
    if rule == 1:
        if rng.random() < 0.3:  # a tricky but valid date
            return rng.choice(["2024-02-29", "2000-02-29", "2023-12-31", "2021-04-30"])
        d = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randint(0, 1800))
        return d.isoformat()
    if rule == 2:
        return str(rng.choice([1, 99] + [rng.randint(2, 98) for _ in range(4)]))
    return f"{rng.randint(0, 99999):05d}"


def _invalid_field(rng: random.Random, rule: int) -> tuple[str, str]:
    """(value, why it breaks the rule)."""
    if rule == 0:
        user, dom = rng.choice(_FIRST), rng.choice(_DOMAINS)
        return rng.choice(
            [
                (f"{user}{dom}", "it has no @"),
                (f"{user}@@{dom}", "it has two @"),
                (f"{user}@{dom.split('.')[0]}", "the domain has no dot"),
                (f"{user}@{dom}.", "the domain ends with a dot"),
                (f"@{dom}", "nothing comes before the @"),
            ]
        )
    if rule == 1:
        y = rng.choice([2021, 2022, 2023, 2025, 1900])
        m, d = rng.choice([(2, 29), (2, 30), (4, 31), (6, 31), (9, 31), (11, 31), (13, 5)])
        if m == 2 and d == 29:
            return f"{y}-02-29", f"{y} is not a leap year, so February has 28 days"
        if m == 13:
            return f"{y}-13-05", "there is no month 13"
        return f"{y}-{m:02d}-{d}", f"month {m} has only {calendar.monthrange(2023, m)[1]} days"
    if rule == 2:
        return rng.choice(
            [
                ("0", "0 is below 1"),
                ("100", "100 is above 99"),
                ("-3", "-3 is below 1"),
                ("7.5", "7.5 is not a whole number"),
                ("120", "120 is above 99"),
            ]
        )
    return rng.choice(
        [
            (f"{rng.randint(1000, 9999)}", "it has only 4 digits"),
            (f"{rng.randint(100000, 999999)}", "it has 6 digits"),
            (f"{rng.randint(10, 99)}A{rng.randint(10, 99)}", "it contains a letter"),
        ]
    )


def _records(rng: random.Random, free_form: bool) -> Generated:
    n = 5
    base_id = rng.randint(10, 89) * 100
    ids = [base_id + i + 1 for i in range(n)]
    bad_idx = sorted(rng.sample(range(n), rng.randint(1, 3)))
    rows, problems = [], {}
    for i, rid in enumerate(ids):
        fields = [_valid_field(rng, r) for r in range(4)]
        if i in bad_idx:
            rule = rng.randrange(4)
            value, why = _invalid_field(rng, rule)
            fields[rule] = value
            problems[rid] = (rule, value, why)
        rows.append(f"{rid},{','.join(fields)}")
    table = " | ".join(["id,email,date,qty,zip", *rows])
    prompt = (
        f"Validate these CSV records (rows separated by |): {table}. Rules: {'; '.join(RULES)}. Which "
        "records are "
        "invalid, and which rule does each break?"
    )
    good = [rid for rid in ids if rid not in problems]
    bad_text = "; ".join(f"{rid} breaks R{r + 1} ({v!r}: {why})" for rid, (r, v, why) in problems.items())
    answer = f"Invalid: {bad_text}. Valid: {join_and([str(g) for g in good])}."
    rubric = (
        f"PASS only if the response flags exactly {'the records' if len(problems) > 1 else 'the record'} "
        f"{join_and([str(k) for k in problems])} as "
        "invalid ("
        + ", ".join(f"{rid} for rule R{r + 1}" for rid, (r, _, _) in problems.items())
        + f") and treats {join_and([str(g) for g in good])} as valid. FAIL if it misses an invalid "
        "record, flags "
        "a valid one, or names the wrong rule."
    )
    worked = (
        "Checks: R1 count @ and look for an inner dot in the domain; R2 month 1–12 and day within the month; "
        "R3 integer between 1 and 99; R4 five digits, nothing else.",
        f"Fields per record: id, email, date, qty, zip ({n} records).",
        "Failures: " + "; ".join(f"{rid} R{r + 1} ({v})" for rid, (r, v, _) in problems.items()) + ".",
        "Borderline values checked: " + "; ".join(f"{rid}: {why}" for rid, (_, _, why) in problems.items()) + ".",
        f"Invalid: {', '.join(f'{rid} (R{r + 1})' for rid, (r, _, _) in problems.items())}; valid: "
        f"{', '.join(map(str, good))}.",
    )
    return free(prompt, answer, worked, rubric)


RECORDS = SkillDef(
    id="record-validation",
    title="Validating records against field rules",
    domain="data-validation",
    description="Check each record of a small CSV extract against explicit rules and report violations.",
    procedure=(
        "Restate each rule as a concrete check on one field, saying exactly what passes and what fails.",
        "Split every record into fields at the delimiter and match each value to its column in the header.",
        "Apply every rule to every record and note each failure with the record id and the rule number.",
        "For dates, confirm that the month is 1–12 and the day does not exceed that month's length; "
        "February has 29 days only in leap years (divisible by 4, except centuries not divisible by 400).",
        "Report each invalid record with the rule it breaks and the offending value, and state that all "
        "other records are valid.",
    ),
    generate=_records,
    free_form_share=1.0,
)

SKILLS = [IPV4, SEMVER, RECORDS]
