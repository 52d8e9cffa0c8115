"""The load user's per-job judgement (pure: no Locust, no server).

A backward step or a progress drop seen under load is only suspect while the job runs (polls
miss a short WaitForRetry); at the end it stands unless the job's log proves as many retries,
the contract suite's rule.
"""

from __future__ import annotations

from typing import Any

from linkis_harness.core.workload import Workload
from linkis_harness.load.scenarios.job import (
    Job,
    check_history,
    check_rows,
    result_paths,
)

WORKLOAD = Workload(
    name="w",
    engine_type="shell-1",
    run_type="shell",
    code="echo",
    expect_status=("Succeed",),
    within=60,
    rows=3,
)


def _status(state: str) -> dict[str, Any]:
    return {"status": 0, "data": {"status": state}}


def _progress(value: float) -> dict[str, Any]:
    return {"status": 0, "data": {"progress": value}}


def _job(*states: str) -> Job:
    job = Job(WORKLOAD, "exec", 1, 0.0)
    for state in states:
        assert job.observe_state(_status(state)) is None
    return job


def test_running_then_scheduled_stands_without_a_logged_retry() -> None:
    job = _job("Scheduled", "Running", "Scheduled", "Running", "Succeed")
    found = job.unexplained_steps(0)
    assert found is not None
    assert (found.check, found.title) == ("states", "job state went backwards")
    assert "log shows 0 retries" in found.detail
    assert job.unexplained_steps(1) is None


def test_a_terminal_change_fails_at_once() -> None:
    job = _job("Running", "Succeed")
    found = job.observe_state(_status("Failed"))
    assert found is not None
    assert found.title == "terminal job state changed"


def test_progress_drop_stands_unless_a_retry_is_seen_or_logged() -> None:
    job = _job("Running")
    for value in (0.2, 0.6, 0.3):
        assert job.observe_progress(_progress(value)) is None
    found = job.unexplained_drops(0)
    assert found is not None
    assert (found.check, found.title) == ("progress", "progress went down")
    assert job.unexplained_drops(1) is None
    seen = _job("Running")
    seen.observe_progress(_progress(0.6))
    seen.observe_state(_status("WaitForRetry"))
    seen.observe_progress(_progress(0.0))
    assert seen.unexplained_drops(0) is None


def test_retry_lines_in_pages_are_counted() -> None:
    job = _job("Running")
    log = "a INFO Your job is turn to retry. Please wait it to schedule."
    assert (
        job.observe_page(
            0, 100, {"status": 0, "data": {"log": ["", "", log, log], "fromLine": 1}}
        )
        is None
    )
    assert job.retries_seen == 1


def test_history_may_lag_only_within_the_grace() -> None:
    job = _job("Running", "Succeed")
    lagging = {"data": {"task": {"status": "Running"}}}
    assert check_history(job, lagging, late=False) is None
    assert check_history(job, lagging, late=True) is not None
    wrong = {"data": {"task": {"status": "Failed"}}}
    assert check_history(job, wrong, late=False) is not None


def test_every_result_set_in_number_order_and_all_rows_counted() -> None:
    children = [
        {"name": name, "path": f"/r/{name}"}
        for name in ("_10.dolphin", "_2.dolphin", "x.txt", "_0.dolphin")
    ]
    tree = {"data": {"dirFileTrees": {"path": "/r", "children": children}}}
    assert result_paths(tree) == ["/r/_0.dolphin", "/r/_2.dolphin", "/r/_10.dolphin"]
    job = _job("Succeed")
    assert check_rows(job, [["1"], ["2"], ["3"]]) is None
    found = check_rows(job, [["1"], ["2"]])
    assert found is not None
    assert found.check == "results"


def test_documented_read_failures_are_not_findings_and_keep_the_cursor() -> None:
    job = _job("Running")
    for envelope in (
        {"status": 0, "data": {"log": "", "fromLine": 0}},
        {"status": 0, "data": {"log": None, "fromLine": 0}},
        {
            "status": 1,
            "message": "Failed to get log information(获取日志信息失败)",
            "data": {"log": ""},
        },
        {
            "status": 1,
            "message": "The job you just executed has ended. ...",
            "data": {},
        },
    ):
        assert job.observe_page(0, 100, envelope) is None
    assert job.read_failures == 4
    assert job.pages == []
    assert job.next_line == 0
    refused = job.observe_page(0, 100, {"status": 1, "message": "boom", "data": {}})
    assert refused is not None
    assert refused.title == "log read refused"
    moved = job.observe_page(0, 100, {"status": 0, "data": {"log": "", "fromLine": 5}})
    assert moved is not None  # a cursor that moved must come with the four buckets
