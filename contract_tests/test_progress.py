"""Progress: a number in [0, 1], non-decreasing within an attempt, 1.0 at any terminal state.

API-FACTS §3.3: `progress = Math.abs(job.getProgress)`, a float starting at 0.0, set to 1.0 on
any terminal state and reset to 0 on retry (so it may drop when the job enters WaitForRetry).
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from _lifecycle import FinishedJob, RunningJob, violation

from linkis_harness.polling import Observation, is_terminal

pytestmark = pytest.mark.progress

CHECK = "progress"


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _answered(observations: Sequence[Observation]) -> list[Observation]:
    return [
        o
        for o in observations
        if o.progress_answer is not None and o.progress_answer.ok
    ]


def _check_range(observations: Sequence[Observation], exec_id: str | None) -> None:
    for observation in _answered(observations):
        value = _number(observation.progress)
        if value is None or not 0.0 <= value <= 1.0:
            raise violation(
                CHECK,
                "progress is not a number in [0, 1]",
                f"progress {observation.progress!r} while {observation.state}",
                observation.progress_answer,
                operation="progress",
                exec_id=exec_id,
            )


def _check_monotonic(observations: Sequence[Observation], exec_id: str | None) -> None:
    previous: Observation | None = None
    highest = 0.0
    for observation in _answered(observations):
        if observation.state == "WaitForRetry":
            previous = None  # a retry starts a new attempt at 0
            continue
        value = _number(observation.progress)
        if value is None:
            continue  # reported by the range check
        if previous is not None and value < highest:
            raise violation(
                CHECK,
                "progress went down within an attempt",
                f"{previous.progress!r} ({previous.state}) then {observation.progress!r} ({observation.state})",
                previous.progress_answer,
                observation.progress_answer,
                operation="progress",
                exec_id=exec_id,
            )
        previous, highest = observation, value


def test_progress_is_a_number_in_range(finished: FinishedJob) -> None:
    finished.job.require(CHECK)
    _check_range(finished.observations, finished.exec_id)


def test_progress_never_decreases_within_an_attempt(finished: FinishedJob) -> None:
    finished.job.require(CHECK)
    _check_monotonic(finished.observations, finished.exec_id)


def test_running_job_progress(running_job: RunningJob) -> None:
    running_job.job.require(CHECK)
    if not running_job.seen_running:
        pytest.skip("the long job was never seen Running")
    _check_range(running_job.observations, running_job.exec_id)
    _check_monotonic(running_job.observations, running_job.exec_id)


def test_progress_is_one_at_the_end(finished: FinishedJob) -> None:
    finished.job.require(CHECK)
    last = finished.observations[-1] if finished.observations else None
    if last is None or not is_terminal(last.state):
        pytest.skip(f"{finished.workload.name} never ended")
    if last.progress_answer is None or not last.progress_answer.ok:
        pytest.skip(
            "progress was not answered after the end (the job left entrance memory)"
        )
    if _number(last.progress) != 1.0:
        raise violation(
            CHECK,
            "progress is not 1.0 at a terminal state",
            f"state {last.state}, progress {last.progress!r}",
            last.status_answer,
            last.progress_answer,
            operation="progress",
            exec_id=finished.exec_id,
        )
