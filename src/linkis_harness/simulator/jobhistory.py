"""The job history service: `jobhistory/{id}/get` and `jobhistory/list` (Linkis 1.4.0 QueryRestfulApi.java).

Non-admins see only the jobs they submitted (`history-any-user` lifts that for `get`); the
admin sees everyone's, or one user's with `proxyUser`;
`list`'s `totalPage` is the row count (PageHelper quirk). `server-error` acts in `list`.
"""

from __future__ import annotations

from dataclasses import replace

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from linkis_harness.core.jobstate import JobState
from linkis_harness.simulator.auth import ADMIN
from linkis_harness.simulator.faults import Faults
from linkis_harness.simulator.gateway import SCOPE_USER
from linkis_harness.simulator.history import HistoryFilter
from linkis_harness.simulator.javanum import (
    INT_BITS,
    LONG_BITS,
    JavaNumberError,
    parse_java,
)
from linkis_harness.simulator.jobs import JobStore
from linkis_harness.simulator.responses import Responder, spring_error
from linkis_harness.simulator.views import task_record

__all__ = ["JobHistoryApi"]

NOT_FOUND = (
    "The corresponding job was not found, or there may be no permission to view the job"
    "(没有找到对应的job，或者可能没有权限查看该job)"
)
_DAY = 86_400.0
_EVERY_ROW = 2**31 - 1  # pageSize 0: no limit
_NUMBERS = {
    "startDate": LONG_BITS,
    "endDate": LONG_BITS,
    "pageNow": INT_BITS,
    "pageSize": INT_BITS,
    "taskID": LONG_BITS,
}


def _long(text: str | None, bits: int = LONG_BITS) -> int | ValueError | None:
    """Bind a Spring `Long`/`Integer` parameter: None when absent, else the number or the error."""
    if text is None or text == "":
        return None
    try:
        return parse_java(text.strip(), bits=bits)
    except JavaNumberError as exc:
        return exc


class JobHistoryApi:
    """Handlers of `/api/rest_j/v1/jobhistory/*`."""

    def __init__(
        self,
        store: JobStore,
        faults: Faults,
        *,
        missing_as_null: bool = False,
        execution_code: bool = True,
    ) -> None:
        self.store = store
        self.faults = faults
        self.missing_as_null = missing_as_null  # 0.9.4: status 0 with `data.task: null`
        # 1.7+: `get` reads the row without the code (ledger: jobhistory.get.execution-code)
        self.execution_code = execution_code
        self.answer = Responder("jobhistory", faults)

    def routes(self) -> list[Route]:
        base = "/api/rest_j/v1/jobhistory"
        return [
            Route(f"{base}/{{id}}/get", self.get, methods=["GET"]),
            Route(f"{base}/list", self.list, methods=["GET"]),
        ]

    async def get(self, request: Request) -> Response:
        raw = request.path_params["id"]
        task_id = _long(raw)
        if not isinstance(task_id, int):  # Spring cannot bind the Long path variable
            return spring_error(400, request.scope["path"])
        method = f"/api/jobhistory/{raw}/get"
        user: str = request.scope[SCOPE_USER]
        job = self.store.history.get(task_id)
        if job is None or not (
            user in (ADMIN, job.submit_user) or self.faults.history_any_user
        ):
            if self.missing_as_null:
                return self.answer.ok(method, {"task": None})
            return self.answer.fail(method, NOT_FOUND)
        task = task_record(job, self.store.now(), self.faults)
        if not self.execution_code:
            task["executionCode"] = None
        return self.answer.ok(method, {"task": task})

    async def list(self, request: Request) -> Response:
        query = request.query_params
        if self.faults.server_error and "status" in query:
            return spring_error(500, request.scope["path"])
        numbers: dict[str, int | None] = {}
        for key, bits in _NUMBERS.items():
            value = _long(query.get(key), bits)
            if isinstance(value, ValueError):  # Spring cannot bind the Long parameter
                return spring_error(400, request.scope["path"])
            numbers[key] = value
        now = self.store.now()
        start = (numbers["startDate"] or 0) / 1000
        end_ms = numbers["endDate"]
        end = end_ms / 1000 if end_ms is not None else now
        if end == start:
            end += _DAY
        page = max(int(numbers["pageNow"] or 1), 1)
        # PageHelper runs with pageSizeZero and reasonable (ledger: jobhistory.list.paging):
        # pageSize 0 lists every row, and a page past the last answers the last page again.
        every = numbers["pageSize"] == 0
        size = _EVERY_ROW if every else max(int(numbers["pageSize"] or 20), 1)
        user: str = request.scope[SCOPE_USER]
        status = query.get("status") or None
        terminal = status is not None and status in {
            s.value for s in JobState if s.is_terminal
        }
        where = HistoryFilter(
            start=start,
            end=end,
            offset=(page - 1) * size,
            limit=size,
            user=(query.get("proxyUser") or None) if user == ADMIN else user,
            task_id=numbers["taskID"],
            engine=query.get("executeApplicationName") or None,
            creator=query.get("creator") or None,
            final_status=status if terminal else None,
        )
        live = None if terminal else status
        total, jobs = self.store.history.select(where, now=now, live_state=live)
        if not jobs and total and where.offset:
            last = (total - 1) // size
            where = replace(where, offset=last * size)
            total, jobs = self.store.history.select(where, now=now, live_state=live)
        tasks = [task_record(job, now, self.faults) for job in jobs]
        return self.answer.ok(
            "/api/jobhistory/list", {"tasks": tasks, "totalPage": total}
        )
