"""Engine slots: at most J jobs of one consumer group hold a slot at once; the rest wait.

Linkis runs each group (creator_user_engine) through a `FIFOUserConsumer` whose
`runningJobs` array has `maxRunningJobs` places. The consumer takes the next job off the
queue only when a place is free, and only then turns it Scheduled; the job keeps its place
while it is Scheduled, Running and WaitForRetry, until it completes
(1.4.0:linkis-commons/linkis-scheduler/.../fifoqueue/FIFOUserConsumer.scala:111-127, 187).
So a waiting job shows Inited, and a group's throughput is at most J ÷ (queue + duration).

Jobs are planned at submit time (`job.plan_timeline`); here each plan is shifted so that its
Scheduled point falls when a place frees, in submit order. A kill or a refusal cuts a plan
short and frees its place: the group's jobs that have not taken a place yet are planned again.
"""

from __future__ import annotations

from dataclasses import dataclass

from linkis_harness.simulator.job import Job

__all__ = ["Slots"]


@dataclass(slots=True)
class _Seat:
    """One job's claim on a place: its unshifted plan and when it takes the place."""

    job: Job
    timeline: tuple[tuple[float, str], ...]
    window: tuple[float, float]
    start: float

    @property
    def ready(self) -> float:
        """When the job would turn Scheduled with a place free (its unshifted plan)."""
        return self.timeline[1][0] if len(self.timeline) > 1 else self.job.submitted

    def holds(self) -> bool:
        """Say whether the job takes a place at all (a job killed while waiting never does)."""
        return self.start < self.job.finished_at

    def shift(self, start: float) -> None:
        """Plan the job to take its place at `start` (every point from Scheduled on moves)."""
        delta = start - self.ready
        self.start = start
        first, *rest = self.timeline
        self.job.timeline = (first, *((at + delta, state) for at, state in rest))
        self.job.window = (self.window[0] + delta, self.window[1] + delta)
        self.job._log = None  # the log follows the plan


def _earliest(seats: list[_Seat], ready: float, limit: int) -> float:
    """Return the first time at/after `ready` (and every earlier start) with a place free."""
    at = max([ready, *(s.start for s in seats if s.holds())])
    ends = sorted((s.job.finished_at for s in seats if s.holds()), reverse=True)
    if len(ends) >= limit and ends[limit - 1] > at:
        at = ends[limit - 1]
    return at


class Slots:
    """Places per group; `limit` 0 means unlimited (every job takes a place at once)."""

    def __init__(self, limit: int) -> None:
        if limit < 0:
            raise ValueError(f"max running jobs must be >= 0, got {limit}")
        self.limit = limit
        self._groups: dict[str, list[_Seat]] = {}

    def place(self, group: str, job: Job, now: float) -> None:
        """Shift a new job's plan to take a place of its group as soon as one frees."""
        if not self.limit:
            return
        seats = [s for s in self._groups.get(group, []) if s.job.finished_at > now]
        seat = _Seat(job, job.timeline, job.window, start=0.0)
        seat.shift(_earliest(seats, seat.ready, self.limit))
        seats.append(seat)
        self._groups[group] = seats

    def release(self, group: str, now: float) -> list[Job]:
        """Plan the group's waiting jobs again after one ended early; return those that moved."""
        seats = self._groups.get(group)
        if not self.limit or not seats:
            return []
        # Jobs that took their place (or ended: killed while waiting, refused) stay as they are.
        fixed = [s for s in seats if s.start <= now or s.job.finished_at <= now]
        moved = []
        for seat in seats:
            if seat.start <= now or seat.job.finished_at <= now:
                continue
            start = _earliest(fixed, seat.ready, self.limit)
            if start != seat.start:
                seat.shift(start)
                moved.append(seat.job)
            fixed.append(seat)
        return moved

    def running(self, group: str, now: float) -> int:
        """How many jobs of the group hold a place at `now`."""
        return sum(
            1
            for s in self._groups.get(group, [])
            if s.holds() and s.start <= now < s.job.finished_at
        )
