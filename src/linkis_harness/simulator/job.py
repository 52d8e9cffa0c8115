"""A simulated job: the record, its planned lifecycle and its log.

A job's whole life is planned at submit time as a timeline of `(epoch seconds, state)` points
(`plan_timeline`); its state, progress and log at any moment are computed from that plan and
the clock, so no thread drives jobs. A kill truncates the plan. The same record is what job
history stores, so history and entrance agree by construction (on the faithful path).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from linkis_harness.core.directive import Directive
from linkis_harness.core.execid import ExecId
from linkis_harness.core.jobstate import JobState
from linkis_harness.errors import InvalidExecId
from linkis_harness.simulator.joblog import LogScript, build_log

__all__ = ["Job", "PollMemo", "plan_timeline"]

INIT_SECONDS = 0.05  # Inited → Scheduled (the consumer picking the job up)
RETRY_SECONDS = 0.1  # time spent in WaitForRetry before the next attempt
RESULT_ROOT = "hdfs:///tmp/linkis/"
LOG_ROOT = "hdfs:///tmp/linkis/log"
ENTRANCE_APP = "linkis-cg-entrance"


def _units(text: str) -> int:
    """Java's `String.length()`: UTF-16 code units."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def plan_timeline(
    directive: Directive, submitted: float, speed: float
) -> tuple[tuple[tuple[float, str], ...], tuple[float, float]]:
    """Plan the states a job will pass through, and its last Running window (start, end)."""
    at = submitted
    points: list[tuple[float, str]] = [(at, JobState.INITED.value)]
    at += INIT_SECONDS / speed
    window = (at, at)
    for attempt in range(directive.retries + 1):
        points.append((at, JobState.SCHEDULED.value))
        at += directive.queue / speed
        points.append((at, JobState.RUNNING.value))
        window = (at, at + directive.duration / speed)
        at = window[1]
        if attempt < directive.retries:
            points.append((at, JobState.WAIT_FOR_RETRY.value))
            at += RETRY_SECONDS / speed
    points.append((at, directive.status))
    return tuple(points), window


@dataclass(slots=True)
class PollMemo:
    """What the entrance remembers of the polls a job got (only fault modes read it)."""

    regressed: bool = False
    progress_trick: int = 0
    progress_last: float = 0.0


@dataclass(slots=True)
class Job:
    """One submitted job: what was asked, its planned timeline, and who owns it."""

    task_id: int
    short_id: str
    instance: str
    submit_user: str
    execute_user: str
    creator: str
    engine_type: str
    run_type: str
    code: str
    style: str
    labels: dict[str, str]
    params: dict[str, Any]
    source: dict[str, Any]
    submitted: float
    directive: Directive
    timeline: tuple[tuple[float, str], ...]
    window: tuple[float, float]
    killed_at: float | None = None
    error: tuple[int, str] | None = None
    legacy: bool = False  # a 0.x entrance: legacy execID layout
    lost_line: int | None = (
        None  # `log-drop-line`: this engine line (1-based) is never written
    )
    memo: PollMemo = field(default_factory=PollMemo)
    _log: LogScript | None = None

    @property
    def exec_id(self) -> str:
        try:
            if self.legacy:
                return ExecId.legacy(
                    creator=self.creator,
                    application=self.engine,
                    instance=self.instance,
                    short_id=self.short_id,
                ).format()
            return ExecId.v1(instance=self.instance, short_id=self.short_id).format()
        except InvalidExecId:  # Java pads with %03d and never refuses: neither do we
            app = ENTRANCE_APP
            return f"exec_id{_units(app):03d}{_units(self.instance):03d}{app}{self.instance}{self.short_id}"

    @property
    def engine(self) -> str:
        return self.engine_type.split("-", 1)[0]

    @property
    def finished_at(self) -> float:
        return self.timeline[-1][0]

    @property
    def final_status(self) -> str:
        return self.timeline[-1][1]

    def state(self, now: float) -> str:
        index = bisect.bisect_right(self.timeline, (now, "\uffff")) - 1
        return self.timeline[max(index, 0)][1]

    def is_terminal(self, now: float) -> bool:
        return now >= self.finished_at

    def progress(self, now: float) -> float:
        """0.0 until the last attempt runs, its elapsed share while Running, 1.0 once terminal."""
        if self.is_terminal(now):
            return 1.0
        start, end = self.window
        if now <= start or end <= start:
            return 0.0
        return min(round((now - start) / (end - start), 3), 0.999)

    def _day(self) -> datetime:
        return datetime.fromtimestamp(self.submitted)

    @property
    def result_location(self) -> str:
        day = self._day()
        return (
            f"{RESULT_ROOT}{self.execute_user}/linkis/{day:%Y-%m-%d}/{day:%H%M%S}/"
            f"{self.creator}/{self.task_id}"
        )

    @property
    def log_path(self) -> str:
        day = self._day()
        return f"{LOG_ROOT}/{day:%Y-%m-%d}/{self.creator}/{self.execute_user}/{self.task_id}.log"

    def has_results(self, now: float) -> bool:
        return (
            self.is_terminal(now)
            and self.final_status == JobState.SUCCEED.value
            and self.directive.rows > 0
        )

    def kill(self, now: float) -> None:
        """Cancel the job at `now`: its plan ends there."""
        kept = tuple(p for p in self.timeline if p[0] <= now)
        self.timeline = (*kept, (now, JobState.CANCELLED.value))
        self.killed_at = now
        self._log = None

    @property
    def log(self) -> LogScript:
        if self._log is None:
            self._log = build_log(self)
        return self._log
