"""Progress: a number in [0, 1], non-decreasing within an attempt, 1.0 at any terminal state.

Linkis 1.4.0 EntranceRestfulApi.java, EntranceJob.scala: `progress = Math.abs(job.getProgress)`, a
float starting at 0.0, set to 1.0 on any terminal state and reset to 0 on retry (so it may drop when
the job enters WaitForRetry).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise

import pytest

from linkis_harness.client import LinkisClient
from linkis_harness.client.polling import Observation, is_terminal
from linkis_harness.core.oracles import check_progress
from linkis_harness.core.violation import Violation
from linkis_harness.suite.lifecycle import (
    FinishedJob,
    RunningJob,
    retries_logged,
    with_evidence,
)

pytestmark = pytest.mark.progress

CHECK = "progress"


def _drops(values: Sequence[object]) -> int:
    numbers = [
        float(v)
        for v in values
        if isinstance(v, int | float) and not isinstance(v, bool)
    ]
    return sum(1 for a, b in pairwise(numbers) if b < a)


def _check(
    client: LinkisClient,
    observations: Sequence[Observation],
    exec_id: str,
    task_id: object,
) -> None:
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
    if any(p.title == "progress decreased" for p in found):
        # A retry resets progress to 0; its WaitForRetry may fall between two polls.
        retries = retries_logged(client, exec_id, task_id)
        if retries and _drops([o.progress for o in answered]) <= retries:
            found = [p for p in found if p.title != "progress decreased"]
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


def test_progress_readings(client: LinkisClient, finished: FinishedJob) -> None:
    exec_id = finished.job.require(CHECK)
    _check(client, finished.observations, exec_id, finished.task_id)


def test_running_job_progress(client: LinkisClient, running_job: RunningJob) -> None:
    exec_id = running_job.job.require(CHECK)
    if not running_job.seen_running:
        pytest.skip("the long job was never seen Running")
    _check(client, running_job.observations, exec_id, running_job.task_id)
