"""A job's log as a few time-stamped chunks, so reading a page costs O(page), not O(log).

Fixed chunks (the submit preamble, lifecycle lines) appear whole at their time; the engine chunk
appears line by line while the job runs, its lines computed on demand from the directive's
engine model (`core.directive.engine_line`). Nothing here holds a million strings.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from linkis_harness.core.directive import Directive, engine_lines, engine_output_size
from linkis_harness.core.jobstate import JobState
from linkis_harness.core.logs import format_log_line

__all__ = ["EngineChunk", "FixedChunk", "LogScript", "LoggedJob", "build_log", "stamp"]


class LoggedJob(Protocol):
    """What a job's log is written from (the simulator's `Job` record fits it)."""

    @property
    def task_id(self) -> int: ...
    @property
    def exec_id(self) -> str: ...
    @property
    def instance(self) -> str: ...
    @property
    def code(self) -> str: ...
    @property
    def submitted(self) -> float: ...
    @property
    def directive(self) -> Directive: ...
    @property
    def timeline(self) -> tuple[tuple[float, str], ...]: ...
    @property
    def window(self) -> tuple[float, float]: ...
    @property
    def killed_at(self) -> float | None: ...
    @property
    def lost_line(self) -> int | None: ...


BANNER = "************************************SCRIPT CODE************************************"


def stamp(at: float, level: str, text: str) -> str:
    """Render a Linkis-generated log line at epoch time `at` (local time, the `ss.mmm` minute quirk)."""
    return format_log_line(datetime.fromtimestamp(at), level, text)


@dataclass(frozen=True, slots=True)
class FixedChunk:
    """Lines pushed at one moment (they become visible together)."""

    at: float
    lines: tuple[str, ...]

    def visible(self, now: float) -> int:
        return len(self.lines) if now >= self.at else 0


@dataclass(frozen=True, slots=True)
class EngineChunk:
    """`total` engine lines emitted evenly over [start, end); `cut` stops it early (a kill).

    `lost` (the `log-drop-line` fault) is an output line index that is never written.
    """

    start: float
    end: float
    total: int
    cut: int | None = None
    lost: int | None = None

    def emitted(self, now: float) -> int:
        if now >= self.end:
            count = self.total
        elif now <= self.start:
            count = 0
        else:
            count = math.floor(
                self.total * (now - self.start) / (self.end - self.start)
            )
        return count if self.cut is None else min(count, self.cut)

    def visible(self, now: float) -> int:
        written = engine_output_size(self.emitted(now))
        return written - (self.lost is not None and self.lost < written)

    def lines(self, start: int, stop: int) -> list[str]:
        if self.lost is None:
            return self._written(start, stop)
        low = start + (start >= self.lost)
        high = stop + (stop > self.lost)
        out = self._written(low, high)
        if low <= self.lost < high:
            del out[self.lost - low]
        return out

    def _written(self, start: int, stop: int) -> list[str]:
        step = (self.end - self.start) / max(self.total, 1)
        seconds: dict[
            int, datetime
        ] = {}  # the rendered stamp only depends on the second
        out: list[str] = []
        for produced in engine_lines(start, stop, self.total):
            if produced.level is None:
                out.append(produced.text)
                continue
            second = int(self.start + step * produced.engine_index)
            at = seconds.get(second)
            if at is None:
                at = seconds[second] = datetime.fromtimestamp(second)
            out.append(format_log_line(at, produced.level, produced.text))
        return out


Chunk = FixedChunk | EngineChunk


@dataclass(frozen=True, slots=True)
class LogScript:
    """The whole log of a job over time; `size(now)` lines are visible at `now`."""

    chunks: tuple[Chunk, ...]

    def size(self, now: float) -> int:
        return sum(chunk.visible(now) for chunk in self.chunks)

    def lines(self, start: int, end: int, now: float) -> list[str]:
        """Visible lines `start` … `end - 1` (clipped to what is visible at `now`)."""
        out: list[str] = []
        offset = 0
        for chunk in self.chunks:
            count = chunk.visible(now)
            lo, hi = max(start - offset, 0), min(end - offset, count)
            if lo < hi:
                out.extend(_between(chunk, lo, hi))
            offset += count
            if offset >= end:
                break
        return out

    def text_lines(self, now: float) -> Sequence[str]:
        """Every visible line (for `openLog`, which reads the whole file)."""
        return self.lines(0, self.size(now), now)


def _between(chunk: Chunk, start: int, stop: int) -> list[str]:
    if isinstance(chunk, FixedChunk):
        return list(chunk.lines[start:stop])
    return chunk.lines(start, stop)


def _preamble(job: LoggedJob) -> tuple[str, ...]:
    at = job.submitted
    code = job.code.split("\n")
    while code and code[-1] == "":
        code.pop()  # Java's split drops trailing empty strings
    return (
        stamp(
            at,
            "INFO",
            f"Job with jobId : {job.task_id} and execID : {job.exec_id} submitted ",
        ),
        stamp(
            at,
            "INFO",
            "You have submitted a new job, script code (after variable substitution) is",
        ),
        BANNER,
        *code,
        BANNER,
        stamp(
            at,
            "INFO",
            f"Your job is accepted,  jobID is {job.exec_id} and taskID is {job.task_id} in "
            f"ServiceInstance(linkis-cg-entrance, {job.instance}). Please wait it to be scheduled",
        ),
    )


_LIFECYCLE = {
    JobState.SCHEDULED.value: ("INFO", "Your job is Scheduled. Please wait it to run."),
    JobState.RUNNING.value: (
        "INFO",
        "Your job is Running now. Please wait it to complete.",
    ),
    JobState.SUCCEED.value: (
        "INFO",
        "Congratulations. Your job completed with status Success.",
    ),
}


def _lifecycle_lines(state: str, at: float, attempt: int) -> tuple[str, ...]:
    if state == JobState.WAIT_FOR_RETRY.value:  # ledger: entrance.log.retry-line
        return (
            stamp(
                at,
                "ERROR",
                f"linkis-sim attempt {attempt} failed, the job will be retried",
            ),
            stamp(at, "INFO", "Your job is turn to retry. Please wait it to schedule."),
        )
    if state in _LIFECYCLE:
        level, text = _LIFECYCLE[state]
        return (stamp(at, level, text),)
    text = f"Sorry. Your job completed with a status {state}. You can view logs for the reason."
    return (stamp(at, "ERROR", text),)


def build_log(job: LoggedJob) -> LogScript:
    """Build the job's log over time from its record alone (so history can rebuild it after eviction)."""
    chunks: list[FixedChunk | EngineChunk] = [FixedChunk(job.submitted, _preamble(job))]
    attempt = 0
    start, end = job.window
    for at, state in job.timeline[1:]:
        if state == JobState.CANCELLED.value and job.killed_at == at:
            chunks.append(
                FixedChunk(at, (stamp(at, "ERROR", "Job is killed by user!"),))
            )
        if state == JobState.WAIT_FOR_RETRY.value:
            attempt += 1
        chunks.append(FixedChunk(at, _lifecycle_lines(state, at, attempt)))
        if state == JobState.RUNNING.value and at == start and job.directive.lines:
            lost = job.lost_line
            lost_at = None if lost is None else engine_output_size(lost - 1)
            engine = EngineChunk(start, end, job.directive.lines, lost=lost_at)
            if job.killed_at is not None:
                cut = engine.emitted(job.killed_at)
                engine = EngineChunk(start, end, job.directive.lines, cut, lost_at)
            chunks.append(engine)
    return LogScript(tuple(chunks))
