"""A background job that fails is one notification naming the job (one handler, cockpit/app.py), and
the app keeps running: the next refresh runs the job again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cockpit.viewmodels import report
from tests.cockpit.conftest import SIZE, make_app, wait_for


async def test_a_failing_report_job_is_a_notification_not_a_crash(
    fixture_runs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = report.compute
    calls: list[int] = []

    def broken(cur: Any, runs_dir: Path, **kw: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("disk on fire")
        return real(cur, runs_dir, **kw)

    monkeypatch.setattr(report, "compute", broken)
    app = make_app(fixture_runs)
    async with app.run_test(size=SIZE) as pilot:
        failure = "computing the report: RuntimeError: disk on fire"
        await wait_for(pilot, lambda: failure in [str(n.message) for n in app._notifications], what="the notification")
        assert app.report is None
        assert "report" not in app._busy  # the job released its slot: a later refresh may run it
        app.refresh_report()
        await wait_for(pilot, lambda: app.report is not None, what="the report after the failure")
        assert app.is_running
