"""Helpers shared by the protocol check families (envelope, crash, auth, schema).

Plain functions, no fixtures: each family module builds its own module-scoped fixtures from them
so `-m <family>` pulls in only what that family needs.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence

from linkis_harness.client import Answer, LinkisClient
from linkis_harness.client.polling import is_terminal
from linkis_harness.core.envelope import check_envelope
from linkis_harness.core.versions import DEFAULT_VERSION, VersionTraits, traits
from linkis_harness.core.workload import Workload
from linkis_harness.errors import ContractViolation
from linkis_harness.suite.lifecycle import (
    JobTracker,
    SubmittedJob,
    violation,
    with_evidence,
)

API_ROOT = "/api/rest_j/v1"


def release() -> VersionTraits:
    """What the target's Linkis release does (`check` sets LINKIS_VERSION before the first test)."""
    return traits(os.environ.get("LINKIS_VERSION") or str(DEFAULT_VERSION))


def api_path(answer: Answer) -> str:
    """The request path of an answer as the gateway saw it (`/api/rest_j/v1/...`)."""
    from urllib.parse import urlsplit

    return urlsplit(answer.url).path


def assert_envelope(
    answer: Answer,
    *,
    operation: str,
    expected_method: str | None = None,
    gateway_routing: bool = False,
    exec_id: str | None = None,
) -> None:
    """Raise the first envelope violation of `answer` (all of them in the detail)."""
    found = check_envelope(
        http_status=answer.http_status,
        content_type=answer.content_type,
        body=answer.body,
        expected_method=expected_method,
        gateway_routing=gateway_routing,
    )
    if found:
        first = found[0]
        more = "".join(f"\nalso: {v}" for v in found[1:])
        raise violation(
            first.check,
            first.title,
            first.detail + more,
            answer,
            operation=operation,
            exec_id=exec_id,
        )


def pick_workload(workloads: Sequence[Workload], *, running: bool) -> Workload | None:
    """A workload that succeeds with rows (`running=False`) or runs until killed (`True`)."""
    if running:
        long = [w for w in workloads if w.runs_until_killed]
        return max(long, key=lambda w: w.within) if long else None
    good = [w for w in workloads if "Succeed" in w.expect_status]
    with_rows = [w for w in good if w.rows]
    pool = with_rows or good
    return min(pool, key=lambda w: w.within) if pool else None


def submit(
    tracker: JobTracker, client: LinkisClient, workload: Workload, *, check: str
) -> SubmittedJob:
    """Submit through the tracker (so the session kills it if needed); violation if refused."""
    job = tracker.submit(client, workload)
    job.require(check)
    return job


def wait_for(
    client: LinkisClient,
    exec_id: str,
    states: Iterable[str],
    *,
    within: float,
    interval: float = 0.1,
) -> str | None:
    """Poll status until it is one of `states` or terminal; return the last state seen."""
    wanted = set(states)
    deadline = time.monotonic() + within
    state: str | None = None
    while time.monotonic() < deadline:
        answer = client.status(exec_id)
        value = answer.data.get("status") if answer.ok else None
        state = value if isinstance(value, str) else state
        if state in wanted or is_terminal(state):
            return state
        time.sleep(interval)
    return state


def end_job(tracker: JobTracker, job: SubmittedJob) -> None:
    """Kill a job the family started and note it ended (best effort)."""
    if job.exec_id is None:
        return
    job.owner.kill(job.exec_id, job.task_id)
    if wait_for(job.owner, job.exec_id, (), within=10.0, interval=0.2) is not None:
        tracker.ended(job)


__all__ = [
    "API_ROOT",
    "ContractViolation",
    "api_path",
    "assert_envelope",
    "end_job",
    "pick_workload",
    "submit",
    "violation",
    "wait_for",
    "with_evidence",
]
