"""Statistics: quartiles and IQR, Bayes' rule for screening tests, two-proportion z-test."""

from __future__ import annotations

import math
import random
from fractions import Fraction

from engine.data.suite.base import Generated, SkillDef, exact, fixed, free, pct

# ---------------------------------------------------------------- quartiles-iqr


def median(xs: list[Fraction]) -> Fraction:
    n = len(xs)
    mid = n // 2
    return xs[mid] if n % 2 else (xs[mid - 1] + xs[mid]) / 2


def _fmt_list(xs: list[Fraction]) -> str:
    return ", ".join(exact(x) for x in xs)


def _quartiles(rng: random.Random, free_form: bool) -> Generated:
    n = rng.randint(9, 14)
    lo = rng.randint(5, 60)
    data = [Fraction(rng.randint(lo, lo + rng.randint(30, 90))) for _ in range(n)]
    if rng.random() < 0.5:
        data[rng.randrange(n)] = Fraction(lo + rng.randint(120, 200))  # a likely outlier
    xs = sorted(data)
    med = median(xs)
    half = n // 2
    lower, upper = xs[:half], xs[n - half :]
    q1, q3 = median(lower), median(upper)
    iqr = q3 - q1
    context = rng.choice(
        [
            "Response times (ms) of a web service",
            "Daily rainfall readings (mm) at a weather station",
            "Lengths (cm) of fish measured in a river survey",
            "Delivery times (minutes) of a courier",
        ]
    )
    method = (
        "Use the median-of-halves method: the quartiles are the medians of the lower and upper halves, and "
        "for an odd count the median itself is left out of both halves."
    )
    ask_fence = rng.random() < 0.4
    shown = _fmt_list(data)
    if ask_fence:
        fence = q3 + Fraction(3, 2) * iqr
        ans = exact(fence)
        question = "What is the upper outlier fence Q3 + 1.5 × IQR?"
        step5 = (
            f"IQR = {exact(q3)} − {exact(q1)} = {exact(iqr)}; upper fence = {exact(q3)} + 1.5 × {exact(iqr)} = {ans}."
        )
    else:
        ans = exact(iqr)
        question = "What is the interquartile range (IQR)?"
        step5 = f"IQR = Q3 − Q1 = {exact(q3)} − {exact(q1)} = {ans}."
    prompt = f"{context}: {shown}. {method} {question}"
    mid_text = (
        f"the {half + 1}th value, {exact(med)}" if n % 2 else f"mean of values {half} and {half + 1}, {exact(med)}"
    )
    worked = (
        f"Sorted: {_fmt_list(xs)}.",
        f"n = {n}; median = {mid_text}.",
        f"Lower half: {_fmt_list(lower)}; upper half: {_fmt_list(upper)}" + (" (median left out)." if n % 2 else "."),
        f"Q1 = {exact(q1)}, Q3 = {exact(q3)}.",
        step5,
    )
    return Generated(prompt, ans, "number", worked)


QUARTILES = SkillDef(
    id="quartiles-iqr",
    title="Quartiles, interquartile range and outlier fences",
    domain="statistics",
    description="Compute Q1, Q3, the IQR and the 1.5 × IQR fences by the median-of-halves method.",
    procedure=(
        "Sort the data from smallest to largest.",
        "Find the median: the middle value for an odd count, or the mean of the two middle values for an even count.",
        "Split the data into a lower half and an upper half, leaving the median value out of both halves "
        "when the count is odd.",
        "Find Q1 as the median of the lower half and Q3 as the median of the upper half.",
        "Compute IQR = Q3 − Q1, and if outliers are asked about, the fences Q1 − 1.5 × IQR and Q3 + 1.5 × IQR.",
    ),
    generate=_quartiles,
)

# ---------------------------------------------------------------- bayes-posterior (mixed)


def _bayes(rng: random.Random, free_form: bool) -> Generated:
    while True:
        prev = Fraction(rng.randint(2, 80), 10)  # 0.2% to 8.0%
        sens = Fraction(rng.randint(80, 99))
        spec = Fraction(rng.randint(88, 99))
        pop = 100_000
        sick = pop * prev / 100
        tp = sick * sens / 100
        fp = (pop - sick) * (100 - spec) / 100
        post = tp / (tp + fp) * 100
        assert sick.denominator == tp.denominator == fp.denominator == 1
        if not free_form or post <= 40:
            break
    cond = rng.choice(["a rare thyroid disorder", "a bacterial infection", "a genetic marker", "early glaucoma"])
    facts = (
        f"A screening test for {cond} has sensitivity {pct(sens)} and specificity {pct(spec)}, and the "
        f"condition affects {pct(prev)} of the people being screened."
    )
    ans_num = fixed(post, 1)
    worked = [
        f"Of 100,000 people, {pct(prev)} = {sick} have the condition and {pop - sick} do not.",
        f"True positives = {sick} × {exact(sens / 100)} = {tp}.",
        f"False positives = {pop - sick} × {exact(1 - spec / 100)} = {fp}.",
        f"P(condition | positive) = {tp} / ({tp} + {fp}) = {tp} / {tp + fp} = {fixed(post / 100, 5)}.",
        f"As a percentage: {ans_num}%.",
    ]
    if not free_form:
        prompt = (
            f"{facts} If a randomly screened person tests positive, what is the probability that they "
            "have the "
            "condition? Give the percentage rounded to 1 decimal place."
        )
        return Generated(prompt, ans_num, "number", tuple(worked), tolerance=0.1)
    acc = max(sens, spec)
    prompt = (
        f'{facts} A person who tests positive says: "The test is {pct(acc)} accurate, so I almost certainly '
        'have it." Is that reasoning right? Explain using the probability that a person who tests positive '
        "actually has the condition."
    )
    worked[4] = (
        f"As a percentage: {ans_num}%, far below {pct(acc)}; most positives are false positives "
        f"({fp} false vs {tp} true), so the reasoning is wrong."
    )
    answer = (
        f"No. P(condition | positive) = {tp} / ({tp} + {fp}) ≈ {ans_num}%, far below {pct(acc)}: because the "
        f"condition is rare, false positives ({fp} per 100,000 screened) outnumber true positives "
        f"({tp}), so a "
        "positive result is more likely false than true."
    )
    rubric = (
        f"PASS only if the response computes a probability of about {ans_num}% (within ±0.5 percentage "
        "points) "
        "that a person who tests positive has the condition AND concludes that the person's reasoning "
        "is wrong "
        "(a positive result does not make the condition almost certain; false positives outnumber true "
        "positives). FAIL if it agrees with the person, gives no probability, or the probability is wrong."
    )
    return free(prompt, answer, worked, rubric)


BAYES = SkillDef(
    id="bayes-posterior",
    title="Probability of disease after a positive test (Bayes' rule)",
    domain="statistics",
    description="Turn sensitivity, specificity and prevalence into the chance that a positive is real.",
    procedure=(
        "Imagine 100,000 people and use the prevalence to count how many have the condition and how many do not.",
        "Compute the true positives: people with the condition × sensitivity.",
        "Compute the false positives: people without the condition × (1 − specificity).",
        "Compute the probability of the condition given a positive test: true positives ÷ (true positives "
        "+ false positives).",
        "Convert it to a percentage, round as asked, and compare it with the test's headline accuracy "
        "when interpreting a positive result.",
    ),
    generate=_bayes,
    free_form_share=0.6,
)

# ---------------------------------------------------------------- ab-test-significance (free form)


def _ab_test(rng: random.Random, free_form: bool) -> Generated:
    want = rng.choice(["b_better", "a_better", "none", "b_better"])
    while True:
        na = rng.randint(15, 200) * 100
        nb = na + rng.randint(-20, 20) * 50
        base = rng.randint(20, 150) / 1000
        lift = rng.uniform(-0.3, 0.4)
        ca = round(na * base)
        cb = round(nb * base * (1 + lift))
        if not (0 < ca < na and 0 < cb < nb):
            continue
        pa, pb = ca / na, cb / nb
        p = (ca + cb) / (na + nb)
        se = math.sqrt(p * (1 - p) * (1 / na + 1 / nb))
        z = (pb - pa) / se
        if abs(abs(z) - 1.96) < 0.25:
            continue
        kind = "none" if abs(z) < 1.96 else ("b_better" if z > 0 else "a_better")
        if kind == want:
            break
    zs = f"{z:.2f}"
    if kind == "none":
        verdict = f"|z| = {abs(z):.2f} < 1.96, so the difference is not statistically significant at the 5% level"
        rubric_verdict = "concludes that the difference is NOT statistically significant at the 5% level"
    else:
        better = "B" if z > 0 else "A"
        verdict = (
            f"|z| = {abs(z):.2f} > 1.96, so the difference is statistically significant at the 5% level: "
            f"variant {better} converts better"
        )
        rubric_verdict = (
            "concludes that the difference IS statistically significant at the 5% level with variant "
            f"{better} "
            "converting better"
        )
    page = rng.choice(["checkout page", "sign-up form", "pricing page", "landing page"])
    prompt = (
        f"An A/B test of a {page} gave: variant A, {na:,} visitors and {ca:,} conversions; variant B, {nb:,} "
        f"visitors and {cb:,} conversions. Using a two-sided two-proportion z-test with a pooled rate "
        "at the 5% "
        "level (critical value 1.96), is the difference between the conversion rates statistically "
        "significant? Explain, giving the z statistic."
    )
    fa, fb, fp = Fraction(ca, na), Fraction(cb, nb), Fraction(ca + cb, na + nb)
    answer = (
        f"pA = {fixed(fa * 100, 2)}%, pB = {fixed(fb * 100, 2)}%, pooled p = {fixed(fp * 100, 2)}%, "
        f"SE = {se:.5f}, z = {zs}; {verdict}."
    )
    rubric = (
        f"PASS only if the response reports z ≈ {zs} (±0.05, sign may be flipped if it computes A − B) AND "
        f"{rubric_verdict}. FAIL if the conclusion differs or no z statistic close to that value is given."
    )
    worked = (
        f"pA = {ca}/{na} = {fixed(fa, 5)}; pB = {cb}/{nb} = {fixed(fb, 5)}.",
        f"Pooled p = ({ca} + {cb}) / ({na} + {nb}) = {ca + cb}/{na + nb} = {fixed(fp, 5)}.",
        f"SE = sqrt({fixed(fp, 5)} × {fixed(1 - fp, 5)} × (1/{na} + 1/{nb})) = {se:.5f}.",
        f"z = ({fixed(fb, 5)} − {fixed(fa, 5)}) / {se:.5f} = {zs}.",
        verdict[0].upper() + verdict[1:] + ".",
    )
    return free(prompt, answer, worked, rubric)


AB_TEST = SkillDef(
    id="ab-test-significance",
    title="Significance of an A/B test (two-proportion z-test)",
    domain="statistics",
    description="Decide whether two conversion rates really differ, using a pooled two-proportion z-test.",
    procedure=(
        "Compute each variant's conversion rate: conversions ÷ visitors.",
        "Compute the pooled rate p: total conversions ÷ total visitors.",
        "Compute the standard error SE = sqrt(p × (1 − p) × (1/nA + 1/nB)).",
        "Compute z = (pB − pA) ÷ SE.",
        "Compare |z| with the critical value (1.96 for a two-sided test at 5%) and state whether the "
        "difference is significant and, if so, which variant converts better.",
    ),
    generate=_ab_test,
    free_form_share=1.0,
)

SKILLS = [QUARTILES, BAYES, AB_TEST]
