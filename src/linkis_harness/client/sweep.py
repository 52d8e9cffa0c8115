"""Cleanup shared by `check` and `load`: find the run's jobs in job history, kill the unfinished.

Every job a run submits carries the run's marker (`core.runmarker`), also a job whose submit
answer was garbled, timed out or failed a check. The sweep lists job history for the run's time
window as each user that submitted, keeps the tasks that carry the marker, kills those not
finished (by `strongerExecId` and `taskID`, as their owner), and proves none is left: each is
asked again until the entrance (or job history, once the job left entrance memory) says it
ended. A job without the marker is never touched, whoever started it.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from linkis_harness.client.polling import is_terminal
from linkis_harness.client.session import LinkisClient
from linkis_harness.core.runmarker import carries, make_marker
from linkis_harness.errors import HarnessError

__all__ = ["SweepResult", "marked_tasks", "new_marker", "sweep_run"]

PAGE_SIZE = 100
MAX_PAGES = 100  # 10,000 jobs of the window: more than any run of this harness submits
SKEW = 300.0  # seconds of clock difference between this machine and Linkis tolerated
GRACE = 30.0  # seconds to see every kill take effect
ROUND = 0.5


def new_marker() -> str:
    """Return a fresh run marker (UTC time of the run's start and 8 random hex digits)."""
    now = time.gmtime()
    return make_marker(
        (now.tm_year, now.tm_mon, now.tm_mday, now.tm_hour, now.tm_min, now.tm_sec),
        secrets.token_hex(4),
    )


@dataclass
class SweepResult:
    """What the sweep found and did (task ids as text)."""

    marked: dict[str, str] = field(default_factory=dict)  # taskID -> last status seen
    killed: list[str] = field(default_factory=list)  # execIDs a kill was sent to
    left_running: list[str] = field(default_factory=list)  # execIDs still unfinished
    unreadable: str | None = None  # why job history could not be listed

    @property
    def proven(self) -> bool:
        """True when job history was read and no job of the run is left unfinished."""
        return self.unreadable is None and not self.left_running


@dataclass(frozen=True, slots=True)
class _Task:
    owner: LinkisClient
    task_id: Any
    exec_id: str | None
    status: str | None


def marked_tasks(
    client: LinkisClient, marker: str, *, since: float, until: float
) -> list[dict[str, Any]]:
    """Return the job-history tasks of `client`'s user in [since, until] that carry `marker`.

    Raises `HarnessError` when job history does not answer with a task list.
    """
    found: list[dict[str, Any]] = []
    for page in range(1, MAX_PAGES + 1):
        answer = client.job_history_list(
            startDate=int((since - SKEW) * 1000),
            endDate=int((until + SKEW) * 1000),
            pageNow=page,
            pageSize=PAGE_SIZE,
        )
        tasks = answer.data.get("tasks") if answer.ok else None
        if not isinstance(tasks, list):
            raise HarnessError(
                f"job history did not list the run's jobs: HTTP {answer.http_status}, "
                f"status {answer.status} {answer.message!r}"
            )
        found += [t for t in tasks if isinstance(t, dict) and carries(t, marker)]
        if len(tasks) < PAGE_SIZE:
            break
    return found


def _tasks(
    clients: Iterable[LinkisClient], marker: str, since: float, until: float
) -> dict[str, _Task]:
    """Return the run's tasks over every user that submitted (first owner wins)."""
    seen: dict[str, _Task] = {}
    for client in clients:
        for task in marked_tasks(client, marker, since=since, until=until):
            task_id = task.get("taskID")
            exec_id = task.get("strongerExecId")
            status = task.get("status")
            seen.setdefault(
                str(task_id),
                _Task(
                    client,
                    task_id,
                    exec_id if isinstance(exec_id, str) and exec_id else None,
                    status if isinstance(status, str) else None,
                ),
            )
    return seen


def _state(task: _Task) -> str | None:
    """Return the job's state now: the entrance's answer, else job history's."""
    if task.exec_id is not None:
        answer = task.owner.status(task.exec_id, _wire_id(task.task_id))
        state = answer.data.get("status") if answer.ok else None
        if isinstance(state, str):
            return state
    if isinstance(task.task_id, int | str) and not isinstance(task.task_id, bool):
        answer = task.owner.job_history(task.task_id)
        row = answer.data.get("task") if answer.ok else None
        state = row.get("status") if isinstance(row, Mapping) else None
        return state if isinstance(state, str) else None
    return task.status


def _wire_id(task_id: Any) -> int | str | None:
    return (
        task_id
        if isinstance(task_id, int | str) and not isinstance(task_id, bool)
        else None
    )


def sweep_run(
    clients: Iterable[LinkisClient],
    marker: str,
    *,
    since: float,
    until: float | None = None,
    grace: float = GRACE,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> SweepResult:
    """Kill every unfinished job of the run (found by `marker`) and prove none is left.

    `since`/`until` are epoch seconds around the run (until: now); `clients` are logged in
    as the users that submitted. Kills are sent as each job's owner, again every round
    until the job ends or `grace` passes.
    """
    owners = list(dict.fromkeys(clients))
    result = SweepResult()
    deadline = clock() + grace
    while True:  # a garbled or failed listing is asked again until the grace passes
        try:
            tasks = _tasks(
                owners, marker, since, until if until is not None else time.time()
            )
            break
        except HarnessError as exc:
            if clock() >= deadline:
                result.unreadable = str(exc)
                return result
        sleep(ROUND)
    pending = {tid: task for tid, task in tasks.items() if not is_terminal(task.status)}
    for tid, task in tasks.items():
        result.marked[tid] = task.status or "?"
    deadline = max(deadline, clock() + grace / 2)
    while pending:
        for tid, task in list(pending.items()):
            try:
                state = _state(task)
                if is_terminal(state):
                    result.marked[tid] = str(state)
                    del pending[tid]
                    continue
                if task.exec_id is not None:
                    task.owner.kill(task.exec_id, _wire_id(task.task_id))
                    if task.exec_id not in result.killed:
                        result.killed.append(task.exec_id)
            except HarnessError:
                continue  # asked again next round; the target may be recovering
        if not pending or clock() >= deadline:
            break
        sleep(ROUND)
    result.left_running = [
        task.exec_id or f"taskID {tid}" for tid, task in pending.items()
    ]
    return result
