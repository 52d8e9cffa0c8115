"""1.5+: the entrance's answers for a job named by taskID that is completed or waits for failover.

`EntranceRestfulApi` at 1.5.0 (status 226-237, progress 309-327, progressWithResource 406-429,
log 589-612, kill 839-851) answers these from the gateway's `JobInstance` alone; a running job
on this entrance is looked up by its jobReqId and answered as usual (the caller does that).
ledger: entrance.taskid.completed-status, entrance.taskid.completed-progress,
entrance.taskid.completed-log, entrance.taskid.completed-kill, entrance.taskid.failover.
"""

from __future__ import annotations

from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import Response

from linkis_harness.core.jobstate import JobState
from linkis_harness.simulator.entrance_log import ENDED
from linkis_harness.simulator.faults import Faults
from linkis_harness.simulator.joblog import stamp
from linkis_harness.simulator.jobs import JobStore
from linkis_harness.simulator.killjobs import FORCED
from linkis_harness.simulator.responses import Responder
from linkis_harness.simulator.taskroute import TaskRoute

__all__ = ["ALREADY_COMPLETED", "FAILOVER_LOG", "TaskAnswering", "answer_by_task"]

ALREADY_COMPLETED = (
    "The job already completed. Do not support kill.(任务已经结束，不支持kill)"
)
FAILOVER_LOG = "The job will failover soon, please try again later.(job很快就会failover，请稍后再试)"


class TaskAnswering(Protocol):
    """What the answers use of the entrance."""

    store: JobStore
    faults: Faults
    answer: Responder

    def force_kill(self, task_id: int) -> None: ...


def answer_by_task(
    api: TaskAnswering, request: Request, task: TaskRoute
) -> Response | None:
    """Answer status/progress/progressWithResource/log/kill, or None to look the job up."""
    if not (task.completed or task.failover):
        return None
    operation = request.scope["path"].rsplit("/", 1)[-1]
    method = f"/api/entrance/{task.text}/{operation}"
    ids = {"execID": "", "taskID": task.text}
    if operation == "status":
        state = task.state if task.completed else JobState.INITED.value
        if task.completed and api.faults.taskid_status_stale:
            state = JobState.RUNNING.value
        return api.answer.ok(method, {"status": state, **ids})
    if operation in ("progress", "progressWithResource"):
        # completed: the string "1.0"; failover: the integer 0
        data: dict[str, Any] = {
            "progress": "1.0" if task.completed else 0,
            **ids,
            "progressInfo": [],
        }
        if operation == "progressWithResource":
            data["yarnResource"] = None
        return api.answer.ok(method, data)
    if operation == "log":
        if task.completed:
            return api.answer.fail(method, ENDED)
        line = stamp(api.store.now(), "INFO", FAILOVER_LOG)
        distinct = request.query_params.get("distinctLevel") != "false"
        log: Any = [None, None, line, line] if distinct else line
        return api.answer.ok(method, {"log": log, **ids, "fromLine": 0})
    if operation == "kill":
        if task.completed:
            return api.answer.fail(method, ALREADY_COMPLETED)
        api.force_kill(task.task_id)
        return api.answer.ok(method, ids, FORCED)
    return None
