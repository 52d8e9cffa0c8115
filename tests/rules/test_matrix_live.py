"""`linkis-harness rules` against the simulator loaded with the sample rule files.

The faithful simulator passes every row; each rules fault makes exactly the rows the fault
model predicts fail (computed here from the rules, independently of `rulematrix`'s verdicts,
and pinned by a few explicit rows); tokens are never printed in full without --show-secrets.
"""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from linkis_harness.cli import run
from linkis_harness.core.rules import RuleSet, parse_rules
from linkis_harness.resources import data_dir
from linkis_harness.simulator.launch import RunningSimulator, start_simulator

pytestmark = pytest.mark.slow

RULES = data_dir("fixtures") / "rules"
PROXY = RULES / "proxy.properties"
TOKENS = RULES / "tokens.properties"
PROXY_SET = parse_rules(PROXY.read_text(), source="proxy.properties")
TOKEN_SET = parse_rules(TOKENS.read_text(), source="tokens.properties", kind="token")
SECRETS = [r.key for r in (*PROXY_SET.rules, *TOKEN_SET.rules)]
LOGIN = ["--user", "alice", "--password", "alice123"]


def _rules(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(["rules", *argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _matrix(
    url: str, tmp_path: Path, *extra: str
) -> tuple[int, str, str, list[dict[str, Any]]]:
    report = tmp_path / "report"
    code, out, err = _rules(
        "--target",
        url,
        *LOGIN,
        "--proxy-rules",
        str(PROXY),
        "--token-rules",
        str(TOKENS),
        "--report-dir",
        str(report),
        *extra,
    )
    rows = json.loads((report / "rules.json").read_text())["rows"]
    return code, out, err, rows


@pytest.fixture(scope="module")
def faithful() -> Iterator[RunningSimulator]:
    with start_simulator(proxy_rules=PROXY, token_rules=TOKENS, speed=50) as sim:
        yield sim


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str
    rows: list[dict[str, Any]]
    junit: Path


@pytest.fixture(scope="module")
def faithful_run(
    faithful: RunningSimulator, tmp_path_factory: pytest.TempPathFactory
) -> Run:
    """One matrix run against the faithful simulator, shared by the tests that read it."""
    tmp = tmp_path_factory.mktemp("faithful")
    junit = tmp / "rules.xml"
    code, out, err, rows = _matrix(faithful.url, tmp, "--junit-xml", str(junit))
    return Run(code, out, err, rows, junit)


def _failed(rows: list[dict[str, Any]]) -> set[str]:
    return {r["case"] for r in rows if r["verdict"] == "failed"}


# --- fault models: which rows a defect must turn into failures --------------------------------


def _token_of(row: dict[str, Any], rules: RuleSet) -> str | None:
    """Map a row's fingerprint back to the rule key (the report never holds the token)."""
    from linkis_harness.rules.matrix import fingerprint

    for rule in rules.rules:
        if fingerprint(rule.key) == row["token"]:
            return rule.key
    return None


def _proxy_wildcard(row: dict[str, Any]) -> bool:
    # Every proxy refusal of a *known* token with both parameters turns into an acceptance.
    return (
        row["kind"] == "proxy"
        and row["expected"] == "refuse"
        and row["user"] is not None
        and _token_of(row, PROXY_SET) is not None
    )


def _proxy_substring(row: dict[str, Any]) -> bool:
    token = _token_of(row, PROXY_SET)
    if not (row["kind"] == "proxy" and row["expected"] == "refuse" and token):
        return False
    user = row["user"]
    rule = PROXY_SET.get(token)
    return user is not None and rule is not None and user in rule.value


def _token_any_user(row: dict[str, Any]) -> bool:
    return (
        row["kind"] == "token"
        and row["expected"] == "refuse"
        and row["user"] is not None
        and _token_of(row, TOKEN_SET) is not None
    )


FAULTS: dict[str, tuple[Callable[[dict[str, Any]], bool], set[str]]] = {
    "proxy-wildcard": (
        _proxy_wildcard,
        {
            "proxy-14-bobby-not_listed",
            "proxy-03-ALICE-upper_case",
            "proxy-13-empty-empty_name",
        },
    ),
    # `bob` is a substring of the report token's `bobby`: the near-miss the sample is built for.
    "proxy-substring": (
        _proxy_substring,
        {"proxy-24-bob-not_listed", "proxy-20-bobb-prefix", "proxy-11-bo-prefix"},
    ),
    "token-any-user": (
        _token_any_user,
        {
            "token-41-bobby-not_listed",
            "token-54-bob-not_listed",
            "token-33-ALICE-upper_case",
        },
    ),
}


# --- faithful ---------------------------------------------------------------------------------


def test_faithful_simulator_holds_every_row(faithful_run: Run) -> None:
    rows = faithful_run.rows
    assert faithful_run.code == 0, faithful_run.out + faithful_run.err
    assert len(rows) == 57
    assert _failed(rows) == set()
    kinds = {(r["kind"], r["expected"]) for r in rows}
    assert kinds == {
        ("proxy", "accept"),
        ("proxy", "refuse"),
        ("token", "accept"),
        ("token", "refuse"),
    }
    assert "57 cases: 57 held, 0 failed" in faithful_run.out
    # Accepted proxies acted as the user and owned the job they submitted.
    bob = next(r for r in rows if r["case"] == "proxy-02-bob-listed")
    assert "acting as 'bob'" in bob["detail"]
    assert "owner 'bob'" in bob["detail"]
    refused = next(r for r in rows if r["case"] == "token-54-bob-not_listed")
    assert (refused["http_status"], refused["status"]) == (401, -1)


def test_table_has_one_line_per_row_and_a_verdict(faithful_run: Run) -> None:
    lines = faithful_run.out.splitlines()
    rows = faithful_run.rows
    header = next(i for i, line in enumerate(lines) if line.startswith("case "))
    assert lines[header].split() == [
        "case",
        "token",
        "user",
        "from",
        "expected",
        "observed",
        "verdict",
    ]
    body = lines[header + 1 : header + 1 + len(rows)]
    assert [line.split()[0] for line in body] == [r["case"] for r in rows]
    assert all(line.endswith("held") for line in body)


def test_junit_has_one_case_per_row_plus_lint(faithful_run: Run) -> None:
    suite = ET.parse(faithful_run.junit).getroot()
    names = [case.get("name") for case in suite.iter("testcase")]
    assert names == ["lint", *(r["case"] for r in faithful_run.rows)]
    assert suite.get("failures") == "0"


def test_headers_mode_holds_on_a_simulator_serving_the_headers(tmp_path: Path) -> None:
    with start_simulator(
        proxy_rules=PROXY, token_rules=TOKENS, extra_args=("--proxy-headers",)
    ) as sim:
        code, out, err, rows = _matrix(sim.url, tmp_path, "--proxy-mode", "headers")
    assert code == 0, out + err
    assert _failed(rows) == set()
    assert not [
        r for r in rows if r["user"] is not None and r["user"] != r["user"].strip()
    ]
    assert "(proxy mode: headers)" in out


# --- faults -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_rules_fault_fails_exactly_its_rows(fault: str, tmp_path: Path) -> None:
    model, pinned = FAULTS[fault]
    with start_simulator(
        fault=fault, proxy_rules=PROXY, token_rules=TOKENS, speed=50
    ) as sim:
        code, out, err, rows = _matrix(sim.url, tmp_path)
    assert code == 1, err
    expected = {r["case"] for r in rows if model(r)}
    assert expected, "the fault model predicts no failing row"
    assert _failed(rows) == expected
    assert pinned <= expected
    for case in pinned:
        assert f"FAILED {case}:" in out
    # Failures print reasons, reproducers and the gateway's own messages (which name the
    # token): still no token in full, anywhere.
    assert "Token Authentication Failed, token: " in out  # redacted below
    texts = [out, err, *(p.read_text() for p in tmp_path.rglob("*") if p.is_file())]
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


def test_headers_mode_catches_proxy_wildcard(tmp_path: Path) -> None:
    with start_simulator(
        fault="proxy-wildcard",
        proxy_rules=PROXY,
        token_rules=TOKENS,
        extra_args=("--proxy-headers",),
    ) as sim:
        code, _, _, rows = _matrix(sim.url, tmp_path, "--proxy-mode", "headers")
    assert code == 1
    expected = {r["case"] for r in rows if _proxy_wildcard(r)}
    assert _failed(rows) == expected
    assert any(
        r["case"].endswith("-bobby-not_listed") for r in rows if r["case"] in expected
    )


# --- secrets and exit codes -------------------------------------------------------------------


def test_lint_errors_fail_the_run_even_when_every_row_holds(
    faithful: RunningSimulator, tmp_path: Path
) -> None:
    rules = tmp_path / "proxy.properties"
    # The same line twice: the simulator was started with it once (the sample file).
    rules.write_text("ETL-PROXY-7f3c9a51=alice,bob\nETL-PROXY-7f3c9a51=alice,bob\n")
    argv = ["--target", faithful.url, *LOGIN, "--proxy-rules", str(rules)]
    code, out, _ = _rules(*argv)
    assert code == 1
    assert "error [duplicate-key]" in out
    assert ", 0 failed" in out
    assert "ETL-PROXY-7f3c9a51" not in out
    _, shown, _ = _rules(*argv, "--show-secrets")
    assert "ETL-PROXY-7f3c9a51" in shown.split("matrix against")[1]  # in the table too


def test_syntax_error_skips_the_matrix(tmp_path: Path) -> None:
    rules = tmp_path / "proxy.properties"
    rules.write_text("alice\n")
    code, out, err = _rules(
        "--target", "http://127.0.0.1:9", "--proxy-rules", str(rules)
    )
    assert code == 1
    assert f"{rules}:1: error [syntax] expected 'token=user[,user]', got 'alice'" in out
    assert err == "matrix not run: fix the syntax errors above first\n"


def test_unreachable_target_exits_2() -> None:
    code, _, err = _rules(
        "--target", "http://127.0.0.1:9", *LOGIN, "--proxy-rules", str(PROXY)
    )
    assert code == 2
    assert err.startswith("error: cannot reach http://127.0.0.1:9")
    assert err.count("\n") == 1


def test_out_of_the_box_against_the_embedded_simulator() -> None:
    code, out, err = _rules("--proxy-rules", str(PROXY), "--token-rules", str(TOKENS))
    assert code == 0, out + err
    assert "57 cases: 57 held, 0 failed" in out
    assert "matrix against http://127.0.0.1:" in out


def test_read_only_judges_proxies_without_submitting_jobs(
    faithful: RunningSimulator, tmp_path: Path
) -> None:
    rules = tmp_path / "proxy.properties"
    rules.write_text("ETL-PROXY-7f3c9a51=alice,bob\n")  # as the simulator has it
    report = tmp_path / "report"
    code, out, err = _rules(
        "--target",
        faithful.url,
        *LOGIN,
        "--proxy-rules",
        str(rules),
        "--read-only",
        "--report-dir",
        str(report),
    )
    assert code == 0, out + err
    rows = json.loads((report / "rules.json").read_text())["rows"]
    accepted = [r for r in rows if r["expected"] == "accept"]
    assert [r["user"] for r in accepted] == ["alice", "bob"]
    for row in accepted:
        assert "job ownership not checked (" in row["detail"]
        assert " owner '" not in row["detail"]  # no job was submitted


def test_a_file_without_rules_asks_nothing(tmp_path: Path) -> None:
    rules = tmp_path / "proxy.properties"
    rules.write_text("# no rules yet\n")
    code, out, err = _rules("--proxy-rules", str(rules))
    assert code == 0, err
    assert out.endswith("\nno rules in the files: no case to ask the gateway\n")
