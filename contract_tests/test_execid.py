"""execID and taskID: every execID parses and names an entrance, job history agrees, taskIDs grow.

API-FACTS §6 (execID layouts), §7 (taskID = job history auto-increment, a JSON number; the
history row's `execId` is the short id and `strongerExecId` the full execID).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from _lifecycle import FinishedJob, JobTracker, violation

from linkis_harness.client import Answer, LinkisClient
from linkis_harness.core.execid import ExecId
from linkis_harness.errors import InvalidExecId

pytestmark = pytest.mark.execid

CHECK = "execid"
# An entrance instance is `host:port` (ServiceInstance.instance).
_INSTANCE = re.compile(r"[^\s:/_]+:\d{1,5}")


def _parse(exec_id: str, answer: Answer) -> ExecId:
    try:
        return ExecId.parse(exec_id)
    except InvalidExecId as exc:
        raise violation(
            CHECK,
            "execID does not parse",
            str(exc),
            answer,
            operation="submit",
            exec_id=exec_id,
        ) from None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _history_task(
    client: LinkisClient, task_id: Any
) -> tuple[Answer, dict[str, Any] | None]:
    answer = client.job_history(task_id)
    task = answer.data.get("task") if answer.ok else None
    return answer, task if isinstance(task, dict) else None


def test_exec_id_parses_and_names_an_instance(finished: FinishedJob) -> None:
    exec_id = finished.job.require(CHECK)
    parsed = _parse(exec_id, finished.job.answer)
    bad = [i for i in parsed.instances if not _INSTANCE.fullmatch(i)]
    if not parsed.instances or bad:
        raise violation(
            CHECK,
            "execID names no entrance instance",
            f"{exec_id!r} parses to instances {list(parsed.instances)!r}; expected host:port "
            f"(e.g. 'gateway-host:9104'), offending {bad[:1]!r}",
            finished.job.answer,
            operation="submit",
            exec_id=exec_id,
        )
    for observation in finished.observations:
        echoed = observation.status_answer.data.get("execID")
        if observation.status_answer.ok and echoed != exec_id:
            raise violation(
                CHECK,
                "status answer names another execID",
                f"asked for {exec_id!r}, the answer says execID {echoed!r}",
                observation.status_answer,
                operation="status",
                exec_id=exec_id,
            )


def test_exec_id_agrees_with_job_history(
    client: LinkisClient, finished: FinishedJob
) -> None:
    exec_id = finished.job.require(CHECK)
    parsed = _parse(exec_id, finished.job.answer)
    answer, task = _history_task(client, finished.task_id)
    if task is None:
        raise violation(
            CHECK,
            "job history has no row for the submitted taskID",
            f"taskID {finished.task_id!r} of {exec_id!r}",
            answer,
            operation="jobhistory get",
            exec_id=exec_id,
        )
    problems = []
    if task.get("taskID") != finished.task_id:
        problems.append(
            f"taskID {task.get('taskID')!r} != submitted {finished.task_id!r}"
        )
    if task.get("execId") != str(parsed.short):
        problems.append(
            f"execId {task.get('execId')!r} != the execID's short id {str(parsed.short)!r}"
        )
    # strongerExecId exists from 1.x on; a 0.x history has no such key.
    if "strongerExecId" in task and task["strongerExecId"] != exec_id:
        problems.append(
            f"strongerExecId {task['strongerExecId']!r} != entrance execID {exec_id!r}"
        )
    if problems:
        raise violation(
            CHECK,
            "job history disagrees with the entrance about the job's ids",
            "; ".join(problems),
            answer,
            operation="jobhistory get",
            exec_id=exec_id,
        )


def test_task_ids_are_increasing_integers(
    client: LinkisClient, finished_jobs: dict[str, FinishedJob], tracker: JobTracker
) -> None:
    submitted = [job for job in tracker.jobs if job.exec_id is not None]
    if not submitted:
        pytest.skip("no job was submitted in this profile")
    previous = None
    for job in submitted:
        if not _is_int(job.task_id):
            raise violation(
                CHECK,
                "taskID is not a JSON integer",
                f"submit answered taskID {job.task_id!r} ({type(job.task_id).__name__}); real Linkis sends a Long",
                job.answer,
                operation="submit",
                exec_id=job.exec_id,
            )
        if previous is not None and job.task_id <= previous.task_id:
            raise violation(
                CHECK,
                "taskIDs do not increase across submits",
                f"taskID {job.task_id} came after {previous.task_id} (job history ids are an auto-increment)",
                previous.answer,
                job.answer,
                operation="submit",
                exec_id=job.exec_id,
            )
        previous = job
    answer, task = _history_task(client, submitted[-1].task_id)
    if task is not None and not _is_int(task.get("taskID")):
        raise violation(
            CHECK,
            "job history taskID is not a JSON integer",
            f"taskID {task.get('taskID')!r} ({type(task.get('taskID')).__name__})",
            answer,
            operation="jobhistory get",
        )
