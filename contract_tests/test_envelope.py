"""Envelope: every answer from Linkis code is `{method, status, message, data}` JSON (Linkis 1.4.0 Message.scala).

HTTP agrees with `status` (-1→401, 0→200, 1→400, 2→412, 3→403, 4→206); on success `method` names the
operation without `rest_j/v1` (`/api/entrance/<execID>/status`); Content-Type is JSON. Gateway
routing errors (an execID the gateway cannot parse) are HTTP 200 with status 1
(ledger: gateway.entrance.malformed-execid) and accepted as such. Requests the web framework rejects
before Linkis code runs may get the framework's own error body
(ledger: entrance.kill.non-numeric-taskid), never a 5xx.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from linkis_harness import config as harness_config
from linkis_harness.client import Answer, LinkisClient
from linkis_harness.core.envelope import is_framework_error, is_gateway_error
from linkis_harness.core.execid import ExecId
from linkis_harness.core.workload import Workload
from linkis_harness.errors import InvalidExecId
from linkis_harness.suite.lifecycle import FinishedJob, SubmittedJob, violation
from linkis_harness.suite.protocol import assert_envelope, pick_workload, release

pytestmark = pytest.mark.envelope


@pytest.fixture(scope="module")
def done_job(
    finished_jobs: dict[str, FinishedJob], workloads: list[Workload]
) -> SubmittedJob:
    """A short job of the profile that ran to its end (shared with the lifecycle families)."""
    workload = pick_workload(workloads, running=False)
    if workload is None or workload.name not in finished_jobs:
        pytest.skip("no workload that succeeds in this profile")
    job = finished_jobs[workload.name].job
    job.require("envelope")
    return job


def test_submit_answer_is_an_envelope(done_job: SubmittedJob) -> None:
    assert_envelope(
        done_job.answer,
        operation="POST /entrance/submit",
        expected_method="/api/entrance/submit",
    )


@pytest.mark.parametrize(
    "operation", ["status", "progress", "progressWithResource", "log"]
)
def test_entrance_answers_are_envelopes(
    client: LinkisClient, done_job: SubmittedJob, operation: str
) -> None:
    exec_id = done_job.exec_id
    assert exec_id is not None
    call: Callable[[], Answer] = {
        "status": lambda: client.status(exec_id, done_job.task_id),
        "progress": lambda: client.progress(exec_id),
        "progressWithResource": lambda: client.progress_with_resource(exec_id),
        "log": lambda: client.log(exec_id, from_line=0, size=10),
    }[operation]
    answer = call()
    expected = f"/api/entrance/{exec_id}/{operation}" if answer.status == 0 else None
    assert_envelope(
        answer,
        operation=f"GET /entrance/{{id}}/{operation}",
        expected_method=expected,
        exec_id=exec_id,
    )


def test_job_history_answers_are_envelopes(
    client: LinkisClient, done_job: SubmittedJob
) -> None:
    task_id = done_job.task_id
    answer = client.job_history(task_id)
    assert_envelope(
        answer,
        operation="GET /jobhistory/{id}/get",
        expected_method=f"/api/jobhistory/{task_id}/get",
        exec_id=done_job.exec_id,
    )
    listing = client.job_history_list(pageSize=5)
    assert_envelope(
        listing,
        operation="GET /jobhistory/list",
        expected_method="/api/jobhistory/list",
    )


def test_filesystem_answers_are_envelopes(
    client: LinkisClient, done_job: SubmittedJob
) -> None:
    history = client.job_history(done_job.task_id)
    task = history.data.get("task") if history.ok else None
    location = task.get("resultLocation") if isinstance(task, dict) else None
    if not isinstance(location, str) or not location:
        pytest.skip("job history gave no resultLocation to list")
    trees = client.dir_file_trees(location)
    assert_envelope(
        trees,
        operation="GET /filesystem/getDirFileTrees",
        expected_method="/api/filesystem/getDirFileTrees",
    )
    root = trees.data.get("dirFileTrees")
    children = root.get("children") if isinstance(root, dict) else None
    files = [
        c["path"] for c in children or [] if isinstance(c, dict) and c.get("isLeaf")
    ]
    if files:
        page = client.open_file(files[0], page=1, page_size=10)
        assert_envelope(
            page,
            operation="GET /filesystem/openFile",
            expected_method="/api/filesystem/openFile",
        )


def test_gateway_user_answers_are_envelopes(client: LinkisClient) -> None:
    # Gateway-built answers may carry method null or the URI (Linkis 1.4.0 UserRestful.scala): only
    # the shape is fixed.
    assert_envelope(client.user_info(), operation="GET /user/userInfo")


def test_login_answer_is_an_envelope(settings: harness_config.Settings) -> None:
    """The password login's own answer (the preflight lets a broken one through when the
    session works, so that it is reported here as a finding, not as a target it cannot use)."""
    if settings.uses_token or not (settings.user and settings.password):
        pytest.skip("no password login in this run (token credentials)")
    with LinkisClient(settings) as fresh:
        answer = fresh.login()
    assert_envelope(answer, operation="POST /user/login")


def _unknown_exec_id(exec_id: str) -> str | None:
    """The execID of a job that does not exist on the same entrance (routable, unknown)."""
    try:
        parsed = ExecId.parse(exec_id)
        group = parsed.short.group
        return (
            ExecId.v1(instance=parsed.instances[0], short_id=f"{group}_987654").format()
            if parsed.layout == "1.x"
            else None
        )
    except (InvalidExecId, IndexError):
        return None


@pytest.mark.parametrize("operation", ["status", "progress", "log"])
def test_error_answers_from_the_entrance_follow_the_http_mapping(
    client: LinkisClient, done_job: SubmittedJob, operation: str
) -> None:
    assert done_job.exec_id is not None
    unknown = _unknown_exec_id(done_job.exec_id)
    if unknown is None:
        pytest.skip("cannot build an unknown execID on this entrance")
    answer = client.request("GET", f"/entrance/{unknown}/{operation}")
    # Routed to the real entrance, so an error is HTTP 400 with status 1 (not 200,
    # Linkis 1.4.0 Message.scala).
    assert_envelope(
        answer, operation=f"GET /entrance/{{id}}/{operation}", exec_id=unknown
    )
    if answer.status == 0 and operation != "status":
        raise violation(
            "envelope",
            f"{operation} of a job that does not exist answered success",
            f"execID {unknown}",
            answer,
            operation=f"GET /entrance/{{id}}/{operation}",
        )


def test_error_answers_from_job_history_follow_the_http_mapping(
    client: LinkisClient,
) -> None:
    answer = client.job_history(9_000_000_000_000_000)
    assert_envelope(answer, operation="GET /jobhistory/{id}/get")
    if answer.status == 0 and (answer.data.get("task") is not None):
        raise violation(
            "envelope",
            "job history of a task that does not exist answered a task",
            "taskID 9000000000000000",
            answer,
            operation="GET /jobhistory/{id}/get",
        )


def test_error_answers_from_the_filesystem_follow_the_http_mapping(
    client: LinkisClient,
) -> None:
    # no path: 80004 (Linkis 1.4.0 FsRestfulApi.java)
    answer = client.request("GET", "/filesystem/openFile")
    assert_envelope(answer, operation="GET /filesystem/openFile")
    if answer.status == 0:
        raise violation(
            "envelope",
            "openFile without a path answered success",
            "expected status 1 (80004 The path:null is empty)",
            answer,
            operation="GET /filesystem/openFile",
        )


@pytest.mark.parametrize("exec_id", ["not-an-exec-id", "exec_id0", "exec_idXYZ"])
def test_gateway_routing_errors_are_envelopes(
    client: LinkisClient, exec_id: str
) -> None:
    answer = client.request("GET", f"/entrance/{exec_id}/status")
    # The gateway answers its parser errors itself: HTTP 200 with status 1 is real
    # (ledger: gateway.entrance.malformed-execid).
    assert_envelope(
        answer,
        operation="GET /entrance/{id}/status",
        gateway_routing=True,
        exec_id=exec_id,
    )
    if answer.status == 0:
        raise violation(
            "envelope",
            "a malformed execID answered success",
            f"execID {exec_id!r}",
            answer,
            operation="GET /entrance/{id}/status",
        )


def _framework_requests(exec_id: str) -> dict[str, dict[str, Any]]:
    return {
        "malformed JSON": {
            "method": "POST",
            "path": "/entrance/submit",
            "content": b'{"executionContent": {"code": ',
            "headers": {"Content-Type": "application/json"},
        },
        "POST kill (kill is GET only)": {
            "method": "POST",
            "path": f"/entrance/{exec_id}/kill",
            "content": b"{}",
            "headers": {"Content-Type": "application/json"},
        },
        "wrong content type": {
            "method": "POST",
            "path": "/entrance/submit",
            "content": b"executionContent=code",
            "headers": {"Content-Type": "text/plain"},
        },
        "unknown path": {
            "method": "GET",
            "path": "/jobhistory/linkis-harness/no/such/path",
        },
    }


@pytest.mark.parametrize(
    "case",
    [
        "malformed JSON",
        "POST kill (kill is GET only)",
        "wrong content type",
        "unknown path",
    ],
)
def test_framework_rejections_are_never_server_errors(
    client: LinkisClient, done_job: SubmittedJob, case: str
) -> None:
    assert done_job.exec_id is not None
    spec = _framework_requests(done_job.exec_id)[case]
    answer = client.request(
        spec["method"],
        spec["path"],
        content=spec.get("content"),
        headers=spec.get("headers"),
    )
    operation = f"{spec['method']} {spec['path']}"
    if answer.http_status >= 500:
        raise violation(
            "envelope",
            f"{case}: the server failed (HTTP {answer.http_status})",
            "a request the framework rejects must get a 4xx, never a 5xx",
            answer,
            operation=operation,
        )
    _accept_framework_or_envelope(answer, case, operation)


def _accept_framework_or_envelope(answer: Answer, case: str, operation: str) -> None:
    try:
        body = json.loads(answer.body)
    except ValueError:
        body = None
    if isinstance(body, dict) and is_framework_error(body):
        # Spring's own error body: real for these requests (ledger: entrance.kill.non-numeric-taskid)
        return
    if (
        isinstance(body, dict)
        and release().gateway_error_body
        and is_gateway_error(body)
    ):
        return  # 1.5+: the gateway's own error body (CustomErrorAttributes)
    if answer.http_status < 400 and answer.status in (None, 0):
        raise violation(
            "envelope",
            f"{case}: accepted as if it were valid",
            f"HTTP {answer.http_status}",
            answer,
            operation=operation,
        )
    if answer.envelope is not None:
        assert_envelope(answer, operation=operation, gateway_routing=True)
