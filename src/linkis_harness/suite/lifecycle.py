"""Job bookkeeping for the contract suite: submit, poll to the end, kill what is left, evidence.

Every job the suite submits goes through `JobTracker.submit`, which marks it with the run's
marker (`core.runmarker`) and notes its owner before the request is sent. When the session ends
(also after Ctrl-C, from `pytest_sessionfinish`) the tracker kills the jobs it knows by execID,
then sweeps job history (`client.sweep`) for every job carrying the marker, so a job behind a
garbled or lost submit answer is found too, and a job without the marker is never touched.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from linkis_harness.client import Answer, LinkisClient
from linkis_harness.client.polling import (
    Observation,
    is_terminal,
    poll_once,
    wait_for_terminal,
)
from linkis_harness.client.sweep import SweepResult, new_marker, sweep_run
from linkis_harness.core.jobstate import count_retries
from linkis_harness.core.runmarker import mark_body
from linkis_harness.core.violation import Violation
from linkis_harness.core.workload import Workload
from linkis_harness.errors import ContractViolation, HarnessError

# Polling of the suite: denser than the Java client's 500 ms..5 s so short jobs are seen in
# several states, still a handful of requests per second per job.
POLL_INTERVAL = 0.2
POLL_MAX_INTERVAL = 1.0
# How long cleanup keeps verifying a kill (and retrying it) before it gives up on a job.
STOP_GRACE = 10.0


def retries_logged(client: LinkisClient, exec_id: str, task_id: Any) -> int:
    """Count the entrance's retry lines in a job's log (entrance first, then the log file).

    Polls miss a short WaitForRetry; the log line proves the retry really happened.
    """
    answer = client.log(exec_id, 0, -1, distinct_level=False)
    text = answer.data.get("log") if answer.ok else None
    if not isinstance(text, str):
        history = client.job_history(task_id)
        task = history.data.get("task") if history.ok else None
        path = task.get("logPath") if isinstance(task, dict) else None
        opened = client.open_log(path) if isinstance(path, str) and path else None
        log = opened.data.get("log") if opened is not None and opened.ok else None
        text = log[3] if isinstance(log, list) and len(log) == 4 else ""
    return count_retries(str(text))


def evidence(*answers: Answer | None) -> str:
    """Return the curl reproducers and responses of `answers`, for a violation's detail."""
    return "\n".join(a.evidence() for a in answers if a is not None)


def violation(
    check: str,
    title: str,
    detail: str,
    *answers: Answer | None,
    operation: str = "",
    exec_id: str | None = None,
) -> ContractViolation:
    """Build the ContractViolation a test raises, with the requests that showed it."""
    shown = evidence(*answers)
    text = f"{detail}\n{shown}" if shown else detail
    return Violation(check, title, text).to_exception(
        operation=operation, exec_id=exec_id
    )


def with_evidence(
    found: Violation,
    *answers: Answer | None,
    operation: str = "",
    exec_id: str | None = None,
) -> ContractViolation:
    """Turn a core oracle's Violation into an exception carrying the requests behind it."""
    return violation(
        found.check,
        found.title,
        found.detail,
        *answers,
        operation=operation,
        exec_id=exec_id,
    )


def _task_id(value: Any) -> int | str | None:
    """The taskID to send back as `?taskID=` (only what the target gave as a number or text)."""
    return (
        value if isinstance(value, int | str) and not isinstance(value, bool) else None
    )


@dataclass
class SubmittedJob:
    """A submit and what it answered; `exec_id`/`task_id` are None when the submit failed."""

    workload: Workload
    owner: LinkisClient
    answer: Answer
    submitted_at: float
    exec_id: str | None = None
    task_id: Any = None

    def require(self, check: str) -> str:
        """Return the execID, or raise a violation when the submit was refused."""
        if self.exec_id is None:
            raise violation(
                check,
                "submit did not return an execID",
                f"workload {self.workload.name!r} ({self.workload.source})",
                self.answer,
                operation="submit",
            )
        return self.exec_id


@dataclass
class _PolledJob:
    """A submitted job and what polling it observed."""

    job: SubmittedJob
    observations: list[Observation] = field(default_factory=list)

    @property
    def exec_id(self) -> str | None:
        return self.job.exec_id

    @property
    def task_id(self) -> Any:
        return self.job.task_id


@dataclass
class FinishedJob(_PolledJob):
    """A job polled from submit to its end, with every observation."""

    seconds: float = 0.0
    ended_at: float | None = None  # time.monotonic() when the terminal state was seen

    @property
    def workload(self) -> Workload:
        return self.job.workload

    @property
    def final_state(self) -> str | None:
        return self.observations[-1].state if self.observations else None

    @property
    def terminal(self) -> bool:
        return is_terminal(self.final_state)


@dataclass
class RunningJob(_PolledJob):
    """A job polled densely from submit until it ran for a while (or ended)."""

    @property
    def seen_running(self) -> bool:
        return any(o.state == "Running" for o in self.observations)


# A running job is watched this many polls after it is first seen Running (about 3 s: a
# defect that shows at some moment after the start, not at the first poll, is seen too).
RUNNING_POLLS = 30
RUNNING_INTERVAL = 0.1


class _Stopped(Exception):
    """The run is stopping (Ctrl-C): a poller of `JobTracker.run_all` ends early."""


class JobTracker:
    """Every job the suite submitted, so none is left running when the session ends."""

    def __init__(
        self, marker: str | None = None, *, since: float | None = None
    ) -> None:
        self._jobs: list[SubmittedJob] = []
        self._ended: set[str] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.clients: list[LinkisClient] = []
        self.marker = marker if marker is not None else new_marker()
        self.since = since if since is not None else time.time()
        self.owners: list[LinkisClient] = []  # every client that submitted, noted first
        self.swept: SweepResult | None = None

    @property
    def jobs(self) -> Sequence[SubmittedJob]:
        return tuple(self._jobs)

    def submit(self, client: LinkisClient, workload: Workload) -> SubmittedJob:
        """Submit `workload` as `client`'s user and remember the job."""
        body = mark_body(workload.submit_body(user=client.user or ""), self.marker)
        self.note_owner(client)  # before the request: cleanup lists this user's history
        started = time.monotonic()
        answer = client.submit(body)
        job = SubmittedJob(workload, client, answer, started)
        if answer.ok:
            exec_id = answer.data.get("execID")
            job.exec_id = exec_id if isinstance(exec_id, str) and exec_id else None
            job.task_id = answer.data.get("taskID")
        with self._lock:
            self._jobs.append(job)
        return job

    def note_owner(self, client: LinkisClient) -> None:
        """Remember that `client` submits jobs of this run (call before the request)."""
        with self._lock:
            if client not in self.owners:
                self.owners.append(client)

    def mark(self, body: dict[str, Any]) -> dict[str, Any]:
        """Return `body` carrying this run's marker (for submits made outside `submit`)."""
        return mark_body(body, self.marker)

    def ended(self, job: SubmittedJob) -> None:
        """Note that `job` reached a terminal state (no cleanup needed)."""
        if job.exec_id is not None:
            with self._lock:
                self._ended.add(job.exec_id)

    def finish(
        self, job: SubmittedJob, *, deadline: float | None = None
    ) -> FinishedJob:
        """Poll `job` until it ends (or its workload's bound passes)."""
        if job.exec_id is None:
            return FinishedJob(job)
        budget = deadline if deadline is not None else job.workload.within
        observations = wait_for_terminal(
            job.owner,
            job.exec_id,
            deadline=budget,
            interval=POLL_INTERVAL,
            max_interval=POLL_MAX_INTERVAL,
            task_id=_task_id(job.task_id),
            sleep=self._pause,
        )
        now = time.monotonic()
        finished = FinishedJob(job, observations, now - job.submitted_at)
        if finished.terminal:
            finished.ended_at = now
            self.ended(job)
        return finished

    def start(
        self,
        client: LinkisClient,
        workload: Workload,
        *,
        polls: int = RUNNING_POLLS,
        interval: float = RUNNING_INTERVAL,
    ) -> RunningJob:
        """Submit `workload`, poll until Running, then `polls` more times (ends early if terminal)."""
        job = self.submit(client, workload)
        running = RunningJob(job)
        if job.exec_id is None:
            return running
        started = time.monotonic()
        after = failures = 0
        while time.monotonic() - started < workload.within and after <= polls:
            observation = poll_once(
                client,
                job.exec_id,
                at=time.monotonic() - started,
                task_id=_task_id(job.task_id),
            )
            running.observations.append(observation)
            if is_terminal(observation.state):
                self.ended(job)
                break
            failures = failures + 1 if observation.state is None else 0
            if failures >= 3:
                break
            if running.seen_running:
                after += 1
            time.sleep(interval)
        return running

    def run_all(
        self, client: LinkisClient, workloads: Iterable[Workload]
    ) -> dict[str, FinishedJob]:
        """Submit every workload, then poll them side by side until each ends."""
        submitted = [self.submit(client, w) for w in workloads]
        if not submitted:
            return {}
        pool = ThreadPoolExecutor(max_workers=len(submitted))
        try:
            done = list(pool.map(self.finish, submitted))
        except BaseException:
            # Ctrl-C (or a failure): the pollers stop at their next pause instead of following
            # every job to its end; the session's cleanup kills the jobs.
            self._stopping.set()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return {f.workload.name: f for f in done}

    def _pause(self, seconds: float) -> None:
        """Sleep between two polls of `finish`; raise `_Stopped` once the run is stopping."""
        if self._stopping.wait(seconds):
            raise _Stopped

    def stop(self, job: SubmittedJob) -> bool:
        """Kill `job` unless it is known or seen to have ended; say whether a kill was sent.

        The kill is verified: status is polled (and the kill sent again) until the job is
        terminal or `STOP_GRACE` passes, so one garbled answer does not leave a job running.
        A job whose submit gave no execID is left to the sweep (`cleanup`).
        """
        if job.exec_id is None or job.exec_id in self._ended:
            return False
        killed = self._kill_until_terminal(job.owner, job.exec_id, job.task_id)
        self.ended(job)
        return killed

    def _kill_until_terminal(
        self, owner: LinkisClient, exec_id: str, task_id: Any
    ) -> bool:
        killed = False
        deadline = time.monotonic() + STOP_GRACE
        while True:
            try:
                state = owner.status(exec_id, task_id).data.get("status")
                if is_terminal(state if isinstance(state, str) else None):
                    return killed
                owner.kill(exec_id, task_id)
                killed = True
            except HarnessError:
                return killed  # the target is gone or the guard refuses: nothing more to do
            if time.monotonic() >= deadline:
                return killed
            time.sleep(POLL_INTERVAL)

    def cleanup(self) -> list[str]:
        """Kill every job of the run not known to have ended; return what was killed.

        First the jobs known by execID, then every job job history shows with this run's
        marker (a submit whose answer was garbled, timed out or failed a check included).
        """
        killed = [job.exec_id for job in self.jobs if job.exec_id and self.stop(job)]
        if not self.owners:
            return killed
        self.swept = sweep_run(self.owners, self.marker, since=self.since)
        return killed + [e for e in self.swept.killed if e not in killed]

    def close(self) -> None:
        for client in self.clients:
            client.close()
