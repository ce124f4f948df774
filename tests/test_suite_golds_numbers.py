"""Independent re-derivation of the suite's numeric gold answers: arithmetic, finance, statistics,
geometry, graphs and schedules, units. Parameters are read back out of the prompts and the answer
recomputed another way (Fraction, Decimal, brute force...), so a generator bug cannot hide behind itself.
"""

from __future__ import annotations

import itertools
import math
import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest

from tests.conftest import by_skill


def _ints(text: str) -> list[int]:
    return [int(x.replace(",", "")) for x in re.findall(r"-?\d[\d,]*", text)]


def test_gold_gcd_modpow_fractions(suite) -> None:
    _, tasks, _ = suite
    for t in by_skill(tasks, "gcd-euclid"):
        a, b = _ints(t.prompt)[:2]
        assert int(t.answer) == math.gcd(a, b)
    for t in by_skill(tasks, "modular-exponentiation"):
        a, e, m = _ints(t.prompt)[:3]
        assert int(t.answer) == pow(a, e, m)
    for t in by_skill(tasks, "fraction-arithmetic"):
        fr = re.findall(r"(\d+)/(\d+)", t.prompt)
        signs = re.findall(r"\d+/\d+ ([+−]) ", t.prompt)
        if "sawn off" in t.prompt:
            signs = ["+", "−"]
        vals = [Fraction(int(n), int(d)) for n, d in fr[:3]]
        total = vals[0] + sum((v if s == "+" else -v) for s, v in zip(signs, vals[1:], strict=True))
        assert t.answer == f"{total.numerator}/{total.denominator}"


def test_gold_percent_chain(suite) -> None:
    _, tasks, _ = suite
    for t in by_skill(tasks, "percent-change-chain"):
        mult = Decimal(1)
        for direction, p in re.findall(r"(rises|falls) by ([\d.]+)%", t.prompt):
            mult *= 1 + (Decimal(p) if direction == "rises" else -Decimal(p)) / 100
        if "starts at $" in t.prompt:
            start = Decimal(re.search(r"starts at \$(\d+\.\d\d)", t.prompt).group(1))
            want = (start * mult).quantize(Decimal("0.01"), ROUND_HALF_UP)
        else:
            want = ((mult - 1) * 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert Decimal(t.answer) == want, t.id


def test_gold_finance(suite) -> None:
    _, tasks, _ = suite
    cent = Decimal("0.01")
    for t in by_skill(tasks, "compound-interest"):
        bal = Decimal(re.search(r"\$(\d+\.\d\d)", t.prompt).group(1))
        rate = Decimal(re.search(r"([\d.]+)% ", t.prompt).group(1)) / 100
        dep = re.search(r"\$(\d+\.\d\d) deposit", t.prompt)
        years = int(re.search(r"after (\d+) years", t.prompt).group(1))
        for _ in range(years):
            bal += (bal * rate).quantize(cent, ROUND_HALF_UP) + (Decimal(dep.group(1)) if dep else 0)
        assert Decimal(t.answer) == bal, t.id
    for t in by_skill(tasks, "loan-balance"):
        principal, payment = (Decimal(x) for x in re.findall(r"\$(\d+\.\d\d)", t.prompt)[:2])
        rate = Decimal(re.search(r"([\d.]+)% annual", t.prompt).group(1))
        n = int(re.search(r"after the (\d)", t.prompt).group(1))
        bal = principal
        for _ in range(n):
            bal -= payment - (bal * rate / 1200).quantize(cent, ROUND_HALF_UP)
        assert Decimal(t.answer) == bal, t.id
    for t in by_skill(tasks, "break-even-units"):
        money = [Decimal(x) for x in re.findall(r"\$(\d+\.\d\d)", t.prompt)]
        price, var, costs = money[0], money[1], money[2:]
        units = math.ceil(sum(costs) / (price - var))
        assert int(t.answer) == units, t.id
    for t in by_skill(tasks, "progressive-tax"):
        income = Decimal(re.search(r"income of \$(\d+\.\d\d)", t.prompt).group(1))
        tax = Decimal(0)
        for rate, lo, hi in re.findall(r"(\d+)% on income (?:from|above) \$([\d,]+)(?: to \$([\d,]+))?", t.prompt):
            lo_d = Decimal(lo.replace(",", ""))
            hi_d = Decimal(hi.replace(",", "")) if hi else income
            tax += max(Decimal(0), min(income, hi_d) - lo_d) * Decimal(rate) / 100
        want = tax / income * 100 if "effective" in t.prompt else tax
        assert Decimal(t.answer) == want.quantize(cent, ROUND_HALF_UP), t.id
    for t in by_skill(tasks, "loan-comparison"):
        principal = Decimal(re.search(r"borrow \$(\d+\.\d\d)", t.prompt).group(1))
        years = Decimal(re.search(r"for (\d+) months", t.prompt).group(1)) / 12
        costs = []
        offers = re.findall(
            r"Loan [AB] charges ([\d.]+)% simple annual interest with "
            r"(?:a ([\d.]+)% origination fee|a \$(\d+\.\d\d) arrangement fee|no fees)",
            t.prompt,
        )
        for rate, pct_fee, flat_fee in offers:
            fee = principal * Decimal(pct_fee) / 100 if pct_fee else Decimal(flat_fee or 0)
            interest = (principal * Decimal(rate) / 100 * years).quantize(cent, ROUND_HALF_UP)
            costs.append(interest + fee.quantize(cent, ROUND_HALF_UP))
        assert len(costs) == 2
        winner = "A" if costs[0] < costs[1] else "B"
        assert t.answer.startswith(f"Loan {winner} is cheaper"), t.id
        assert f"A = {costs[0]:.2f}" in t.answer
        assert f"B = {costs[1]:.2f}" in t.answer


def test_gold_statistics(suite) -> None:
    _, tasks, _ = suite

    def med(xs: list[float]) -> float:
        xs = sorted(xs)
        n = len(xs)
        return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2

    for t in by_skill(tasks, "quartiles-iqr"):
        data = sorted(float(x) for x in re.search(r": ([\d., ]+)\.", t.prompt).group(1).split(", "))
        h = len(data) // 2
        q1, q3 = med(data[:h]), med(data[-h:])
        want = q3 + 1.5 * (q3 - q1) if "fence" in t.prompt else q3 - q1
        assert float(t.answer) == pytest.approx(want), t.id
    for t in by_skill(tasks, "bayes-posterior"):
        sens, spec = (float(x) / 100 for x in re.findall(r"(?:sensitivity|specificity) ([\d.]+)%", t.prompt))
        prev = float(re.search(r"affects ([\d.]+)%", t.prompt).group(1)) / 100
        post = 100 * prev * sens / (prev * sens + (1 - prev) * (1 - spec))
        shown = f"{Decimal(post).quantize(Decimal('0.1'), ROUND_HALF_UP)}"
        if t.scoring == "llm":
            assert post < 50
            assert f"{shown}%" in t.answer
            assert t.answer.startswith("No")
            sick = round(100_000 * prev)
            tp, fp = round(sick * sens), round((100_000 - sick) * (1 - spec))
            assert f"= {tp} / ({tp} + {fp})" in t.answer, t.id
        else:
            assert abs(float(t.answer) - post) <= 0.05 + 1e-9, t.id
    for t in by_skill(tasks, "ab-test-significance"):
        na, ca, nb, cb = _ints(t.prompt)[:4]
        p = (ca + cb) / (na + nb)
        z = (cb / nb - ca / na) / math.sqrt(p * (1 - p) * (1 / na + 1 / nb))
        assert f"z = {z:.2f}" in t.answer, t.id
        pa, pb = (Decimal(100 * c) / n for c, n in ((ca, na), (cb, nb)))
        two = Decimal("0.01")
        assert f"pA = {pa.quantize(two, ROUND_HALF_UP)}%, pB = {pb.quantize(two, ROUND_HALF_UP)}%" in t.answer
        assert ("not statistically significant" in t.answer) == (abs(z) < 1.96)


def test_gold_geometry(suite) -> None:
    _, tasks, _ = suite
    for t in by_skill(tasks, "shoelace-area"):
        pts = [(int(x), int(y)) for x, y in re.findall(r"\((-?\d+), (-?\d+)\)", t.prompt)]
        # trapezoid formula, a different route to the same area
        area = abs(sum((x2 - x1) * (y2 + y1) for (x1, y1), (x2, y2) in zip(pts, pts[1:] + pts[:1], strict=True))) / 2
        assert float(t.answer) == area, t.id
    for t in by_skill(tasks, "heron-area"):
        a, b, c = (int(x) for x in re.search(r"(\d+)\D+?(\d+)\D+?and (\d+)", t.prompt).groups())
        area = math.sqrt((a + b + c) * (-a + b + c) * (a - b + c) * (a + b - c)) / 4
        assert abs(float(t.answer) - area) <= 0.005 + 1e-9, t.id


def test_gold_graphs_and_schedules(suite) -> None:
    _, tasks, _ = suite
    for t in by_skill(tasks, "shortest-path"):
        edges = [(u, v, int(w)) for u, v, w in re.findall(r"([A-G])–([A-G]) (\d+)", t.prompt)]
        dest = re.search(r"to (?:node )?([A-G])\b", t.prompt).group(1)
        nodes = sorted({n for u, v, _ in edges for n in (u, v)})
        d = {(a, b): (0 if a == b else math.inf) for a in nodes for b in nodes}
        for u, v, w in edges:
            d[u, v] = d[v, u] = min(d[u, v], w)
        for k, i, j in itertools.product(nodes, nodes, nodes):  # Floyd–Warshall
            d[i, j] = min(d[i, j], d[i, k] + d[k, j])
        assert int(t.answer) == d["A", dest], t.id
    for t in by_skill(tasks, "meeting-slot"):
        start, end = (int(h) * 60 + int(m) for h, m in re.findall(r"(\d{2}):(\d{2})", t.prompt)[:2])
        length = int(re.search(r"(\d+)-minute", t.prompt).group(1))
        busy = [
            (int(a) * 60 + int(b), int(c) * 60 + int(d))
            for a, b, c, d in re.findall(r"(\d{2}):(\d{2})–(\d{2}):(\d{2})", t.prompt)
        ]
        busy = [b for b in busy if b != (start, end)]
        free_minutes = [m for m in range(start, end) if not any(s <= m < e for s, e in busy)]
        slot = next(m for m in free_minutes if all(m + k in free_minutes for k in range(length)))
        assert t.answer == f"{slot // 60:02d}:{slot % 60:02d}", t.id
    for t in by_skill(tasks, "critical-path"):
        acts = {
            n: (int(d), [p for p in pre.split(", ") if p != "none"])
            for n, d, pre in re.findall(r"([A-G]) (\d+) days \(([^)]*)\)", t.prompt)
        }

        def longest(n: str, acts: dict[str, tuple[int, list[str]]]) -> tuple[int, tuple[str, ...]]:
            dur, pre = acts[n]
            best = max((longest(p, acts) for p in pre), default=(0, ()))
            return best[0] + dur, best[1] + (n,)

        total, path = max(longest(n, acts) for n in acts)
        assert f"Minimum duration {total} days; critical path {' → '.join(path)};" in t.answer, t.id


def test_gold_units(suite) -> None:
    _, tasks, _ = suite
    si = {  # SI value of each unit, independent of the generator's factor lists
        "US gallons": 0.003785411784,
        "US gallon": 0.003785411784,
        "litres": 0.001,
        "litre": 0.001,
        "miles": 1609.344,
        "metres": 1.0,
        "kilometres": 1000.0,
        "feet": 0.3048,
        "minute": 60.0,
        "hour": 3600.0,
        "second": 1.0,
        "pounds": 0.45359237,
        "kilograms": 1.0,
        "acre": 4046.8564224,
        "hectare": 10000.0,
    }
    for t in by_skill(tasks, "unit-rate-conversion"):
        v, num, den = re.search(
            r"([\d.]+) (US gallons|miles|pounds|feet) per (minute|hour|US gallon|acre|second)", t.prompt
        ).groups()
        tnum, tden = re.search(
            r"in (litres|metres|kilometres|kilograms) per (hour|second|litre|hectare)", t.prompt
        ).groups()
        want = float(v) * si[num] / si[den] / (si[tnum] / si[tden])
        assert abs(float(t.answer) - want) <= 0.005 + 1e-6, t.id
    for t in by_skill(tasks, "unit-price-comparison"):
        per_kg = {}
        for label, text in re.findall(r"Offer ([ABC]): ([^;]*?)(?=; Offer|\. Use)", t.prompt):
            prices = [Decimal(p) for p in re.findall(r"\$(\d+\.\d\d)", text)]
            if m := re.search(r"(\d+) × (\d+) g", text):
                kg, paid = Decimal(int(m.group(1)) * int(m.group(2))) / 1000, prices[0]
            elif m := re.search(r"(\d+) g packs .*buy 2, get 1 free", text):
                kg, paid = Decimal(3 * int(m.group(1))) / 1000, 2 * prices[0]
            elif m := re.search(r"([\d.]+) (kg|g|lb|oz) ", text):
                factor = {"kg": "1", "g": "0.001", "lb": "0.45359237", "oz": "0.028349523125"}[m.group(2)]
                kg, paid = Decimal(m.group(1)) * Decimal(factor), prices[0]
            per_kg[label] = paid / kg
        assert sorted(per_kg) == ["A", "B", "C"], t.id
        best = min(per_kg, key=per_kg.get)
        assert t.answer.startswith(f"Offer {best} is the best value"), t.id
        for label, value in per_kg.items():
            assert f"{label} ${Decimal(value).quantize(Decimal('0.01'), ROUND_HALF_UP)}/kg" in t.answer, t.id
