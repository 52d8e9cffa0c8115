"""wait_for_terminal(): poll a job's status and progress until it ends or time runs out.

The back-off follows the Java client's `Utils.waitUntil` (Linkis 1.4.0 Utils.scala): sleeps grow
linearly (`interval`, 2×, 3× …) up to `max_interval`. Every poll is kept as an `Observation` so the
checks can judge the whole sequence, not just the end.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from linkis_harness.client import Answer, LinkisClient
from linkis_harness.core.jobstate import TERMINAL

__all__ = ["Observation", "is_terminal", "wait_for_terminal"]

_TERMINAL_NAMES = frozenset(str(state) for state in TERMINAL)
# Like the Java client's job poller: give up after this many failed status polls in a row.
MAX_CONSECUTIVE_FAILURES = 3


@dataclass(frozen=True, slots=True)
class Observation:
    """One poll: the state and progress as sent, and when (seconds since polling began)."""

    at: float
    state: str | None
    progress: Any
    status_answer: Answer = field(repr=False)
    progress_answer: Answer | None = field(default=None, repr=False)


def is_terminal(state: str | None) -> bool:
    """Say whether a state is terminal: Succeed, Failed, Cancelled and Timeout (exact, case-sensitive names)."""
    return state in _TERMINAL_NAMES


def _state_of(answer: Answer) -> str | None:
    value = answer.data.get("status") if answer.ok else None
    return value if isinstance(value, str) else None


def poll_once(
    client: LinkisClient,
    exec_id: str,
    *,
    at: float,
    with_progress: bool = True,
    task_id: int | str | None = None,
) -> Observation:
    """Ask status (and progress) once; with `task_id` status survives eviction from memory."""
    status = client.status(exec_id, task_id)
    progress_answer = client.progress(exec_id) if with_progress else None
    progress = (
        progress_answer.data.get("progress")
        if progress_answer is not None and progress_answer.ok
        else None
    )
    return Observation(at, _state_of(status), progress, status, progress_answer)


def wait_for_terminal(
    client: LinkisClient,
    exec_id: str,
    *,
    deadline: float,
    interval: float = 0.5,
    max_interval: float = 5.0,
    with_progress: bool = True,
    task_id: int | str | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Observation]:
    """Poll until a terminal state, `deadline` seconds pass, or 3 polls in a row fail.

    Returns every observation; the last one is terminal unless time ran out or polling failed.
    With `task_id`, status is asked with `?taskID=` so a job that ended and left the entrance's
    memory between two polls is still answered (from job history,
    Linkis 1.4.0 EntranceRestfulApi.java).
    """
    start = clock()
    observations: list[Observation] = []
    failures = 0
    step = 0
    while True:
        observation = poll_once(
            client,
            exec_id,
            at=clock() - start,
            with_progress=with_progress,
            task_id=task_id,
        )
        observations.append(observation)
        if is_terminal(observation.state):
            return observations
        failures = failures + 1 if observation.state is None else 0
        if failures >= MAX_CONSECUTIVE_FAILURES:
            return observations
        step += 1
        pause = min(interval * step, max_interval)
        remaining = deadline - (clock() - start)
        if remaining <= 0:
            return observations
        sleep(min(pause, remaining))
