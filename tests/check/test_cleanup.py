"""No job is left running when the target garbles answers early in a `check` run.

A submit whose answer is garbled still creates a job, and a cleanup kill sent into the fault
window can be lost: cleanup must verify its kills and find lost submits in job history.
"""

from __future__ import annotations

import io

import httpx
import pytest

from linkis_harness.cli import run
from linkis_harness.simulator.launch import start_simulator
from tests.support.badserver import BadServer

TERMINAL = {"Succeed", "Failed", "Cancelled", "Timeout"}


def _unfinished(sim_url: str) -> list[tuple[int, str]]:
    with httpx.Client(base_url=sim_url + "/api/rest_j/v1", timeout=10) as admin:
        admin.post("/user/login", json={"userName": "hadoop", "password": "hadoop"})
        tasks = admin.get("/jobhistory/list", params={"pageSize": 100}).json()
    return [
        (t["taskID"], t["status"])
        for t in tasks["data"]["tasks"]
        if t["status"] not in TERMINAL
    ]


@pytest.mark.slow
@pytest.mark.parametrize("after", [0, 1])
def test_check_leaves_no_job_running_behind_a_garbling_proxy(after: int) -> None:
    with (
        start_simulator(speed=4.0) as sim,
        BadServer(
            "gzip-lie", upstream=sim.url, after=after, count=20, only="/entrance/"
        ) as proxy,
    ):
        out, err = io.StringIO(), io.StringIO()
        code = run(
            [
                "check", "--target", proxy.url, "--user", "alice", "--password", "alice123",
                "--peer-user", "bob", "--peer-password", "bob123", "-m", "states or envelope",
                "--timeout", "1", "--profile", "smoke",
            ],
            out,
            err,
        )  # fmt: skip
        assert code == 1, out.getvalue() + err.getvalue()
        assert _unfinished(sim.url) == []
