"""The report's Design section: the MDE of every Δ and lift from its own per-task paired differences
(checked against the variance computed in SQL from the judgments, and against simulated power), the
reference study's own MDE, the underpowered wording, and the JSON keys."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest
from rich.console import Console
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synth_paper import HEADLINE, PATHS, make_paper_store  # noqa: E402
from engine.analysis import build_report  # noqa: E402
from engine.analysis.design import detectable, reading  # noqa: E402
from engine.analysis.power import simulate, z_sum  # noqa: E402
from engine.analysis.render import render_report  # noqa: E402
from engine.analysis.report import Report  # noqa: E402
from engine.cli import app  # noqa: E402
from engine.store.aggregates import refresh  # noqa: E402
from engine.store.db import Store  # noqa: E402
from engine.store.schema import ddl  # noqa: E402

Z = z_sum(0.05, 0.8)  # 1.95996 + 0.84162
# per task, claude's verdict under each condition (one sample): curated − no_skill
DIFFS_SQL = """
    SELECT config_id, task_id,
      max(CASE WHEN condition = 'curated' THEN (verdict = 'pass')::INT END)
      - max(CASE WHEN condition = 'no_skill' THEN (verdict = 'pass')::INT END) AS d
    FROM judgments WHERE judge_id = 'claude' GROUP BY ALL"""


@pytest.fixture(scope="module")
def store() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for s in ddl():
        con.execute(s)
    make_paper_store(con)
    refresh(con)
    return con


@pytest.fixture(scope="module")
def report(store: duckdb.DuckDBPyConnection) -> Report:
    return build_report(store, paths=PATHS, headline=HEADLINE, n_boot=300)


def _sql_mdes(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, float], dict[str, float]]:
    """MDE = z √(var/n) of each Δ and each lift, the variances computed in SQL from the judgments."""
    delta = {
        c: Z * math.sqrt(v / n)
        for c, v, n in con.sql(f"SELECT config_id, var_samp(d), count(*) FROM ({DIFFS_SQL}) GROUP BY 1").fetchall()
    }
    lift = {
        c: Z * math.sqrt(v / n)
        for c, v, n in con.sql(
            f"""WITH d AS ({DIFFS_SQL})
                SELECT s.config_id, var_samp(s.d - b.d), count(*) FROM d AS s
                JOIN configs AS c ON c.config_id = s.config_id AND c.base_config IS NOT NULL
                JOIN d AS b ON b.config_id = c.base_config AND b.task_id = s.task_id GROUP BY 1"""
        ).fetchall()
    }
    return delta, lift


def test_every_mde_is_z_sqrt_var_over_n_of_its_own_per_task_differences(
    store: duckdb.DuckDBPyConnection, report: Report
) -> None:
    delta, lift = _sql_mdes(store)
    assert report.design is not None
    rows = [r for r in report.design.rows if r.path == HEADLINE]
    assert len(rows) == 7 + 3
    for r in rows:
        want = delta[r.config] if r.kind == "delta" else lift[r.config]
        assert r.mde == pytest.approx(want, rel=1e-9), (r.kind, r.config)
        assert r.n_tasks == 200


def test_the_reference_study_states_its_own_mde_for_delta_and_lift(
    store: duckdb.DuckDBPyConnection, report: Report
) -> None:
    """On the synthesised reference store (200 tasks, one sample) the report states the study's MDE:
    |Δ| 0.070–0.091 and |lift| 0.105–0.122, in the JSON, on the terminal and in the paper."""
    delta, lift = _sql_mdes(store)
    assert report.design is not None
    got = report.to_dict()["design"]
    assert got["headline_mde"]["delta"] == {
        "min": pytest.approx(min(delta.values())),
        "max": pytest.approx(max(delta.values())),
    }
    assert got["headline_mde"]["lift"] == {
        "min": pytest.approx(min(lift.values())),
        "max": pytest.approx(max(lift.values())),
    }
    assert (round(min(delta.values()), 3), round(max(delta.values()), 3)) == (0.070, 0.091)
    assert (round(min(lift.values()), 3), round(max(lift.values()), 3)) == (0.105, 0.122)
    sentence = "MDE |Δ| 0.070–0.091 (200 tasks) and MDE |lift| 0.105–0.122 (200 tasks) on path 'llm-only-claude'"
    assert sentence in got["summary"]
    console = Console(record=True, width=200)
    render_report(report, console)
    text = console.export_text()
    assert "Design: minimum detectable effect at power 0.8, two-sided α 0.05" in text
    assert sentence in " ".join(text.split())

    from engine.paper import paper_from_store

    md = paper_from_store(store, report).design
    assert "MDE |Δ| 0.070–0.091 (200 tasks) and MDE |lift| 0.105–0.122 (200 tasks) on path `llm-only-claude`" in md[0]


def test_a_ci_covering_zero_reads_underpowered_not_no_effect(report: Report) -> None:
    assert report.design is not None
    by = {(r.kind, r.config): r for r in report.design.rows if r.path == HEADLINE}
    haiku = by[("delta", "haiku-4.5")]  # +0.030 [−0.025, +0.087]
    assert haiku.covers_zero and haiku.reading == "underpowered" and haiku.reference == pytest.approx(0.03)
    assert haiku.words() == f"underpowered (MDE {haiku.mde:.3f})"
    assert by[("delta", "qwen3.5-0.8b")].reading == "significant"  # −0.075 [−0.138, −0.014]
    assert by[("lift", "qwen3.5-2b-sft")].reading == "underpowered"
    assert by[("lift", "qwen3.5-4b-sft")].reading == "significant"  # +0.075, CI just above 0


def test_the_rule_against_a_declared_effect_and_without_one() -> None:
    assert reading(0.03, -0.02, 0.08, 0.077, None) == ("underpowered", pytest.approx(0.03))
    assert reading(0.03, -0.02, 0.08, 0.077, 0.05) == ("underpowered", 0.05)
    assert reading(0.03, -0.02, 0.08, 0.077, 0.10) == ("powered", 0.10)
    assert reading(0.10, 0.02, 0.18, 0.077, None)[0] == "significant"
    assert reading(0.0, -0.01, 0.01, None, None)[0] == "not estimable"
    assert reading(None, None, None, 0.05, None)[0] == "no CI"
    same = detectable("delta", np.zeros(50), config="c", base=None, path="p", estimate=0.0, low=-0.07, high=0.07)
    assert same.mde is None and same.omega2 == 0.0 and same.reading == "not estimable"  # no task differs


def test_the_mde_has_power_080_in_studies_simulated_from_the_pilot(report: Report) -> None:
    """Resampling the pilot's per-task outcomes shifted to the MDE (`engine.analysis.power.simulate`): the
    paired z-test rejects in about 80% of the simulated studies of 200 tasks."""
    d = report.delta("haiku-4.5")
    assert report.design is not None
    r = report.design.of(d)
    assert r is not None and r.mde is not None
    rates = np.column_stack([d.rates_no_skill, d.rates_curated])
    sim = simulate(
        rates,
        np.ones(len(rates)),
        np.array([-1.0, 1.0]),
        200,
        k=1,
        k_pilot=1,
        target=r.mde,
        alpha=0.05,
        sims=4000,
        seed=3,
    )
    assert sim.z_test == pytest.approx(0.8, abs=0.03)


def test_json_keeps_the_old_keys_and_adds_design_ones(report: Report) -> None:
    doc = report.to_dict()
    d = doc["deltas"][0]
    old = set(report.deltas[0].to_dict()) | {"floor_ceiling"}
    assert old <= set(d) and set(d) - old == {"mde", "power_reading"}
    assert set(doc["lifts"][0]) - set(report.lifts[0].to_dict()) == {"mde", "power_reading"}
    assert doc["design"]["reference"] == "|estimate|" and doc["design"]["effect_of_interest"] is None
    assert len(doc["design"]["rows"]) == len(doc["deltas"]) + len(doc["lifts"])
    assert "per_skill" in doc
    json.dumps(doc)  # every value JSON-safe


def test_cli_effect_of_interest_changes_the_reading(runs_dir: Path) -> None:
    with Store.open(runs_dir) as st:
        make_paper_store(st.con)
    base = ["report", "--runs-dir", str(runs_dir), "--json", "--boot", "200"]
    small = json.loads(CliRunner().invoke(app, [*base, "--effect", "0.05"]).output)
    big = json.loads(CliRunner().invoke(app, [*base, "--effect", "0.2"]).output)
    pick = {"config": "haiku-4.5", "kind": "delta"}
    for doc, want in ((small, "underpowered"), (big, "powered")):
        assert doc["design"]["reference"] == "effect of interest"
        row = next(
            r for r in doc["design"]["rows"] if all(r[k] == v for k, v in pick.items()) and r["path"] == doc["headline"]
        )
        assert row["reading"] == want
        assert row["power_at_effect"] is not None
    bad = CliRunner().invoke(app, [*base, "--effect", "1.5"])
    assert bad.exit_code == 2 and "--effect must be" in bad.output and "Traceback" not in bad.output


def test_the_experiment_declares_the_effect_of_interest(runs_dir: Path, mini_experiment: Path) -> None:
    from engine.config import load_experiment

    text = mini_experiment.read_text().replace("seed = 0\n", "seed = 0\nminimum_effect = 0.05\n", 1)
    mini_experiment.write_text(text)
    assert load_experiment(mini_experiment).minimum_effect == 0.05
    with Store.open(runs_dir) as st:
        make_paper_store(st.con)
    res = CliRunner().invoke(
        app, ["report", "--runs-dir", str(runs_dir), "-e", str(mini_experiment), "--json", "--boot", "100"]
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["design"]["effect_of_interest"] == 0.05
    mini_experiment.write_text(text.replace("minimum_effect = 0.05", "minimum_effect = 1.5"))
    bad = CliRunner().invoke(app, ["report", "--runs-dir", str(runs_dir), "-e", str(mini_experiment)])
    assert bad.exit_code == 2 and "minimum_effect" in bad.output and "Traceback" not in bad.output
