"""Progress: a number in [0, 1], non-decreasing within an attempt, 1.0 at any terminal state.

API-FACTS §3.3: `progress = Math.abs(job.getProgress)`, a float starting at 0.0, set to 1.0 on
any terminal state and reset to 0 on retry (so it may drop when the job enters WaitForRetry).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest
from _lifecycle import FinishedJob, RunningJob, with_evidence

from linkis_harness.core.oracles import check_progress
from linkis_harness.core.violation import Violation
from linkis_harness.polling import Observation, is_terminal

pytestmark = pytest.mark.progress

CHECK = "progress"


def _check(observations: Sequence[Observation], exec_id: str | None) -> None:
    answered = [
        o
        for o in observations
        if o.progress_answer is not None and o.progress_answer.ok
    ]
    if not answered:
        pytest.skip("progress was never answered")
    last = observations[-1]
    # The last reading counts as "after the end" only if it was taken after a terminal status.
    ended = is_terminal(last.state) and answered[-1] is last
    found = check_progress(
        [o.progress for o in answered],
        final_state=last.state if ended else None,
        states=[o.state or "" for o in answered],
    )
    for problem in found:
        # The oracle names readings by position ("reading 3: ..."): show that answer.
        match = re.search(r"reading (\d+)", problem.detail)
        shown = answered[int(match.group(1))] if match else answered[-1]
        detail = f"{problem.detail}; readings (state: progress): " + ", ".join(
            f"{o.state}: {o.progress!r}" for o in answered
        )
        raise with_evidence(
            Violation(problem.check, problem.title, detail),
            shown.progress_answer,
            operation="progress",
            exec_id=exec_id,
        )


def test_progress_readings(finished: FinishedJob) -> None:
    finished.job.require(CHECK)
    _check(finished.observations, finished.exec_id)


def test_running_job_progress(running_job: RunningJob) -> None:
    running_job.job.require(CHECK)
    if not running_job.seen_running:
        pytest.skip("the long job was never seen Running")
    _check(running_job.observations, running_job.exec_id)
