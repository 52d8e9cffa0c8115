"""A load run that did not deliver the asked load says so and fails, unless the operator accepts it.

Unit: `Result.shortfall` from raw samples (open model: submits against rate x duration; closed
model: peak users against --users). End to end: an open model asked for far more arrivals than
its pool can make exits 1 with the shortfall named, and 0 with --accept-underdelivery.
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from linkis_harness.cli import run
from linkis_harness.load import report as load_report
from tests.support.reports import load_result

STARTED = 1_000.0


def _result(*, submits: int, rate: float = 0.0, users: int = 0) -> load_report.Result:
    result = load_result(sla="p95(job_total)<30s")  # 40 s, peak 20 users, SLA held
    values = [5.0] * submits
    result.series["/entrance/submit"] = load_report.Series(
        "/entrance/submit", values, 0
    )
    result.violations = {}
    result.delivery = load_report.Delivery(asked_rate=rate, asked_users=users)
    return result


def test_open_model_delivering_the_rate_holds() -> None:
    result = _result(submits=40, rate=1.0)  # 40 arrivals in 40 s
    assert result.shortfall is None
    assert result.exit_code == 0


def test_open_model_falling_short_fails_and_names_the_shortfall() -> None:
    result = _result(submits=40, rate=5.0)  # asked 200 arrivals in 40 s
    assert result.shortfall is not None
    assert result.shortfall.startswith("asked 5 jobs/s, delivered 1.0 jobs/s")
    assert result.exit_code == 1
    out = io.StringIO()
    load_report.print_summary(result, out)
    assert "load under-delivered: asked 5 jobs/s" in out.getvalue()
    assert "result: under-delivered the asked load (exit 1)" in out.getvalue()


def test_accepted_underdelivery_is_reported_but_holds() -> None:
    result = _result(submits=40, rate=5.0)
    result.delivery = replace(result.delivery, accepted=True)  # type: ignore[arg-type]
    assert result.exit_code == 0
    out = io.StringIO()
    load_report.print_summary(result, out)
    assert "accepted (--accept-underdelivery)" in out.getvalue()
    assert "result: held (exit 0)" in out.getvalue()


def test_closed_model_judges_the_peak_user_count() -> None:
    assert _result(submits=40, users=20).shortfall is None
    short = _result(submits=40, users=50)
    assert short.shortfall == (
        "asked 50 users, reached 20 (a higher --spawn-rate or a longer --run-time)"
    )
    assert short.exit_code == 1


def test_runs_cut_short_or_capped_by_max_jobs_are_not_judged() -> None:
    interrupted = _result(submits=1, rate=5.0)
    interrupted.interrupted = True
    assert interrupted.shortfall is None
    capped = _result(submits=1, rate=5.0)
    capped.budget_exhausted = True
    assert capped.shortfall is None


@pytest.mark.slow
def test_an_open_model_that_cannot_keep_up_exits_1_unless_accepted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith("LINKIS_"):
            monkeypatch.delenv(name, raising=False)
    argv = ["load", "--submit-rate", "40/s", "--users", "2", "--spawn-rate", "2",
            "--run-time", "4s", "--sim-speed", "4"]  # fmt: skip
    out, err = io.StringIO(), io.StringIO()
    code = run([*argv, "--report-dir", str(tmp_path / "a")], out, err)
    assert code == 1, out.getvalue() + err.getvalue()
    assert "load under-delivered: asked 40 jobs/s" in out.getvalue()
    summary = json.loads((tmp_path / "a" / "summary.json").read_text(encoding="utf-8"))
    assert summary["delivery"]["shortfall"].startswith("asked 40 jobs/s")
    assert summary["delivery"]["accepted"] is False
    out, err = io.StringIO(), io.StringIO()
    code = run([*argv, "--accept-underdelivery"], out, err)
    assert code == 0, out.getvalue() + err.getvalue()
    assert "accepted (--accept-underdelivery)" in out.getvalue()
