"""`linkis-harness check` end to end against the simulator on a loopback port.

- the faithful simulator passes every check at every profile (exit 0, no failure);
- every fault mode of the simulator is caught by the check family that exists for it (exit 1,
  that family fails); a fault missing from the table below fails the table test, so a new
  fault mode without a catching check cannot slip in;
- exit 2 before any test when the target is closed or refuses the login;
- the report directory holds JUnit, results.json (with reproducers, no secrets) and the cassette;
- a known-quirks file turns a matching failure into "accepted".
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from linkis_harness.cli import run
from linkis_harness.client import LinkisClient
from linkis_harness.config import Settings
from linkis_harness.resources import data_dir
from linkis_harness.simulator.faults import FAULTS
from linkis_harness.simulator.launch import start_simulator

pytestmark = pytest.mark.slow

# Fault → the check family that must catch it (as `FAULTS` and docs/checks.md say).
EXPECTED_FAMILY = {
    "envelope-shape": "envelope",
    "http-200-errors": "envelope",
    "taskid-string": "execid",
    "execid-garbled": "execid",
    "execid-history-mismatch": "execid",
    "state-regression": "states",
    "terminal-flip": "states",
    "history-status-mismatch": "states",
    "progress-decrease": "progress",
    "progress-out-of-range": "progress",
    "log-lose-lines": "log",
    "log-duplicate-lines": "log",
    "log-overshoot": "log",
    "log-wrong-bucket": "log",
    "log-flush-gap": "log",
    "log-drop-line": "log",
    "kill-noop": "kill",
    "kill-any-user": "kill",
    "history-any-user": "kill",
    "auth-bypass": "auth",
    "token-any-user": "auth",
    "proxy-wildcard": "rules",
    "proxy-substring": "rules",
    "masked-crash": "crash",
    "results-missing": "results",
    "server-error": "schema",
}
# Faults whose defect only shows in the standard profile's workloads (a log longer than 500 lines).
STANDARD_ONLY = {"log-flush-gap", "log-drop-line"}
SPEED = 4.0
PROXY_RULES = data_dir("fixtures") / "rules" / "proxy.properties"
TOKEN_RULES = data_dir("fixtures") / "rules" / "tokens.properties"
PASSWORD = "alice123"


@dataclass(frozen=True)
class CheckRun:
    code: int
    out: str
    err: str
    seconds: float
    results: dict[str, object] | None
    report_dir: Path | None = None


@pytest.fixture(autouse=True)
def _no_linkis_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("LINKIS_"):
            monkeypatch.delenv(name, raising=False)


def check(url: str, *extra: str, report_dir: Path | None = None) -> CheckRun:
    argv = [
        "check",
        "--target",
        url,
        "--user",
        "alice",
        "--password",
        PASSWORD,
        "--peer-user",
        "bob",
        "--peer-password",
        "bob123",
        "--proxy-rules",
        str(PROXY_RULES),
        "--token-rules",
        str(TOKEN_RULES),
        "--seed",
        "1234",
        *extra,
    ]
    if report_dir is not None:
        argv += ["--report-dir", str(report_dir)]
    out, err = io.StringIO(), io.StringIO()
    started = time.monotonic()
    code = run(argv, out, err)
    seconds = time.monotonic() - started
    results = None
    if report_dir is not None and (report_dir / "results.json").is_file():
        results = json.loads((report_dir / "results.json").read_text(encoding="utf-8"))
    return CheckRun(code, out.getvalue(), err.getvalue(), seconds, results, report_dir)


def failed_families(result: CheckRun) -> set[str]:
    assert result.results is not None, result.out + result.err
    families = result.results["families"]
    assert isinstance(families, dict)
    return {name for name, row in families.items() if row["failed"]}


@contextlib.contextmanager
def _sim(fault: str | None = None) -> Iterator[str]:
    with start_simulator(
        fault=fault, proxy_rules=PROXY_RULES, token_rules=TOKEN_RULES, speed=SPEED
    ) as sim:
        yield sim.url


# -- every fault is caught by its family -----------------------------------------------------


def test_every_fault_has_an_expected_family() -> None:
    assert set(FAULTS) == set(EXPECTED_FAMILY), (
        f"faults without an expected family: {sorted(set(FAULTS) - set(EXPECTED_FAMILY))}; "
        f"table entries without a fault: {sorted(set(EXPECTED_FAMILY) - set(FAULTS))}"
    )
    for name, fault in FAULTS.items():
        assert fault.family == EXPECTED_FAMILY[name], name


def _run_fault(fault: str, base: Path) -> CheckRun:
    report_dir = base / fault
    profile = "standard" if fault in STANDARD_ONLY else "smoke"
    with _sim(fault) as url:
        return check(
            url,
            "--profile",
            profile,
            "-m",
            EXPECTED_FAMILY[fault],
            "--junit-xml",
            str(base / "ci" / f"{fault}.xml"),
            report_dir=report_dir,
        )


@pytest.fixture(scope="module")
def fault_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, CheckRun]:
    """Run `check` against every fault, two at a time (2 cores), and keep what each said."""
    base = tmp_path_factory.mktemp("faults")
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = dict(
            zip(
                sorted(FAULTS),
                pool.map(lambda f: _run_fault(f, base), sorted(FAULTS)),
                strict=True,
            )
        )
    wall = time.monotonic() - started
    print(f"\n{len(runs)} fault runs in {wall:.1f}s wall")  # noqa: T201 - shown with -s
    for name, result in runs.items():
        print(f"  {name:<26} exit {result.code} {result.seconds:5.1f}s")  # noqa: T201
    return runs


@pytest.mark.parametrize("fault", sorted(EXPECTED_FAMILY))
def test_fault_is_caught_by_its_family(
    fault: str, fault_runs: dict[str, CheckRun]
) -> None:
    result = fault_runs[fault]
    assert result.code == 1, f"{fault}: exit {result.code}\n{result.out}\n{result.err}"
    assert EXPECTED_FAMILY[fault] in failed_families(result), result.out


# -- the faithful simulator passes -----------------------------------------------------------


@pytest.mark.parametrize("profile", ["smoke", "standard", "deep"])
def test_faithful_simulator_passes_every_check(profile: str, tmp_path: Path) -> None:
    with _sim() as url:
        result = check(url, "--profile", profile, report_dir=tmp_path)
    assert result.code == 0, result.out + result.err
    assert not failed_families(result)
    assert result.results is not None
    # No token is configured here: the token check does not run, and the verdict says so.
    assert result.results["verdict"] in ("held", "held, incomplete"), result.out
    assert all("token" in g["reason"] for g in result.results["not_run"]), result.out  # type: ignore[union-attr]
    families = result.results["families"]  # type: ignore[index]
    assert {"envelope", "schema", "crash", "auth"} <= set(families)
    cassette = (tmp_path / "cassette.yaml").read_text(encoding="utf-8")
    assert "/api/rest_j/v1/entrance/submit" in cassette
    assert "status: 200" in cassette
    assert PASSWORD not in cassette


# -- could not run: exit 2, one line, no traceback -------------------------------------------


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_closed_port_exits_2_before_any_test() -> None:
    result = check(f"http://127.0.0.1:{_closed_port()}", "--profile", "smoke")
    assert result.code == 2
    assert result.err.count("\n") == 1, result.err
    assert "Traceback" not in result.err + result.out
    assert "collected" not in result.out


def test_refused_login_exits_2_before_any_test() -> None:
    with _sim() as url:
        out, err = io.StringIO(), io.StringIO()
        code = run(
            [
                "check",
                "--target",
                url,
                "--user",
                "alice",
                "--password",
                "not-the-password",
            ],
            out,
            err,
        )
    assert code == 2
    assert "refused" in err.getvalue()
    assert err.getvalue().count("\n") == 1
    assert "not-the-password" not in out.getvalue() + err.getvalue()


def test_unknown_marker_exits_2(tmp_path: Path) -> None:
    with _sim() as url:
        result = check(url, "--profile", "smoke", "-m", "nosuchfamily")
    assert result.code == 2
    assert "no checks selected" in result.err


# -- reports, reproducers, secrets, quirks ---------------------------------------------------


def test_report_dir_holds_junit_results_and_reproducers(
    fault_runs: dict[str, CheckRun],
) -> None:
    result = fault_runs["envelope-shape"]
    assert result.report_dir is not None
    report = result.report_dir
    junit = report.parent / "ci" / "envelope-shape.xml"
    tree = ET.parse(report / "junit.xml")
    suite = tree.getroot().find("testsuite")
    assert suite is not None
    assert int(suite.get("failures", "0")) >= 1
    assert junit.read_bytes() == (report / "junit.xml").read_bytes()
    assert result.results is not None
    failures = [r for r in result.results["results"] if r["outcome"] == "failed"]  # type: ignore[union-attr]
    assert failures
    first = failures[0]
    assert first["violation"]["check"] == "envelope"
    assert first["reproducer"]["curl"].startswith("curl ")
    assert "HTTP " in first["reproducer"]["response"]
    # The terminal shows the rule, the request and the response of each failure.
    for label in ("broke:", "request:", "response:"):
        assert label in result.out
    for path in report.iterdir():
        assert PASSWORD not in path.read_text(encoding="utf-8", errors="replace"), path
    assert PASSWORD not in result.out + result.err


def test_quirks_file_accepts_a_known_deviation(tmp_path: Path) -> None:
    quirks = tmp_path / "quirks.yaml"
    quirks.write_text(
        "quirks:\n"
        "  - check: envelope\n"
        "    pattern: \"'message' missing\"\n"
        "    reason: our gateway strips message on success (ticket OPS-1)\n",
        encoding="utf-8",
    )
    with _sim("envelope-shape") as url:
        result = check(
            url,
            "--profile",
            "smoke",
            "-m",
            "envelope",
            "--quirks",
            str(quirks),
            report_dir=tmp_path / "r",
        )
    assert result.code == 0, result.out + result.err
    assert result.results is not None
    accepted = [r for r in result.results["results"] if r["outcome"] == "accepted"]  # type: ignore[union-attr]
    assert accepted
    assert "OPS-1" in result.out


def test_bad_quirks_file_exits_2(tmp_path: Path) -> None:
    quirks = tmp_path / "quirks.yaml"
    quirks.write_text("quirks:\n  - check: nosuch\n    reason: x\n", encoding="utf-8")
    with _sim() as url:
        result = check(url, "--profile", "smoke", "-m", "auth", "--quirks", str(quirks))
    assert result.code == 2
    assert "unknown check 'nosuch'" in result.err


# -- Ctrl-C ----------------------------------------------------------------------------------


def _unfinished_jobs(url: str) -> list[object]:
    settings = Settings(target=url, user="alice", password=PASSWORD)
    with LinkisClient(settings) as client:
        client.login()
        tasks = client.job_history_list(pageSize=100).data.get("tasks") or []
    return [
        t.get("status")
        for t in tasks
        if t.get("status") in ("Inited", "Scheduled", "Running")
    ]


def test_ctrl_c_stops_the_suite_and_kills_its_jobs() -> None:
    with _sim() as url:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LINKIS_")}
        env["LINKIS_PASSWORD"] = PASSWORD
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "linkis_harness",
                "check",
                "--target",
                url,
                "--user",
                "alice",
                "--profile",
                "smoke",
                "-m",
                "kill or crash",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
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
        assert "interrupted" in output
        assert "Traceback" not in output
        assert "held" not in output  # a run cut short never says it held
        deadline = time.monotonic() + 10
        while _unfinished_jobs(url) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _unfinished_jobs(url) == []
