"""The entrance's memory of jobs (by short id, evicted a while after they end) over job history."""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Any

from linkis_harness.core.directive import Directive
from linkis_harness.core.jobstate import JobState
from linkis_harness.simulator.clock import Clock
from linkis_harness.simulator.history import History
from linkis_harness.simulator.job import Job, plan_timeline
from linkis_harness.simulator.slots import Slots

__all__ = ["JobStore", "Lookup"]


@dataclass(frozen=True, slots=True)
class Lookup:
    """An entrance lookup by short id: the job, or why it is not in memory."""

    job: Job | None
    reason: str = ""


class JobStore:
    """Entrance memory (jobs by short id, evicted a while after they end) over a job history."""

    def __init__(
        self,
        *,
        history: History,
        clock: Clock,
        instance: str,
        speed: float = 1.0,
        evict_after: float = 600.0,
        legacy: bool = False,
        max_running: int = 0,
    ) -> None:
        self.history = history
        self.clock = clock
        self.instance = instance
        self.speed = speed
        self.evict_after = evict_after
        self.legacy = legacy
        self._memory: dict[str, Job] = {}
        self._groups: dict[str, int] = {}
        self._expiry: list[tuple[float, str]] = []
        self.slots = Slots(max_running)  # engine slots per group (0: unlimited)

    def now(self) -> float:
        return self.clock.now()

    def __len__(self) -> int:
        return len(self._memory)

    def create(self, *, record: dict[str, Any], directive: Directive) -> Job:
        """Persist a new job (its taskID from the history's auto-increment) and plan its life."""
        now = self.now()
        group = (
            f"{record['creator']}_{record['execute_user']}"  # 0.x group: creator_user
        )
        if not self.legacy:  # 1.x adds the engine type (EntranceGroupFactory)
            group += "_" + record["engine_type"].split("-", 1)[0]
        index = self._groups.get(group, 0)
        self._groups[group] = index + 1
        timeline, window = plan_timeline(directive, now, self.speed)
        job = Job(
            task_id=0,
            short_id=f"{group}_{index}",
            instance=self.instance,
            submitted=now,
            directive=directive,
            timeline=timeline,
            window=window,
            legacy=self.legacy,
            **record,
        )
        self.slots.place(group, job, now)
        job.task_id = self.history.insert(job)
        return job

    def admit(self, job: Job) -> None:
        """Put an accepted job into entrance memory."""
        self._sweep()
        self._memory[job.short_id] = job
        heapq.heappush(self._expiry, (job.finished_at + self.evict_after, job.short_id))

    def reject(self, job: Job, code: int, desc: str) -> None:
        """Fail a job an interceptor refused after it was persisted (its history row too)."""
        now = self.now()
        job.timeline = (
            (job.submitted, JobState.INITED.value),
            (now, JobState.FAILED.value),
        )
        job.error = (code, desc)
        self.history.update(job)
        self._release(job)

    def kill(self, job: Job) -> None:
        job.kill(self.now())
        self.history.update(job)
        heapq.heappush(self._expiry, (job.finished_at + self.evict_after, job.short_id))
        self._release(job)

    def _release(self, job: Job) -> None:
        """Free the engine slot of a plan cut short: the group's waiting jobs move up."""
        group = job.short_id.rsplit("_", 1)[0]
        for moved in self.slots.release(group, self.now()):
            self.history.update(moved)

    def lookup(self, short_id: str) -> Lookup:
        job = self._memory.get(short_id)
        if job is None:
            return Lookup(None, "not in memory")
        if self.now() >= job.finished_at + self.evict_after:
            del self._memory[short_id]
            return Lookup(None, "evicted")
        return Lookup(job)

    def _sweep(self) -> None:
        now = self.now()
        while self._expiry and self._expiry[0][0] <= now:
            _, short_id = heapq.heappop(self._expiry)
            job = self._memory.get(short_id)
            if job is not None and now >= job.finished_at + self.evict_after:
                del self._memory[short_id]
