"""`engine import lmeval` on per-sample logs in lm-evaluation-harness's `--log_samples` format.

The fixture (`tests/data/lmeval/tiny-org__tiny-model/`) is laid out as lm-eval's EvaluationTracker
writes it: `results_<date>.json` naming the model, and one `samples_<task>_<date>.jsonl` per task,
one line per document and filter (`doc_id`, `doc`, `target`, `arguments` as `gen_args_0.arg_0/1`,
`resps`, `filtered_resps`, `filter`, `metrics`, the three hashes, the metric's value). Two tasks,
`arith` and `arith_skill` (the same 8 documents, the second prompt with a skill block), are the two
conditions; GSM8K-style `strict-match` and `flexible-extract` filters are two judges of the same
generation. The expected numbers are computed here from the fixture's own lines.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from scipy.stats import binomtest
from sklearn.metrics import cohen_kappa_score
from typer.testing import CliRunner

from engine.cli import app
from engine.store.db import Store

FIXTURE = Path(__file__).resolve().parent / "data" / "lmeval" / "tiny-org__tiny-model"
DATE = "2025-01-02T03-04-05.678901"
ARITH = FIXTURE / f"samples_arith_{DATE}.jsonl"
SKILL = FIXTURE / f"samples_arith_skill_{DATE}.jsonl"
MAP = ["--baseline", "arith", "--treatment", "arith_skill"]


def _cli(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "400"})


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text().splitlines() if x.strip()]


def _passes(path: Path, flt: str) -> list[bool]:
    return [r["exact_match"] == 1.0 for r in sorted(_lines(path), key=lambda r: r["doc_id"]) if r["filter"] == flt]


def test_lmeval_samples_give_delta_per_filter_and_kappa_between_filters(runs_dir: Path) -> None:
    res = _cli("import", "lmeval", str(ARITH), str(SKILL), *MAP, "--runs-dir", str(runs_dir))
    assert res.exit_code == 0, res.output
    assert "imported 16 episodes and 32 judgments" in res.output and "tiny-org-tiny-model" in res.output
    res = _cli("report", "--runs-dir", str(runs_dir), "--json", "--boot", "200")
    assert res.exit_code == 0, res.output
    rep = json.loads(res.output)
    deltas = {d["path"]: d for d in rep["deltas"]}
    assert set(deltas) == {"exact_match:strict-match", "exact_match:flexible-extract"}
    for flt in ("strict-match", "flexible-extract"):
        ns, cu = _passes(ARITH, flt), _passes(SKILL, flt)
        d = deltas[f"exact_match:{flt}"]
        assert d["n_tasks"] == 8
        assert d["delta"] == pytest.approx((sum(cu) - sum(ns)) / 8)
        up = sum(c and not n for n, c in zip(ns, cu, strict=True))
        down = sum(n and not c for n, c in zip(ns, cu, strict=True))
        assert d["mcnemar_p"] == pytest.approx(binomtest(up, up + down, 0.5).pvalue)
    assert deltas["exact_match:strict-match"]["delta"] == pytest.approx(3 / 8)
    assert deltas["exact_match:flexible-extract"]["delta"] == pytest.approx(2 / 8)
    (pair,) = rep["agreement"]
    by = {"exact_match:strict-match": "strict-match", "exact_match:flexible-extract": "flexible-extract"}
    a = _passes(ARITH, by[pair["judge_a"]]) + _passes(SKILL, by[pair["judge_a"]])
    b = _passes(ARITH, by[pair["judge_b"]]) + _passes(SKILL, by[pair["judge_b"]])
    assert pair["n"] == 16 and pair["kappa"] == pytest.approx(cohen_kappa_score(a, b))
    with Store.open(runs_dir) as store:
        store.ingest()
        (row,) = store.query(
            "SELECT e.completion, e.prompt, j.extracted, e.skill_id FROM episodes e "
            "JOIN judgments j USING (episode_id) WHERE e.task_id = '1' AND e.condition = 'no_skill' "
            "AND j.judge_id = 'exact_match:strict-match'"
        )
    assert row == ("I get 8.", "Question: What is 4 + 4?\nAnswer:", "[invalid]", "addition")


def test_a_file_per_condition_and_a_config_name(runs_dir: Path, tmp_path: Path) -> None:
    lone = tmp_path / "out"  # no results file beside the samples: the config must be named
    lone.mkdir()
    for p in (ARITH, SKILL):
        shutil.copy(p, lone / p.name)
    files = [f"no_skill={lone / ARITH.name}", f"curated={lone / SKILL.name}"]
    res = _cli("import", "lmeval", *files, "--runs-dir", str(runs_dir))
    assert res.exit_code == 2 and "field 'model'" in res.output and "--config" in res.output
    res = _cli("import", "lmeval", *files, "--config", "tiny", "--runs-dir", str(runs_dir))
    assert res.exit_code == 0, res.output
    assert "configs: tiny;" in res.output


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda r: r.pop("doc_id"), ":3: field 'doc_id': missing"),
        (lambda r: r.pop("filtered_resps"), ":3: field 'filtered_resps': missing"),
        (lambda r: r.update(exact_match=0.4), ":3: field 'exact_match': the value 0.4 is not binary"),
        (lambda r: r.pop("exact_match"), ":3: field 'exact_match': named in 'metrics' but missing"),
    ],
)
def test_bad_lines_are_refused_naming_file_line_and_field(tmp_path: Path, mutate: Any, where: str) -> None:
    recs = _lines(ARITH)
    mutate(recs[2])
    bad = tmp_path / ARITH.name
    bad.write_text("".join(json.dumps(r) + "\n" for r in recs))
    shutil.copy(FIXTURE / f"results_{DATE}.json", tmp_path)
    runs = tmp_path / "runs"
    res = _cli("import", "lmeval", str(bad), str(SKILL), *MAP, "--runs-dir", str(runs))
    assert res.exit_code == 2, res.output
    assert f"{bad}{where}" in res.output and "Traceback" not in res.output
    assert not runs.exists() or list(runs.iterdir()) == []


def test_a_threshold_dichotomises_a_graded_metric(tmp_path: Path, runs_dir: Path) -> None:
    recs = _lines(ARITH)
    for r in recs:
        r["exact_match"] = 0.75 if r["exact_match"] == 1.0 else 0.25
    graded = tmp_path / ARITH.name
    graded.write_text("".join(json.dumps(r) + "\n" for r in recs))
    shutil.copy(FIXTURE / f"results_{DATE}.json", tmp_path)
    res = _cli("import", "lmeval", str(graded), str(SKILL), *MAP, "--threshold", "0.5", "--runs-dir", str(runs_dir))
    assert res.exit_code == 0, res.output
    rep = json.loads(_cli("report", "--runs-dir", str(runs_dir), "--json", "--boot", "50").output)
    assert {d["path"]: d["delta"] for d in rep["deltas"]}["exact_match:strict-match"] == pytest.approx(3 / 8)


def test_a_file_given_twice_is_refused(runs_dir: Path) -> None:
    res = _cli("import", "lmeval", str(ARITH), str(SKILL), f"curated={SKILL}", *MAP, "--runs-dir", str(runs_dir))
    assert res.exit_code == 2 and "the same file is given twice" in res.output
    assert list(runs_dir.iterdir()) == []


def test_not_a_samples_file_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "samples_x_2025-01-01T00-00-00.000000.jsonl"
    bad.write_text("[1, 2]\n")
    res = _cli("import", "lmeval", str(bad), "--config", "c", "--runs-dir", str(tmp_path / "runs"))
    assert res.exit_code == 2 and f"{bad}:1:" in res.output and "a JSON object per line" in res.output
