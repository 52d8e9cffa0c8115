"""`POST /entrance/{id}/killJobs`: kill a list of jobs, one envelope per item (Linkis 1.4.0 EntranceRestfulApi.java).

A job not in entrance memory is force-killed by taskID with one "Forced Kill task" message: the
simulator's lookups of such jobs always *throw* (evicted, unknown group, index outside the
ring), so the doubled message of an *empty* lookup never occurs, as in practice.
"""

from __future__ import annotations

from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import Response

from linkis_harness.core.jobstate import JobState
from linkis_harness.simulator.faults import Faults
from linkis_harness.simulator.gateway import SCOPE_USER
from linkis_harness.simulator.javanum import java_long
from linkis_harness.simulator.job import Job
from linkis_harness.simulator.jobs import JobStore
from linkis_harness.simulator.responses import Responder
from linkis_harness.simulator.routing import RouteError, parse_exec_id

__all__ = ["FORCED", "KILLED", "KillingEntrance", "kill_jobs"]

KILLED = "Successfully killed the job(成功kill了job)"
FORCED = "Forced Kill task (强制杀死任务)"
KILL_FAILED = "An exception occurred while killing the job, kill failed(kill job的时候出现了异常，kill失败)"


class KillingEntrance(Protocol):
    """What killJobs uses of the entrance: its memory, faults, answers and kill rules."""

    store: JobStore
    faults: Faults
    answer: Responder

    def may_kill(self, job: Job, user: str) -> bool: ...

    def force_kill(self, task_id: int) -> None: ...


def _json_size(value: Any) -> int:
    """Jackson `JsonNode.size()`: elements of an array, fields of an object, else 0."""
    return len(value) if isinstance(value, list | dict) else 0


def kill_jobs(api: KillingEntrance, body: dict[str, Any], request: Request) -> Response:
    """Kill each `idList[i]` (in memory) or force-kill `taskIDList[i]` (not in memory)."""
    method = f"/api/entrance/{request.path_params['id']}/killJobs"
    ids, task_ids = body.get("idList"), body.get("taskIDList")
    if ids is None or task_ids is None:
        # idNode.size() on a missing key: ledger: entrance.killJobs.missing-list
        return api.answer.crash(None, "NullPointerException: ")
    if _json_size(ids) != _json_size(task_ids):
        message = "The length of the ID list does not match the length of the TASKID list(id列表的长度与taskId列表的长度不一致)"
        return api.answer.fail(method, message)
    if not isinstance(ids, list) or not isinstance(task_ids, list):
        return api.answer.fail(
            method,
            "Request parameter error, please use array(请求参数错误，请使用数组)",
        )
    user: str = request.scope[SCOPE_USER]
    messages: list[dict[str, Any]] = []
    forced: list[int] = []
    for exec_id, raw_task in zip(ids, task_ids, strict=True):
        exec_text = str(exec_id)
        item_method = f"/api/entrance/{exec_text}/kill"
        try:
            short_id = parse_exec_id(exec_text)[3]
        except RouteError as exc:
            # parseExecID outside any try: one malformed id fails the whole call, and the
            # forced kills gathered so far are never sent (ledger: entrance.killJobs.malformed-id)
            return api.answer.crash(None, exc.root_cause)
        job = api.store.lookup(short_id).job
        if job is not None:
            if not api.may_kill(job, user):
                denied = f"You have no permission to kill this job, excecute by user:{job.execute_user}"
                return api.answer.fail(method, denied)
            messages.append(_kill_in_memory(api, job, item_method, exec_text))
            continue
        task_id = java_long(str(raw_task))
        forced.append(task_id if isinstance(task_id, int) else 0)  # Jackson asLong: 0
        messages.append(_item(item_method, FORCED, {}))
    for task_id in forced:  # JobHistoryHelper.forceBatchKill after the loop
        api.force_kill(task_id)
    return api.answer.ok(method, {"messages": messages}, "success")


def _kill_in_memory(
    api: KillingEntrance, job: Job, method: str, exec_id: str
) -> dict[str, Any]:
    """One in-memory item: killed, or `kill failed` when job history refuses the update."""
    now = api.store.now()
    if job.is_terminal(now) and job.final_status not in (
        JobState.CANCELLED.value,
        JobState.TIMEOUT.value,
    ):
        # updateIfNeeded(Cancelled) of a Succeed/Failed row throws (#4733); the item's catch
        # answers status 1 without the cause (ledger: entrance.killJobs.finished-in-memory)
        return _item(method, KILL_FAILED, {}, status=1)
    if not job.is_terminal(now) and not api.faults.kill_noop:
        api.store.kill(job)
    return _item(method, KILLED, {"execID": exec_id})


def _item(
    method: str, message: str, data: dict[str, Any], *, status: int = 0
) -> dict[str, Any]:
    return {"method": method, "status": status, "message": message, "data": data}
