"""Cleanup after a load run: sweep job history for the run's jobs, kill the unfinished, prove it.

Every job the run submits carries the run's marker (`core.runmarker`), written to the ledger
before Locust starts. Cleanup is the sweep `check` uses too (`client.sweep`): job history is
listed for the run's window (paged to its end, however long the run), the jobs carrying the
marker and not finished are killed, and each is asked again until it ended, so "left running 0"
covers every job of the run, also those whose submit answer was garbled, timed out or failed a
check (they never reach the ledger). A job without the marker is never touched.

The ledger (what the users saw) feeds the accounting, and covers a job job history does not
list: one the users saw finish (`finished`, a terminal state) is proven ended by that; one they
did not is asked directly (`client.sweep.end_own_jobs`: entrance status by execID, else job
history by taskID) and killed while unfinished -- its submit answer named it, so it is the run's
own. Only a job whose state cannot be read at all counts as not readable. Cleanup obeys
`--rate-limit` through the client's guard but never the job budget.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from linkis_harness.client import LinkisClient
from linkis_harness.client.sweep import end_own_jobs, sweep_run
from linkis_harness.core.jobstate import TERMINAL

__all__ = ["Cleanup", "Ledger", "clean_up", "print_cleanup"]

_TERMINAL = frozenset(str(s) for s in TERMINAL)


@dataclass
class Ledger:
    """Jobs of the run: exec_id -> task_id/workload, what the users saw, the run's marker."""

    submitted: dict[str, dict[str, Any]] = field(default_factory=dict)
    finished: dict[str, str] = field(default_factory=dict)
    marker: str | None = None
    since: float | None = (
        None  # epoch seconds the run started (before its first submit)
    )

    @classmethod
    def read(cls, path: Path) -> Ledger:
        ledger = cls()
        if not path.exists():
            return ledger
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue  # a line cut short by a crash
            exec_id = event.get("exec_id")
            match event.get("event"):
                case "run":
                    ledger.marker = str(event.get("marker") or "") or None
                    ledger.since = float(event.get("since") or 0.0) or None
                case "submitted":
                    ledger.submitted[exec_id] = event
                case "finished":
                    ledger.finished[exec_id] = str(event.get("state"))
        return ledger


@dataclass
class Cleanup:
    submitted: int = 0
    finished: Counter[str] = field(default_factory=Counter)
    killed: int = 0
    ended_after_stop: Counter[str] = field(default_factory=Counter)
    left_running: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    # Jobs of the run job history shows that no usable submit answer named (garbled, timed
    # out, failed a check): by their state after cleanup.
    history_only: Counter[str] = field(default_factory=Counter)


def clean_up(
    client: LinkisClient,
    ledger: Ledger,
    out: TextIO,
    *,
    since: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Cleanup:
    """Kill every unfinished job of the run; account for them against the ledger.

    The run's jobs are those carrying its marker in job history and those of the ledger (a
    submit answer named them). A ledger job job history does not list is proven ended by the
    users' own view of its end, else asked directly and killed while unfinished; it counts as
    not readable only when its state cannot be read.
    """
    result = Cleanup(submitted=len(ledger.submitted))
    for exec_id in ledger.submitted:
        if exec_id in ledger.finished:
            result.finished[ledger.finished[exec_id]] += 1
    if ledger.marker is None:
        result.unreadable.append("(the ledger names no run marker)")
        return result
    start = ledger.since or since
    if start is None:
        result.unreadable.append("(the ledger names no start time)")
        return result
    swept = sweep_run([client], ledger.marker, since=start, sleep=sleep, clock=clock)
    for problem in (swept.unreadable, swept.incomplete):
        if problem is not None:
            # Jobs of the run only job history knows (no usable submit answer) are not
            # proven ended: the listing failed or stopped short.
            out.write(f"load: cleanup: {problem}\n")
            result.unreadable.append(f"(job history: {problem})")
    by_task = {str(job.get("task_id")): e for e, job in ledger.submitted.items()}
    for task_id, status in swept.marked.items():
        seen = by_task.get(task_id)
        if seen is None:
            result.history_only[status] += 1
        elif seen not in ledger.finished:
            _count_end(result, status)
    result.left_running = list(swept.left_running)
    # Ledger jobs job history did not list. Seen finishing by their user: that is the proof.
    # Otherwise each is asked directly and killed while unfinished.
    unlisted = [
        (e, j.get("task_id"))
        for e, j in ledger.submitted.items()
        if str(j.get("task_id")) not in swept.marked
        and ledger.finished.get(e) not in _TERMINAL
    ]
    killed = list(swept.killed)
    if unlisted:
        out.write(
            f"load: cleanup: asking {len(unlisted)} job(s) of the ledger job history "
            "did not list directly\n"
        )
        ended = end_own_jobs(client, unlisted, sleep=sleep, clock=clock)
        for state in ended.states.values():
            _count_end(result, state)
        result.left_running += ended.left_running
        result.unreadable += ended.unreadable
        killed += ended.killed
    if killed:
        out.write(f"load: cleanup: killed {len(killed)} job(s) of the run\n")
    return result


def _count_end(result: Cleanup, state: str) -> None:
    """Count how a job of the run that its users did not see finish ended after the stop."""
    if state == "Cancelled":
        # Killed by its user at the stop or by this cleanup. Any other terminal state: it
        # ended on its own first (a kill of a finished job changes nothing, #4733).
        result.killed += 1
    elif state in _TERMINAL:
        result.ended_after_stop[state] += 1


def print_cleanup(cleanup: Cleanup, out: TextIO) -> None:
    by_state = (
        ", ".join(f"{s} {n}" for s, n in sorted(cleanup.finished.items())) or "none"
    )
    after = sum(cleanup.ended_after_stop.values())
    out.write(
        f"jobs: submitted {cleanup.submitted}, finished {sum(cleanup.finished.values())} "
        f"({by_state}), killed at cleanup {cleanup.killed}"
        + (f", ended on their own after the stop {after}" if after else "")
        + (
            f", found only in job history {sum(cleanup.history_only.values())} ("
            + ", ".join(f"{k} {v}" for k, v in sorted(cleanup.history_only.items()))
            + ")"
            if cleanup.history_only
            else ""
        )
        + f", left running {len(cleanup.left_running) + len(cleanup.unreadable)}"
        + (f" ({len(cleanup.unreadable)} not readable)" if cleanup.unreadable else "")
        + "\n"
    )
