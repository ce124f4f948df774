"""Analysis of a store: pass rates, procedural Δ with paired CIs and McNemar, SFT lift on matched
judge paths, judge agreement (κ), the format artifact and the Δ-by-size trajectory.

Where things are computed:
- `paths.py`       judge paths (derivation, headline choice, judge labels)
- `inputs.py`      what a report reads: the aggregates kept at ingest (`engine.store.aggregates`),
                   or the same computed from the raw tables
- `passrates.py`   pass rates per config x condition x judge
- `delta.py`       Δ, bootstrap CI, McNemar, lift, the matched-path guard (`PathMismatchError`)
- `agreement.py`   κ, % agreement, confusion, Δ shift, the disagreement browser
- `artifacts.py`   `ANSWER:`-line compliance, extractor vs LLM gap by condition
- `stats.py`       the statistics (statsmodels κ and McNemar, scipy bootstrap)
- `eligibility.py` the one "constant judge" rule and threshold; blind (on evidence), floor/ceiling, unverified
- `headline.py`    the headline: the pre-registered path or none; every other path exploratory
- `preregistration.py` the paths and headline_path the runs' experiments declare, the analysis plan
                   their journals record at start, and the check that marks a report exploratory
- `clusters.py`    the resampling unit: the bootstrap and McNemar clustered by skill (`--cluster skill`)
- `size_interaction.py` the size × condition permutation test behind any claimed shape across sizes
- `power.py`       power and minimum detectable effect (closed form, pilot simulation);
                   `power_design.py`: a design's MDE rows from stated rates or a pilot (`engine power`)
- `design.py`      the report's Design section: the MDE of every Δ and lift, "underpowered (MDE x)"
- `per_skill.py`   per config x skill Δ, exact p, Holm and Benjamini-Hochberg across skills
- `report.py`      `build_report` / `Report`; `render.py`: rich tables for `engine report`
"""

from engine.analysis.agreement import count_disagreements, disagreements
from engine.analysis.delta import Comparison, Delta, PathMismatchError, compare, lift
from engine.analysis.paths import JudgePath, derive_paths
from engine.analysis.report import Report, build_report

__all__ = [
    "Comparison",
    "Delta",
    "JudgePath",
    "PathMismatchError",
    "Report",
    "build_report",
    "compare",
    "count_disagreements",
    "derive_paths",
    "disagreements",
    "lift",
]
