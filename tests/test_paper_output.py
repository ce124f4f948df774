"""Writing the paper report: byte-identical output from the same store, SVGs without dates, PNGs at
300 dpi, all-or-nothing writes, bad --out targets, and `engine report --out` end to end."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synth_paper import HEADLINE, PATHS, make_paper_store  # noqa: E402
from engine.analysis import build_report  # noqa: E402
from engine.paper import PaperReport, ReportOutputError, paper_from_store, write_report  # noqa: E402
from engine.store.aggregates import refresh  # noqa: E402
from engine.store.schema import ddl  # noqa: E402

PNG_SIG = b"\x89PNG\r\n\x1a\n"


def paper(n_boot: int = 300) -> PaperReport:
    con = duckdb.connect()
    for s in ddl():
        con.execute(s)
    make_paper_store(con)
    refresh(con)
    return paper_from_store(con, build_report(con, paths=PATHS, headline=HEADLINE, n_boot=n_boot))


def files(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def test_same_store_gives_the_same_bytes(tmp_path: Path) -> None:
    a = write_report(paper(), tmp_path / "a")
    b = write_report(paper(), tmp_path / "b")  # a second store, built again from scratch
    fa, fb = files(a.out), files(b.out)
    assert fa.keys() == fb.keys()
    assert {k for k in fa if k.endswith(".svg")} == {f"figures/{s}.svg" for s in _drawn()}
    for name in fa:
        if not name.endswith(".png"):
            assert fa[name] == fb[name], name
    svg = fa["figures/trajectory.svg"].decode()
    assert "<dc:date>" not in svg
    assert not re.search(r"20\d\d-\d\d-\d\d", svg)
    png = fa["figures/trajectory.png"]
    assert png.startswith(PNG_SIG)
    phys = png[png.index(b"pHYs") + 4 : png.index(b"pHYs") + 12]
    assert round(int.from_bytes(phys[:4], "big") * 0.0254) == 300  # pixels per metre -> dpi
    assert b"Software" not in png[:400]


def _drawn() -> list[str]:
    return [
        *("trajectory", "forest", "lift", "per_skill", "kappa", "delta_shift"),
        *("format_compliance", "format_gap", "loss", "cost"),
    ]


def test_out_is_a_file_or_a_foreign_directory(tmp_path: Path) -> None:
    p = paper()
    f = tmp_path / "notes.txt"
    f.write_text("keep me")
    with pytest.raises(ReportOutputError, match="is a file"):
        write_report(p, f, figures=False)
    assert f.read_text() == "keep me"
    d = tmp_path / "thesis"
    d.mkdir()
    (d / "main.tex").write_text("mine")
    with pytest.raises(ReportOutputError, match="other files"):
        write_report(p, d, figures=False)
    assert [x.name for x in d.iterdir()] == ["main.tex"]
    with pytest.raises(ReportOutputError, match="cannot write a report"):
        write_report(p, f / "sub", figures=False)  # the parent is a file
    assert sorted(x.name for x in tmp_path.iterdir()) == ["notes.txt", "thesis"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_out_in_an_unwritable_directory(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(ReportOutputError, match="cannot write a report"):
            write_report(paper(), locked / "r", figures=False)
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


def test_a_failed_write_leaves_nothing_and_keeps_the_old_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = paper()
    out = tmp_path / "r"
    write_report(p, out, figures=False)
    before = files(out)

    def boom(*_: object) -> list[Path]:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("engine.paper.draw.render_figures", boom)
    with pytest.raises(ReportOutputError, match="No space left on device"):
        write_report(p, out)
    assert files(out) == before
    assert sorted(x.name for x in tmp_path.iterdir()) == ["r"]  # no temporary directory left
    with pytest.raises(ReportOutputError):
        write_report(p, tmp_path / "fresh")
    assert not (tmp_path / "fresh").exists()
    monkeypatch.undo()
    write_report(p, out, figures=False)  # a re-render replaces an earlier report
    assert files(out) == before


def run_engine(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "engine.cli", *args], capture_output=True, text=True, timeout=300, check=False
    )


def test_engine_report_out_end_to_end(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    runs.mkdir()
    con = duckdb.connect(str(runs / "store.duckdb"))
    for s in ddl():
        con.execute(s)
    make_paper_store(con)
    refresh(con)
    con.close()
    res = run_engine("report", "--runs-dir", str(runs), "--out", str(tmp_path / "rep"), "--boot", "300")
    assert res.returncode == 0, res.stderr
    assert re.search(r"wrote .*rep: report.md, report.json, \d+ tables \(.tex, .csv\), 10 figures", res.stdout)
    js = run_engine("report", "--runs-dir", str(runs), "--json", "--boot", "300")
    assert (tmp_path / "rep/report.json").read_text(encoding="utf-8") == js.stdout  # the same numbers as --json
    md = (tmp_path / "rep/report.md").read_text(encoding="utf-8")
    assert md.startswith("# Procedural-skill study report")
    assert "## Threats to validity" in md
    bad = run_engine("report", "--runs-dir", str(runs), "--out", str(runs / "store.duckdb"))
    assert bad.returncode == 2
    assert "is a file" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_importing_the_report_leaves_matplotlib_unloaded() -> None:
    code = "import engine.cli, engine.paper, sys; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_hostile_store_labels_stay_text_everywhere(tmp_path: Path) -> None:
    from bench.synth import make_synthetic_store

    evil = "q$1_{x}`|*[a](b)<i>\x1b[31m\u202eevil"
    configs = [
        {"id": evil, "size": "2B", "role": "student", "base": None, "ability": 0.0, "effect": 0.3},
        {"id": "q2b-sft", "size": "2B", "role": "student", "base": evil, "ability": 0.1, "effect": 0.5},
        {"id": "q4b", "size": "4B", "role": "student", "base": None, "ability": 0.5, "effect": 0.0},
    ]
    con = duckdb.connect()
    for s in ddl():
        con.execute(s)
    make_synthetic_store(con, 3 * 30 * 2, configs=configs, n_tasks=30, n_skills=5)
    refresh(con)
    w = write_report(paper_from_store(con, build_report(con, n_boot=100)), tmp_path / "r")
    assert w.count(".png", "figures") >= 6
    every = {name: data.decode("utf-8", "replace") for name, data in files(w.out).items() if not name.endswith(".png")}
    for name, text in every.items():
        assert "\x1b" not in text, name
        assert "\u202e" not in text, name
    md = every["report.md"]
    assert "| q$1\\_{x}\\`\\|\\*\\[a\\](b)\\<i\\>\\[31mevil |" in md  # a table cell: every mark escaped
    assert "``q$1_{x}`|*[a](b)<i>[31mevil``" in md  # a code span in the findings
    tex = every["tables/delta.tex"]
    assert r"q\$1\_\{x\}`\textbar{}*[a](b)\textless{}i\textgreater{}[31mevil" in tex
