"""Per-skill Δ: Holm and Benjamini–Hochberg against statsmodels' `multipletests`, the exact p against
statsmodels' `mcnemar`, the per-skill numbers of the reference store against SQL over its judgments,
the smallest p a skill can reach against a brute-force enumeration, and the skills that hurt."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest
from rich.console import Console
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synth_paper import HEADLINE, PATHS, make_paper_store  # noqa: E402
from engine.analysis import build_report  # noqa: E402
from engine.analysis.delta import Delta  # noqa: E402
from engine.analysis.per_skill import bh, exact_p, holm, per_skill, smallest_p, tasks_for  # noqa: E402
from engine.analysis.render import render_report  # noqa: E402
from engine.store.aggregates import refresh  # noqa: E402
from engine.store.schema import ddl  # noqa: E402


@pytest.mark.parametrize("seed", range(25))
def test_holm_and_bh_equal_statsmodels_multipletests(seed: int) -> None:
    rng = np.random.default_rng(seed)
    m = int(rng.integers(1, 60))
    p = rng.uniform(0, 1, m) ** rng.uniform(0.5, 4)  # some small, some near 1
    p[rng.random(m) < 0.2] = 1.0  # ties at 1, as skills without a discordant task give
    if m > 3:
        p[1] = p[2]  # a tie inside
    for fn, method in ((holm, "holm"), (bh, "fdr_bh")):
        want = multipletests(p, alpha=0.05, method=method)[1]
        np.testing.assert_allclose(fn(p), want, rtol=0, atol=1e-12)


def test_exact_p_equals_statsmodels_exact_mcnemar() -> None:
    for b, c in itertools.product(range(13), repeat=2):
        want = mcnemar([[0, b], [c, 0]], exact=True).pvalue if b + c else 1.0
        assert exact_p(np.array([b]), np.array([c]))[0] == pytest.approx(want, abs=1e-12), (b, c)


def test_smallest_p_and_tasks_needed_by_enumeration() -> None:
    """Every outcome of n tasks (each −1, 0 or +1): the smallest exact p is 2 · 2^(−n)."""
    for n in range(1, 9):
        outcomes = itertools.product((-1, 0, 1), repeat=n)
        got = min(exact_p(np.array([sum(x < 0 for x in o)]), np.array([sum(x > 0 for x in o)]))[0] for o in outcomes)
        assert got == pytest.approx(smallest_p(n))
    assert smallest_p(5) == 0.0625 > 0.05
    assert tasks_for(0.05) == 6 and smallest_p(5) > 0.05 >= smallest_p(6)
    assert tasks_for(0.05, 40) == 11 and smallest_p(10) > 0.05 / 40 >= smallest_p(11)


@pytest.fixture(scope="module")
def store() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for s in ddl():
        con.execute(s)
    make_paper_store(con)
    refresh(con)
    return con


def test_per_skill_on_the_reference_store_equals_sql_and_statsmodels(store: duckdb.DuckDBPyConnection) -> None:
    rep = build_report(store, paths=PATHS, headline=HEADLINE, n_boot=200)
    ps = rep.per_skill
    assert ps is not None and ps.path == HEADLINE
    ref = store.sql(
        """WITH t AS (
             SELECT config_id, task_id, any_value(skill_id) AS skill,
               max(CASE WHEN condition = 'curated' THEN (verdict = 'pass')::INT END)
               - max(CASE WHEN condition = 'no_skill' THEN (verdict = 'pass')::INT END) AS d
             FROM judgments WHERE judge_id = 'claude' GROUP BY config_id, task_id)
           SELECT config_id, skill, avg(d), count(*), count_if(d < 0), count_if(d > 0) FROM t GROUP BY ALL"""
    ).fetchall()
    assert len(ref) == len(ps.rows) == 7 * 40
    got = {(r.config, r.skill): r for r in ps.rows}
    for cfg, skill, mean, n, worse, better in ref:
        r = got[(cfg, skill)]
        assert (r.n_tasks, r.worse, r.better) == (n, worse, better)
        assert r.delta == pytest.approx(mean)
        assert r.p == pytest.approx(mcnemar([[0, worse], [better, 0]], exact=True).pvalue if worse + better else 1.0)
    for cfg in {r.config for r in ps.rows}:
        rows = ps.of(cfg)
        assert [r.delta for r in rows] == sorted(r.delta for r in rows)  # sorted, worst first
        p = [r.p for r in rows]
        np.testing.assert_allclose([r.p_holm for r in rows], multipletests(p, method="holm")[1], atol=1e-12)
        np.testing.assert_allclose([r.p_bh for r in rows], multipletests(p, method="fdr_bh")[1], atol=1e-12)
        fam = ps.family(cfg)
        assert fam is not None and fam.n_skills == 40 and fam.tasks_max == 5
        assert list(fam.hurt) == [r.skill for r in rows if r.delta < 0]
        assert not fam.can_survive and not fam.survive_holm and not fam.survive_bh
    # 5 tasks a skill: nothing can survive, and the report says so plainly
    words = ps.plain_words()
    assert "smallest exact p a skill can reach is 0.0625 > α = 0.05: no skill can be significant" in words
    assert "6 tasks a skill unadjusted and 11 for Holm over 40 skills" in words
    doc = rep.to_dict()["per_skill"]
    assert len(doc["rows"]) == 280 and doc["summary"] == words
    console = Console(record=True, width=220)
    render_report(rep, console)
    text = " ".join(console.export_text().split())
    assert "Per-skill Δ on path llm-only-claude: skills whose curated block hurts (Δ < 0), worst first" in text
    assert "no skill can be significant, before or after adjustment" in text


def _delta(task_skill: list[tuple[str, str, float]]) -> Delta:
    """A config's Δ (the engine's dataclass) over tasks (task id, skill, curated − no_skill)."""
    ids = np.array([t for t, _, _ in task_skill], dtype=object)
    d = np.array([x for _, _, x in task_skill])
    ns = np.where(d < 0, 1.0, 0.0) + np.where(d == 0, 0.5, 0.0)
    return Delta(
        "c",
        "p",
        len(d),
        float(ns.mean()),
        float((ns + d).mean()),
        float(d.mean()),
        task_ids=ids,
        diffs=d,
        rates_no_skill=ns,
        rates_curated=ns + d,
    )


def test_a_skill_with_enough_tasks_survives_and_is_listed_as_hurt() -> None:
    """12 tasks all worse under curated: p = 2^−11, Holm over 5 skills 0.0024 ≤ 0.05; one task worse of 12: no."""
    rows = [(f"bad-{i}", "bad", -1.0) for i in range(12)]
    rows += [(f"meh-{i}", "meh", -1.0 if i == 0 else 0.0) for i in range(12)]
    rows += [(f"ok{k}-{i}", f"ok{k}", 0.0) for k in range(3) for i in range(12)]
    skills = {t: s for t, s, _ in rows}
    ps = per_skill([_delta(rows)], skills, "p")
    bad = next(r for r in ps.rows if r.skill == "bad")
    assert bad.p == pytest.approx(2**-11) and bad.p_holm == pytest.approx(5 * 2**-11)
    fam = ps.family("c")
    assert fam is not None and fam.can_survive
    assert fam.hurt == ("bad", "meh") and fam.hurt_survive_holm == ("bad",) and fam.hurt_survive_bh == ("bad",)
    assert "1 config × skill Δs survive Holm and 1 survive Benjamini–Hochberg" in ps.plain_words()


def test_several_samples_a_task_use_the_sign_test_over_tasks() -> None:
    """Means over samples: a task counts once, by the sign of its mean difference."""
    rows = [("a", "s", -0.5), ("b", "s", -0.25), ("c", "s", 0.75), ("d", "s", 0.0)]
    r = per_skill([_delta(rows)], {t: s for t, s, _ in rows}, "p").rows[0]
    assert (r.worse, r.better, r.n_tasks) == (2, 1, 4)
    assert r.p == pytest.approx(mcnemar([[0, 2], [1, 0]], exact=True).pvalue)
    assert r.delta == pytest.approx(0.0)


def test_no_headline_no_per_skill() -> None:
    ps = per_skill([], {}, None)
    assert not ps.rows and ps.note and "no headline" in ps.plain_words()
