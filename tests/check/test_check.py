"""`linkis-harness check` end to end against the simulator on a loopback port.

- the faithful simulator passes every check at every profile (exit 0, no failure);
- every fault mode of the simulator fails exactly the checks the table below names (exit 1)
  while every other family holds: the one end-to-end proof of each fault; a fault missing from
  the table fails the table test, so a new fault mode without a catching check cannot slip in;
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
from dataclasses import dataclass
from pathlib import Path

import pytest

from linkis_harness.cli import run
from linkis_harness.client import LinkisClient
from linkis_harness.config import Settings
from linkis_harness.core.versions import release_line
from linkis_harness.resources import data_dir
from linkis_harness.simulator.faults import FAULTS
from linkis_harness.simulator.launch import start_simulator
from tests.support.gatewayrules import (
    GATEWAY_FAULTS,
    GATEWAY_VERSION,
    rule_args,
    sim_args,
    write_gateway_rules,
)
from tests.support.jobs import MINUTE_JOB
from tests.support.processes import interruptible

pytestmark = pytest.mark.slow

# Fault → the checks that fail on it, by family: a full `check` run against a simulator serving
# the fault fails exactly these checks (parametrized ids folded), and every other family holds.
# The fault's own family (`FAULTS[f].family`) is always there; a second family is listed where
# the same defect really breaks its checks too (a missing `message` is also a schema violation).
FIRES: dict[str, dict[str, set[str]]] = {
    "auth-bypass": {
        "auth": {"test_no_credentials_is_refused"},
        "rules": {"test_rule_case"},  # anyone is anyone without a token: the rules too
    },
    "envelope-shape": {
        "envelope": {
            "test_entrance_answers_are_envelopes",
            "test_submit_answer_is_an_envelope",
        },
        "schema": {"test_operations_conform", "test_stateful_links_conform"},
    },
    "execid-garbled": {
        "execid": {
            "test_exec_id_agrees_with_job_history",
            "test_exec_id_parses_and_names_an_instance",
        },
    },
    "execid-history-mismatch": {"execid": {"test_exec_id_agrees_with_job_history"}},
    "history-any-user": {"kill": {"test_peer_cannot_read_job_history"}},
    # 1.5+ (the default serve is 1.8): status by taskID of a finished job says Running
    "taskid-status-stale": {"states": {"test_status_by_task_id_agrees"}},
    "history-status-mismatch": {
        "states": {"test_job_history_status_agrees"},
        # job history never shows the terminal state, so not the kill either
        "kill": {
            "test_killing_a_finished_job_keeps_its_state",
            "test_owner_kill_cancels_the_job_and_it_stays",
        },
    },
    "http-200-errors": {
        "envelope": {
            "test_error_answers_from_job_history_follow_the_http_mapping",
            "test_error_answers_from_the_entrance_follow_the_http_mapping",
            "test_error_answers_from_the_filesystem_follow_the_http_mapping",
        },
        "schema": {"test_operations_conform", "test_stateful_links_conform"},
    },
    "kill-any-user": {"kill": {"test_peer_cannot_kill_a_running_job"}},
    "kill-noop": {"kill": {"test_owner_kill_cancels_the_job_and_it_stays"}},
    "log-drop-line": {
        "log": {
            "test_entrance_log_matches_log_file",
            "test_pages_of_a_finished_log_match_a_full_read",
        }
    },
    "log-duplicate-lines": {
        "log": {
            "test_entrance_log_matches_log_file",
            "test_pages_of_a_finished_log_match_a_full_read",
            "test_pages_of_a_running_log_match_a_full_read",
        }
    },
    "log-flush-gap": {
        "log": {
            "test_entrance_log_matches_log_file",
            "test_pages_of_a_finished_log_match_a_full_read",
        }
    },
    "log-lose-lines": {
        "log": {
            "test_entrance_log_matches_log_file",
            "test_pages_of_a_finished_log_match_a_full_read",
            "test_pages_of_a_running_log_match_a_full_read",
        }
    },
    "log-overshoot": {
        "log": {
            "test_entrance_log_matches_log_file",
            "test_pages_of_a_finished_log_match_a_full_read",
            "test_pages_of_a_running_log_match_a_full_read",
        }
    },
    "log-wrong-bucket": {
        "log": {
            "test_pages_of_a_finished_log_match_a_full_read",
            "test_pages_of_a_running_log_match_a_full_read",
        }
    },
    "masked-crash": {"crash": {"test_questions_about_a_running_job_do_not_crash"}},
    "progress-decrease": {"progress": {"test_running_job_progress"}},
    "progress-out-of-range": {
        "progress": {"test_progress_readings", "test_running_job_progress"}
    },
    "proxy-substring": {"rules": {"test_rule_case"}},
    "proxy-wildcard": {"rules": {"test_rule_case"}},
    "results-missing": {"results": {"test_result_sets_hold_the_expected_rows"}},
    "results-wrong-values": {"results": {"test_result_sets_hold_the_expected_rows"}},
    "server-error": {"schema": {"test_operations_conform"}},
    "execute-swallowed": {"schema": {"test_operations_conform"}},
    "login-envelope": {
        "envelope": {"test_login_answer_is_an_envelope"},
        # the auth family reads the login's status too
        "auth": {"test_valid_login_works"},
    },
    "state-regression": {"states": {"test_running_job_steps_are_legal"}},
    "taskid-string": {
        "execid": {"test_task_ids_are_increasing_integers"},
        "schema": {"test_operations_conform", "test_stateful_links_conform"},
    },
    "terminal-flip": {"states": {"test_terminal_state_never_changes"}},
    "token-any-user": {
        "auth": {"test_token_rules_refuse_users_they_do_not_list"},
        "rules": {"test_rule_case"},
    },
    # Served and checked with tests/support/gatewayrules.py (Linkis 1.6 behind a proxy).
    "token-host-ignored": {"rules": {"test_rule_case"}},
    "token-host-substring": {"rules": {"test_rule_case"}},
    "token-expiry-ignored": {"rules": {"test_rule_case"}},
    "access-control-ignored": {"rules": {"test_rule_case"}},
    "access-control-exact": {"rules": {"test_rule_case"}},
}
# Checks that may also fail on a fault, depending on what a run happens to see. Timed faults
# act at a seeded random moment while a job runs: the densely watched long job always sees it;
# a short finished job sees it only when one of its polls falls after it.
MAY_ALSO_FIRE: dict[str, dict[str, set[str]]] = {
    # the stateful phase calls execute only when a scenario starts there
    "execute-swallowed": {"schema": {"test_stateful_links_conform"}},
    # schemathesis' login cases see the same answer when it generates a valid login
    "login-envelope": {"schema": {"test_operations_conform"}},
    "state-regression": {"states": {"test_observed_steps_are_legal"}},
    "progress-decrease": {"progress": {"test_progress_readings"}},
    # The spec bounds progress to [0, 1] too: schemathesis' stateful walk flags it when one of
    # its links reaches a progress answer of a job that has started (seen once in two runs).
    "progress-out-of-range": {"schema": {"test_stateful_links_conform"}},
    # The same walk flags the crash status 1 answers when a link reaches the progress of a job
    # still running (seen once, on a loaded machine, where jobs stay running longer per step).
    "masked-crash": {"schema": {"test_stateful_links_conform"}},
    # 1.5+ (the default 1.8) answers per-job calls by the taskID that rides along, so a garbled
    # execID breaks them only where a call goes without it or after eviction; the peer's kill
    # by taskID on the garbled execID takes the forced-kill path (no owner check) and cancels.
    "execid-garbled": {
        "envelope": {
            "test_entrance_answers_are_envelopes",
            "test_error_answers_from_the_entrance_follow_the_http_mapping",
        },
        "log": {"test_pages_of_a_running_log_match_a_full_read"},
        "states": {"test_ends_in_expected_state_within_bound"},
        "kill": {"test_peer_cannot_kill_a_running_job"},
    },
    # a finished job that flips to Failed is seen by the kill family when its check of the
    # finished job's state falls after the seeded flip
    "terminal-flip": {"kill": {"test_killing_a_finished_job_keeps_its_state"}},
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
def _sim(fault: str | None = None, extra: tuple[str, ...] = ()) -> Iterator[str]:
    with start_simulator(
        fault=fault,
        proxy_rules=PROXY_RULES,
        token_rules=TOKEN_RULES,
        speed=SPEED,
        extra_args=extra,
    ) as sim:
        yield sim.url


def _gateway_args(
    base: Path, *, exposed: bool = False
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """`serve` and `check` options for the gateway rules of tests/support/gatewayrules.py."""
    table, props = write_gateway_rules(base)
    checked = (*rule_args(table, props), "--linkis-version", GATEWAY_VERSION)
    return sim_args(table, props, exposed=exposed), checked


# -- every fault is caught by its family -----------------------------------------------------


def test_every_fault_names_the_checks_it_fails() -> None:
    assert set(FAULTS) == set(FIRES), (
        f"faults without a row: {sorted(set(FAULTS) - set(FIRES))}; "
        f"rows without a fault: {sorted(set(FIRES) - set(FAULTS))}"
    )
    for name, fault in FAULTS.items():
        assert fault.family in FIRES[name], name


def failed_checks(result: CheckRun) -> dict[str, set[str]]:
    """Family → the checks that failed (parametrized ids folded into the test's name)."""
    assert result.results is not None, result.out + result.err
    failed: dict[str, set[str]] = {}
    for outcome in result.results["results"]:  # type: ignore[union-attr]
        if outcome["outcome"] == "failed":
            name = outcome["nodeid"].split("::")[-1].split("[")[0]
            failed.setdefault(outcome["family"], set()).add(name)
    return failed


def _run_fault(fault: str, base: Path) -> CheckRun:
    """One full `check` run (every family) against a simulator serving `fault` alone."""
    profile = "standard" if fault in STANDARD_ONLY else "smoke"
    served: tuple[str, ...] = ()
    checked: tuple[str, ...] = ()
    if fault in GATEWAY_FAULTS:
        served, checked = _gateway_args(base / f"{fault}-rules")
    with _sim(fault, served) as url:
        return check(
            url,
            *checked,
            "--profile",
            profile,
            "--junit-xml",
            str(base / "ci" / f"{fault}.xml"),
            report_dir=base / fault,
        )


@pytest.mark.parametrize("fault", sorted(FIRES))
def test_fault_fails_exactly_its_checks_and_the_other_families_hold(
    fault: str, tmp_path: Path
) -> None:
    result = _run_fault(fault, tmp_path)
    assert result.code == 1, f"{fault}: exit {result.code}\n{result.out}\n{result.err}"
    failed = failed_checks(result)
    maybe = MAY_ALSO_FIRE.get(fault, {})
    for family, checks in FIRES[fault].items():
        assert checks <= failed.get(family, set()), (family, failed, result.out[-4000:])
    for family, checks in failed.items():
        allowed = FIRES[fault].get(family, set()) | maybe.get(family, set())
        assert checks <= allowed, (
            f"{fault}: {family} failed {sorted(checks - allowed)} beyond the table",
            result.out[-4000:],
        )


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
    # `serve` imitates the newest line (1.8) by default, which detection tells as 1.7 (the
    # older lines: tests/check/test_releases.py).
    detected = str(result.results["linkis_version"])
    assert release_line(detected) == "1.7", detected
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


def _envelope_shape_check(report_dir: Path, *extra: str) -> CheckRun:
    """`check -m envelope` at smoke against a simulator whose answers lack `message`."""
    with _sim("envelope-shape") as url:
        return check(
            url, "--profile", "smoke", "-m", "envelope", *extra, report_dir=report_dir
        )


def test_report_dir_holds_junit_results_and_reproducers(tmp_path: Path) -> None:
    report = tmp_path / "report"
    junit = tmp_path / "ci" / "envelope-shape.xml"
    result = _envelope_shape_check(report, "--junit-xml", str(junit))
    tree = ET.parse(report / "junit.xml")
    suite = tree.getroot().find("testsuite")
    assert suite is not None
    assert int(suite.get("failures", "0")) >= 1
    assert junit.read_bytes() == (report / "junit.xml").read_bytes()
    assert result.results is not None
    failures = [r for r in result.results["results"] if r["outcome"] == "failed"]  # type: ignore[union-attr]
    assert failures
    first = next(f for f in failures if f["violation"]["check"] == "envelope")
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
    result = _envelope_shape_check(tmp_path / "r", "--quirks", str(quirks))
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


def test_ctrl_c_stops_the_suite_and_kills_its_jobs(tmp_path: Path) -> None:
    (tmp_path / "minute.yaml").write_text(MINUTE_JOB, encoding="utf-8")
    with start_simulator(speed=1.0) as sim:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LINKIS_")}
        env["LINKIS_PASSWORD"] = PASSWORD
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "linkis_harness",
                "check",
                "--target",
                sim.url,
                "--user",
                "alice",
                "--profile",
                "smoke",
                "--workloads",
                str(tmp_path),
                "-m",
                "states",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            preexec_fn=interruptible,
        )
        try:
            deadline = time.monotonic() + 60
            while "Running" not in _unfinished_jobs(sim.url):
                assert proc.poll() is None, "the run ended before its job ran"
                assert time.monotonic() < deadline, "the run's job never ran"
                time.sleep(0.2)
            proc.send_signal(signal.SIGINT)
            output, _ = proc.communicate(timeout=90)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == 2, output
        assert "interrupted" in output
        assert "Traceback" not in output
        assert "held" not in output  # a run cut short never says it held
        deadline = time.monotonic() + 10
        while _unfinished_jobs(sim.url) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _unfinished_jobs(sim.url) == []


# -- the gateway's own rules (issue 15) -------------------------------------------------------


def _gateway_check(
    base: Path, *, exposed: bool, markers: str, extra: tuple[str, ...] = ()
) -> tuple[CheckRun, set[str]]:
    served, checked = _gateway_args(base / "rules", exposed=exposed)
    with _sim(None, served) as url:
        result = check(
            url,
            *checked,
            *extra,
            "--profile",
            "smoke",
            "-m",
            markers,
            report_dir=base / "report",
        )
    return result, failed_families(result)


def test_faithful_gateway_rules_hold_in_rules_and_auth(tmp_path: Path) -> None:
    result, failed = _gateway_check(tmp_path, exposed=False, markers="rules or auth")
    assert result.code == 0, result.out + result.err
    assert not failed
    shown = json.dumps(result.results)
    assert "spoof-" in shown
    assert "access-" in shown
    assert "table-" in shown


def test_exposed_admin_token_path_is_a_security_warning_and_strict_fails_it(
    tmp_path: Path,
) -> None:
    """The release's own code (1.6+) is exposed, not broken: accepted and warned of, unless --strict."""
    probe = "test_lone_admin_token_does_not_run_jobs_as_another_user"
    result, failed = _gateway_check(tmp_path / "plain", exposed=True, markers="auth")
    assert result.code == 0, result.out + result.err
    assert not failed
    assert result.results is not None
    warned = json.dumps(result.results.get("security_warnings"))
    assert probe in warned, warned
    assert "executeUser" in warned, warned
    strict, failed = _gateway_check(
        tmp_path / "strict", exposed=True, markers="auth", extra=("--strict",)
    )
    assert strict.code == 1, strict.out + strict.err
    assert failed == {"auth"}
    assert probe in json.dumps(strict.results)
