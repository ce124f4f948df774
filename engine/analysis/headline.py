"""The headline path: the pre-registered one, or none. No other path is ever promoted.

The experiment's `headline_path` is the pre-registration. The report's headline is that path when
it is eligible (`engine.analysis.eligibility`); when it is not, the report has no headline and says
why ("no eligible headline: the pre-registered path X is not eligible (reasons)"), and every Δ is
exploratory. Falling back to "the next eligible path" would let the data choose the judge after the
fact (and the paths' order prefers the extractor, the judge the reference study shows is biased).

Where the name comes from (`basis`):
- `pre-registered`: the experiment file's `headline_path`, or the one the runs' experiments
  declare (`engine.analysis.preregistration`);
- `requested`: a path asked for at report time (`engine report --path`, the cockpit's export of
  the path on screen); it is the headline when eligible, and is labelled as not pre-registered;
- `default`: nothing declared; `engine.analysis.paths.choose_headline`'s rule (the first explicit
  path, else the first llm:* path) picks one, labelled "default, not pre-registered", with the same
  no-fallback rule.
Every other path has the role `exploratory` (`path_role`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from engine.analysis.eligibility import PathEligibility
from engine.analysis.paths import JudgePath

BASES = ("pre-registered", "requested", "default")
LABEL = {
    "pre-registered": "pre-registered",
    "requested": "requested, not pre-registered",
    "default": "default, not pre-registered",
}


@dataclass(frozen=True)
class HeadlineChoice:
    path: str | None
    requested: str | None  # the path named when pre-registered or requested (None for the default)
    reason: str  # one sentence for the report and the cockpit
    basis: str | None = None  # pre-registered | requested | default; None without any path


def path_role(name: str, headline: str | None) -> str:
    """headline | exploratory."""
    return "headline" if headline is not None and name == headline else "exploratory"


def pick_headline(
    paths: Sequence[JudgePath],
    elig: Sequence[PathEligibility],
    named: str | None,
    basis: str = "default",
) -> HeadlineChoice:
    """`named` when it is an eligible path; else no headline, with the reasons. `basis` says where
    the name comes from (`BASES`)."""
    if basis not in BASES:
        raise ValueError(f"headline basis must be one of {', '.join(BASES)}, not '{basis}'")
    if not paths or named is None:
        return HeadlineChoice(None, None, "No judge path, so no headline")
    by = {e.path: e for e in elig}
    e = by.get(named)
    label = LABEL[basis]
    asked = None if basis == "default" else named
    if e is not None and e.eligible:
        partial = " (partial: it scores only one scoring family's tasks)" if e.partial else ""
        hint = "; declare headline_path in the experiment to pre-register one" if basis == "default" else ""
        return HeadlineChoice(named, asked, f"headline path '{named}' ({label}){partial}{hint}", basis)
    if named not in {p.name for p in paths}:
        reasons: Sequence[str] = ("it is not one of the paths",)
    else:
        reasons = e.reasons if e is not None else ("not assessed",)
    what = f"the {basis} path '{named}'" + (" (not pre-registered)" if basis != "pre-registered" else "")
    return HeadlineChoice(
        None,
        asked,
        f"no eligible headline: {what} is not eligible ({'; '.join(reasons)}). No other path is promoted: "
        "every Δ below is exploratory",
        basis,
    )
