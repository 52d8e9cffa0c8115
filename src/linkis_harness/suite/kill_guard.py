"""Never kill what the run did not create: generated kill and killJobs cases are sent only for the run's own jobs.

Routing does not check the instance an execID names (ledger: gateway.entrance.unregistered-instance),
and an entrance that does not hold the job force-kills `taskID` in job history with no owner check
(ledger: entrance.kill.unknown-job-force-kills-task). A generated `kill?taskID=N` or a killJobs
list with a made-up execID would cancel somebody's job N on a shared deployment. So a generated
case of these operations is sent only when every execID and taskID it names is one of the run's
own jobs (`jobs`: execID → taskID, from the submit answers the run saw).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["KILL_OPERATIONS", "foreign_kill"]

KILL_OPERATIONS = frozenset({"GET /entrance/{id}/kill", "POST /entrance/{id}/killJobs"})


def _same_task(sent: Any, own: Any) -> bool:
    return own is not None and str(sent).strip() == str(own)


def foreign_kill(
    label: str,
    path_parameters: Mapping[str, Any] | None,
    query: Mapping[str, Any] | None,
    body: Any,
    jobs: Mapping[str, Any],
) -> str | None:
    """Say why a kill/killJobs case names something not the run's own (None: safe to send)."""
    if label not in KILL_OPERATIONS:
        return None
    exec_id = str((path_parameters or {}).get("id", ""))
    if exec_id not in jobs:
        return f"{label}: execID {exec_id[:60]!r} is not a job of this run"
    if label.endswith("/kill"):
        task = (query or {}).get("taskID")
        if task is not None and not _same_task(task, jobs[exec_id]):
            return f"{label}: taskID {str(task)[:30]!r} is not the task of {exec_id}"
        return None
    if not isinstance(body, dict):
        return (
            None  # Spring refuses a body that is not a JSON object: nothing is killed
        )
    ids, tasks = body.get("idList"), body.get("taskIDList")
    for name, value in (("idList", ids), ("taskIDList", tasks)):
        if value is not None and not isinstance(value, list):
            return f"{label}: {name} is not a list of this run's jobs"
    for index, named in enumerate(ids or []):
        if not isinstance(named, str) or named not in jobs:
            return f"{label}: idList[{index}] is not a job of this run"
        task_list = tasks or []
        if index < len(task_list) and not _same_task(task_list[index], jobs[named]):
            return f"{label}: taskIDList[{index}] is not the task of idList[{index}]"
    if len(tasks or []) > len(ids or []):
        return f"{label}: taskIDList names tasks without their execIDs"
    return None
