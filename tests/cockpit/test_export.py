"""ctrl+e writes the paper report from the Δ and Judges screens (in the background: the UI keeps
answering), ctrl+s saves an SVG screenshot; both into <runs>/reports/ and both say where."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from cockpit.screens.delta import DeltaScreen
from cockpit.screens.judges import JudgesScreen
from cockpit.services import export
from tests.cockpit.conftest import SIZE, make_app, ready, settle, wait_for


def notes(app: Any) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_ctrl_e_on_delta_writes_the_report_while_the_ui_answers(
    fixture_runs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = threading.Event()
    real = export.render

    def held(paper: Any, out: Path, **kw: Any) -> Path:
        assert gate.wait(120), "the test never released the renderer"
        return real(paper, out, **kw)

    monkeypatch.setattr(export, "render", held)
    app = make_app(fixture_runs)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("5")
        await settle(pilot)
        assert isinstance(app.screen, DeltaScreen)
        await pilot.press("ctrl+e")
        await wait_for(pilot, lambda: "export" in app._busy, what="the export worker")
        await pilot.press("4")  # the report is still being written: the UI answers anyway
        await wait_for(pilot, lambda: isinstance(app.screen, JudgesScreen), timeout=5, what="the Judges screen")
        assert app.last_export is None
        gate.set()
        await wait_for(pilot, lambda: app.last_export is not None, timeout=240, what="the report")
        out = app.last_export
        assert out is not None
        assert out.parent == fixture_runs.resolve() / "reports"
        for f in ("report.md", "report.json", "tables/delta.tex", "tables/delta.csv", "figures/trajectory.png"):
            assert (out / f).is_file(), f
        assert (out / "figures/trajectory.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
        md = (out / "report.md").read_text(encoding="utf-8")
        assert "## Findings" in md
        assert "## Threats to validity" in md
        said = [n for n in notes(app) if n.startswith("report written to")]
        assert said
        assert str(out) in said[0]
        assert "figures/trajectory.png" in said[0]
        assert "export" not in app._busy


async def test_ctrl_e_on_judges_names_the_kappa_figure(fixture_runs: Path) -> None:
    app = make_app(fixture_runs)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("ctrl+e")
        await wait_for(pilot, lambda: app.last_export is not None, timeout=240, what="the report")
        assert app.last_export is not None
        assert (app.last_export / "figures/kappa.png").is_file()
        assert any("figures/kappa.png" in n for n in notes(app))


async def test_ctrl_e_failure_is_a_notification(fixture_runs: Path) -> None:
    (fixture_runs / "reports").write_text("a file where the reports directory goes")
    app = make_app(fixture_runs)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("5")
        await settle(pilot)
        await pilot.press("ctrl+e")
        await wait_for(pilot, lambda: any(n.startswith("writing the report:") for n in notes(app)), timeout=240)
        assert app.last_export is None
        assert "export" not in app._busy
        assert isinstance(app.screen, DeltaScreen)


async def test_ctrl_s_saves_an_svg_screenshot(fixture_runs: Path) -> None:
    app = make_app(fixture_runs)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        shot = app.last_screenshot
        assert shot is not None
        assert shot.parent == fixture_runs.resolve() / "reports" / "screenshots"
        assert shot.name.startswith("runs-")
        assert shot.suffix == ".svg"
        svg = shot.read_text(encoding="utf-8")
        assert svg.lstrip().startswith("<svg")
        assert "20250101-000000-study-a1b2" in svg.replace("&#160;", " ")
        assert any(n.startswith("screenshot saved: ") and str(shot) in n for n in notes(app))
