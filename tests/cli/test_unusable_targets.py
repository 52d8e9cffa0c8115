"""`check`, `load` and `rules` against targets that cannot be used: exit 2, one line, no traceback.

Each case points the real CLI at a real socket on loopback (nothing listening, a name that does
not resolve, a self-signed certificate, a gateway that refuses the login, sets no cookie,
rejects the token or never answers) and requires: exit code 2, exactly one line on stderr that
names the cause, no traceback, no secret, and no request beyond the preflight (no test ran).
"""

from __future__ import annotations

import io
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from linkis_harness.cli import run
from tests.support.badserver import PREFIX, BadServer, self_signed_context

pytestmark = pytest.mark.slow

PASSWORD = "pw-H7-cli-quartz"
TOKEN = "TOKEN-H7-cli-basalt"
COMMANDS = ("check", "load", "rules")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def proxy_rules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rules") / "proxy.properties"
    path.write_text("VC-H7-RULES=bob\n", encoding="utf-8")
    return path


def _argv(
    command: str, target: str, proxy_rules: Path, *, token: bool = False
) -> list[str]:
    argv = [command, "--target", target, "--timeout", "1"]
    if token:
        argv += ["--token-code", TOKEN, "--token-user", "alice"]
    else:
        argv += ["--user", "alice", "--password", PASSWORD]
    if command == "rules":
        argv += ["--proxy-rules", str(proxy_rules)]
    if command == "load":
        argv += ["--users", "1", "--run-time", "2s"]
    if command == "check":
        argv += ["--profile", "smoke"]
    return argv


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(argv, out, err)
    return code, out.getvalue(), err.getvalue()


def _assert_not_run(code: int, out: str, err: str, *words: str) -> str:
    assert code == 2, (code, out, err)
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got:\n{err}"
    line = lines[0]
    for text in (out, err):
        assert "Traceback" not in text
        assert "internal error" not in text
        assert PASSWORD not in text
        assert TOKEN not in text
    lowered = line.lower()
    assert any(w.lower() in lowered for w in words), f"{line!r} names none of {words}"
    return line


@pytest.fixture
def bad(request: pytest.FixtureRequest) -> Iterator[BadServer]:
    with BadServer(request.param) as server:
        yield server


@pytest.mark.parametrize("command", COMMANDS)
def test_nothing_listening_exits_2_in_one_line(command: str, proxy_rules: Path) -> None:
    target = f"http://127.0.0.1:{_free_port()}"
    line = _assert_not_run(*_run(_argv(command, target, proxy_rules)), "refused")
    assert target in line


@pytest.mark.parametrize("command", COMMANDS)
def test_unresolvable_name_exits_2_in_one_line(command: str, proxy_rules: Path) -> None:
    target = "http://linkis-gateway.name.invalid:9001"
    _assert_not_run(*_run(_argv(command, target, proxy_rules)), "dns", "resolve")


@pytest.fixture(scope="module")
def tls_context() -> object:
    context = self_signed_context()
    if context is None:
        pytest.skip(
            "neither the cryptography package nor the openssl CLI can make a certificate"
        )
    return context


@pytest.mark.parametrize("command", COMMANDS)
def test_tls_error_exits_2_and_insecure_gets_past_it(
    command: str, proxy_rules: Path, tls_context: object
) -> None:
    # The TLS listener refuses every login: with --insecure the run gets past the handshake
    # and stops at the login instead, which proves the certificate check was skipped.
    with BadServer("login-refused", tls=tls_context) as server:  # type: ignore[arg-type]
        argv = _argv(command, server.url, proxy_rules)
        _assert_not_run(*_run(argv), "tls", "certificate")
        assert server.count == 0
        line = _assert_not_run(*_run([*argv, "--insecure"]), "login", "refused")
        assert "tls" not in line.lower()
        assert server.count >= 1


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(
    ("bad", "words"),
    [
        ("login-refused", ("wrong user name or password",)),
        ("no-cookie", ("cookie",)),
    ],
    indirect=["bad"],
)
def test_login_problems_exit_2_before_any_test(
    command: str, bad: BadServer, words: tuple[str, ...], proxy_rules: Path
) -> None:
    _assert_not_run(*_run(_argv(command, bad.url, proxy_rules)), *words)
    assert bad.count >= 1
    assert all(path.startswith(PREFIX + "/user/") for path in bad.paths()), bad.paths()


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("bad", ["token-rejected"], indirect=True)
def test_rejected_token_exits_2_before_any_test(
    command: str, bad: BadServer, proxy_rules: Path
) -> None:
    _assert_not_run(*_run(_argv(command, bad.url, proxy_rules, token=True)), "token")
    # The preflight is one call; the refusal echoes the token, which the line must not repeat.
    assert 1 <= bad.count <= 2
    assert not any("/entrance/" in path for path in bad.paths())


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("bad", ["hang"], indirect=True)
def test_an_answer_that_never_comes_exits_2_after_the_timeout(
    command: str, bad: BadServer, proxy_rules: Path
) -> None:
    _assert_not_run(*_run(_argv(command, bad.url, proxy_rules)), "no answer within 1s")
    assert bad.count == 1


@pytest.mark.parametrize("command", COMMANDS)
def test_the_installed_entry_point_prints_one_line_and_no_traceback(
    command: str, proxy_rules: Path
) -> None:
    """The same, through the console script in a fresh process (no in-process safety nets)."""
    target = f"http://127.0.0.1:{_free_port()}"
    done = subprocess.run(
        [sys.executable, "-m", "linkis_harness", *_argv(command, target, proxy_rules)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    _assert_not_run(done.returncode, done.stdout, done.stderr, "refused")
