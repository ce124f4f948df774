"""The mapping rules every importer shares: a score value to a verdict, a condition value to a condition."""

from __future__ import annotations

import math

import pytest

from engine.interop.items import Mapping, condition_of, safe_id, split_source, verdict_of


@pytest.mark.parametrize(
    ("value", "verdict"),
    [("C", "pass"), ("I", "fail"), ("N", "abstain"), ("correct", "pass"), ("no", "fail"), (True, "pass"),
     (False, "fail"), (1, "pass"), (0.0, "fail"), ("1.0", "pass"), (" c ", "pass")],
)  # fmt: skip
def test_binary_values_are_verdicts(value: object, verdict: str) -> None:
    assert verdict_of(value) == verdict


@pytest.mark.parametrize("value", [0.5, "P", "maybe", None, math.nan, [1], {"a": 1}])
def test_anything_else_is_refused_without_a_threshold(value: object) -> None:
    with pytest.raises(ValueError):
        verdict_of(value)


def test_a_threshold_dichotomises_numbers_and_partial_credit() -> None:
    assert [verdict_of(v, 0.5) for v in (0.49, 0.5, 0.9, "P", "0.7")] == ["fail", "pass", "pass", "pass", "pass"]
    assert verdict_of("P", 0.6) == "fail"  # P counts 0.5, as Inspect's value_to_float
    assert verdict_of("C", 0.9) == "pass"  # a letter stays a letter
    with pytest.raises(ValueError, match="NaN"):
        verdict_of(math.nan, 0.5)


def test_conditions_map_by_the_names_given() -> None:
    m = Mapping(baseline="plain", treatment="skill")
    assert (condition_of("plain", m), condition_of("skill", m)) == ("no_skill", "curated")
    with pytest.raises(ValueError, match="neither the baseline"):
        condition_of("no_skill", m)


def test_sources_and_ids() -> None:
    assert split_source("curated=logs/a.eval") == ("curated", "logs/a.eval")
    assert split_source("logs/a=b.eval") == (None, "logs/a=b.eval")
    assert split_source("a.eval") == (None, "a.eval")
    assert safe_id("openai/gpt 4o") == "openai-gpt-4o" and safe_id("_x") == "x_x" and safe_id("") == "unnamed"
