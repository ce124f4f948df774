"""The judge-correction bugs of issue 19 on real DuckDB stores: the audit's Horvitz–Thompson weights
(bug 1) and per-condition error rates in the Rogan–Gladen correction (bug 2)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.analysis import build_report
from engine.analysis.human import confusion
from engine.paper.correction import correction_threat
from engine.store import audit as audits
from engine.store import human
from engine.store.db import Store
from tests.correction_store import write_run

CONFIGS = [f"m{i}" for i in range(7)]


def _issue_example(config: str, i: int, cond: str) -> dict[str, str]:
    """Truth: pass on 40% of episodes; claude is right; the extractor misses 15% of passes (never a
    false pass), so the judges disagree on 6% of episodes: exactly the extractor's misses."""
    u = np.random.default_rng([CONFIGS.index(config), i, cond == "curated"]).random(2)
    truth = u[0] < 0.40
    return {"claude": "pass" if truth else "fail", "extractor": "pass" if truth and u[1] >= 0.15 else "fail"}


@pytest.fixture(scope="module")
def issue_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    runs = tmp_path_factory.mktemp("hт") / "runs"
    runs.mkdir()
    write_run(runs, CONFIGS, 200, _issue_example)
    with Store.open(runs) as store:
        store.ingest()
    return runs


def _truth(store: Store) -> dict[str, str]:
    return dict(store.query("SELECT episode_id, verdict FROM judgments WHERE judge_id = 'claude'"))


def test_audit_of_40_estimates_the_stores_sensitivity(issue_store: Path) -> None:
    """Issue 19 bug 1: unweighted, an audit of 40 put the extractor's sensitivity near 0.40."""
    runs = issue_store
    with Store.open(runs) as store:
        truth = _truth(store)
        ext = dict(store.query("SELECT episode_id, verdict FROM judgments WHERE judge_id = 'extractor'"))
        passes = [e for e, v in truth.items() if v == "pass"]
        population_se = sum(ext[e] == "pass" for e in passes) / len(passes)
        a = audits.draw(store.con, 40, seed=1)
        audits.record(runs, a)
        for item in a.items:
            human.adjudicate(store.con, runs, item.episode_id, truth[item.episode_id])
        store.ingest()
        rep = build_report(store.con, n_boot=50)
    assert 0.82 < population_se < 0.88
    ext_acc = next(x for x in rep.judge_accuracy if x.judge == "extractor")
    assert ext_acc.recall.value is not None
    unweighted = ext_acc.tp / (ext_acc.tp + ext_acc.fn)
    assert unweighted < 0.6  # the audit over-samples the disagreements, as the issue says
    assert abs(ext_acc.recall.value - population_se) < 0.1
    assert ext_acc.precision.value == 1.0
    assert ext_acc.recall.low < population_se < ext_acc.recall.high  # type: ignore[operator]
    assert rep.audit_weights["method"] == "horvitz-thompson"


def test_weighted_sensitivity_is_unbiased_over_many_audits(issue_store: Path) -> None:
    """The HT-weighted sensitivity over 200 audits of 40 (the store's own draws) centres on the store's."""
    with Store.open(issue_store) as store:
        truth = _truth(store)
        ext = dict(store.query("SELECT episode_id, verdict FROM judgments WHERE judge_id = 'extractor'"))
        passes = [e for e, v in truth.items() if v == "pass"]
        population_se = sum(ext[e] == "pass" for e in passes) / len(passes)
        weighted, unweighted, covered = [], [], 0
        for seed in range(200):
            items = audits.draw(store.con, 40, seed=seed).items
            y = np.array([truth[i.episode_id] == "pass" for i in items], dtype=int)
            f = np.array([1.0 if ext[i.episode_id] == "pass" else 0.0 for i in items])
            w = np.array([i.stratum_size / i.stratum_n for i in items])
            (tp, _, fn, _), _, rec, _, _ = confusion(y, f, w)
            weighted.append(rec.value)
            unweighted.append(tp / (tp + fn))
            covered += rec.low <= population_se <= rec.high  # type: ignore[operator]
    mean_w, se_w = float(np.mean(weighted)), float(np.std(weighted) / np.sqrt(len(weighted)))
    print(
        f"Se store {population_se:.3f}; HT mean {mean_w:.3f} (MC se {se_w:.3f}); unweighted {np.mean(unweighted):.3f}"
    )
    print(f"Kish-Wilson coverage {covered / 200:.3f}")
    assert np.mean(unweighted) < 0.55
    assert abs(mean_w - population_se) < max(0.015, 3 * se_w)
    assert covered / 200 >= 0.9


def _artifact(config: str, i: int, cond: str) -> dict[str, str]:
    """Issue 19 bug 2: true pass rates 0.40 (no_skill) and 0.45 (curated), Δ = +0.050; the extractor
    misses 10% of no_skill passes and 30% of curated ones, never passes a failure."""
    truth = i < (80 if cond == "no_skill" else 90)
    missed = i < (8 if cond == "no_skill" else 27)
    return {"claude": "pass" if truth else "fail", "extractor": "pass" if truth and not missed else "fail"}


def test_each_condition_is_corrected_with_its_own_error_rates(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    runs.mkdir()
    write_run(runs, ["m0"], 200, _artifact)
    with Store.open(runs) as store:
        store.ingest()
        a = audits.draw(store.con, 400, seed=0)  # the whole store: every weight is 1
        audits.record(runs, a)
        truth = _truth(store)
        for item in a.items:
            human.adjudicate(store.con, runs, item.episode_id, truth[item.episode_id])
        store.ingest()
        rep = build_report(store.con, n_boot=200)
    d = rep.delta("m0", "extractor")
    assert d.delta == pytest.approx(-0.045)
    pooled = next(x for x in rep.judge_accuracy if x.judge == "extractor")
    assert pooled.recall.value == pytest.approx(135 / 170)
    assert d.delta / pooled.youden == pytest.approx(-0.0567, abs=1e-4)  # what the pooled correction gave
    cd = next(c for c in rep.corrected if (c.config, c.path) == ("m0", "extractor"))
    assert cd.corrected == pytest.approx(0.050)  # pooled rates gave −0.057, worse than the raw −0.045
    assert cd.youden == {"extractor": {"no_skill": pytest.approx(0.9), "curated": pytest.approx(0.7)}}
    assert cd.rates_from == {"extractor": {"no_skill": "config", "curated": "config"}}
    assert cd.ci_low is not None and cd.ci_low < 0.050 < cd.ci_high  # type: ignore[operator]
    assert cd.ppi is not None
    assert cd.ppi.value == pytest.approx(0.050)  # the audit covers every episode: PPI is the human Δ
    assert cd.ppi.ci_low < 0.050 < cd.ppi.ci_high  # type: ignore[operator]
    cells = {(e.condition, e.config): e for e in rep.error_rates if e.judge == "extractor"}
    assert cells[("curated", "m0")].sensitivity.value == pytest.approx(0.7)
    assert cells[("no_skill", None)].sensitivity.value == pytest.approx(0.9)
    threat = correction_threat(rep)  # the paper says so, with the report's numbers
    assert threat is not None
    assert any(x.startswith("Judge `extractor` errs differently by condition: sensitivity 90% [") for x in threat.items)


def test_ppi_gives_no_estimate_from_a_handful_of_labels(tmp_path: Path) -> None:
    """With fewer than MIN_LABELS human verdicts in a condition, the rectifier is noise (3 agreeing
    labels once gave −0.6 ± 0.17 on the synthesised paper store): no value, no interval, a note."""
    from engine.analysis.ppi import MIN_LABELS

    runs = tmp_path / "runs"
    runs.mkdir()
    write_run(runs, ["m0"], 200, _artifact)
    with Store.open(runs) as store:
        store.ingest()
        a = audits.draw(store.con, 2 * MIN_LABELS - 4, seed=0)  # fewer than MIN_LABELS in a condition
        audits.record(runs, a)
        truth = _truth(store)
        for item in a.items:
            human.adjudicate(store.con, runs, item.episode_id, truth[item.episode_id])
        store.ingest()
        rep = build_report(store.con, n_boot=100)
    cd = next(c for c in rep.corrected if (c.config, c.path) == ("m0", "extractor"))
    assert cd.ppi is not None
    assert min(cd.ppi.labelled.values()) < MIN_LABELS
    assert cd.ppi.value is None and cd.ppi.ci_low is None and cd.ppi.ci_high is None
    assert cd.ppi.note is not None and "no PPI estimate" in cd.ppi.note
