"""`check` cleans up exactly its own jobs: found by the run marker, never a bystander's.

A long job started by the same user outside the harness (no marker) must still run after the
check ends, also behind a garbling proxy and after Ctrl-C; every job carrying the run's marker,
including one whose submit answer was garbled, must have ended.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys

import pytest

from linkis_harness.cli import run
from linkis_harness.simulator.launch import start_simulator
from tests.support.badserver import BadServer
from tests.support.jobs import (
    TERMINAL,
    marker_in,
    run_jobs,
    start_outside_job,
    status_of,
)
from tests.support.processes import interruptible

pytestmark = pytest.mark.slow

ALICE = ("--user", "alice", "--password", "alice123")
BOB = ("--peer-user", "bob", "--peer-password", "bob123")


@pytest.fixture(autouse=True)
def _no_linkis_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("LINKIS_"):
            monkeypatch.delenv(name, raising=False)


def _assert_only_the_runs_jobs_ended(url: str, outside: int, marker: str) -> None:
    assert status_of(url, outside) not in TERMINAL, (
        "check killed a job it did not start"
    )
    mine = run_jobs(url, marker)
    assert mine, "no job of the run carries the marker in job history"
    assert {t["status"] for t in mine} <= TERMINAL, [
        (t["taskID"], t["status"]) for t in mine
    ]


def test_check_kills_its_jobs_and_leaves_the_users_other_job_running() -> None:
    with start_simulator(speed=4.0) as sim:
        outside = start_outside_job(sim.url)
        out, err = io.StringIO(), io.StringIO()
        code = run(
            ["check", "--target", sim.url, *ALICE, *BOB, "--profile", "smoke",
             "-m", "kill or crash or states"],
            out, err,
        )  # fmt: skip
        assert code == 0, out.getvalue() + err.getvalue()
        _assert_only_the_runs_jobs_ended(sim.url, outside, marker_in(out.getvalue()))


def test_behind_a_garbling_proxy_the_lost_submit_is_found_by_its_marker() -> None:
    with (
        start_simulator(speed=4.0) as sim,
        BadServer(
            "gzip-lie", upstream=sim.url, after=0, count=20, only="/entrance/"
        ) as proxy,
    ):
        outside = start_outside_job(sim.url)
        out, err = io.StringIO(), io.StringIO()
        code = run(
            ["check", "--target", proxy.url, *ALICE, *BOB, "-m", "states or envelope",
             "--timeout", "1", "--profile", "smoke"],
            out, err,
        )  # fmt: skip
        assert code == 1, out.getvalue() + err.getvalue()
        _assert_only_the_runs_jobs_ended(sim.url, outside, marker_in(out.getvalue()))


def test_ctrl_c_kills_the_runs_jobs_and_no_other() -> None:
    with start_simulator(speed=4.0) as sim:
        outside = start_outside_job(sim.url)
        env = {k: v for k, v in os.environ.items() if not k.startswith("LINKIS_")}
        env["LINKIS_PASSWORD"] = "alice123"
        proc = subprocess.Popen(
            [sys.executable, "-m", "linkis_harness", "check", "--target", sim.url,
             "--user", "alice", "--profile", "smoke", "-m", "kill or crash"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, preexec_fn=interruptible)  # fmt: skip
        assert proc.stdout is not None
        seen = []
        for line in proc.stdout:
            seen.append(line)
            if line.startswith("  ") and ("kill" in line or "crash" in line):
                break  # a check has finished: jobs of the run exist now
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=90)
        output = "".join(seen) + rest
        assert proc.returncode == 2, output
        _assert_only_the_runs_jobs_ended(sim.url, outside, marker_in(output))
