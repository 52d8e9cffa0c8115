"""The lifecycle check families against the simulator: quiet when faithful, failing on their faults.

Each run is `python -m pytest contract_tests/test_<family>.py -m <family> --linkis-target ...`
in a subprocess (smoke profile, simulator at high speed): the families are quiet on the faithful
simulator. Each fault is proven caught once, end to end, by the fault table in test_check.py.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from linkis_harness import config
from linkis_harness.client import LinkisClient
from linkis_harness.client.polling import is_terminal
from linkis_harness.resources import data_dir
from linkis_harness.simulator.launch import start_simulator
from tests.support.jobs import MINUTE_JOB
from tests.support.processes import interruptible

pytestmark = pytest.mark.slow

SUITE = data_dir("contract_tests")
FAMILIES = ("execid", "states", "progress", "log", "kill", "results")
SPEED = 20.0


def run_families(
    families: Sequence[str], *, fault: str | None, profile: str = "smoke"
) -> subprocess.CompletedProcess[str]:
    """Run the given families' modules against a fresh simulator; return the finished pytest."""
    with start_simulator(fault=fault, speed=SPEED) as sim:
        argv = [
            sys.executable,
            "-m",
            "pytest",
            *(str(SUITE / f"test_{family}.py") for family in families),
            "-c",
            os.devnull,
            "--rootdir",
            str(SUITE),
            "-p",
            "no:locust",
            "-p",
            "no:cacheprovider",
            "--strict-markers",
            "-m",
            " or ".join(families),
            "-q",
            "-rfEs",
            "--tb=line",
            "--linkis-target",
            sim.url,
            "--linkis-user",
            "alice",
            "--linkis-peer-user",
            "bob",
            "--linkis-profile",
            profile,
        ]
        env = {k: v for k, v in os.environ.items() if not k.startswith("LINKIS_")}
        # Secrets travel in the environment, never on the command line.
        env |= {"LINKIS_PASSWORD": "alice123", "LINKIS_PEER_PASSWORD": "bob123"}
        # Only the plugins the suite needs: startup is most of a short run.
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
        return subprocess.run(
            argv, capture_output=True, text=True, env=env, timeout=240, check=False
        )


def test_families_pass_on_the_faithful_simulator() -> None:
    done = run_families(FAMILIES, fault=None)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert re.search(r"\b(\d+) passed", done.stdout)
    summary = done.stdout.splitlines()[-1]
    # "1 xfailed" is an accepted quirk, not a failure
    assert not re.search(r"\b\d+ failed", summary), summary


def test_log_family_passes_on_a_long_faithful_log() -> None:
    done = run_families(["log"], fault=None, profile="standard")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_suite_path_is_the_checkout() -> None:
    assert (SUITE / "conftest.py").is_file()
    assert Path(SUITE, "test_log.py").is_file()


def _unfinished(client: LinkisClient) -> list[tuple[object, object]]:
    tasks = client.job_history_list(pageSize=100).data.get("tasks") or []
    return [
        (t.get("taskID"), t.get("status"))
        for t in tasks
        if not is_terminal(t.get("status"))
    ]


def test_ctrl_c_kills_the_jobs_the_suite_left_running(tmp_path: Path) -> None:
    # Real speed: the states family polls a 60 s job to its end, so the suite is mid-run while
    # the job is Running, and only the session's cleanup can end it in time.
    (tmp_path / "minute.yaml").write_text(MINUTE_JOB, encoding="utf-8")
    with start_simulator(speed=1.0) as sim:
        argv = [
            sys.executable,
            "-m",
            "pytest",
            str(SUITE / "test_states.py"),
            "-c",
            os.devnull,
            "--rootdir",
            str(SUITE),
            "-p",
            "no:locust",
            "-p",
            "no:cacheprovider",
            "-q",
            "--linkis-target",
            sim.url,
            "--linkis-user",
            "alice",
            "--linkis-profile",
            "smoke",
            "--linkis-workloads",
            str(tmp_path),
        ]
        env = {k: v for k, v in os.environ.items() if not k.startswith("LINKIS_")}
        env |= {"LINKIS_PASSWORD": "alice123", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
        settings = config.load(
            {"target": sim.url, "user": "alice", "password": "alice123"}, environ={}
        )
        with LinkisClient(settings) as alice:
            alice.login()
            suite = subprocess.Popen(
                argv,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                env=env,
                preexec_fn=interruptible,
            )
            try:
                running = _wait_until(
                    lambda: any(s == "Running" for _, s in _unfinished(alice)),
                    timeout=60,
                )
                assert running, "the suite never had a job Running"
                suite.send_signal(signal.SIGINT)
                output, _ = suite.communicate(timeout=60)
            finally:
                if suite.poll() is None:
                    suite.kill()
            assert "KeyboardInterrupt" in output or "Interrupted" in output, output[
                -2000:
            ]
            left = _wait_until(lambda: not _unfinished(alice), timeout=10)
            assert left, f"jobs left running after Ctrl-C: {_unfinished(alice)}"


def _wait_until(condition: Callable[[], bool], *, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def _suite(
    *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    argv = [
        sys.executable,
        "-m",
        "pytest",
        *(str(SUITE / f"test_{f}.py") for f in FAMILIES),
    ]
    argv += [
        "-c",
        os.devnull,
        "--rootdir",
        str(SUITE),
        "-p",
        "no:cacheprovider",
        "-q",
        "-rs",
        *args,
    ]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LINKIS_")}
    clean |= {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", **(env or {})}
    return subprocess.run(
        argv, capture_output=True, text=True, env=clean, timeout=120, check=False
    )


def test_without_a_target_every_check_skips_with_a_reason() -> None:
    done = _suite()
    assert done.returncode == 0, done.stdout[-2000:]
    assert "passed" not in done.stdout
    assert "failed" not in done.stdout
    assert "no target: pass --linkis-target URL (or set LINKIS_TARGET)" in done.stdout


def test_a_bad_workload_file_is_a_usage_error_naming_file_and_key(
    tmp_path: Path,
) -> None:
    (tmp_path / "mine.yaml").write_text(
        "name: mine\nengineType: shell-1\nrunType: shell\ncode: echo\nexpect: {status: Done, within: 5}\n",
        encoding="utf-8",
    )
    done = _suite(
        "--linkis-workloads", str(tmp_path), env={"LINKIS_TARGET": "http://127.0.0.1:9"}
    )
    assert done.returncode == 4, done.stdout + done.stderr
    assert f"{tmp_path / 'mine.yaml'}: 'expect.status' must be one of" in done.stderr
    assert "got 'Done'" in done.stderr
