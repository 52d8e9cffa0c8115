"""What the client has seen of one job, and the light checks each answer gets.

Each `observe_*` method records one answer and returns the contract violation it shows, or
None; the caller fails that request with it. Checks are light on purpose (a step at a time, a
page at a time); the end-of-job log comparison is `core.logcheck.check_pages`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from linkis_harness.core.jobstate import TERMINAL, first_illegal_step
from linkis_harness.core.logs import LogPage
from linkis_harness.core.violation import Violation
from linkis_harness.core.workload import Workload

_TERMINAL = frozenset(str(s) for s in TERMINAL)


@dataclass
class Job:
    """What the client has seen of one job so far."""

    workload: Workload
    exec_id: str
    task_id: int
    submitted: float
    states: list[str] = field(default_factory=list)
    progress: list[float] = field(default_factory=list)
    pages: list[LogPage] = field(default_factory=list)
    next_line: int = 0
    lines: int = 0
    first_line_at: float | None = None
    last_line_at: float | None = None
    running_at: float | None = None
    kill_planned: bool = False
    unseen_retries: int = 0
    kill_accepted: bool = False

    @property
    def state(self) -> str | None:
        return self.states[-1] if self.states else None

    @property
    def finished(self) -> bool:
        return self.state in _TERMINAL

    def expected(self) -> tuple[str, ...]:
        return ("Cancelled",) if self.kill_accepted else self.workload.expect_status

    def observe_state(self, envelope: dict[str, Any]) -> Violation | None:
        """Record one status answer; return the illegal step it shows, if any."""
        state = (envelope.get("data") or {}).get("status")
        previous = self.state
        self.states.append(str(state))
        if previous is None:
            return first_illegal_step([str(state)])
        found = first_illegal_step([previous, str(state)])
        if (
            found is not None
            and first_illegal_step([previous, "WaitForRetry", str(state)]) is None
        ):
            # Polling every 0.5-2 s can miss a short WaitForRetry (Running -> WaitForRetry ->
            # Scheduled): a step that one unseen retry explains is not a finding under load.
            self.unseen_retries += 1
            return None
        return found

    def observe_progress(self, envelope: dict[str, Any]) -> Violation | None:
        """Record one progress answer; return what is wrong with it, if anything."""
        value = (envelope.get("data") or {}).get("progress")
        if isinstance(value, bool) or not isinstance(value, int | float):
            return Violation(
                "progress", "progress is not a number", f"progress {value!r}"
            )
        if not 0.0 <= value <= 1.0:
            return Violation(
                "progress", "progress out of range", f"progress {value} outside 0..1"
            )
        retried = "WaitForRetry" in self.states or self.unseen_retries > 0
        previous = self.progress[-1] if self.progress else 0.0
        self.progress.append(float(value))
        if value < previous and not retried:  # Linkis resets progress only on a retry
            return Violation(
                "progress",
                "progress went down",
                f"{previous} then {value} while {self.state}",
            )
        return None

    def observe_page(
        self, start: int, size: int, envelope: dict[str, Any]
    ) -> Violation | None:
        """Record one log page read from `start`; return what is wrong with it, if anything."""
        data = envelope.get("data") or {}
        log, next_line = data.get("log"), data.get("fromLine")
        if isinstance(next_line, bool) or not isinstance(next_line, int):
            return Violation(
                "log", "fromLine is not a number", f"fromLine {next_line!r}"
            )
        if not (
            isinstance(log, list)
            and len(log) == 4
            and all(isinstance(x, str) for x in log)
        ):
            return Violation(
                "log", "log is not [error, warn, info, all]", f"log {str(log)[:200]!r}"
            )
        if next_line < start:
            return Violation(
                "log", "fromLine went backwards", f"asked {start}, got back {next_line}"
            )
        if next_line > start + size:
            return Violation(
                "log",
                "fromLine advanced past the page size",
                f"asked {start}+{size}, got back {next_line}",
            )
        self.pages.append(
            LogPage(start, size, next_line, (log[0], log[1], log[2], log[3]))
        )
        self.next_line = next_line
        shown = log[3].count("\n") + 1 if log[3] else 0
        if shown:
            now = time.time()
            self.lines += shown
            self.first_line_at = self.first_line_at or now
            self.last_line_at = now
        return None


def check_submit(envelope: dict[str, Any]) -> Violation | None:
    """The submit answer must carry an execID string and a numeric taskID."""
    data = envelope.get("data") or {}
    if not isinstance(data.get("execID"), str) or not data["execID"]:
        return Violation(
            "execid", "submit answer has no execID", f"data {data!r}"[:300]
        )
    task_id = data.get("taskID")
    if isinstance(task_id, bool) or not isinstance(task_id, int):
        return Violation("execid", "taskID is not a JSON number", f"taskID {task_id!r}")
    return None


def check_history(job: Job, envelope: dict[str, Any]) -> Violation | None:
    task = (envelope.get("data") or {}).get("task") or {}
    status = task.get("status")
    if status != job.state:
        return Violation(
            "states",
            "job history disagrees with the entrance",
            f"entrance said {job.state}, job history says {status!r}",
        )
    return None


def check_tree(job: Job, envelope: dict[str, Any]) -> Violation | None:
    tree = (envelope.get("data") or {}).get("dirFileTrees") or {}
    children = [
        c
        for c in tree.get("children") or []
        if str(c.get("name", "")).endswith(".dolphin")
    ]
    if job.workload.rows and not children:
        return Violation(
            "results",
            "succeeded job has no result set",
            f"no _N.dolphin under {tree.get('path')!r}",
        )
    return None


def check_rows(job: Job, envelope: dict[str, Any]) -> Violation | None:
    content = (envelope.get("data") or {}).get("fileContent")
    if not isinstance(content, list) or len(content) != job.workload.rows:
        got = len(content) if isinstance(content, list) else content
        return Violation(
            "results",
            "result set has the wrong number of rows",
            f"expected {job.workload.rows}, got {got}",
        )
    return None
