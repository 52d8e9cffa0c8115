"""No secret leaves the harness: passwords, tokens, validation codes and session tickets.

`check`, `load` (short) and `rules` run as real processes against the simulator with
distinctive secrets, through a recording proxy (the BadServer in `ok` mode) that captures the
session tickets the harness really used. Then every stream and every file the runs produced
(terminal output, logs, JUnit, JSON, HTML, cassettes, curl reproducers, and anything written
under TMPDIR or the working directory) is searched for each secret: none may appear.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.support.badserver import TICKET, BadServer

launch = pytest.importorskip("linkis_harness.simulator.launch")

pytestmark = pytest.mark.slow

# Distinctive values: none of them can occur in output by accident.
PASSWORD = "pw-H7-Zanzibar-6021"
PEER_PASSWORD = "pw-H7-Quokka-7733"
TOKEN = "TOKEN-H7-Marmalade-4410"
VALIDATION_CODE = "VC-H7-Tamarind-9182"
USERS = f"carol={PASSWORD}\ndave={PEER_PASSWORD}\nhadoop=hadoop\nalice=alice123\nbob=bob123\n"
TOKEN_RULES = f"{TOKEN}=carol,dave\n"
PROXY_RULES = f"{VALIDATION_CODE}=dave\n"
USERS_OPTION = "--users-file"


@dataclass
class Produced:
    """What one command left behind: its streams and the directory its files went to."""

    name: str
    code: int
    stdout: str
    stderr: str


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    inputs = tmp_path_factory.mktemp("inputs")
    (inputs / "users.properties").write_text(USERS, encoding="utf-8")
    (inputs / "tokens.properties").write_text(TOKEN_RULES, encoding="utf-8")
    (inputs / "proxy.properties").write_text(PROXY_RULES, encoding="utf-8")
    # The recording proxy in front: every request the harness sends passes through it.
    with (
        launch.start_simulator(
            speed=20.0,
            token_rules=inputs / "tokens.properties",
            proxy_rules=inputs / "proxy.properties",
            extra_args=(USERS_OPTION, str(inputs / "users.properties")),
        ) as sim,
        BadServer("ok", upstream=sim.url) as proxy,
        # A gateway that refuses tokens and, like real Linkis, echoes them in the refusal.
        BadServer("token-rejected", upstream=sim.url) as echo,
    ):
        yield {"sim": sim, "proxy": proxy, "echo": echo, "inputs": inputs}


def _run(name: str, argv: list[str], out_dir: Path) -> Produced:
    work = out_dir / "cwd"
    tmp = out_dir / "tmp"
    work.mkdir(parents=True)
    tmp.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINKIS_")}
    env.update({"TMPDIR": str(tmp), "NO_COLOR": "1"})
    done = subprocess.run(
        [sys.executable, "-m", "linkis_harness", *argv],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return Produced(name, done.returncode, done.stdout, done.stderr)


def _help(command: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "linkis_harness", command, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done.stdout


def _forms(secret: str) -> set[str]:
    """The secret as it could be written: raw, URL-quoted, JSON-escaped."""
    return {secret, quote(secret, safe=""), secret.replace("/", "\\/")}


def _leaks(text: str, secrets: dict[str, str]) -> list[str]:
    return [
        label
        for label, secret in secrets.items()
        if any(f in text for f in _forms(secret))
    ]


@pytest.fixture(scope="module")
def runs(
    world: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> list[tuple[Produced, Path]]:
    proxy: BadServer = world["proxy"]
    inputs: Path = world["inputs"]
    base = tmp_path_factory.mktemp("runs")
    echo: BadServer = world["echo"]
    rules_argv = [
        "rules",
        "--target",
        proxy.url,
        "--user",
        "carol",
        "--password",
        PASSWORD,
        "--proxy-rules",
        str(inputs / "proxy.properties"),
        "--token-rules",
        str(inputs / "tokens.properties"),
    ]
    rules_help = _help("rules")
    if "--report-dir" in rules_help:
        rules_argv += ["--report-dir", str(base / "rules" / "report")]
    if "--junit-xml" in rules_help:
        rules_argv += ["--junit-xml", str(base / "rules" / "junit.xml")]
    planned: list[tuple[str, str, list[str]]] = [
        (
            "check",
            "check",
            [
                "check",
                "--target",
                proxy.url,
                "--user",
                "carol",
                "--password",
                PASSWORD,
                "--peer-user",
                "dave",
                "--peer-password",
                PEER_PASSWORD,
                "--token-rules",
                str(inputs / "tokens.properties"),
                "--proxy-rules",
                str(inputs / "proxy.properties"),
                "--profile",
                "smoke",
                "--report-dir",
                str(base / "check" / "report"),
                "--junit-xml",
                str(base / "check" / "junit.xml"),
            ],
        ),
        (
            "load",
            "load",
            [
                "load",
                "--target",
                proxy.url,
                "--token-code",
                TOKEN,
                "--token-user",
                "carol",
                "--users",
                "2",
                "--spawn-rate",
                "2",
                "--run-time",
                "3s",
                "--report-dir",
                str(base / "load" / "report"),
            ],
        ),
        (
            "check (token echoed)",
            "check-echo",
            [
                "check",
                "--target",
                echo.url,
                "--user",
                "carol",
                "--password",
                PASSWORD,
                "--token-rules",
                str(inputs / "tokens.properties"),
                "--profile",
                "smoke",
                "-m",
                "auth or rules",
                "--report-dir",
                str(base / "check-echo" / "report"),
                "--junit-xml",
                str(base / "check-echo" / "junit.xml"),
            ],
        ),
        ("rules", "rules", rules_argv),
    ]
    # The four runs are independent processes (own cwd, TMPDIR and report directory): they run
    # side by side, so the module waits for the slowest run instead of the sum of all four.
    with ThreadPoolExecutor(max_workers=len(planned)) as pool:
        futures = [
            (pool.submit(_run, name, argv, base / folder), base / folder)
            for name, folder, argv in planned
        ]
        return [(future.result(), out) for future, out in futures]


def _secrets(world: dict[str, Any]) -> dict[str, str]:
    proxy: BadServer = world["proxy"]
    secrets = {
        "password": PASSWORD,
        "peer password": PEER_PASSWORD,
        "token": TOKEN,
        "validation code": VALIDATION_CODE,
    }
    echo: BadServer = world["echo"]
    for seen in proxy.seen + echo.seen:
        for item in seen.headers.get("cookie", "").split(";"):
            name, _, value = item.strip().partition("=")
            if name == TICKET and len(value) >= 12:
                secrets[f"session ticket {value[:6]}…"] = value
    return secrets


def test_the_runs_really_ran(
    runs: list[tuple[Produced, Path]], world: dict[str, Any]
) -> None:
    """Guard against a vacuous pass: every command ran (0 or 1) and used the secrets."""
    for produced, _ in runs:
        assert produced.code in (0, 1), (
            f"{produced.name} exited {produced.code}:\n{produced.stderr[-2000:]}"
        )
    proxy: BadServer = world["proxy"]
    sent = [s.headers.get("token-code") for s in proxy.seen]
    assert TOKEN in sent, "load never sent the token"
    echo: BadServer = world["echo"]
    assert TOKEN in [s.headers.get("token-code") for s in echo.seen], (
        "check never tried the token from --token-rules, so its echo was never tested"
    )
    assert any(TICKET in s.headers.get("cookie", "") for s in proxy.seen), (
        "no session ticket used"
    )
    logins = [s.body for s in proxy.seen if s.path.endswith("/user/login")]
    assert any(PASSWORD.encode() in body for body in logins), (
        "the password was never used"
    )
    tickets = [k for k in _secrets(world) if k.startswith("session ticket")]
    assert tickets, "no session ticket captured"


@pytest.mark.parametrize(
    "index", [0, 1, 2, 3], ids=["check", "load", "check-token-echo", "rules"]
)
def test_no_secret_in_the_terminal_output(
    runs: list[tuple[Produced, Path]], world: dict[str, Any], index: int
) -> None:
    produced, _ = runs[index]
    secrets = _secrets(world)
    assert not _leaks(produced.stdout, secrets), (
        f"{produced.name} stdout leaks {_leaks(produced.stdout, secrets)}"
    )
    assert not _leaks(produced.stderr, secrets), (
        f"{produced.name} stderr leaks {_leaks(produced.stderr, secrets)}"
    )


@pytest.mark.parametrize(
    "index", [0, 1, 2, 3], ids=["check", "load", "check-token-echo", "rules"]
)
def test_no_secret_in_any_file_the_run_wrote(
    runs: list[tuple[Produced, Path]], world: dict[str, Any], index: int
) -> None:
    produced, out = runs[index]
    secrets = _secrets(world)
    files = [p for p in out.rglob("*") if p.is_file()]
    if produced.name != "rules":  # rules writes files only when asked and supported
        assert files, f"{produced.name} wrote no report file at all"
    leaks = {}
    for path in files:
        found = _leaks(path.read_bytes().decode("utf-8", "replace"), secrets)
        if found:
            leaks[str(path.relative_to(out))] = found
    assert not leaks, f"{produced.name} leaks secrets into files: {leaks}"
