"""Job state machine: legal steps only, the expected end within its bound, terminal stays terminal.

Linkis 1.4.0 SchedulerEventState.scala and SchedulerEvent.scala (states and transitions),
QueryTaskVO.java (job history status); the oracle is `core.jobstate.first_illegal_step`. 1.5-1.8
also answer `status` for a numeric taskID in place of the execID
(ledger: entrance.taskid.completed-status); where the release has it, that answer must agree with
the execID's.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import pytest

from linkis_harness.client import LinkisClient
from linkis_harness.client.polling import Observation, is_terminal
from linkis_harness.core.jobstate import first_illegal_step, first_unexplained_step
from linkis_harness.core.violation import Violation
from linkis_harness.suite.lifecycle import (
    FinishedJob,
    RunningJob,
    retries_logged,
    violation,
    with_evidence,
)
from linkis_harness.suite.protocol import release

pytestmark = pytest.mark.states

CHECK = "states"
# After the end a terminal state must survive several polls (3 is the Java client's patience)
# spread over a while: watched until this long after the job was seen terminal (bounded).
POLLS_AFTER_END = 4
TERMINAL_WATCH = 4.0
TERMINAL_INTERVAL = 0.25
# Job history may lag the entrance a little: it must agree this long after the end.
HISTORY_GRACE = 2.0


def _check_steps(
    client: LinkisClient,
    observations: Sequence[Observation],
    exec_id: str,
    task_id: object,
) -> None:
    seen = [o for o in observations if o.state is not None]
    states = [o.state for o in seen if o.state is not None]
    if first_illegal_step(states) is None:
        return
    # A short WaitForRetry falls between two polls; the log's retry line shows it happened.
    retries = retries_logged(client, exec_id, task_id)
    if retries and first_unexplained_step(states, retries) is None:
        return
    # Find the poll that broke the rule, to show it and the one before it.
    for end in range(1, len(states) + 1):
        found = first_illegal_step(states[:end])
        if found is not None:
            before = seen[end - 2].status_answer if end >= 2 else None
            detail = f"{found.detail}; the job's log shows {retries} retr{'y' if retries == 1 else 'ies'}"
            raise with_evidence(
                Violation(found.check, found.title, detail),
                before,
                seen[end - 1].status_answer,
                operation="status",
                exec_id=exec_id,
            )


def test_observed_steps_are_legal(client: LinkisClient, finished: FinishedJob) -> None:
    exec_id = finished.job.require(CHECK)
    _check_steps(client, finished.observations, exec_id, finished.task_id)


def test_running_job_steps_are_legal(
    client: LinkisClient, running_job: RunningJob
) -> None:
    exec_id = running_job.job.require(CHECK)
    _check_steps(client, running_job.observations, exec_id, running_job.task_id)


def test_ends_in_expected_state_within_bound(finished: FinishedJob) -> None:
    exec_id = finished.job.require(CHECK)
    workload = finished.workload
    last = finished.observations[-1] if finished.observations else None
    if not finished.terminal:
        raise violation(
            CHECK,
            "job did not reach a terminal state",
            f"workload {workload.name!r}: last state {finished.final_state!r} after "
            f"{finished.seconds:.1f}s (bound {workload.within:g}s)",
            last.status_answer if last else None,
            operation="status",
            exec_id=exec_id,
        )
    if finished.final_state not in workload.expect_status:
        raise violation(
            CHECK,
            "job ended in an unexpected state",
            f"workload {workload.name!r} ({workload.source}) ended {finished.final_state}, "
            f"expected {' or '.join(workload.expect_status)}",
            last.status_answer if last else None,
            operation="status",
            exec_id=exec_id,
        )
    if finished.seconds > workload.within:
        raise violation(
            CHECK,
            "job ended later than its bound",
            f"workload {workload.name!r} took {finished.seconds:.1f}s, bound {workload.within:g}s",
            operation="status",
            exec_id=exec_id,
        )


def test_terminal_state_never_changes(
    client: LinkisClient, finished: FinishedJob
) -> None:
    exec_id = finished.job.require(CHECK)
    if not finished.terminal:
        pytest.skip(
            f"{finished.workload.name} never ended (reported by test_ends_in_expected_state_within_bound)"
        )
    last = finished.observations[-1]
    answered = 0
    watch_until = (finished.ended_at or time.monotonic()) + TERMINAL_WATCH
    for number in range(int(TERMINAL_WATCH / TERMINAL_INTERVAL) + POLLS_AFTER_END):
        if number >= POLLS_AFTER_END and time.monotonic() > watch_until:
            break
        time.sleep(TERMINAL_INTERVAL if number else 0.0)
        # With the taskID the entrance answers from job history once the job left its memory.
        answer = client.status(exec_id, finished.task_id)
        if not answer.ok:
            continue
        answered += 1
        state = answer.data.get("status")
        if state != last.state:
            raise violation(
                CHECK,
                "terminal job state changed",
                f"{finished.workload.name}: first terminal answer {last.state}, a later poll said {state!r}",
                last.status_answer,
                answer,
                operation="status",
                exec_id=exec_id,
            )
    if not answered:
        pytest.skip("no status answer after the end (the job left entrance memory)")


def test_job_history_status_agrees(client: LinkisClient, finished: FinishedJob) -> None:
    exec_id = finished.job.require(CHECK)
    if not finished.terminal:
        pytest.skip(f"{finished.workload.name} never ended")
    deadline = (finished.ended_at or time.monotonic()) + HISTORY_GRACE
    while True:
        answer = client.job_history(finished.task_id)
        task = answer.data.get("task") if answer.ok else None
        status = task.get("status") if isinstance(task, dict) else None
        if status == finished.final_state:
            return
        if is_terminal(status) or time.monotonic() > deadline:
            raise violation(
                CHECK,
                "job history status disagrees with the entrance",
                f"entrance said {finished.final_state}, job history says {status!r}"
                + ("" if is_terminal(status) else f" {HISTORY_GRACE:g}s after the end"),
                finished.observations[-1].status_answer,
                answer,
                operation="jobhistory get",
                exec_id=exec_id,
            )
        time.sleep(0.25)


def test_status_by_task_id_agrees(client: LinkisClient, finished: FinishedJob) -> None:
    """1.5+: `/entrance/<taskID>/status` of a completed job answers its terminal state.

    `EntranceRestfulApi.status` (1.5.0, 226-230) answers a completed job from the history
    status the gateway looked up: `{status, execID: "", taskID: "<the id sent>"}`.
    """
    version = release()
    if not version.task_id_as_exec_id:
        pytest.skip(f"Linkis {version.version} has no taskID polling (1.5+)")
    exec_id = finished.job.require(CHECK)
    if not finished.terminal or finished.task_id is None:
        pytest.skip(f"{finished.workload.name} never ended")
    text = str(finished.task_id)
    answer = client.status(text)
    problem = None
    if not answer.ok:
        problem = f"status by taskID {text} was refused (status {answer.status})"
    elif answer.data.get("status") != finished.final_state:
        problem = (
            f"by execID the job ended {finished.final_state}; by taskID {text} it is "
            f"{answer.data.get('status')!r}"
        )
    elif answer.data.get("execID") not in ("", exec_id):
        problem = f'execID {answer.data.get("execID")!r}: expected "" (completed) or {exec_id!r}'
    if problem is not None:
        raise violation(
            CHECK,
            "status by taskID disagrees with status by execID",
            problem,
            finished.observations[-1].status_answer,
            answer,
            operation="status",
            exec_id=exec_id,
        )
