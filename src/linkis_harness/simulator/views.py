"""What clients see of a job: its execID and taskID on the wire, its job-history task record.

The id and history fault modes (`taskid-string`, `execid-garbled`, `execid-history-mismatch`,
`history-status-mismatch`) act here, once each.
"""

from __future__ import annotations

import json
from typing import Any

from linkis_harness.core.execid import ExecId
from linkis_harness.core.jobstate import JobState
from linkis_harness.simulator.faults import Faults
from linkis_harness.simulator.job import Job

__all__ = ["exec_id_of", "task_id_of", "task_record"]

_RESULT_KEY = "wds.linkis.resultSet.store.path"
_ENGINE_CONN = "127.0.0.1:40001"


def task_id_of(job: Job, faults: Faults) -> int | str:
    """Return the taskID as a JSON number (`taskid-string`: as a string)."""
    return str(job.task_id) if faults.taskid_string else job.task_id


def exec_id_of(job: Job, faults: Faults) -> str:
    """Return the execID the entrance hands out (`execid-garbled`: instance length one too long)."""
    exec_id = job.exec_id
    if faults.execid_garbled:
        length = len(job.instance) + 1
        exec_id = exec_id[:10] + f"{length:03d}" + exec_id[13:]
    return exec_id


def _java_float(value: float) -> str:
    return repr(round(value, 4))


def _progress(job: Job, now: float) -> str | None:
    if job.error is not None:
        return "1.0"
    if job.style == "execute":
        return _java_float(job.progress(now))
    state = job.state(now)
    if JobState(state).ordinal < JobState.RUNNING.ordinal:
        return None
    return _java_float(job.progress(now))


def _updated(job: Job, now: float) -> float:
    return (
        max(at for at, _ in job.timeline if at <= now)
        if job.timeline[0][0] <= now
        else job.submitted
    )


def task_record(job: Job, now: float, faults: Faults) -> dict[str, Any]:
    """`QueryTaskVO` as `jobhistory/{id}/get` and `list` answer it (Linkis 1.4.0 QueryTaskVO.java)."""
    state = job.state(now)
    if faults.history_status_mismatch and JobState(state).is_terminal:
        state = JobState.RUNNING.value
    short_id, stronger = job.short_id, job.exec_id
    if faults.execid_history_mismatch:
        group, _, index = job.short_id.rpartition("_")
        short_id = f"{group}_{int(index) + 1}"
        stronger = ExecId.v1(instance=job.instance, short_id=short_id).format()
    started = (
        JobState(job.state(now)).ordinal >= JobState.RUNNING.ordinal
        and job.error is None
    )
    params = _with_result_path(job.params)
    end = job.finished_at if job.is_terminal(now) else now
    err_code, err_desc = job.error if job.error is not None else _failure(job, now)
    return {
        "taskID": task_id_of(job, faults),
        "instance": job.instance,
        "execId": short_id,
        "umUser": job.submit_user,
        "executeUser": job.execute_user,
        "engineInstance": _ENGINE_CONN if started else None,
        # ledger: jobhistory.list.keeps-execution-code (the run marker's comment is found here)
        "executionCode": job.code,
        "progress": _progress(job, now),
        "logPath": job.log_path,
        "resultLocation": job.result_location,
        "status": state,
        "createdTime": int(job.submitted * 1000),
        "updatedTime": int(_updated(job, now) * 1000),
        "engineStartTime": None,
        "engineType": job.engine,
        "errCode": err_code,
        "errDesc": err_desc,
        "executeApplicationName": job.engine,
        "requestApplicationName": job.creator,
        "runType": job.run_type,
        "paramsJson": json.dumps(params, ensure_ascii=False, separators=(",", ":")),
        # ledger: jobhistory.list.keeps-source (and the run marker with it)
        "sourceJson": json.dumps(job.source, ensure_ascii=False, separators=(",", ":")),
        "sourceTailor": "-".join(str(v) for v in job.source.values()),
        "costTime": int((end - job.submitted) * 1000),
        "strongerExecId": stronger,
        "labels": [f"{key}:{value}" for key, value in job.labels.items()],
        "canRetry": job.state(now) == JobState.FAILED.value and not started,
        "observeInfo": None,
        "subJobs": None,
    }


def _with_result_path(params: dict[str, Any]) -> dict[str, Any]:
    """Return `params` plus `configuration.runtime[wds.linkis.resultSet.store.path]` (Linkis 1.4.0 StorePathEntranceInterceptor.scala)."""
    copy: dict[str, Any] = json.loads(json.dumps(params))
    configuration = copy.setdefault("configuration", {})
    if isinstance(configuration, dict):
        runtime = configuration.setdefault("runtime", {})
        if isinstance(runtime, dict):
            runtime[_RESULT_KEY] = "hdfs:///tmp/linkis/"
    return copy


def _failure(job: Job, now: float) -> tuple[int | None, str | None]:
    if not job.is_terminal(now) or job.final_status in (
        JobState.SUCCEED.value,
        JobState.CANCELLED.value,
    ):
        return None, None
    return (
        21304,
        f"linkis-sim: the job ended {job.final_status} as its linkis-sim directive asked",
    )
