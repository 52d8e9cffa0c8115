"""execID and taskID: every execID parses and names an entrance, job history agrees, taskIDs grow.

Linkis 1.4.0 ZuulEntranceUtils.scala (execID layouts), linkis_ddl.sql and TaskConversions.scala
(taskID = job history auto-increment, a JSON number; the history row's `execId` is the short id and
`strongerExecId` the full execID).
"""

from __future__ import annotations

import os
import re
from typing import Any

import pytest

from linkis_harness.client import Answer, LinkisClient
from linkis_harness.core.execid import ExecId
from linkis_harness.core.oracles import check_history_exec_id, check_task_ids
from linkis_harness.core.versions import DEFAULT_VERSION, traits
from linkis_harness.core.violation import Violation
from linkis_harness.errors import InvalidExecId
from linkis_harness.suite.lifecycle import (
    FinishedJob,
    JobTracker,
    violation,
    with_evidence,
)

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


def _history_task(
    client: LinkisClient, task_id: Any
) -> tuple[Answer, dict[str, Any] | None]:
    answer = client.job_history(task_id)
    task = answer.data.get("task") if answer.ok else None
    return answer, task if isinstance(task, dict) else None


def test_exec_id_parses_and_names_an_instance(finished: FinishedJob) -> None:
    exec_id = finished.job.require(CHECK)
    parsed = _parse(exec_id, finished.job.answer)
    version = traits(os.environ.get("LINKIS_VERSION") or str(DEFAULT_VERSION))
    if parsed.layout is not version.execid_layout:
        # 0.x answers legacy execIDs, 1.0+ the exec_id… layout (Linkis 0.9.4 and 1.4.0
        # ZuulEntranceUtils.scala).
        raise violation(
            CHECK,
            "execID layout does not match the Linkis version",
            f"{exec_id!r} is in the {parsed.layout} layout; Linkis {version.version} answers "
            f"{version.execid_layout} execIDs (set --linkis-version if the target is another)",
            finished.job.answer,
            operation="submit",
            exec_id=exec_id,
        )
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
    _parse(exec_id, finished.job.answer)
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
    found = check_history_exec_id(exec_id, task)
    if task.get("taskID") != finished.task_id:
        found.append(
            Violation(
                CHECK,
                "job history taskID differs from the submitted one",
                f"history taskID {task.get('taskID')!r}, submit answered {finished.task_id!r}",
            )
        )
    for problem in found:
        raise with_evidence(
            problem,
            finished.job.answer,
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
    for problem in check_task_ids([job.task_id for job in submitted]):
        # The oracle names submits by position ("submit 3 got ..."): show those answers.
        shown = [
            submitted[int(n)].answer
            for n in re.findall(r"submit (\d+)", problem.detail)
        ]
        raise with_evidence(problem, *shown[:2], operation="submit")
    answer, task = _history_task(client, submitted[-1].task_id)
    if task is not None:
        for problem in check_task_ids([task.get("taskID")]):
            raise with_evidence(problem, answer, operation="jobhistory get")
