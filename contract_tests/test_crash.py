"""Masked crashes: a valid request answered with status 1 that hides an uncaught exception (Linkis 1.4.0 server/package.scala).

Linkis turns any uncaught exception into `status 1` / HTTP 400 with the message
`operation failed(操作失败)s！the reason(原因)：<RootCause>: <msg>` and `data.errorMsg.errCode == 0`.
For a valid request that is a server error even though HTTP says 400. The documented real
answers that look like crashes are accepted in their context only (`DOCUMENTED_CRASHES`):
status of an evicted job without taskID (#755), kill of an evicted job without taskID (#1538).
The requests here are valid: a job of the caller's own, asked about while it runs and after
it ended (with its taskID, so the #755 fallback does not apply). Requests naming a path that
does not exist may get Linkis' own uncaught exception (`canRead` throws, ledger
filesystem.openFile.missing-path): reported as accepted with the row's reason and source, and
failed under `check --strict`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from linkis_harness.client import Answer, LinkisClient
from linkis_harness.config import API_PREFIX
from linkis_harness.core.crash import masked_crash
from linkis_harness.core.workload import Workload
from linkis_harness.suite.lifecycle import JobTracker, SubmittedJob, violation
from linkis_harness.suite.protocol import end_job, pick_workload, submit, wait_for
from linkis_harness.suite.schema_oracles import accepted_crash, strict

pytestmark = pytest.mark.crash

Call = Callable[[LinkisClient, SubmittedJob], Answer]

_JOB_CALLS: dict[str, Call] = {
    "GET /entrance/{id}/status": lambda c, j: c.status(str(j.exec_id), j.task_id),
    "GET /entrance/{id}/progress": lambda c, j: c.progress(str(j.exec_id)),
    "GET /entrance/{id}/progressWithResource": lambda c, j: c.progress_with_resource(
        str(j.exec_id)
    ),
    "GET /entrance/{id}/log": lambda c, j: c.log(str(j.exec_id), from_line=0, size=20),
    "GET /jobhistory/{id}/get": lambda c, j: c.job_history(j.task_id),
}
_READ_CALLS: dict[str, Callable[[LinkisClient], Answer]] = {
    "GET /jobhistory/list": lambda c: c.job_history_list(pageNow=1, pageSize=5),
    "GET /user/userInfo": lambda c: c.user_info(),
}


def _assert_no_crash(answer: Answer, operation: str, exec_id: str | None) -> None:
    if answer.http_status >= 500:
        raise violation(
            "crash",
            f"server error on a valid request (HTTP {answer.http_status})",
            "",
            answer,
            operation=operation,
            exec_id=exec_id,
        )
    if answer.envelope is None:
        return  # not an envelope at all: the envelope family reports it
    reason = masked_crash(answer.envelope)
    if reason is not None:
        raise violation(
            "crash",
            "a valid request crashed the server (masked as status 1)",
            reason,
            answer,
            operation=operation,
            exec_id=exec_id,
        )


@pytest.fixture(scope="module")
def running_job(
    client: LinkisClient, tracker: JobTracker, workloads: list[Workload]
) -> Iterator[SubmittedJob]:
    """A job of the profile that runs until killed, caught while Running."""
    workload = pick_workload(workloads, running=True)
    if workload is None:
        pytest.skip("no workload that runs until killed in this profile")
    job = submit(tracker, client, workload, check="crash")
    assert job.exec_id is not None
    state = wait_for(
        client, job.exec_id, ("Running",), within=min(workload.within, 60.0)
    )
    if state != "Running":
        end_job(tracker, job)
        pytest.skip(f"the long job never ran (last state {state!r})")
    yield job
    end_job(tracker, job)


@pytest.fixture(scope="module")
def ended_job(client: LinkisClient, running_job: SubmittedJob) -> SubmittedJob:
    """The same job after its owner killed it (asked about after its end)."""
    assert running_job.exec_id is not None
    client.kill(running_job.exec_id, running_job.task_id)
    wait_for(client, running_job.exec_id, (), within=15.0, interval=0.2)
    return running_job


@pytest.mark.parametrize("operation", list(_JOB_CALLS))
def test_questions_about_a_running_job_do_not_crash(
    client: LinkisClient, running_job: SubmittedJob, operation: str
) -> None:
    answer = _JOB_CALLS[operation](client, running_job)
    _assert_no_crash(answer, operation, running_job.exec_id)


@pytest.mark.parametrize("operation", list(_JOB_CALLS))
def test_questions_about_an_ended_job_do_not_crash(
    client: LinkisClient, ended_job: SubmittedJob, operation: str
) -> None:
    answer = _JOB_CALLS[operation](client, ended_job)
    _assert_no_crash(answer, operation, ended_job.exec_id)


@pytest.mark.parametrize("operation", list(_READ_CALLS))
def test_read_endpoints_do_not_crash(client: LinkisClient, operation: str) -> None:
    _assert_no_crash(_READ_CALLS[operation](client), operation, None)


# Paths no job of any run has: schemathesis asks for such paths on every run.
_MISSING_PATHS: dict[str, tuple[str, Callable[[LinkisClient, str], Answer]]] = {
    "GET /filesystem/openFile": (
        "hdfs:///tmp/linkis/linkis-harness-no-such-dir/_0.dolphin",
        lambda c, p: c.open_file(p),
    ),
    "GET /filesystem/openLog": (
        "hdfs:///tmp/linkis/log/linkis-harness-no-such-dir/0.log",
        lambda c, p: c.open_log(p),
    ),
}


@pytest.mark.parametrize("operation", list(_MISSING_PATHS))
def test_missing_paths_answer_as_linkis_does(
    client: LinkisClient, pytestconfig: pytest.Config, operation: str
) -> None:
    """A path that does not exist: a clean error, or Linkis' own uncaught exception (accepted)."""
    path, call = _MISSING_PATHS[operation]
    answer = call(client, path)
    if answer.http_status >= 500:
        _assert_no_crash(answer, operation, None)
    if answer.envelope is None:
        return  # not an envelope: the envelope family reports it
    if answer.status == 0:
        raise violation(
            "crash",
            "a path that does not exist was answered as success",
            f"{path!r} answered status 0",
            answer,
            operation=operation,
        )
    reason = masked_crash(answer.envelope)
    if reason is None:
        return  # a clean Linkis error
    method, _, api_path = operation.partition(" ")
    accepted = accepted_crash(method, API_PREFIX + api_path, None, answer.envelope)
    if accepted is None:
        raise violation(
            "crash",
            "a request about a missing path crashed the server",
            reason,
            answer,
            operation=operation,
        )
    if strict():
        raise violation(
            "crash",
            "a Linkis defect (accepted without --strict)",
            f"{accepted.reason}: {reason}",
            answer,
            operation=operation,
        )
    pytest.xfail(f"accepted quirk ({accepted.reason})")
