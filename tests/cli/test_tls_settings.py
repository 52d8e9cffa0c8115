"""`--insecure` and `--timeout` reach every request of check, load and rules (issue 12).

The target is the embedded simulator behind a self-signed certificate (a throwaway CA made by
trustme at test time), so any request made without `--insecure` fails its TLS handshake: a run
whose requests all got answers proves every one of them skipped verification. For `--timeout`,
one kind of answer is delayed by 4 s and the run is given `--timeout 2`: those requests time out
only if the value reached the client that sent them (the defaults were 10 s for the suite and
30 s for the Locust users, both longer than the delay). No wall-clock assertion: the outcome
and the clients' own messages ("no answer within 2s", "read timeout=2.0") tell.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from linkis_harness import Simulator
from linkis_harness.cli import run as cli_run
from linkis_harness.resources import data_dir

pytestmark = pytest.mark.slow

LATENCY = 4.0  # seconds an answer of the delayed kind waits
TIMEOUT = (
    "2"  # the --timeout given: shorter than LATENCY, shorter than every old default
)
RULES = data_dir("fixtures") / "rules"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 signed by a CA nobody trusts (self-signed for the client)."""
    where = tmp_path_factory.mktemp("tls")
    issued = trustme.CA().issue_cert("127.0.0.1", "localhost")
    cert, key = where / "cert.pem", where / "key.pem"
    issued.cert_chain_pems[0].write_to_path(str(cert))
    issued.private_key_pem.write_to_path(str(key))
    return cert, key


@pytest.fixture(autouse=True)
def _no_linkis_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("LINKIS_"):
            monkeypatch.delenv(name)


def _gateway(
    certificate: tuple[Path, Path], latency: dict[str, float] | None = None
) -> Simulator:
    return Simulator(
        speed=5,
        tls=certificate,
        latency=latency,
        proxy_rules=RULES / "proxy.properties",
        token_rules=RULES / "tokens.properties",
    )


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli_run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def slow_history(certificate: tuple[Path, Path]) -> Iterator[Simulator]:
    with _gateway(certificate, {"/jobhistory/list": LATENCY}) as sim:
        yield sim


def _login(sim: Simulator) -> list[str]:
    return ["--target", sim.url, "--user", "alice", "--password", "alice123"]


def test_check_refuses_a_self_signed_gateway_without_insecure(
    certificate: tuple[Path, Path],
) -> None:
    with _gateway(certificate) as sim:
        code, _, err = _cli("check", *_login(sim), "--profile", "smoke", "--quiet")
    assert code == 2
    assert "TLS handshake failed" in err
    assert "use --insecure" in err


def test_check_insecure_and_timeout_reach_every_request_of_the_suite(
    slow_history: Simulator, tmp_path: Path
) -> None:
    code, out, err = _cli(
        "check",
        *_login(slow_history),
        "--peer-user",
        "bob",
        "--peer-password",
        "bob123",
        "--insecure",
        "--timeout",
        TIMEOUT,
        "--profile",
        "smoke",
        "--seed",
        "1",
        "-m",
        "envelope or schema",
        "--report-dir",
        str(tmp_path),
    )
    assert code == 1, err
    failures = out.split("failure(s):", 1)[1]
    # The harness client of the suite, and schemathesis' own requests, both gave up at 2 s.
    assert f"no answer within {TIMEOUT}s" in failures
    assert f"read timeout={float(TIMEOUT)}" in failures
    # Every other request went through the self-signed TLS: only the delayed ones failed.
    assert out.count("\n  FAIL ") == 2, out
    assert "TLS" not in failures


def test_load_insecure_and_timeout_reach_the_locust_users(
    certificate: tuple[Path, Path], tmp_path: Path
) -> None:
    with _gateway(certificate, {"/filesystem/": LATENCY}) as sim:
        code, out, err = _cli(
            "load",
            *_login(sim),
            "--insecure",
            "--timeout",
            TIMEOUT,
            "--users",
            "2",
            "--spawn-rate",
            "2",
            "--run-time",
            "6s",
            "--report-dir",
            str(tmp_path),
        )
    assert code in (0, 1), err
    assert "left running 0" in out, out
    with (tmp_path / "locust_failures.csv").open(encoding="utf-8") as fh:
        failures = list(csv.DictReader(fh))
    # The result reads (delayed) timed out; nothing failed on TLS or elsewhere.
    assert failures, (
        "the delayed result reads did not time out: --timeout did not reach the users"
    )
    assert all("/filesystem/" in row["Name"] for row in failures), failures
    assert all("timed out" in row["Error"] for row in failures), failures


def test_rules_insecure_and_timeout_reach_every_case(
    certificate: tuple[Path, Path],
) -> None:
    rules = [
        "--proxy-rules",
        str(RULES / "proxy.properties"),
        "--token-rules",
        str(RULES / "tokens.properties"),
        "--insecure",
        "--timeout",
        TIMEOUT,
    ]
    with _gateway(certificate) as sim:
        code, out, err = _cli("rules", *_login(sim), *rules)
    assert code == 0, out + err
    with _gateway(certificate, {"/user/proxy": LATENCY}) as sim:
        code, out, err = _cli("rules", *_login(sim), *rules)
    assert code == 2
    assert f"no answer within {TIMEOUT}s" in err
