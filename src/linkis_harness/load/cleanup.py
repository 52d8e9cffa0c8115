"""Cleanup after a load run: sweep job history for the run's jobs, kill the unfinished, prove it.

Every job the run submits carries the run's marker (`core.runmarker`), written to the ledger
before Locust starts. Cleanup is the sweep `check` uses too (`client.sweep`): job history is
listed for the run's window, the jobs carrying the marker and not finished are killed, and each
is asked again until it ended, so "left running 0" covers every job of the run, also those whose
submit answer was garbled, timed out or failed a check (they never reach the ledger). A job
without the marker is never touched. The ledger (what the users saw) only feeds the accounting.
Cleanup obeys `--rate-limit` through the client's guard but never the job budget.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from linkis_harness.client import LinkisClient
from linkis_harness.client.sweep import sweep_run
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
    client: LinkisClient, ledger: Ledger, out: TextIO, *, since: float | None = None
) -> Cleanup:
    """Kill every unfinished job carrying the run's marker; account for them against the ledger."""
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
    swept = sweep_run([client], ledger.marker, since=start)
    if swept.unreadable is not None:
        out.write(f"load: cleanup: {swept.unreadable}\n")
        result.unreadable.append(f"(job history: {swept.unreadable})")
        return result
    if swept.killed:
        out.write(f"load: cleanup: killed {len(swept.killed)} job(s) of the run\n")
    by_task = {str(job.get("task_id")): e for e, job in ledger.submitted.items()}
    for task_id, status in swept.marked.items():
        seen = by_task.get(task_id)
        if seen is None:
            result.history_only[status] += 1
        elif seen in ledger.finished:
            continue
        elif status == "Cancelled":
            # Killed by its user at the stop or by this cleanup. Any other terminal state:
            # it ended on its own first (a kill of a finished job changes nothing, #4733).
            result.killed += 1
        elif status in _TERMINAL:
            result.ended_after_stop[status] += 1
    missing = [
        e
        for e, j in ledger.submitted.items()
        if str(j.get("task_id")) not in swept.marked
    ]
    # A job the users saw submitted but job history does not show with the marker cannot be
    # proven ended: it counts as not readable.
    result.unreadable += missing
    result.left_running = list(swept.left_running)
    return result


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
        + (
            f" ({len(cleanup.unreadable)} not readable in job history)"
            if cleanup.unreadable
            else ""
        )
        + "\n"
    )
