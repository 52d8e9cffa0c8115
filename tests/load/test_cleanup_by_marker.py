"""`load` cleans up exactly its own jobs: found by the run marker, never a bystander's.

Against the `taskid-string` fault every submit answer fails the checks, so no job reaches the
ledger: cleanup must still find each one in job history by the marker and kill it, and prove
none is left, while a job the same user started by hand keeps running (also after Ctrl-C).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from linkis_harness.simulator.launch import start_simulator
from tests.support.jobs import (
    TERMINAL,
    marker_in,
    run_jobs,
    start_outside_job,
    status_of,
)
from tests.support.processes import interruptible

pytestmark = pytest.mark.slow

LONG = """\
name: long
engineType: shell-1
runType: shell
code: |
  # linkis-sim: duration=120 lines=30 rows=0
  sleep 120
expect: {status: Succeed, within: 300}
"""


def _workloads(tmp_path: Path) -> Path:
    directory = tmp_path / "workloads"
    directory.mkdir()
    (directory / "long.yaml").write_text(LONG, encoding="utf-8")
    return directory


def _load(url: str, workloads: Path, *extra: str) -> subprocess.Popen[str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("LINKIS_", "LOCUST_"))
    }
    env.update({"LINKIS_USER": "alice", "LINKIS_PASSWORD": "alice123"})
    return subprocess.Popen(
        [sys.executable, "-m", "linkis_harness", "load", "--target", url, "--users", "3",
         "--spawn-rate", "3", "--workloads", str(workloads), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, preexec_fn=interruptible)  # fmt: skip


def _assert_only_the_runs_jobs_ended(url: str, outside: int, marker: str) -> list[str]:
    assert status_of(url, outside) not in TERMINAL, "load killed a job it did not start"
    mine = run_jobs(url, marker)
    assert mine, "no job of the run carries the marker in job history"
    states = [t["status"] for t in mine]
    assert set(states) <= TERMINAL, states
    return states


def test_garbled_submit_answers_are_found_by_marker_and_killed(tmp_path: Path) -> None:
    with start_simulator(fault="taskid-string") as sim:
        outside = start_outside_job(sim.url)
        proc = _load(sim.url, _workloads(tmp_path), "--run-time", "4s")
        out, err = proc.communicate(timeout=180)
        states = _assert_only_the_runs_jobs_ended(sim.url, outside, marker_in(out))
    assert "Cancelled" in states, states
    # Nothing reached the ledger; the summary says where the jobs were found.
    assert "submitted 0" in out, out
    assert f"found only in job history {len(states)}" in out, out
    assert "left running 0" in out, out + err


def test_ctrl_c_kills_the_runs_jobs_and_no_other(tmp_path: Path) -> None:
    with start_simulator() as sim:
        outside = start_outside_job(sim.url)
        proc = _load(sim.url, _workloads(tmp_path), "--run-time", "120s")
        assert proc.stdout is not None
        marker = marker_in(proc.stdout.readline() + proc.stdout.readline())
        deadline = time.monotonic() + 60
        while len(run_jobs(sim.url, marker)) < 3:
            assert time.monotonic() < deadline, "the run never submitted its jobs"
            time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 2, out + err
        assert "left running 0" in out, out + err
        _assert_only_the_runs_jobs_ended(sim.url, outside, marker)
