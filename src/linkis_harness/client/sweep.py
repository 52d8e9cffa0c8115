"""Cleanup shared by `check` and `load`: find the run's jobs in job history, kill the unfinished.

Every job a run submits carries the run's marker (`core.runmarker`), also a job whose submit
answer was garbled, timed out or failed a check. The sweep lists job history for the run's time
window as each user that submitted, keeps the tasks that carry the marker, kills those not
finished (by `strongerExecId` and `taskID`, as their owner), and proves none is left: each is
asked again until the entrance (or job history, once the job left entrance memory) says it
ended. A job without the marker is never touched, whoever started it.

Job history is paged to its end, however many jobs the run submitted (a soak of hours): until a
short page, or until the list answer's own `totalPage` (the row count, in every release since
1.0) is reached (ledger: jobhistory.list.paging). Linkis configures PageHelper `reasonable`, so
a page past the end answers the last page again: `totalPage` ends the listing before that. A
full page of rows already listed (a server without `totalPage`, or one ignoring `pageNow`) and
a server answering new full pages forever (the hard cap, `MAX_ROWS` rows per user) stop the
listing: the sweep then says so (`SweepResult.incomplete`), kills the run's jobs it did find,
and does not claim the run proven.

`end_own_jobs` asks jobs the run knows by their submit answer (`load`'s ledger) directly, for
those job history did not list: their execID proves them the run's own.
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

__all__ = [
    "Ended",
    "Listing",
    "SweepResult",
    "end_own_jobs",
    "marked_tasks",
    "new_marker",
    "sweep_run",
]

# Linkis puts no upper bound on pageSize, but every row carries the job's full code (read back
# from storage when long), so pages stay small enough for the per-request timeout.
PAGE_SIZE = 100
# Rows listed per user before the sweep gives up on a server that answers full pages forever:
# a day-long soak at 10 jobs/s is 864,000 jobs. Job history ends long before on a real target.
MAX_ROWS = 1_000_000
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
    incomplete: str | None = None  # why the listing stopped before job history's end

    @property
    def proven(self) -> bool:
        """True when job history was read to its end and no job of the run is left unfinished."""
        return (
            self.unreadable is None
            and self.incomplete is None
            and not self.left_running
        )


@dataclass
class Listing:
    """The marked tasks of one user's job history, and whether the listing reached its end."""

    tasks: list[dict[str, Any]] = field(default_factory=list)  # carrying the marker
    rows: int = 0  # rows listed, marked or not
    pages: int = 0
    incomplete: str | None = None  # why paging stopped before the end


@dataclass
class Ended:
    """What became of jobs asked directly (`end_own_jobs`), by execID."""

    states: dict[str, str] = field(default_factory=dict)  # execID -> terminal state
    killed: list[str] = field(default_factory=list)  # execIDs a kill was sent to
    left_running: list[str] = field(default_factory=list)  # read, still unfinished
    unreadable: list[str] = field(default_factory=list)  # state never readable


@dataclass(frozen=True, slots=True)
class _Task:
    owner: LinkisClient
    task_id: Any
    exec_id: str | None
    status: str | None


def marked_tasks(
    client: LinkisClient,
    marker: str,
    *,
    since: float,
    until: float,
    max_rows: int | None = None,
) -> Listing:
    """Return the job-history tasks of `client`'s user in [since, until] that carry `marker`.

    Pages until a short page, until `totalPage` (the row count) is reached, or until a full
    page holds only rows already listed (PageHelper's `reasonable` past the end); after
    `max_rows` rows (default `MAX_ROWS`) it stops and says so in `Listing.incomplete`. Raises
    `HarnessError` when job history does not answer with a task list.
    """
    cap = MAX_ROWS if max_rows is None else max_rows
    listing = Listing()
    seen: set[str] = set()
    page = 0
    while True:
        page += 1
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
        listing.pages = page
        rows = [t for t in tasks if isinstance(t, dict)]
        ids = {str(t["taskID"]) for t in rows if t.get("taskID") is not None}
        if len(tasks) >= PAGE_SIZE and ids and ids <= seen:
            listing.incomplete = (
                f"job history answered page {page} with only rows of earlier pages "
                f"after {listing.rows} rows" + _total_said(answer.data)
            )
            return listing
        seen |= ids
        listing.rows += len(tasks)
        listing.tasks += [t for t in rows if carries(t, marker)]
        total = _total(answer.data)
        if len(tasks) < PAGE_SIZE or (total is not None and listing.rows >= total):
            return listing
        if listing.rows >= cap:
            listing.incomplete = (
                f"job history still answered full pages after {listing.rows} rows "
                f"({page} pages); the sweep stopped there" + _total_said(answer.data)
            )
            return listing


def _total(data: Mapping[str, Any]) -> int | None:
    """Return the list answer's `totalPage`: the query's row count (PageHelper's total)."""
    total = data.get("totalPage")
    if isinstance(total, int) and not isinstance(total, bool) and total >= 0:
        return total
    return None


def _total_said(data: Mapping[str, Any]) -> str:
    total = _total(data)
    return f" (its totalPage says {total} rows)" if total is not None else ""


def _tasks(
    clients: Iterable[LinkisClient],
    marker: str,
    since: float,
    until: float,
    max_rows: int | None,
) -> tuple[dict[str, _Task], str | None]:
    """Return the run's tasks over every user that submitted (first owner wins).

    The second item says why a user's listing stopped before its end (None: every one ended).
    """
    seen: dict[str, _Task] = {}
    incomplete: list[str] = []
    for client in clients:
        listing = marked_tasks(
            client, marker, since=since, until=until, max_rows=max_rows
        )
        if listing.incomplete is not None:
            who = client.user
            incomplete.append(
                f"{who}: {listing.incomplete}" if who else listing.incomplete
            )
        for task in listing.tasks:
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
    return seen, "; ".join(incomplete) or None


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


def _end_tasks(
    pending: dict[str, _Task],
    deadline: float,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
) -> tuple[dict[str, str], list[str], dict[str, str | None]]:
    """Ask each job's state and kill it while unfinished, every round until `deadline`.

    Returns the terminal state of each job that ended, the execIDs a kill was sent to, and
    the jobs still not ended with the last state read of each (None: never readable).
    """
    pending = dict(pending)
    ended: dict[str, str] = {}
    killed: list[str] = []
    last: dict[str, str | None] = dict.fromkeys(pending)
    while pending:
        for key, task in list(pending.items()):
            try:
                state = _state(task)
                if state is not None:
                    last[key] = state
                if is_terminal(state):
                    ended[key] = str(state)
                    del pending[key]
                    continue
                if task.exec_id is not None:
                    task.owner.kill(task.exec_id, _wire_id(task.task_id))
                    if task.exec_id not in killed:
                        killed.append(task.exec_id)
            except HarnessError:
                continue  # asked again next round; the target may be recovering
        if not pending or clock() >= deadline:
            break
        sleep(ROUND)
    return ended, killed, {key: last[key] for key in pending}


def sweep_run(
    clients: Iterable[LinkisClient],
    marker: str,
    *,
    since: float,
    until: float | None = None,
    grace: float = GRACE,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    max_rows: int | None = None,
) -> SweepResult:
    """Kill every unfinished job of the run (found by `marker`) and prove none is left.

    `since`/`until` are epoch seconds around the run (until: now); `clients` are logged in
    as the users that submitted. Job history is paged to its end (`marked_tasks`); a listing
    cut short by `max_rows` is named in `SweepResult.incomplete`, and the jobs it did find are
    still killed. Kills are sent as each job's owner, again every round until the job ends
    or `grace` passes.
    """
    owners = list(dict.fromkeys(clients))
    result = SweepResult()
    deadline = clock() + grace
    while True:  # a garbled or failed listing is asked again until the grace passes
        try:
            tasks, result.incomplete = _tasks(
                owners,
                marker,
                since,
                until if until is not None else time.time(),
                max_rows,
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
    ended, result.killed, left = _end_tasks(pending, deadline, sleep, clock)
    result.marked.update(ended)
    result.left_running = [pending[tid].exec_id or f"taskID {tid}" for tid in left]
    return result


def end_own_jobs(
    owner: LinkisClient,
    jobs: Iterable[tuple[str, Any]],
    *,
    grace: float = GRACE,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Ended:
    """Ask each job directly and kill it while unfinished, as `owner`; say how each ended.

    `jobs` are (execID, taskID) pairs the run's own submit answers named (so they are the
    run's jobs without the marker being read). The state comes from the entrance by execID,
    else from job history by taskID; a job not ended is killed by execID, again every round
    until it ends or `grace` passes. A job whose state is never readable is `unreadable`.
    """
    pending = {
        exec_id: _Task(owner, task_id, exec_id, None) for exec_id, task_id in jobs
    }
    ended, killed, left = _end_tasks(pending, clock() + grace, sleep, clock)
    return Ended(
        states=ended,
        killed=killed,
        left_running=[e for e, state in left.items() if state is not None],
        unreadable=[e for e, state in left.items() if state is None],
    )
