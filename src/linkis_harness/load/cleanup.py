"""Cleanup after a load run: kill what the run did not see finish, then ask job history.

The ledger the Locust processes wrote lists every job the run submitted and what the users saw
of it. Jobs not seen finished are looked up in job history and killed when still running;
then job history is asked about every job of the run, so "left running 0" is verified, not
assumed. Cleanup obeys `--rate-limit` through the client's guard but never the job budget.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from linkis_harness.client import LinkisClient
from linkis_harness.core.jobstate import TERMINAL
from linkis_harness.errors import HarnessError

__all__ = ["Cleanup", "Ledger", "clean_up", "print_cleanup"]

_TERMINAL = frozenset(str(s) for s in TERMINAL)
_KILL_WAIT = (
    30.0  # seconds to wait for killed jobs to show a terminal state in job history
)


@dataclass
class Ledger:
    """Jobs of the run: exec_id -> task_id/workload, and what the users saw."""

    submitted: dict[str, dict[str, Any]] = field(default_factory=dict)
    finished: dict[str, str] = field(default_factory=dict)

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


def _history_status(client: LinkisClient, task_id: Any) -> str | None:
    try:
        answer = client.job_history(task_id)
    except HarnessError:
        return None
    task = (answer.data or {}).get("task") or {}
    status = task.get("status") if answer.ok else None
    return str(status) if status is not None else None


def clean_up(client: LinkisClient, ledger: Ledger, out: TextIO) -> Cleanup:
    """Kill every job the run did not see finish, then ask job history about every job."""
    result = Cleanup(submitted=len(ledger.submitted))
    for exec_id in ledger.submitted:
        if exec_id in ledger.finished:
            result.finished[ledger.finished[exec_id]] += 1
    unfinished = {e: j for e, j in ledger.submitted.items() if e not in ledger.finished}
    statuses = _statuses(client, unfinished)
    to_kill = [e for e, s in statuses.items() if s not in _TERMINAL]
    if to_kill:
        out.write(f"load: cleanup: killing {len(to_kill)} job(s) still running\n")
    for exec_id in to_kill:
        try:
            client.kill(exec_id, unfinished[exec_id].get("task_id"))
        except HarnessError as exc:
            out.write(f"load: cleanup: kill {exec_id} failed: {exc}\n")
    deadline = time.monotonic() + _KILL_WAIT
    pending = {e: unfinished[e] for e in to_kill}
    while pending and time.monotonic() < deadline:
        time.sleep(0.5)
        for exec_id, status in _statuses(client, pending).items():
            if status in _TERMINAL:
                statuses[exec_id] = status
                del pending[exec_id]
    for status in statuses.values():
        # Cancelled: killed by its user at the stop or by this cleanup. Any other terminal
        # state: it ended on its own first (a kill of a finished job changes nothing, #4733).
        if status == "Cancelled":
            result.killed += 1
        elif status in _TERMINAL:
            result.ended_after_stop[status] += 1
    verified = _statuses(client, ledger.submitted)
    for exec_id, status in verified.items():
        if status is None:
            result.unreadable.append(exec_id)
        elif status not in _TERMINAL:
            result.left_running.append(exec_id)
    return result


def _statuses(
    client: LinkisClient, jobs: dict[str, dict[str, Any]]
) -> dict[str, str | None]:
    if not jobs:
        return {}
    with ThreadPoolExecutor(max_workers=4) as pool:
        found = pool.map(
            lambda item: _history_status(client, item[1].get("task_id")), jobs.items()
        )
        return dict(zip(jobs, found, strict=True))


def print_cleanup(cleanup: Cleanup, out: TextIO) -> None:
    by_state = (
        ", ".join(f"{s} {n}" for s, n in sorted(cleanup.finished.items())) or "none"
    )
    after = sum(cleanup.ended_after_stop.values())
    out.write(
        f"jobs: submitted {cleanup.submitted}, finished {sum(cleanup.finished.values())} "
        f"({by_state}), killed at cleanup {cleanup.killed}"
        + (f", ended on their own after the stop {after}" if after else "")
        + f", left running {len(cleanup.left_running) + len(cleanup.unreadable)}"
        + (
            f" ({len(cleanup.unreadable)} not readable in job history)"
            if cleanup.unreadable
            else ""
        )
        + "\n"
    )
