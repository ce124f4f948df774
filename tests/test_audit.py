"""Judges measured against people: the stratified audit sample, each judge's precision / recall /
accuracy against the human verdicts (Wilson CIs), and the misclassification-corrected Δ."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from engine.analysis import build_report
from engine.analysis.human import wilson
from engine.cli import app
from engine.store import audit as audits
from engine.store import human
from engine.store.db import Store
from tests.cockpit.journals import write_eval_run


@pytest.mark.parametrize(
    "sizes,n,expect",
    [
        ([10, 30, 60], 10, [1, 3, 6]),
        ([1, 99], 10, [1, 9]),
        ([5, 1, 3], 2, [0, 1, 1]),  # fewer draws than strata: the rare ones first
        ([2, 3], 50, [2, 3]),  # never more than a stratum holds
        ([0, 4, 4], 3, [0, 2, 1]),
    ],
)
def test_allocation(sizes: list[int], n: int, expect: list[int]) -> None:
    got = audits.allocate(sizes, n)
    assert got == expect
    assert sum(got) == min(n, sum(sizes))


def test_wilson_known_value() -> None:
    k, n, z = 8, 10, 1.959963984540054
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    r = wilson(k, n)
    assert r.value == 0.8
    assert r.low == pytest.approx(centre - half, abs=1e-12)
    assert r.high == pytest.approx(centre + half, abs=1e-12)
    assert wilson(0, 0).value is None


@pytest.fixture
def runs(tmp_path: Path) -> Path:
    d = tmp_path / "runs"
    d.mkdir()
    write_eval_run(d, hostile=False)
    return d


def _audit(runs: Path, n: int, seed: int) -> str:
    res = CliRunner().invoke(
        app, ["judge", "--audit", str(n), "--seed", str(seed), "--runs-dir", str(runs)], terminal_width=200
    )
    assert res.exit_code == 0, res.output
    assert "adjudicate in the cockpit" in res.output
    return res.output


def test_audit_sample_is_stratified_and_reproducible(runs: Path) -> None:
    out = _audit(runs, 40, 7)
    with Store.open(runs) as store:
        rows = store.query("SELECT audit_id, episode_id, stratum, stratum_size, stratum_n, position FROM audits")
        assert len(rows) == 40
        assert len({r[1] for r in rows}) == 40
        assert sorted(r[5] for r in rows) == list(range(40))
        (aid,) = {r[0] for r in rows}
        assert aid.startswith("audit-s7-n40-")
        assert aid in out
        # every stratum (config x condition x judges agree/disagree) present, in proportion
        strata = {r[2]: (r[3], r[4]) for r in rows}
        population = store.query("SELECT count(DISTINCT episode_id) FROM judgments WHERE verdict IN ('pass','fail')")[
            0
        ][0]
        assert sum(size for size, _ in strata.values()) == population
        for size, drawn in strata.values():
            assert drawn >= 1
            assert abs(drawn - 40 * size / population) < 1.5
        assert any(s.endswith("|disagree") for s in strata)
        assert any(s.endswith("|agree") for s in strata)
        # the disagreement stratum is right: machine judges gave both verdicts on those episodes
        for eid, stratum in store.query("SELECT episode_id, stratum FROM audits"):
            vs = {v for (v,) in store.query("SELECT verdict FROM judgments WHERE episode_id = ?", [eid])}
            assert (stratum.endswith("|disagree")) == (vs >= {"pass", "fail"})
        first = sorted(r[1] for r in rows)
    _audit(runs, 40, 7)  # the same seed: the same sample, nothing new in the store
    with Store.open(runs) as store:
        assert store.count("audits") == 40
    _audit(runs, 40, 8)
    with Store.open(runs) as store:
        ids = store.query("SELECT DISTINCT audit_id FROM audits")
        assert len(ids) == 2
        other = sorted(r[0] for r in store.query("SELECT episode_id FROM audits WHERE audit_id LIKE 'audit-s8-%'"))
        assert other != first


def test_audit_errors_are_clean(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["judge", "--audit", "5", "--runs-dir", str(tmp_path / "empty")])
    assert res.exit_code == 2
    assert "no judged episodes" in res.output
    res = CliRunner().invoke(app, ["judge", "--runs-dir", str(tmp_path / "empty")])
    assert res.exit_code == 2
    assert "needs an experiment file" in res.output


def _truth(eid: str) -> str:
    """A 'person' who agrees with the claude judge except on every fourth episode id (by hash)."""
    return "pass" if int.from_bytes(eid.encode()[-3:], "big") % 2 else "fail"


def test_judges_against_human_verdicts_and_corrected_delta(runs: Path) -> None:
    _audit(runs, 60, 3)
    with Store.open(runs) as store:
        sample = [r[0] for r in store.query("SELECT episode_id FROM audits ORDER BY position")]
        claude = dict(store.query("SELECT episode_id, verdict FROM judgments WHERE judge_id = 'claude'"))
        truth = {}
        for i, eid in enumerate(sample):
            truth[eid] = claude[eid] if i % 4 else ("fail" if claude[eid] == "pass" else "pass")
            human.adjudicate(store.con, runs, eid, truth[eid], f"note {i}")
        # one adjudication outside the sample (as from the disagreement browser): counted, not used
        outside = next(e for e in claude if e not in truth)
        human.adjudicate(store.con, runs, outside, "pass")
        store.ingest()
        rep = build_report(store.con, n_boot=100)
        size = dict(store.query("SELECT episode_id, stratum_size FROM audits"))
        stratum = dict(store.query("SELECT episode_id, stratum FROM audits"))
        per = {s: sum(1 for e in truth if stratum[e] == s) for s in set(stratum.values())}
        w = {e: size[e] / per[stratum[e]] for e in truth}
        verdicts = {
            j: dict(store.query("SELECT episode_id, verdict FROM judgments WHERE judge_id = ?", [j]))
            for j in ("extractor", "lenient", "claude")
        }
        # the expected confusion of each judge, straight from the store
        expect = {}
        for judge in ("extractor", "lenient", "claude"):
            got = dict(store.query("SELECT episode_id, verdict FROM judgments WHERE judge_id = ?", [judge]))
            c = {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
            for eid, h in truth.items():
                if got.get(eid) in ("pass", "fail"):
                    c[{"pp": "tp", "pf": "fp", "fp": "fn", "ff": "tn"}[got[eid][0] + h[0]]] += 1
            expect[judge] = c
    b = rep.human_basis
    assert b is not None
    assert b.source == "audit"
    assert b.used == 60
    assert b.adjudicated == 61
    assert any("outside the audit samples" in w for w in rep.warnings)
    acc = {a.judge: a for a in rep.judge_accuracy}
    assert set(acc) == {"extractor", "lenient", "claude"}
    for judge, c in expect.items():
        a = acc[judge]
        assert (a.tp, a.fp, a.fn, a.tn) == (c["tp"], c["fp"], c["fn"], c["tn"]), judge
        # each item weighs its stratum's size over the adjudicated items of the stratum (Horvitz–Thompson)
        pairs = [(w[eid], verdicts[judge].get(eid), h) for eid, h in truth.items()]
        pairs = [(x, v, h) for x, v, h in pairs if v in ("pass", "fail")]
        prec = sum(x for x, v, h in pairs if v == h == "pass") / sum(x for x, v, _ in pairs if v == "pass")
        rec = sum(x for x, v, h in pairs if v == h == "pass") / sum(x for x, _, h in pairs if h == "pass")
        assert a.precision.value == pytest.approx(prec)
        assert a.recall.value == pytest.approx(rec)
        assert a.precision.low <= a.precision.value <= a.precision.high  # type: ignore[operator]
    assert acc["claude"].accuracy.k == 45  # wrong on every fourth of the 60
    # the corrected Δ: each condition's mean pass rate by its own condition's Se and Sp (Rogan–Gladen)
    rates = {(e.judge, e.condition): e for e in rep.error_rates if e.config is None}
    d = rep.delta("q2b", "llm:claude")
    cd = next(x for x in rep.corrected if (x.config, x.path) == ("q2b", "llm:claude"))

    def rg(obs: float, e: object) -> float:
        se, sp = e.sensitivity.value, e.specificity.value  # type: ignore[attr-defined]
        return min(1.0, max(0.0, (obs + sp - 1) / (se + sp - 1)))

    ns, cu = rates[("claude", "no_skill")], rates[("claude", "curated")]
    assert cd.youden == {"claude": {"no_skill": ns.youden, "curated": cu.youden}}
    expect_c = rg(float(np.mean(d.rates_curated)), cu) - rg(float(np.mean(d.rates_no_skill)), ns)
    assert cd.corrected == pytest.approx(expect_c)
    assert cd.shift == pytest.approx(cd.corrected - d.delta)  # type: ignore[operator]
    assert cd.ci_low is None or cd.ci_low <= cd.corrected <= cd.ci_high  # type: ignore[operator]
    assert cd.ppi is not None
    # a path with two judges: each judge's tasks corrected by its own per-condition rates, task-weighted
    d = rep.delta("q2b", "bench:claude")
    cd = next(x for x in rep.corrected if (x.config, x.path) == ("q2b", "bench:claude"))
    llm = np.array([t == "units-h1" for t in d.task_ids])  # the fixture's one llm-scored task
    total = 0.0
    for judge, m in (("extractor", ~llm), ("claude", llm)):
        ns, cu = rates[(judge, "no_skill")], rates[(judge, "curated")]
        total += (rg(float(np.mean(d.rates_curated[m])), cu) - rg(float(np.mean(d.rates_no_skill[m])), ns)) * m.sum()
    assert cd.corrected == pytest.approx(total / len(d.task_ids))
    assert set(cd.youden) == {"extractor", "claude"}
    out = CliRunner().invoke(app, ["report", "--runs-dir", str(runs), "--boot", "50"], terminal_width=220).output
    assert "Judges against human verdicts (the audit sample" in out
    assert "Δ corrected for each judge" in out
    assert f"{acc['claude'].accuracy.value * 100:.0f}% [" in out
    data = json.loads(json.dumps(rep.to_dict()))["judges_vs_human"]
    assert data["basis"]["source"] == "audit"
    assert len(data["judges"]) == 3
    assert {"precision", "recall", "accuracy", "youden_j"} <= set(data["judges"][0])
    assert data["weights"]["method"] == "horvitz-thompson"
    assert {r["condition"] for r in data["error_rates"]} == {"no_skill", "curated"}
    c0 = next(c for c in data["corrected_deltas"] if (c["config"], c["path"]) == ("q2b", "llm:claude"))
    assert c0["rogan_gladen"]["value"] == pytest.approx(expect_c)
    assert set(c0["ppi"]) >= {"value", "ci_low", "ci_high", "method"}


def test_without_an_audit_all_human_verdicts_are_used_with_a_warning(runs: Path) -> None:
    with Store.open(runs) as store:
        store.ingest()
        eids = [r[0] for r in store.query("SELECT episode_id FROM episodes ORDER BY 1 LIMIT 12")]
        for e in eids:
            human.adjudicate(store.con, runs, e, "pass")
        store.ingest()
        rep = build_report(store.con, n_boot=50)
    assert rep.human_basis is not None
    assert rep.human_basis.source == "all"
    assert rep.human_basis.used == 12
    assert any("were not drawn as a sample" in w for w in rep.warnings)
    # every human verdict is pass: specificity is unmeasured, so no judge's Δ can be corrected
    assert all(a.specificity.value is None for a in rep.judge_accuracy)
    assert rep.corrected
    assert all(c.corrected is None and c.note for c in rep.corrected)


def test_rogan_gladen_known_values() -> None:
    from engine.analysis.correction import corrected_rate

    # a judge with Se 0.9, Sp 0.8 sees 0.9 * 0.5 + 0.2 * 0.5 = 0.55 when the true rate is 0.5
    assert corrected_rate(0.55, 0.9, 0.8) == (pytest.approx(0.5), False)
    assert corrected_rate(0.9, 0.5, 0.6) == (1.0, True)  # (0.9 + 0.6 - 1) / 0.1 = 5: clipped
    assert corrected_rate(0.05, 0.9, 0.8) == (0.0, True)
