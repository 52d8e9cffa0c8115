"""Small pure checks the contract tests and the load test share (each returns Violations)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any, TypeGuard

from linkis_harness.core.execid import ExecId
from linkis_harness.core.jobstate import JobState
from linkis_harness.core.violation import Violation
from linkis_harness.errors import InvalidExecId

__all__ = [
    "check_history_exec_id",
    "check_progress",
    "check_result_values",
    "check_task_ids",
]

_TOLERANCE = 1e-9


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_integer(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def check_progress(
    values: Sequence[object],
    *,
    final_state: JobState | str | None,
    states: Sequence[str] | None = None,
) -> list[Violation]:
    """Check entrance progress readings of one job, in poll order.

    Each reading is a number in [0, 1]; it never decreases within an attempt (`states`, when
    given, is the state seen with each reading: a `WaitForRetry` starts a new attempt, progress
    is reset on retry). When `final_state` is terminal, the last reading was taken after it and
    must be 1.0 (`Job.scala` sets 1.0 on any terminal state).
    """
    if states is not None and len(states) != len(values):
        raise ValueError(
            f"states has {len(states)} entries for {len(values)} progress readings"
        )
    found = _readings(values)
    found += _monotonic(values, states)
    terminal = final_state is not None and JobState(final_state).is_terminal
    last = values[-1] if values else None
    if terminal and not (_is_number(last) and abs(last - 1.0) <= _TOLERANCE):
        found.append(
            Violation(
                "progress",
                "progress is not 1.0 at a terminal state",
                f"last reading {last!r} after the job was {final_state}",
            )
        )
    return found


def _readings(values: Sequence[object]) -> list[Violation]:
    found: list[Violation] = []
    bad = [(i, v) for i, v in enumerate(values) if not _is_number(v)]
    if bad:
        i, v = bad[0]
        found.append(
            Violation(
                "progress",
                "progress is not a number",
                f"reading {i}: {v!r} ({len(bad)} such)",
            )
        )
    out = [(i, v) for i, v in enumerate(values) if _is_number(v) and not 0 <= v <= 1]
    if out:
        i, v = out[0]
        found.append(
            Violation(
                "progress",
                "progress outside [0, 1]",
                f"reading {i}: {v!r} ({len(out)} such; a percentage instead of a fraction?)",
            )
        )
    return found


def _monotonic(
    values: Sequence[object], states: Sequence[str] | None
) -> list[Violation]:
    last: tuple[int, float] | None = None
    for i, value in enumerate(values):
        if states is not None and states[i] == JobState.WAIT_FOR_RETRY:
            last = None
            continue
        if not _is_number(value):
            continue
        current = float(value)
        if last is not None and current < last[1] - _TOLERANCE:
            return [
                Violation(
                    "progress",
                    "progress decreased",
                    f"reading {i}: {value!r} after {last[1]!r} at reading {last[0]} (same attempt)",
                )
            ]
        last = (i, current)
    return []


def check_task_ids(ids: Sequence[object]) -> list[Violation]:
    """Check taskIDs in submit order: JSON integers, positive, strictly increasing."""
    found: list[Violation] = []
    wrong = [(i, v) for i, v in enumerate(ids) if not _is_integer(v)]
    if wrong:
        i, v = wrong[0]
        found.append(
            Violation(
                "execid",
                "taskID is not a JSON integer",
                f"submit {i}: {v!r} ({type(v).__name__}; {len(wrong)} such)",
            )
        )
    numbers = [(i, v) for i, v in enumerate(ids) if _is_integer(v)]
    negative = [(i, v) for i, v in numbers if v <= 0]
    if negative:
        i, v = negative[0]
        found.append(
            Violation("execid", "taskID is not positive", f"submit {i}: {v!r}")
        )
    for (i, a), (j, b) in pairwise(numbers):
        if b <= a:
            found.append(
                Violation(
                    "execid",
                    "taskIDs do not increase in submit order",
                    f"submit {j} got {b!r} after submit {i} got {a!r}",
                )
            )
            break
    return found


def check_history_exec_id(exec_id: str, task: Mapping[str, Any]) -> list[Violation]:
    """Check the entrance execID against its job history row (`jobhistory/{id}/get` `task`).

    History keeps the short id in `execId`, the entrance in `instance`, and recomputes the
    full id as `strongerExecId` (Linkis 1.4.0 TaskConversions.scala).
    """
    try:
        parsed = ExecId.parse(exec_id)
    except InvalidExecId as exc:
        return [Violation("execid", "execID does not parse", str(exc))]
    found: list[Violation] = []
    short = task.get("execId")
    if short != parsed.short_id:
        found.append(
            Violation(
                "execid",
                "job history execId differs from the execID's short id",
                f"history execId {short!r}, execID {exec_id!r} has short id {parsed.short_id!r}",
            )
        )
    stronger = task.get("strongerExecId")
    if stronger is not None and stronger != exec_id:
        found.append(
            Violation(
                "execid",
                "job history strongerExecId differs from the execID",
                f"strongerExecId {stronger!r}, entrance said {exec_id!r}",
            )
        )
    instance = task.get("instance")
    if instance is not None and instance not in parsed.instances:
        found.append(
            Violation(
                "execid",
                "execID instance differs from the job history instance",
                f"history instance {instance!r}, execID instances {list(parsed.instances)}",
            )
        )
    return found


def check_result_values(
    rows: Sequence[object], values: Sequence[str]
) -> list[Violation]:
    """Row k of a job's results (its result sets in order) holds `values[k]` in one of its cells.

    A row is a list of cells (`openFile`'s fileContent); cells compare as text. Reports the
    first rows that differ (a count mismatch is `rows`' business, reported by the caller).
    """
    wrong = []
    for index, (row, value) in enumerate(zip(rows, values, strict=False)):
        cells = [str(cell) for cell in row] if isinstance(row, list) else [str(row)]
        if value not in cells:
            wrong.append(f"row {index + 1} {cells[:5]!r} lacks {value!r}")
    if not wrong:
        return []
    more = f" and {len(wrong) - 3} more" if len(wrong) > 3 else ""
    return [
        Violation(
            "results",
            "result values differ from the workload's",
            f"{len(wrong)} of {min(len(rows), len(values))} row(s): {'; '.join(wrong[:3])}{more}",
        )
    ]
