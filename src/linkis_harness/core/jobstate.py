"""Job states, their order, and the transitions Linkis allows (Linkis 1.4.0 SchedulerEventState.scala).

A state may only move to a higher ordinal, except that `WaitForRetry` may be entered from any
non-terminal state (a retry). A terminal state never changes: jobhistory refuses the update
(`JobHistoryQueryServiceImpl.shouldUpdate`). Repeating a state is fine (repeated polls).
State names are case-sensitive on the wire (clients compare them literally).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from enum import StrEnum
from itertools import groupby

from linkis_harness.core.violation import Violation

__all__ = [
    "RETRY_LINE",
    "TERMINAL",
    "JobState",
    "can_transition",
    "count_retries",
    "first_illegal_step",
    "first_unexplained_step",
]

_CHECK = "states"
# The entrance's log line when a job goes to WaitForRetry (1.4.0 EntranceJob.scala:170,
# `LogUtils.generateInfo("Your job is turn to retry. Please wait it to schedule.")`).
RETRY_LINE = "Your job is turn to retry"


class JobState(StrEnum):
    INITED = "Inited"
    WAIT_FOR_RETRY = "WaitForRetry"
    SCHEDULED = "Scheduled"
    RUNNING = "Running"
    SUCCEED = "Succeed"
    FAILED = "Failed"
    CANCELLED = "Cancelled"
    TIMEOUT = "Timeout"

    @property
    def ordinal(self) -> int:
        """Position in the Scala enumeration (Inited 0 … Timeout 7)."""
        return _ORDER.index(self)

    @property
    def is_terminal(self) -> bool:
        """True for Succeed, Failed, Cancelled and Timeout."""
        return self in TERMINAL


_ORDER: tuple[JobState, ...] = tuple(JobState)
TERMINAL: frozenset[JobState] = frozenset(
    {JobState.SUCCEED, JobState.FAILED, JobState.CANCELLED, JobState.TIMEOUT}
)


def can_transition(old: JobState, new: JobState) -> bool:
    """Say whether a job observed in `old` may later be observed in `new`."""
    if old is new:
        return True
    if old.is_terminal:
        return False
    return new is JobState.WAIT_FOR_RETRY or new.ordinal > old.ordinal


def _unknown(index: int, name: object) -> Violation:
    known = [state.value for state in JobState]
    detail = f"poll {index}: {name!r} is not a Linkis job state; expected one of {', '.join(known)}"
    if isinstance(name, str):
        folded = {state.value.lower(): state.value for state in JobState}
        guess = folded.get(name.strip().lower()) or next(
            iter(difflib.get_close_matches(name, known, n=1)), None
        )
        if guess is not None:
            detail += f" (did you mean {guess!r}? names are case-sensitive)"
    return Violation(_CHECK, "unknown job state", detail)


def _path(states: Sequence[JobState]) -> str:
    """Render polls as `Inited -> Running x12 -> Scheduled` (repeats folded)."""
    parts = []
    for state, run in groupby(states):
        count = len(list(run))
        parts.append(str(state) if count == 1 else f"{state} x{count}")
    return " -> ".join(parts)


def first_illegal_step(observed: Sequence[str]) -> Violation | None:
    """Return the first poll whose state is unknown or cannot follow the one before it."""
    states: list[JobState] = []
    for index, name in enumerate(observed):
        try:
            states.append(JobState(name))
        except ValueError:
            return _unknown(index, name)
    for index in range(1, len(states)):
        old, new = states[index - 1], states[index]
        if can_transition(old, new):
            continue
        if old.is_terminal:
            title = "terminal job state changed"
            why = f"{old} is terminal and may never change"
        else:
            title = "job state went backwards"
            why = (
                f"ordinal {new.ordinal} < {old.ordinal}; only WaitForRetry may be entered "
                "from a later state"
            )
        return Violation(
            _CHECK,
            title,
            f"poll {index - 1} said {old}, poll {index} said {new}: {why}; "
            f"observed {_path(states[: index + 1])}",
        )
    return None


def count_retries(log_text: str) -> int:
    """Count the retries a job's log proves (one `RETRY_LINE` per retry)."""
    return log_text.count(RETRY_LINE)


def first_unexplained_step(observed: Sequence[str], retries: int) -> Violation | None:
    """Like `first_illegal_step`, forgiving up to `retries` steps one missed retry explains.

    `retries` is what the job's log proves (`count_retries`): polls miss a short WaitForRetry.
    """
    explained = list(observed[:1])
    for state in observed[1:]:
        old = explained[-1]
        if (
            retries > 0
            and first_illegal_step([old, state]) is not None
            and first_illegal_step([old, JobState.WAIT_FOR_RETRY.value, state]) is None
        ):
            explained.append(JobState.WAIT_FOR_RETRY.value)
            retries -= 1
        explained.append(state)
    found = first_illegal_step(explained)
    if found is None:
        return None
    # Name the polls as observed (the explanation inserted states between them).
    plain = first_illegal_step(list(observed))
    return plain or found
