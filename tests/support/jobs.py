"""Jobs as a bystander sees them: one started outside the harness, and the run's jobs by marker.

Used by the cleanup tests of `check` and `load`: the same user starts a long job by hand before
the run (no marker), and afterwards job history is read independently of the harness.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from linkis_harness.core.runmarker import carries

TERMINAL = {"Succeed", "Failed", "Cancelled", "Timeout"}
MARKER_LINE = re.compile(r"linkis-harness-run: (lh-\d{8}T\d{6}-[0-9a-f]{8})")
# A workload the states family polls to its end: at speed 1 it runs 60 s, so a suite is surely
# mid-run while the job is Running (a suite of short jobs can end before an interrupt arrives).
MINUTE_JOB = """\
name: shell-minute
engineType: shell-1
runType: shell
code: |
  # linkis-sim: duration=60 lines=10 rows=0
  sleep 60
expect: {status: Succeed, within: 120}
weight: 1
profiles: [smoke]
"""


@contextmanager
def _session(url: str, user: str, password: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url + "/api/rest_j/v1", timeout=10) as http:
        answer = http.post("/user/login", json={"userName": user, "password": password})
        assert answer.json()["status"] == 0, answer.text
        yield http


def start_outside_job(url: str, user: str = "alice", password: str = "alice123") -> int:
    """Submit a long job as `user` the way a person would (no run marker); return its taskID."""
    body = {
        "executionContent": {
            "code": "# linkis-sim: duration=900 lines=10\nsleep 900\n",
            "runType": "shell",
        },
        "labels": {"engineType": "shell-1", "userCreator": f"{user}-IDE"},
    }
    with _session(url, user, password) as http:
        data = http.post("/entrance/submit", json=body).json()["data"]
    return int(data["taskID"])


def status_of(
    url: str, task_id: int, user: str = "alice", password: str = "alice123"
) -> str:
    """The job's status in job history."""
    with _session(url, user, password) as http:
        task = http.get(f"/jobhistory/{task_id}/get").json()["data"]["task"]
    return str(task["status"])


def run_jobs(
    url: str, marker: str, user: str = "alice", password: str = "alice123"
) -> list[dict[str, Any]]:
    """Every job-history task of `user` that carries `marker`."""
    with _session(url, user, password) as http:
        tasks = http.get("/jobhistory/list", params={"pageSize": 1000}).json()["data"][
            "tasks"
        ]
    return [t for t in tasks if carries(t, marker)]


def marker_in(text: str) -> str:
    """The run marker a `check` or `load` run printed."""
    found = MARKER_LINE.search(text)
    assert found, text
    return found.group(1)
