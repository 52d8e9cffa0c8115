"""The pytest plugin as a user meets it: test files in a fresh directory outside the repository.

Each test writes files into a temporary directory and runs pytest on them in a subprocess with
only the installed package (no conftest, no project configuration, no LINKIS_* variables):
docs/pytest.md's examples pass against the simulator, a fault shows the oracle's failure
message with its reproducer, bad input fails with one clear line, a job left running is killed
and reported, and a test that uses nothing of the plugin does not wake it up.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]

FAULT_TEST = """
def test_job_on_a_lossy_log(linkis_simulator, linkis_client):
    linkis_simulator.fault("log-lose-lines")
    linkis_client.run("echo hi\\n# linkis-sim: duration=0.3 lines=30")
"""
UNKNOWN_FAULT_TEST = """
def test_typo_in_a_fault_name(linkis_simulator):
    linkis_simulator.fault("log-lose-line")
"""
LEFT_RUNNING_TEST = """
def test_forgets_its_job(linkis_client):
    body = {
        "executionContent": {"code": "sleep\\n# linkis-sim: duration=60", "runType": "shell"},
        "labels": {"engineType": "shell-1", "userCreator": "alice-IDE"},
    }
    assert linkis_client.submit(body).ok
"""
UNRELATED_TEST = """
import sys

def test_plugin_stays_asleep(request):
    assert not request.config.pluginmanager.has_plugin("linkis-session")
    assert not [m for m in sys.modules if m.startswith("linkis_harness.suite")]
    assert "linkis_harness.simulator" not in sys.modules
"""


def _doc_files() -> dict[str, str]:
    """The code blocks of docs/pytest.md that start with `# file: NAME`."""
    text = (ROOT / "docs" / "pytest.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n# file: (\S+)\n(.*?)```", text, re.DOTALL)
    return dict(blocks)


def _pytest(
    where: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("LINKIS_", "PYTEST_"))
    }
    clean.pop("PYTHONPATH", None)
    clean.update(env or {})
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:locust",
            *args,
        ],
        cwd=where,
        env=clean,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _outcomes(junit: Path) -> dict[str, tuple[str, str]]:
    """Test name -> (outcome, failure text) from a JUnit file."""
    found: dict[str, tuple[str, str]] = {}
    for case in ET.parse(junit).iter("testcase"):
        failed = case.find("failure")
        if failed is None:
            failed = case.find("error")
        text = (
            (failed.get("message", "") + "\n" + (failed.text or ""))
            if failed is not None
            else ""
        )
        found[case.get("name", "")] = (
            "failed" if failed is not None else "passed",
            text,
        )
    return found


def test_user_test_files_in_a_fresh_directory(tmp_path: Path) -> None:
    docs = _doc_files()
    assert set(docs) == {"test_platform_jobs.py", "test_client_retry.py"}
    for name, code in docs.items():
        (tmp_path / name).write_text(code, encoding="utf-8")
    (tmp_path / "test_fault.py").write_text(FAULT_TEST, encoding="utf-8")
    (tmp_path / "test_unknown_fault.py").write_text(
        UNKNOWN_FAULT_TEST, encoding="utf-8"
    )
    (tmp_path / "test_left_running.py").write_text(LEFT_RUNNING_TEST, encoding="utf-8")
    junit = tmp_path / "junit.xml"
    done = _pytest(tmp_path, "-q", "-rw", f"--junit-xml={junit}")
    outcomes = _outcomes(junit)
    shown = done.stdout[-6000:] + done.stderr[-2000:]

    # docs/pytest.md's examples pass against the simulator (linkis_client.run, faults, retries).
    for name in (
        "test_nightly_report_job",
        "test_client_waits_through_wait_for_retry",
        "test_client_survives_a_state_regression",
        "test_our_oracles_see_the_defect",
    ):
        assert outcomes[name][0] == "passed", (name, outcomes[name][1], shown)

    # A fault: the log oracle's message, the curl reproducer and the response, as check prints.
    outcome, text = outcomes["test_job_on_a_lossy_log"]
    assert outcome == "failed", shown
    assert "ContractViolation: [log]" in text, text
    assert "request:  curl" in text, text
    assert "response: HTTP 200" in text, text
    assert (
        "alice123" not in text
    )  # the simulator's password is no secret, yet never shown

    # An unknown fault name lists the known ones.
    outcome, text = outcomes["test_typo_in_a_fault_name"]
    assert outcome == "failed"
    assert "no fault mode 'log-lose-line'. Did you mean 'log-lose-lines'?" in text
    assert "Known: envelope-shape, " in text

    # A job left running is killed at teardown, and the run says so.
    assert outcomes["test_forgets_its_job"][0] == "passed", shown
    assert "LinkisJobKilled" in done.stdout
    assert "left 1 job(s) running; linkis_client killed them: exec_id" in done.stdout
    assert done.returncode == 1


def test_unrelated_tests_do_not_wake_the_plugin(tmp_path: Path) -> None:
    (tmp_path / "test_unrelated.py").write_text(UNRELATED_TEST, encoding="utf-8")
    done = _pytest(tmp_path, "-q")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


def test_an_unreachable_target_ends_the_session_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "test_job.py").write_text(
        "def test_job(linkis_client):\n    linkis_client.run('echo 1')\n",
        encoding="utf-8",
    )
    done = _pytest(
        tmp_path,
        "-q",
        "--linkis-target",
        "http://127.0.0.1:9",
        "--linkis-user",
        "alice",
        env={"LINKIS_PASSWORD": "alice123"},
    )
    assert done.returncode == 2
    lines = [
        line
        for line in (done.stdout + done.stderr).splitlines()
        if "cannot reach" in line
    ]
    # One message (pytest shows an exit reason in its summary and on stderr), no traceback.
    assert lines, done.stdout + done.stderr
    message = "error: cannot reach http://127.0.0.1:9: connection refused"
    assert all(message in line for line in lines), lines
    assert "Traceback" not in done.stdout + done.stderr
