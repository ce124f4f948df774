"""Power and MDE (engine.analysis.power, `engine power`): the closed form against statsmodels, and the
closed form, the pilot simulation and the empirical power of simulated studies (the project's own
exact McNemar and a normal-approximation paired test, counted over many synthetic stores) agreeing
within 0.05 of power at several design points."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import norm
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synth_paper import make_paper_store  # noqa: E402
from engine.analysis import power as pw  # noqa: E402
from engine.analysis.power_design import Design, Series, assumed_rows  # noqa: E402
from engine.analysis.stats import mcnemar_exact  # noqa: E402
from engine.cli import app  # noqa: E402
from engine.store.db import Store  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PAPER = ROOT / "data" / "experiments" / "paper.toml"
ALPHA = 0.05
CELLS = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])  # (no_skill, curated)


def _cells(p_ns: float, disc: float, delta: float) -> np.ndarray:
    return np.array(pw.Assumed(p_ns, disc).cells(delta))


def _empirical(cells: np.ndarray, n: int, reps: int, seed: int) -> tuple[float, float]:
    """Power of a normal-approximation paired test and of the project's exact McNemar, counted over
    `reps` synthetic studies of n tasks, one sample each, drawn from the 2x2 cell probabilities."""
    rng = np.random.default_rng(seed)
    pats = rng.choice(4, size=(reps, n), p=cells)
    d = (CELLS @ pw.DELTA_CONTRAST)[pats]
    z = np.abs(d.mean(1)) / (d.std(1, ddof=1) / math.sqrt(n))
    rej_z = float(np.mean(z > norm.ppf(1 - ALPHA / 2)))
    rej_m = 0
    for row in pats:
        c = np.bincount(row, minlength=4)  # 00, 10, 01, 11
        p = mcnemar_exact([[c[3], c[1]], [c[2], c[0]]])
        rej_m += p is not None and p <= ALPHA
    return rej_z, rej_m / reps


def _pilot(cells: np.ndarray, n: int, seed: int) -> np.ndarray:
    """A pilot's per-task outcomes (no_skill, curated): n tasks, one sample each."""
    return CELLS[np.random.default_rng(seed).choice(4, size=n, p=cells)]


def test_closed_form_equals_statsmodels_one_sample_z_power() -> None:
    from statsmodels.stats.power import NormalIndPower

    sm = NormalIndPower()
    for delta, omega2, n in ((0.05, 0.2, 200), (0.1, 0.35, 120), (0.03, 0.05, 800)):
        es = delta / math.sqrt(omega2)
        assert pw.power_z(delta, omega2, n, ALPHA) == pytest.approx(sm.power(es, n, ALPHA, ratio=0), abs=1e-9)
        es_mde = sm.solve_power(effect_size=None, nobs1=n, alpha=ALPHA, power=0.8, ratio=0)
        # statsmodels counts the far tail too (~1e-6 of power): the MDE formula ignores it
        assert pw.mde(omega2, n, ALPHA, 0.8) == pytest.approx(es_mde * math.sqrt(omega2), rel=1e-4)
        need = pw.tasks_needed(omega2, delta, ALPHA, 0.8)
        assert sm.power(es, need, ALPHA, ratio=0) >= 0.8 > sm.power(es, need - 1, ALPHA, ratio=0)


def test_mde_with_fixed_discordance_is_the_root_of_the_power_equation() -> None:
    a = pw.Assumed(0.4, 0.2)
    for kind, n in (("delta", 200), ("delta", 60), ("lift", 200)):
        m = pw.mde_assumed(a, kind, n, 1, ALPHA, 0.8)
        assert pw.power_z(m, a.omega2(kind, m, 1), n, ALPHA) == pytest.approx(0.8, abs=1e-6)
    # one sample: ω² = p01 + p10 − (p01 − p10)², the variance of d ∈ {−1, 0, 1}
    p00, p10, p01, p11 = a.cells(0.06)
    d = CELLS @ pw.DELTA_CONTRAST
    probs = np.array([p00, p10, p01, p11])
    assert a.omega2("delta", 0.06, 1) == pytest.approx(probs @ d**2 - (probs @ d) ** 2, abs=1e-12)


def test_shift_reaches_the_target_and_keeps_the_discordance() -> None:
    d = np.array([-1.0, 0.0, 0.0, 1.0, 1.0, -1.0, 0.0])
    w = pw.shift(d, np.ones(7) / 7, 0.1)
    assert float(w @ d) == pytest.approx(0.1, abs=1e-12)
    assert w.sum() == pytest.approx(1.0) and w[d != 0].sum() == pytest.approx(4 / 7)
    assert np.allclose(w[d == 0], 1 / 7)  # concordant tasks keep their weight
    assert np.allclose(pw.shift(d, np.ones(7) / 7, 0.0), 1 / 7)  # the pilot's own mean: no shift
    lift = np.array([-2.0, -1.0, 0.0, 1.0, 1.0])  # differences of differences take other values
    assert float(pw.shift(lift, np.ones(5) / 5, 0.3) @ lift) == pytest.approx(0.3, abs=1e-12)
    with pytest.raises(ValueError, match="both directions"):
        pw.shift(np.array([0.0, 1.0]), np.ones(2) / 2, -0.05)


@pytest.mark.parametrize(
    ("n", "p_ns", "disc", "delta"),
    [(200, 0.4, 0.2, 0.08), (100, 0.3, 0.3, 0.15), (400, 0.5, 0.12, 0.04)],
)
def test_closed_form_simulation_and_simulated_stores_agree(n: int, p_ns: float, disc: float, delta: float) -> None:
    """One sample per task. The pilot is drawn at Δ = 0 and shifted to δ; the studies are drawn at δ."""
    omega2 = disc - delta**2
    closed = pw.power_z(delta, omega2, n, ALPHA)
    connor = pw.mcnemar_power(delta, disc, n, ALPHA)
    pilot = _pilot(_cells(p_ns, disc, 0.0), 4000, seed=1)
    sim = pw.simulate(pilot, np.ones(len(pilot)), pw.DELTA_CONTRAST, n, k=1, k_pilot=1, target=delta, alpha=ALPHA)
    emp_z, emp_m = _empirical(_cells(p_ns, disc, delta), n, reps=1500, seed=2)
    assert 0.3 < closed < 0.95  # a design point where power is informative
    assert abs(closed - sim.z_test) < 0.05
    assert abs(closed - emp_z) < 0.05
    assert abs(sim.z_test - emp_z) < 0.05
    assert sim.mcnemar is not None and abs(sim.mcnemar - emp_m) < 0.05
    assert abs(connor - emp_m) < 0.06  # asymptotic vs exact (conservative) McNemar
    assert emp_m <= emp_z + 0.01


def _tasks(rng: np.random.Generator, n: int, delta: float) -> tuple[np.ndarray, np.ndarray]:
    """Latent per-task pass probabilities: no_skill in [0.25, 0.7], curated = no_skill + δ ± 0.2."""
    ns = 0.25 + 0.45 * rng.beta(2, 2, n)
    return ns, ns + delta + rng.choice([-0.2, 0.2], n)


def _draw(rng: np.random.Generator, n: int, delta: float, k: int) -> np.ndarray:
    ns, cu = _tasks(rng, n, delta)
    return np.column_stack([rng.binomial(k, ns), rng.binomial(k, cu)]) / k


def test_samples_reduce_within_task_variance_as_tau2_plus_sigma2_over_k() -> None:
    """A pilot of 2 samples per task predicts the power of 8 samples (closed form, τ² + σ²_w/k); a pilot of
    4 predicts 4 (closed form and simulation); both against simulated studies."""
    rng = np.random.default_rng(5)
    n, delta = 100, 0.08
    for k_pilot, k in ((2, 8), (4, 4)):
        s = Series("delta", "c", "p", _draw(rng, 3000, 0.0, k_pilot), k_pilot)
        tau2, sw = s.components()
        assert sw is not None and 0.02 < tau2 < 0.06  # the true τ² is Var(±0.2) = 0.04
        closed = pw.power_z(delta, s.omega2(k, 0.0), n, ALPHA)
        studies = np.stack([_draw(rng, n, delta, k) @ pw.DELTA_CONTRAST for _ in range(2000)])
        z = np.abs(studies.mean(1)) / (studies.std(1, ddof=1) / math.sqrt(n))
        emp = float(np.mean(z > norm.ppf(1 - ALPHA / 2)))
        assert 0.3 < closed < 0.95
        assert abs(closed - emp) < 0.05, (k_pilot, k, closed, emp)
        if k == k_pilot:
            sim = pw.simulate(s.rates, np.ones(3000), s.contrast, n, k=k, k_pilot=k_pilot, target=delta, alpha=ALPHA)
            assert abs(sim.z_test - emp) < 0.05 and abs(sim.z_test - closed) < 0.05
            assert sim.mcnemar is None
        else:
            with pytest.raises(ValueError, match="pilot's 2 sample"):
                pw.simulate(s.rates, np.ones(3000), s.contrast, n, k=k, k_pilot=k_pilot, target=delta, alpha=ALPHA)


def test_lift_closed_form_simulation_and_simulated_stores_agree() -> None:
    n, disc, lift = 300, 0.2, 0.1
    a = pw.Assumed(0.4, disc)
    design = Design(n, 1, 2, 2, 1, True)
    row = next(r for r in assumed_rows(design, a, lift, sims=3000) if r.kind == "lift")
    rng = np.random.default_rng(9)
    base = rng.choice(4, size=(2000, n), p=_cells(0.4, disc, 0.0))
    sft = rng.choice(4, size=(2000, n), p=_cells(0.4, disc, lift))
    d = CELLS @ pw.DELTA_CONTRAST
    e = d[sft] - d[base]
    emp = float(np.mean(np.abs(e.mean(1)) / (e.std(1, ddof=1) / math.sqrt(n)) > norm.ppf(1 - ALPHA / 2)))
    assert row.power_at_effect is not None and row.sim_at_effect is not None
    assert 0.3 < row.power_at_effect < 0.95
    assert abs(row.power_at_effect - emp) < 0.05
    assert abs(row.sim_at_effect.z_test - emp) < 0.05


# ---------------------------------------------------------------- the command


def _mde(out: str, what: str) -> float:
    line = next(ln for ln in out.splitlines() if f"MDE |{what}|" in ln)
    return float(line.split("=")[1].split()[0])


def test_cli_prints_the_mde_of_the_paper_design() -> None:
    res = CliRunner().invoke(app, ["power", str(PAPER), "--effect", "0.05", "--sims", "500"])
    assert res.exit_code == 0, res.output
    out = res.output
    assert "200 tasks x 1 sample(s)" in out and "7 Δ, 3 SFT lift(s)" in out
    assert "assumed (no pilot): no_skill pass rate 0.4, discordance D = 0.2" in out
    d, lift = _mde(out, "Δ"), _mde(out, "lift")
    assert 0.05 < d < 0.15
    assert d == pytest.approx(pw.mde_assumed(pw.Assumed(0.4, 0.2), "delta", 200, 1, 0.05, 0.8), abs=5e-4)
    assert d < lift < 2 * d
    assert "exact McNemar" in out and "needed for power 0.8" in out
    js = CliRunner().invoke(app, ["power", str(PAPER), "--json", "--tasks", "800", "--sims", "200"])
    doc = json.loads(js.output)
    assert doc["design"]["n_tasks"] == 800 and doc["basis"] == "assumed"
    assert doc["rows"][0]["mde"] == pytest.approx(d * math.sqrt(207.85 / 807.85), rel=0.01)  # δ ∝ 1/√(n + z²)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-experiment.toml"], "no-such-experiment.toml"),
        ([str(PAPER), "--effect", "1.5"], "--effect must be"),
        ([str(PAPER), "--effect", "0"], "--effect must be"),
        ([str(PAPER), "--effect", "abc"], "Invalid value for"),
        ([str(PAPER), "--discordance", "0.95"], "--discordance must be"),
        ([str(PAPER), "--alpha", "2"], "--alpha must be"),
        ([str(PAPER), "--tasks", "1"], "--tasks must be"),
    ],
)
def test_cli_bad_input_is_exit_2_with_a_message(args: list[str], message: str) -> None:
    res = CliRunner().invoke(app, ["power", *args])
    assert res.exit_code == 2, res.output
    assert message in res.output and "Traceback" not in res.output
    assert not isinstance(res.exception, Exception) or isinstance(res.exception, SystemExit)


def test_cli_pilot_from_the_store_uses_the_variance_of_per_task_differences(runs_dir: Path) -> None:
    """The synthesised reference store as the pilot: ω² of each Δ is the variance of its per-task
    differences, computed here in SQL from the judgments."""
    with Store.open(runs_dir) as st:
        make_paper_store(st.con)
        ref = st.con.sql(
            """SELECT config_id, var_samp(cu - ns) FROM (
                 SELECT config_id, task_id,
                   max(CASE WHEN condition = 'curated' THEN (verdict = 'pass')::INT END) AS cu,
                   max(CASE WHEN condition = 'no_skill' THEN (verdict = 'pass')::INT END) AS ns
                 FROM judgments WHERE judge_id = 'claude' GROUP BY ALL) GROUP BY config_id"""
        ).fetchall()
    res = CliRunner().invoke(
        app,
        ["power", str(PAPER), "--store", "--runs-dir", str(runs_dir), "--json", "--sims", "300", "--effect", "0.05"],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["basis"] == "pilot" and doc["pilot_path"] == "llm:claude"
    assert any("no Δ on path 'llm-only-claude'" in w for w in doc["warnings"])  # paper.toml names claude-judge
    rows = {r["label"]: r for r in doc["rows"]}
    assert sum(r["kind"] == "delta" for r in doc["rows"]) == 6  # the six Qwen configs of paper.toml
    assert sum(r["kind"] == "lift" for r in doc["rows"]) == 3
    for cid, var in ref:
        if cid in rows:
            assert rows[cid]["omega2"] == pytest.approx(var, rel=1e-9)
            assert rows[cid]["mde"] == pytest.approx(doc["z"] * math.sqrt(var / 200), rel=1e-9)
            assert rows[cid]["sim_at_mde"]["mcnemar_exact"] is not None
    by_run = CliRunner().invoke(
        app, ["power", str(PAPER), "--pilot", "paper-eval", "--runs-dir", str(runs_dir), "--json", "--sims", "300"]
    )
    assert by_run.exit_code == 0, by_run.output
    assert [r["omega2"] for r in json.loads(by_run.output)["rows"]] == [r["omega2"] for r in doc["rows"]]
