"""Cleanup under stress: Ctrl-C and a crashed worker still leave no job of the run running.

`linkis-harness load` runs as a real subprocess (so it can be interrupted like a user would)
against a simulator whose jobs run for a minute, i.e. every job is running when the run ends.
Job history is then asked, independently of the runner, about every job the run submitted.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from linkis_harness.simulator.launch import RunningSimulator, start_simulator
from tests.support.processes import interruptible

pytestmark = pytest.mark.slow

LONG = """\
name: long
engineType: shell-1
runType: shell
code: |
  # linkis-sim: duration=60 lines=30 rows=0
  sleep 60
expect: {status: Succeed, within: 120}
"""


@pytest.fixture
def sim() -> Iterator[RunningSimulator]:
    with start_simulator() as running:
        yield running


@pytest.fixture
def workloads(tmp_path: Path) -> Path:
    directory = tmp_path / "workloads"
    directory.mkdir()
    (directory / "long.yaml").write_text(LONG, encoding="utf-8")
    return directory


def _start(
    sim: RunningSimulator, workloads: Path, report: Path, *extra: str
) -> subprocess.Popen[str]:
    argv = [
        sys.executable, "-m", "linkis_harness", "load", "--target", sim.url,
        "--users", "4", "--spawn-rate", "4", "--workloads", str(workloads),
        "--report-dir", str(report), *extra,
    ]  # fmt: skip
    env = {
        "LINKIS_USER": "alice",
        "LINKIS_PASSWORD": "alice123",
        "PATH": "/usr/bin:/bin",
    }
    return subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=interruptible,
    )


def _submitted(report: Path) -> dict[str, int]:
    ledger = report / "raw" / "ledger.jsonl"
    if not ledger.exists():
        return {}
    events = [
        json.loads(line)
        for line in ledger.read_text(encoding="utf-8").splitlines()
        if line
    ]
    return {e["exec_id"]: e["task_id"] for e in events if e["event"] == "submitted"}


def _wait_for_jobs(report: Path, count: int) -> None:
    deadline = time.monotonic() + 60
    while len(_submitted(report)) < count:
        assert time.monotonic() < deadline, "the run never submitted its jobs"
        time.sleep(0.2)


def _history(sim: RunningSimulator, task_ids: list[int]) -> list[str]:
    with httpx.Client(base_url=sim.url + "/api/rest_j/v1", timeout=10) as http:
        http.post("/user/login", json={"userName": "alice", "password": "alice123"})
        return [
            http.get(f"/jobhistory/{t}/get").json()["data"]["task"]["status"]
            for t in task_ids
        ]


def test_ctrl_c_kills_every_job_of_the_run(
    sim: RunningSimulator, workloads: Path, tmp_path: Path
) -> None:
    report = tmp_path / "report"
    process = _start(sim, workloads, report, "--run-time", "120s")
    _wait_for_jobs(report, 4)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 2, out + err
    assert "interrupted" in err
    assert "left running 0" in out
    assert "Traceback" not in err
    jobs = _submitted(report)
    assert len(jobs) >= 4
    assert _history(sim, list(jobs.values())) == ["Cancelled"] * len(jobs)


def test_crashed_worker_jobs_are_killed_at_cleanup(
    sim: RunningSimulator, workloads: Path, tmp_path: Path
) -> None:
    report = tmp_path / "report"
    process = _start(sim, workloads, report, "--run-time", "10s", "--workers", "2")
    _wait_for_jobs(report, 4)
    workers = [
        p
        for p in psutil.Process(process.pid).children(recursive=True)
        if "--worker" in p.cmdline()
    ]
    assert len(workers) == 2
    workers[0].kill()  # SIGKILL: no on_stop, no goodbye to the master
    out, err = process.communicate(timeout=120)
    assert process.returncode == 2, out + err
    assert "crashed" in err
    assert "left running 0" in out
    jobs = _submitted(report)
    states = _history(sim, list(jobs.values()))
    assert states == ["Cancelled"] * len(jobs)
