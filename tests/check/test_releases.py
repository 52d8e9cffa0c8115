"""`check` against `serve --linkis-version V` for every release line V.

- the faithful simulator of each older line passes every family (exit 0) at standard, whose
  checks and workloads include smoke's, with the version *detected* from the target's answers,
  never passed (the newest line, at every profile: `tests/check/test_check.py`);
- the fault table under the lines where a fault applies: each fault under the oldest line
  that has its behaviour and under every line where what it distorts differs (the newest
  line, which `serve` imitates by default, is `tests/check/test_check.py`'s table). About 50
  single-family smoke runs instead of the 8 × 35 full product, each its own test.
"""

from __future__ import annotations

import io
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from linkis_harness.cli import run
from linkis_harness.core.versions import LATEST_VERSION, RELEASE_LINES, release_line
from linkis_harness.resources import data_dir
from linkis_harness.simulator.faults import FAULTS
from linkis_harness.simulator.launch import start_simulator
from tests.support.gatewayrules import (
    GATEWAY_FAULTS,
    rule_args,
    sim_args,
    write_gateway_rules,
)

pytestmark = pytest.mark.slow

SPEED = 4.0
PROXY_RULES = data_dir("fixtures") / "rules" / "proxy.properties"
TOKEN_RULES = data_dir("fixtures") / "rules" / "tokens.properties"
# What detection can tell apart: 1.6 answers as 1.5 (assumed 1.5), 1.8 as 1.7.
DETECTED_LINE = {
    "1.0": "1.0",
    "1.1": "1.1",
    "1.2": "1.2",
    "1.4": "1.4",
    "1.5": "1.5",
    "1.6": "1.5",
    "1.7": "1.7",
    "1.8": "1.7",
}
# Lines, besides the oldest with the fault's behaviour, where what the fault distorts differs.
DIFFERS: dict[str, tuple[str, ...]] = {
    "envelope-shape": (
        "1.5",
    ),  # taskID answers (entrance_task) go through the same Responder
    "http-200-errors": ("1.5",),  # status/kill of unknown jobs: plain errors from 1.5
    "taskid-string": ("1.5",),
    "execid-history-mismatch": ("1.7",),  # job history get without executionCode
    "terminal-flip": ("1.5",),  # the states family also polls by taskID
    "history-status-mismatch": ("1.7",),
    "kill-noop": ("1.5",),  # kill's answers change in 1.5
    "kill-any-user": ("1.5",),
    "history-any-user": ("1.7",),
    "auth-bypass": ("1.2",),  # the 1.1.1+ session cookie
    "token-any-user": (
        "1.2",
        "1.5",
    ),  # exact token users from 1.1.1; 15207/15202 texts 1.5
    "proxy-wildcard": ("1.2",),  # the rules family weighs 1.1.0's substring token match
    "proxy-substring": ("1.2",),
    "masked-crash": ("1.5",),  # 1.5's plain errors for unknown jobs
    "server-error": ("1.7",),
}
NEWEST = RELEASE_LINES[-1]
# Faults whose defect needs a log longer than 500 lines (as tests/check/test_check.py).
STANDARD_ONLY = {"log-flush-gap", "log-drop-line"}


def _lines_of(fault: str) -> list[str]:
    since = FAULTS[fault].since
    wanted = {since, *DIFFERS.get(fault, ())} - {NEWEST}
    return sorted(line for line in RELEASE_LINES if line in wanted)


FAULT_CASES = [(fault, line) for fault in sorted(FAULTS) for line in _lines_of(fault)]


@dataclass(frozen=True)
class CheckRun:
    code: int
    out: str
    err: str
    seconds: float
    results: dict[str, object] | None


@pytest.fixture(autouse=True)
def _no_linkis_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("LINKIS_"):
            monkeypatch.delenv(name, raising=False)


def _check(
    line: str,
    report_dir: Path,
    *extra: str,
    fault: str | None = None,
    served: tuple[str, ...] = (),
) -> CheckRun:
    """`check --target` the simulator serving `line` (with `fault`); the version detected."""
    with start_simulator(
        fault=fault,
        proxy_rules=PROXY_RULES,
        token_rules=TOKEN_RULES,
        speed=SPEED,
        extra_args=("--linkis-version", line, *served),
    ) as sim:
        argv = [
            "check",
            "--target",
            sim.url,
            "--user",
            "alice",
            "--password",
            "alice123",
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
            "--quiet",
            "--report-dir",
            str(report_dir),
            *extra,
        ]
        out, err = io.StringIO(), io.StringIO()
        started = time.monotonic()
        code = run(argv, out, err)
        seconds = time.monotonic() - started
    path = report_dir / "results.json"
    results = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
    return CheckRun(code, out.getvalue(), err.getvalue(), seconds, results)


def _failed_families(result: CheckRun) -> set[str]:
    assert result.results is not None, result.out + result.err
    families = result.results["families"]
    assert isinstance(families, dict)
    return {name for name, row in families.items() if row["failed"]}


def test_the_newest_line_is_what_serve_imitates_by_default() -> None:
    """tests/check/test_check.py's fault table (default `serve`) covers the newest line."""
    assert release_line(LATEST_VERSION) == NEWEST


def test_every_fault_runs_under_at_least_one_line() -> None:
    for fault, item in FAULTS.items():
        assert item.since in RELEASE_LINES, fault
        assert set(DIFFERS.get(fault, ())) <= set(RELEASE_LINES), fault
    assert {fault for fault, _ in FAULT_CASES} | {
        f for f in FAULTS if FAULTS[f].since == NEWEST
    } == set(FAULTS)


@pytest.mark.parametrize("line", [line for line in RELEASE_LINES if line != NEWEST])
def test_check_passes_against_every_release(line: str, tmp_path: Path) -> None:
    """Standard, whose checks and workloads include smoke's; the newest line: test_check.py."""
    result = _check(line, tmp_path, "--profile", "standard")
    assert result.code == 0, result.out + result.err
    assert not _failed_families(result)
    assert result.results is not None
    detected = str(result.results["linkis_version"])
    assert release_line(detected) == DETECTED_LINE[line], detected


def _fault_run(fault: str, line: str, base: Path) -> CheckRun:
    """`check` of the fault's family against the simulator serving `line` with `fault`."""
    profile = "standard" if fault in STANDARD_ONLY else "smoke"
    served: tuple[str, ...] = ()
    checked: tuple[str, ...] = ()
    if fault in GATEWAY_FAULTS:  # the token table and access control to break
        table, props = write_gateway_rules(base / "rules")
        served = sim_args(table, props, version=line)
        checked = rule_args(table, props)
    return _check(
        line,
        base / "report",
        "--profile",
        profile,
        "-m",
        FAULTS[fault].family,
        *checked,
        fault=fault,
        served=served,
    )


@pytest.mark.parametrize(("fault", "line"), FAULT_CASES)
def test_fault_is_caught_under_the_release(
    fault: str, line: str, tmp_path: Path
) -> None:
    result = _fault_run(fault, line, tmp_path)
    assert result.code == 1, (
        f"{fault}@{line}: exit {result.code}\n{result.out}\n{result.err}"
    )
    assert FAULTS[fault].family in _failed_families(result), result.out
