"""A fake `LinkisClient` whose job history is a Python list: the cleanup sweep without a server.

`FakeHistory` answers the four calls the sweep makes -- `job_history_list` (paged like
`QueryRestfulApi.list`, newest first, with `totalPage` the row count), `job_history`,
`status` and `kill` -- from `tasks`, so tests of `client.sweep` and `load.cleanup` can list tens
of thousands of rows in milliseconds. A kill turns an unfinished job `Cancelled`. Knobs:

    total=False     the list answer carries no `totalPage` (only a short page ends it)
    reasonable=True PageHelper's `reasonable` (as Linkis configures it): a page past the end
                    answers the last page again
    forever=True    every page is full of new rows, whatever `pageNow` (a broken server)
    hidden          taskIDs job history does not list (and `get` does not find)

Every call is recorded in `calls` as (name, argument).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, cast

from linkis_harness.client import LinkisClient
from linkis_harness.client.answer import Answer
from linkis_harness.core.envelope import Envelope
from linkis_harness.core.runmarker import MARKER_KEY

TERMINAL = {"Succeed", "Failed", "Cancelled", "Timeout"}


def task(task_id: int, marker: str | None, status: str = "Succeed") -> dict[str, Any]:
    """A job-history row (`QueryTaskVO`); `marker` goes into `sourceJson` (None: a bystander)."""
    source = {"scriptPath": "load"} | ({MARKER_KEY: marker} if marker else {})
    return {
        "taskID": task_id,
        "strongerExecId": f"exec_id018{task_id:06d}",
        "status": status,
        "executionCode": "echo hello\n",
        "sourceJson": json.dumps(source),
    }


def _answer(method: str, data: dict[str, Any], status: int = 0) -> Answer:
    envelope = Envelope(method, status, "" if status == 0 else "not found", data)
    return Answer("GET", "http://fake" + method, 200, {}, b"", envelope, 0.0)


class FakeHistory:
    user = "alice"

    def __init__(
        self,
        tasks: Iterable[dict[str, Any]],
        *,
        total: bool = True,
        reasonable: bool = False,
        forever: bool = False,
        hidden: Iterable[int] = (),
    ) -> None:
        # newest first, as the mapper orders them (created_time DESC)
        self.tasks = sorted(tasks, key=lambda t: -int(t["taskID"]))
        self.by_id = {int(t["taskID"]): t for t in self.tasks}
        self.by_exec = {str(t["strongerExecId"]): t for t in self.tasks}
        self.total = total
        self.reasonable = reasonable
        self.forever = forever
        self.hidden = set(hidden)
        self.calls: list[tuple[str, Any]] = []

    @property
    def client(self) -> LinkisClient:
        """This fake, typed as what the sweep takes."""
        return cast(LinkisClient, self)

    def job_history_list(self, **params: Any) -> Answer:
        page, size = int(params["pageNow"]), int(params["pageSize"])
        self.calls.append(("list", page))
        if self.forever:
            rows = [task(10**9 + page * size + i, None) for i in range(size)]
            return _answer("/api/jobhistory/list", {"tasks": rows, "totalPage": 10**9})
        listed = [t for t in self.tasks if int(t["taskID"]) not in self.hidden]
        if self.reasonable and listed:
            page = min(page, -(-len(listed) // size))
        rows = listed[(page - 1) * size : page * size]
        data: dict[str, Any] = {"tasks": rows}
        if self.total:
            data["totalPage"] = len(listed)
        return _answer("/api/jobhistory/list", data)

    def job_history(self, task_id: int | str) -> Answer:
        self.calls.append(("get", task_id))
        row = self.by_id.get(int(task_id))
        if row is None or int(task_id) in self.hidden:
            return _answer(f"/api/jobhistory/{task_id}/get", {}, status=1)
        return _answer(f"/api/jobhistory/{task_id}/get", {"task": row})

    def _row(self, exec_id: str) -> dict[str, Any] | None:
        return self.by_exec.get(exec_id)

    def status(self, exec_id: str, task_id: int | str | None = None) -> Answer:
        self.calls.append(("status", exec_id))
        row = self._row(exec_id)
        if row is None:
            return _answer(f"/api/entrance/{exec_id}/status", {}, status=1)
        return _answer(
            f"/api/entrance/{exec_id}/status",
            {"status": row["status"], "execID": exec_id},
        )

    def kill(self, exec_id: str, task_id: int | str | None = None) -> Answer:
        self.calls.append(("kill", exec_id))
        row = self._row(exec_id)
        if row is None:
            return _answer(f"/api/entrance/{exec_id}/kill", {}, status=1)
        if row["status"] not in TERMINAL:
            row["status"] = "Cancelled"
        return _answer(f"/api/entrance/{exec_id}/kill", {"execID": exec_id})

    def called(self, name: str) -> list[Any]:
        return [arg for call, arg in self.calls if call == name]


class FakeClock:
    """`clock` and `sleep` for the sweep: sleeping advances the clock, nothing waits."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
