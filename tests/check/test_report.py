"""The check runner's offline parts: events → table, failure rendering, pytest argv/env, quirks."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from linkis_harness.check import report
from linkis_harness.check import runner as check_runner
from linkis_harness.config import Settings
from linkis_harness.core.families import FAMILIES
from linkis_harness.core.options import RUN_CONFIG_VAR, decode_run_config
from linkis_harness.resources import data_dir
from linkis_harness.safety import SafetyPolicy
from linkis_harness.suite import findings, quirks, secrets
from linkis_harness.suite import settings as suite_settings

EVENTS = [
    {"event": "start"},
    {"event": "collected", "total": 4, "families": {"envelope": 2, "log": 2}},
    {
        "event": "result",
        "nodeid": "test_envelope.py::test_a",
        "family": "envelope",
        "outcome": "passed",
        "duration": 0.5,
    },
    {
        "event": "result",
        "nodeid": "test_envelope.py::test_b",
        "family": "envelope",
        "outcome": "failed",
        "duration": 0.25,
        "violation": {
            "check": "envelope",
            "title": "envelope key 'message' missing",
            "detail": "keys: ['data']",
            "operation": "GET /entrance/{id}/status",
            "exec_id": None,
        },
        "message": "boom",
        "reproducer": {
            "curl": "curl -X GET http://sim/api/rest_j/v1/entrance/x/status",
            "response": "HTTP 200 (application/json)\n{}",
        },
    },
    {
        "event": "result",
        "nodeid": "test_log.py::test_c",
        "family": "log",
        "outcome": "accepted",
        "duration": 1.0,
        "reason": "accepted quirk (q.yaml#1): known",
    },
    {"event": "teardown", "family": "log", "duration": 2.0},
    {
        "event": "result",
        "nodeid": "test_log.py::test_d",
        "family": "log",
        "outcome": "skipped",
        "duration": 0.0,
        "reason": "no peer",
    },
    '{"event": "result", "nodeid": "torn',
]


def _results() -> report.RunResults:
    lines = [e if isinstance(e, str) else json.dumps(e) for e in EVENTS]
    return report.parse_events(lines)


def test_counts_per_family_in_table_order() -> None:
    results = _results()
    assert results.collected == 4
    assert results.counts() == {
        "envelope": {"passed": 1, "failed": 1, "accepted": 0, "skipped": 0},
        "log": {"passed": 0, "failed": 0, "accepted": 1, "skipped": 1},
    }
    assert results.durations() == {"envelope": 0.75, "log": 3.0}
    assert [o.nodeid for o in results.failures] == ["test_envelope.py::test_b"]


def test_summary_shows_rule_request_response_and_table() -> None:
    out = io.StringIO()
    report.render_summary(_results(), out, wall=3.5)
    text = out.getvalue()
    assert (
        "broke:    [envelope] envelope key 'message' missing (GET /entrance/{id}/status)"
        in text
    )
    assert "request:  curl -X GET http://sim/api/rest_j/v1/entrance/x/status" in text
    assert "response: HTTP 200 (application/json)" in text
    assert "accepted quirk (q.yaml#1): known" in text
    assert "VIOLATIONS FOUND: 1 passed, 1 failed, 1 accepted, 1 skipped in 3.5s" in text


def test_quiet_summary_keeps_one_line_per_failure() -> None:
    out = io.StringIO()
    report.render_summary(_results(), out, quiet=True)
    assert "request:" not in out.getvalue()
    assert "broke:" in out.getvalue()


def _run(tmp_path: Path, **changes: object) -> check_runner._Run:
    values: dict[str, object] = {
        "settings": Settings(
            target="http://gw:9001",
            user="alice",
            password="s3cret-pw",
            peer_user="bob",
            peer_password="peer-pw",
        ),
        "profile": "smoke",
        "markers": "log or kill",
        "seed": 7,
        "workloads": None,
        "proxy_rules": None,
        "token_rules": tmp_path / "tokens.properties",
        "quirks": (tmp_path / "q.yaml",),
        "junit_xml": None,
        "report_dir": None,
        "policy": SafetyPolicy(max_jobs=3),
    }
    values.update(changes)
    return check_runner._Run(**values)  # type: ignore[arg-type]


def test_pytest_command_carries_no_setting_and_no_secret(tmp_path: Path) -> None:
    run = _run(tmp_path)
    argv = check_runner.pytest_command(
        run, events=tmp_path / "e.jsonl", cassette=None, junit=tmp_path / "j.xml"
    )
    joined = " ".join(argv)
    assert "s3cret-pw" not in joined
    assert "peer-pw" not in joined
    for expected in (
        "-m log or kill",
        "--hypothesis-seed 7",
        "-p linkis",
        "-p hypothesispytest",
        "-p schemathesis",
    ):
        assert expected in joined
    # No other plugin: autoloading is off, so Locust's (which owns --host) and xdist stay out.
    env = check_runner.pytest_environment(run, None, {})
    assert env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] == "1"
    # Settings travel as the run configuration only (one path), never as --linkis-* flags.
    assert "--linkis-target" not in joined
    assert "--linkis-user" not in joined
    assert "--linkis-gate" not in joined


def test_environment_holds_one_run_configuration_and_the_policy(
    tmp_path: Path,
) -> None:
    run = _run(tmp_path)
    env = check_runner.pytest_environment(
        run,
        "1.4",
        {
            "LINKIS_TARGET": "http://other",
            "LINKIS_PASSWORD": "inherited",
            "PATH": "/bin",
            "PYTHONDONTWRITEBYTECODE": "1",
        },
    )
    given = decode_run_config(env[RUN_CONFIG_VAR])
    assert given["target"] == "http://gw:9001"
    assert given["password"] == "s3cret-pw"
    assert given["peer_user"] == "bob"
    assert given["peer_password"] == "peer-pw"
    assert given["seed"] == 7
    assert given["linkis_version"] == "1.4"
    assert given["quirks"] == (str(tmp_path / "q.yaml"),)
    assert given["timeout"] == 10.0
    assert env["LINKIS_MAX_JOBS"] == "3"
    # Nothing inherited: no other LINKIS_* value reaches the suite.
    assert {k for k in env if k.startswith("LINKIS_")} == {
        RUN_CONFIG_VAR,
        "LINKIS_MAX_JOBS",
    }
    assert "PYTHONDONTWRITEBYTECODE" not in env
    assert env["PATH"] == "/bin"
    # The suite's machinery is imported from the package: nothing is put on PYTHONPATH.
    assert "PYTHONPATH" not in env
    # The suite reads the same values back (flags > run configuration > LINKIS_* > defaults).
    options = suite_settings.build({}, env)
    assert options.connection == run.settings
    assert options.seed == 7
    assert options.profile == run.profile


def test_usage_errors_exit_2_with_one_line(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = check_runner.run_check(
        Settings(target="http://gw:9001"), profile="smoke", out=out, err=err
    )
    assert code == 2
    assert err.getvalue().startswith("error: no credentials for the target")
    err = io.StringIO()
    code = check_runner.run_check(
        Settings(target="http://gw:9001", user="a", password="b"),
        token_rules=tmp_path / "missing.properties",
        out=out,
        err=err,
    )
    assert code == 2
    assert (
        err.getvalue()
        == f"error: --token-rules: no such file: {tmp_path / 'missing.properties'}\n"
    )


def test_dry_run_sends_nothing_and_hides_the_password(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = check_runner.run_check(
        Settings(target="http://127.0.0.1:9", user="alice", password="s3cret-pw"),
        profile="smoke",
        policy=SafetyPolicy(dry_run=True, max_jobs=1),
        out=out,
        err=err,
    )
    assert code == 0, err.getvalue()
    text = out.getvalue()
    assert "s3cret-pw" not in text
    assert text.count("/entrance/submit") == 1
    assert "/user/login" in text


# -- quirks (the plugin) ---------------------------------------------------------------------


def test_shipped_quirks_file_loads() -> None:
    assert quirks.load_quirks(data_dir("fixtures") / "quirks.yaml") == []


def test_quirk_matches_check_operation_and_pattern(tmp_path: Path) -> None:
    path = tmp_path / "q.yaml"
    path.write_text(
        "quirks:\n  - check: log\n    operation: 'GET /entrance/*/log'\n    pattern: 'line 5\\d\\d'\n    reason: r\n",
        encoding="utf-8",
    )
    (quirk,) = quirks.load_quirks(path)
    assert quirk.matches("log", "GET /entrance/abc/log", "lost line 512")
    assert not quirk.matches("log", "GET /entrance/abc/log", "lost line 12")
    assert not quirk.matches("kill", "GET /entrance/abc/log", "lost line 512")
    assert not quirk.matches("log", "GET /entrance/abc/status", "lost line 512")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("quirks: 3\n", "expected a mapping with a 'quirks' list"),
        ("quirks:\n  - check: log\n", "quirk #1: missing reason"),
        ("quirks:\n  - check: nosuch\n    reason: r\n", "unknown check 'nosuch'"),
        (
            "quirks:\n  - check: log\n    reason: r\n    pattern: '('\n",
            "bad pattern '('",
        ),
        ("quirks: [\n", "not valid YAML"),
    ],
)
def test_bad_quirks_are_usage_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "q.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(
        pytest.UsageError, match=message.replace("(", r"\(").replace("'", "'")
    ):
        quirks.load_quirks(path)


def test_scrub_replaces_secrets_and_session_tickets() -> None:
    environ = {"LINKIS_USER": "alice", "LINKIS_PASSWORD": "hunter2-long"}
    suite_settings.set_current(suite_settings.build({}, environ))
    try:
        text = secrets.scrub(
            '{"password": "hunter2-long"} Cookie: linkis_user_session_ticket_id_v1=bfs_abc123; x'
        )
    finally:
        suite_settings.set_current(None)
    assert "hunter2-long" not in text
    assert "bfs_abc123" not in text
    assert "$LINKIS_PASSWORD" in text


def test_schemathesis_failure_gives_curl_and_response() -> None:
    text = (
        "Schemathesis found 1 distinct failure\n\n- ST101 Server error\n\n"
        '[500] Internal Server Error:\n\n    `{"status":500,"error":"Internal Server Error"}`\n\n'
        "Reproduce with:\n\n    curl -X GET 'http://sim/api/rest_j/v1/jobhistory/list?status=Succeed'\n"
    )
    finding = findings.finding(AssertionError(text), "schema")
    assert finding["check"] == "schema"
    assert finding["reproducer"]["curl"].startswith(
        "curl -X GET 'http://sim/api/rest_j/v1/jobhistory/list"
    )
    assert finding["reproducer"]["response"].startswith(
        "HTTP 500 Internal Server Error\n{"
    )


def test_violation_evidence_becomes_the_reproducer() -> None:
    detail = "status 1 at HTTP 200\nrequest:  curl -sS -X GET http://sim/x\nresponse: HTTP 200 (application/json)\n{}"
    assert findings.evidence_in(detail) == {
        "curl": "curl -sS -X GET http://sim/x",
        "response": "HTTP 200 (application/json)\n{}",
    }
    assert findings.evidence_in("no evidence here") is None


def test_the_suite_keeps_hypothesis_tables_in_a_cache_that_outlives_the_run(
    tmp_path: Path,
) -> None:
    """Each run's suite starts in a new temporary directory; its hypothesis store does not."""
    run = _run(tmp_path)
    env = check_runner.pytest_environment(run, None, {"XDG_CACHE_HOME": "/c"})
    assert env["HYPOTHESIS_STORAGE_DIRECTORY"] == "/c/linkis-harness/hypothesis"
    chosen = {"XDG_CACHE_HOME": "/c", "HYPOTHESIS_STORAGE_DIRECTORY": "/mine"}
    env = check_runner.pytest_environment(run, None, chosen)
    assert env["HYPOTHESIS_STORAGE_DIRECTORY"] == "/mine"


@pytest.mark.parametrize(
    ("markers", "files"),
    [
        ("envelope", ["test_envelope.py"]),
        ("log or kill", ["test_log.py", "test_kill.py"]),
        ("not (schema or rules)", None),  # nine families: listed below
        (None, []),
        ("hypothesis", []),  # a marker other than a family: pytest decides
        ("log and slow", []),
        ("nosuchfamily", []),
        ("log or", []),  # not an expression: pytest says why
    ],
)
def test_the_suite_collects_only_the_family_files_minus_m_selects(
    markers: str | None, files: list[str] | None
) -> None:
    suite = data_dir("contract_tests")
    paths = check_runner.suite_paths(suite, markers)
    if files is None:
        files = [f"test_{f}.py" for f in FAMILIES if f not in ("schema", "rules")]
    expected = [str(suite / f) for f in files] if files else [str(suite)]
    assert sorted(paths) == sorted(expected)
