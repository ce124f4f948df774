"""Geometry: polygon area by the shoelace formula, triangle area by Heron's formula."""

from __future__ import annotations

import math
import random
from fractions import Fraction

from engine.data.suite.base import Generated, SkillDef, exact, fixed

# ---------------------------------------------------------------- shoelace-area


def shoelace(points: list[tuple[int, int]]) -> Fraction:
    s = sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1], strict=True))
    return Fraction(abs(s), 2)


def _p(n: int) -> str:
    return f"({n})" if n < 0 else str(n)


def _shoelace(rng: random.Random, free_form: bool) -> Generated:
    while True:
        k = rng.randint(4, 6)
        cx, cy = rng.randint(-4, 14), rng.randint(-4, 14)
        pts = {(cx + rng.randint(-9, 9), cy + rng.randint(-9, 9)) for _ in range(k)}
        if len(pts) < k or (cx, cy) in pts:
            continue
        # sort by angle around the centre: a star-shaped, hence simple, polygon
        ordered = sorted(pts, key=lambda p: math.atan2(p[1] - cy, p[0] - cx))
        angles = [math.atan2(p[1] - cy, p[0] - cx) for p in ordered]
        if len(set(round(a, 9) for a in angles)) < k:
            continue
        gaps = [(angles[(i + 1) % k] - angles[i]) % (2 * math.pi) for i in range(k)]
        if max(gaps) >= math.pi - 0.05:  # the centre must be strictly inside
            continue
        cross = [x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ordered, ordered[1:] + ordered[:1], strict=True)]
        if any(c == 0 for c in cross) or shoelace(ordered) < 20:
            continue
        break
    if rng.random() < 0.5:
        ordered.reverse()
    start = rng.randrange(k)
    pts_l = ordered[start:] + ordered[:start]
    cyc = list(zip(pts_l, pts_l[1:] + pts_l[:1], strict=True))
    cross = [x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in cyc]
    total = sum(cross)
    area = Fraction(abs(total), 2)
    ans = exact(area)
    shown = ", ".join(f"({x}, {y})" for x, y in pts_l)
    prompt = rng.choice(
        [
            f"A plot of land has corners at {shown}, listed in order around its boundary (coordinates in "
            "metres). What is its area in square metres?",
            f"Find the area of the polygon whose vertices, taken in order, are {shown}.",
        ]
    )
    worked = (
        "Vertices with the first repeated: " + " ".join(f"({x},{y})" for x, y in pts_l + pts_l[:1]) + ".",
        "Cross products: "
        + "; ".join(
            f"{_p(x1)}×{_p(y2)} − {_p(x2)}×{_p(y1)} = {c}" for ((x1, y1), (x2, y2)), c in zip(cyc, cross, strict=True)
        )
        + ".",
        f"Sum = {total}.",
        f"|{total}| = {abs(total)}.",
        f"Area = {abs(total)} / 2 = {ans}.",
    )
    return Generated(prompt, ans, "number", worked)


SHOELACE = SkillDef(
    id="shoelace-area",
    title="Area of a polygon by the shoelace formula",
    domain="geometry",
    description="Compute the area of a simple polygon from the coordinates of its vertices.",
    procedure=(
        "List the vertices in order around the polygon and repeat the first vertex at the end.",
        "For each consecutive pair of vertices (x1, y1) and (x2, y2), compute the cross product x1 × y2 − x2 × y1.",
        "Add up all the cross products.",
        "Take the absolute value of the sum.",
        "Divide by 2 to get the area.",
    ),
    generate=_shoelace,
)

# ---------------------------------------------------------------- heron-area


def _sqrt_round(x: Fraction, places: int) -> str:
    """sqrt(x) rounded half-up to `places` decimals, exactly (integer square roots)."""
    scale = 10 ** (2 * (places + 1))
    r = math.isqrt(int(x * scale))  # floor of sqrt(x) × 10^(places+1)
    # the true root is at least r / 10^(places+1), and below the next step, so half-up rounding on the
    # truncated extra digit is exact
    return fixed(Fraction(r, 10 ** (places + 1)), places)


def _heron(rng: random.Random, free_form: bool) -> Generated:
    while True:
        a, b, c = (rng.randint(5, 48) for _ in range(3))
        if a + b > c + 2 and a + c > b + 2 and b + c > a + 2:
            break
    s = Fraction(a + b + c, 2)
    prod = s * (s - a) * (s - b) * (s - c)
    ans = _sqrt_round(prod, 2)
    assert abs(float(ans) - math.sqrt(prod)) < 0.006
    unit, thing = rng.choice(
        [("m", "triangular garden bed"), ("cm", "triangular metal plate"), ("km", "triangular survey zone")]
    )
    prompt = rng.choice(
        [
            f"A {thing} has sides of {a} {unit}, {b} {unit} and {c} {unit}. What is its area in square "
            f"{unit}? "
            "Round to 2 decimal places.",
            f"A triangle has side lengths {a}, {b} and {c}. Find its area, rounded to 2 decimal places.",
        ]
    )
    worked = (
        f"Triangle check: {a} + {b} > {c}, {a} + {c} > {b}, {b} + {c} > {a} — valid.",
        f"s = ({a} + {b} + {c}) / 2 = {exact(s)}.",
        f"s − a = {exact(s - a)}, s − b = {exact(s - b)}, s − c = {exact(s - c)}.",
        f"{exact(s)} × {exact(s - a)} × {exact(s - b)} × {exact(s - c)} = {exact(prod)}.",
        f"Area = √{exact(prod)} {'=' if math.isqrt(int(prod)) ** 2 == prod else '≈'} "
        f"{math.sqrt(prod):.4f}, rounded to 2 decimals: {ans}.",
    )
    return Generated(prompt, ans, "number", worked, tolerance=0.01)


HERON = SkillDef(
    id="heron-area",
    title="Area of a triangle from its three sides (Heron's formula)",
    domain="geometry",
    description="Compute a triangle's area from its side lengths via the semi-perimeter.",
    procedure=(
        "Check that the sides form a triangle: each side must be shorter than the sum of the other two.",
        "Compute the semi-perimeter s = (a + b + c) / 2.",
        "Compute the three differences s − a, s − b and s − c.",
        "Multiply s × (s − a) × (s − b) × (s − c).",
        "Take the square root of that product to get the area, and round it as asked.",
    ),
    generate=_heron,
)

SKILLS = [SHOELACE, HERON]
