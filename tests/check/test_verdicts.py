"""Honest verdicts end to end: `check` against the simulator on a loopback port.

- only `--user` against a simulator that lets a peer kill: "held, but … did not run" with the
  reasons (named by check's options), `complete: false`, exit 1 with `--require-complete`;
- the peer-read security warning reaches the terminal, results.json, JUnit and the HTML;
- the reproducer of "a peer user killed another user's job" is the peer's kill;
- runs that could not run (a bad quirks file, `-m 'log or'`) never say "held", anywhere;
- a case `--max-jobs` refused is a skip with its reason;
- newcomer findings: a target that is not Linkis, an undecodable rules file, `rules
  --lint-only` with a stray LINKIS_PASSWORD.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from linkis_harness.cli import run
from linkis_harness.resources import data_dir
from linkis_harness.simulator.launch import start_simulator

pytestmark = pytest.mark.slow

PROXY_RULES = data_dir("fixtures") / "rules" / "proxy.properties"
TOKEN_RULES = data_dir("fixtures") / "rules" / "tokens.properties"
PEER = ("--peer-user", "bob", "--peer-password", "bob123")


@dataclass(frozen=True)
class Done:
    code: int
    out: str
    err: str
    results: dict[str, Any] | None
    html: str | None

    @property
    def closing(self) -> str:
        return self.out.strip().splitlines()[-2 if "report:" in self.out else -1]


@pytest.fixture(autouse=True)
def _no_linkis_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("LINKIS_"):
            monkeypatch.delenv(name, raising=False)


@contextlib.contextmanager
def _sim(fault: str | None = None) -> Iterator[str]:
    with start_simulator(
        fault=fault, proxy_rules=PROXY_RULES, token_rules=TOKEN_RULES, speed=4.0
    ) as sim:
        yield sim.url


def _check(*argv: str, report_dir: Path | None = None) -> Done:
    args = ["check", *argv]
    if report_dir is not None:
        args += ["--report-dir", str(report_dir)]
    out, err = io.StringIO(), io.StringIO()
    code = run(args, out, err)
    results = html = None
    if report_dir is not None and (report_dir / "results.json").is_file():
        results = json.loads((report_dir / "results.json").read_text(encoding="utf-8"))
    if report_dir is not None and (report_dir / "report.html").is_file():
        html = (report_dir / "report.html").read_text(encoding="utf-8")
    return Done(code, out.getvalue(), err.getvalue(), results, html)


def _as_alice(url: str, *extra: str) -> tuple[str, ...]:
    return ("--target", url, "--user", "alice", "--password", "alice123", *extra)


def test_only_a_user_against_kill_any_user_is_held_but_incomplete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = _as_alice("", "--profile", "smoke", "-m", "kill or rules")
    with _sim("kill-any-user") as url:
        argv = _as_alice(url, "--profile", "smoke", "-m", "kill or rules")
        done = _check(*argv, report_dir=tmp_path / "a")
        monkeypatch.setenv("LINKIS_REQUIRE_COMPLETE", "1")
        required = _check(*argv, report_dir=tmp_path / "b")
    assert done.code == 0, done.out + done.err
    assert done.closing.startswith("held, but "), done.out
    assert "did not run: no peer user: pass --peer-user and LINKIS_PEER_PASSWORD (" in (
        done.closing
    )
    assert "all checks held" not in done.out
    # Every skip line says why, in the options `check` has.
    skips = [line for line in done.out.splitlines() if line.startswith("  skip")]
    assert skips
    assert all(" -- " in line for line in skips), skips
    assert "--linkis-" not in done.out
    assert done.results is not None
    assert done.results["complete"] is False
    assert done.results["verdict"] == "held, incomplete"
    reasons = [g["reason"] for g in done.results["not_run"]]
    assert any("--peer-user" in r for r in reasons), reasons
    assert done.html is not None
    assert "held, but" in done.html
    assert done.html.index('id="not-run"') < done.html.index('id="families"')
    # The same run with LINKIS_REQUIRE_COMPLETE: exit 1, and it says why.
    assert required.code == 1, required.out + required.err
    assert "--require-complete" in required.err
    assert required.results is not None
    assert required.results["exit_code"] == 1


def test_peer_read_warning_is_in_every_report(tmp_path: Path) -> None:
    with _sim() as url:
        done = _check(
            *_as_alice(url, *PEER, "--profile", "smoke", "-m", "kill"),
            report_dir=tmp_path,
        )
    assert done.code == 0, done.out + done.err
    assert "SECURITY WARNING: peer user 'bob' can read" in done.out
    assert "1 security warning(s)" in done.closing
    assert done.results is not None
    (found,) = done.results["security_warnings"]
    assert found["nodeid"].endswith("test_peer_reading_status_and_log_is_reported")
    assert "can read another user's job" in found["warning"]
    assert done.html is not None
    assert 'id="security-warnings"' in done.html
    suite = ET.parse(tmp_path / "junit.xml").getroot().find("testsuite")
    assert suite is not None
    # A suite property (valid in xunit2), beside the check's own record_property.
    values = [
        p.get("value", "")
        for p in suite.findall("properties/property")
        if p.get("name") == "security_warning"
    ]
    assert len(values) == 1
    assert "can read another user's job" in values[0]


def test_reproducer_of_a_peer_kill_is_the_peers_kill(tmp_path: Path) -> None:
    with _sim("kill-any-user") as url:
        done = _check(
            *_as_alice(url, *PEER, "--profile", "smoke", "-m", "kill"),
            report_dir=tmp_path,
        )
    assert done.code == 1, done.out + done.err
    assert done.results is not None
    failure = next(
        r
        for r in done.results["results"]
        if r.get("violation", {}).get("title")
        == "a peer user killed another user's job"
    )
    curl = failure["reproducer"]["curl"]
    assert "/kill" in curl, curl
    assert "/status" not in curl


def test_a_bad_quirks_file_is_not_run_in_every_report(tmp_path: Path) -> None:
    quirks = tmp_path / "quirks.yaml"
    quirks.write_text("quirks:\n  - check: nosuch\n    reason: x\n", encoding="utf-8")
    with _sim() as url:
        done = _check(
            *_as_alice(
                url, "--profile", "smoke", "-m", "auth", "--quirks", str(quirks)
            ),
            report_dir=tmp_path / "r",
        )
    assert done.code == 2
    assert "unknown check 'nosuch'" in done.err
    assert done.closing.startswith("NOT RUN: "), done.out
    assert "held" not in done.out
    assert done.results is not None
    assert done.results["verdict"] == "not run"
    assert done.results["complete"] is False
    assert done.html is not None
    assert "NOT RUN" in done.html
    assert "all checks held" not in done.html


def test_a_broken_marker_expression_is_not_run() -> None:
    with _sim() as url:
        done = _check(*_as_alice(url, "--profile", "smoke", "-m", "log or"))
    assert done.code == 2
    assert done.closing.startswith("NOT RUN: "), done.out
    assert "held" not in done.out


def test_a_case_refused_by_max_jobs_is_a_skip_with_its_reason(tmp_path: Path) -> None:
    with _sim() as url:
        done = _check(
            *_as_alice(url, "--profile", "smoke", "-m", "schema", "--max-jobs", "0"),
            report_dir=tmp_path,
        )
    assert done.results is not None
    refused = [
        r
        for r in done.results["results"]
        if "POST /entrance/submit" in r["nodeid"]
        or "POST /entrance/execute" in r["nodeid"]
    ]
    assert refused
    assert all(r["outcome"] == "skipped" for r in refused), refused
    assert all("--max-jobs 0" in r["reason"] for r in refused), refused
    assert done.results["complete"] is False
    assert done.code == 0, done.out + done.err


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def _http_server() -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "http.server did not start"
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_a_target_that_is_not_linkis_is_said_to_be_not_linkis() -> None:
    with _http_server() as url:
        done = _check(*_as_alice(url, "--profile", "smoke"))
    assert done.code == 2
    assert done.err.count("\n") == 1, done.err
    assert "does not answer like Linkis" in done.err
    assert "refused" not in done.err


def test_an_undecodable_proxy_rules_file_is_one_line_exit_2(tmp_path: Path) -> None:
    rules = tmp_path / "proxy.properties"
    rules.write_bytes(b"alice=bob\n\xff\xfe\x00hadoop=\xe9\n")
    done = _check("--proxy-rules", str(rules), "--profile", "smoke")
    assert done.code == 2
    assert done.err.count("\n") == 1, done.err
    assert "--proxy-rules" in done.err
    assert "not UTF-8" in done.err
    assert "INTERNALERROR" not in done.out + done.err


def test_lint_only_lints_with_a_stray_password_in_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LINKIS_PASSWORD", "left-over")
    out, err = io.StringIO(), io.StringIO()
    code = run(["rules", "--lint-only", "--proxy-rules", str(PROXY_RULES)], out, err)
    assert code in (0, 1), err.getvalue()
    assert "lint " in out.getvalue()
    assert "left-over" not in out.getvalue() + err.getvalue()


def test_a_read_only_run_is_held_but_incomplete_with_the_read_only_reason(
    tmp_path: Path,
) -> None:
    with _sim() as url:
        done = _check(
            *_as_alice(url, *PEER, "--profile", "smoke", "--read-only"),
            report_dir=tmp_path,
        )
    assert done.code == 0, done.out + done.err
    assert done.closing.startswith("held, but "), done.closing
    assert "all checks held" not in done.out
    assert done.results is not None
    assert done.results["complete"] is False
    assert any("--read-only" in g["reason"] for g in done.results["not_run"])
