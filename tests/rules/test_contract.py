"""contract_tests/test_rules.py: one pytest test per matrix row, skipped without rule files."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from linkis_harness.core.rules import parse_rules
from linkis_harness.resources import data_dir
from linkis_harness.rules.matrix import derive_cases
from linkis_harness.simulator.launch import start_simulator

pytestmark = pytest.mark.slow

RULES = data_dir("fixtures") / "rules"
PROXY = RULES / "proxy.properties"
TOKENS = RULES / "tokens.properties"
SUITE = data_dir("contract_tests")


def _pytest(*argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINKIS_")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:locust",
            "-p",
            "no:cacheprovider",
            "-q",
            "-rfs",
            str(SUITE / "test_rules.py"),
            *argv,
        ],
        capture_output=True,
        text=True,
        cwd=SUITE,
        env=env,
        timeout=300,
        check=False,
    )


def test_without_rule_files_the_family_skips_with_a_reason() -> None:
    with start_simulator() as sim:
        result = _pytest(
            "--linkis-target",
            sim.url,
            "--linkis-user",
            "alice",
            "--linkis-password",
            "alice123",
        )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 skipped" in result.stdout
    assert (
        "no rule files: pass --linkis-proxy-rules and/or --linkis-token-rules"
        in result.stdout
    )


def test_token_any_user_fails_exactly_the_token_refusals() -> None:
    with start_simulator(
        fault="token-any-user", proxy_rules=PROXY, token_rules=TOKENS, speed=50
    ) as sim:
        result = _pytest(
            "--linkis-target",
            sim.url,
            "--linkis-user",
            "alice",
            "--linkis-password",
            "alice123",
            "--linkis-proxy-rules",
            str(PROXY),
            "--linkis-token-rules",
            str(TOKENS),
        )
    assert result.returncode == 1, result.stdout + result.stderr
    failed = set(re.findall(r"FAILED \S+::test_rule_case\[([^\]]+)\]", result.stdout))
    tokens = parse_rules(TOKENS.read_text(), source="t", kind="token")
    cases = derive_cases(
        proxy_rules=parse_rules(PROXY.read_text(), source="p"),
        token_rules=tokens,
        known_users=("alice",),
    )
    expected = {
        case.ident(i + 1)
        for i, case in enumerate(cases)
        if case.kind == "token"
        and case.expect == "refuse"
        and case.user is not None
        and case.token is not None
        and tokens.get(case.token) is not None
    }
    assert expected
    assert failed == expected
    assert (
        f"{len(expected)} failed, {len(cases) - len(expected)} passed" in result.stdout
    )
    for rule in tokens.rules:
        assert rule.key not in result.stdout + result.stderr
