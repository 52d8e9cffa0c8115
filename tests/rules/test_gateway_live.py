"""`rules` with a token table and gateway properties, end to end against the simulator (issue 15).

- the faithful 1.6 simulator behind a header-overwriting proxy, admin path mitigated: every
  row holds (the table's stale token is a lint error, so the exit is 1 for lint alone);
- the release's code exposed directly: the spoof rows and the admin probe fail, nothing else;
- each gateway fault mode fails the rows it should (the fault table), every other row holds;
- bad input: one line, exit 2, nothing started; `--lint-only` needs no target.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from linkis_harness.cli import run
from linkis_harness.core.rulecases import fingerprint
from linkis_harness.simulator.launch import start_simulator
from tests.support.gatewayrules import GATEWAY_VERSION, sim_args, write_gateway_rules

pytestmark = pytest.mark.slow

NOW = "2026-06-20T12:00"
ACCOUNTS = ("--user", "alice", "--password", "alice123")
PEER = ("--peer-user", "bob", "--peer-password", "bob123")
LOCAL = fingerprint("LOCAL-TABLE-5f2a")
TWELVE = fingerprint("TWELVE-TABLE-0b1c")
STALE = fingerprint("STALE-TABLE-77aa")

# Fault → rows (kind, token fingerprint or user, source) that must fail; every failed row must
# be of the listed kinds.
FAULT_TABLE: dict[str, tuple[set[tuple[str, str, str]], set[str]]] = {
    "token-host-ignored": ({("table", LOCAL, "127.0.0.2")}, {"table", "spoof"}),
    "token-host-substring": ({("table", TWELVE, "127.0.0.1")}, {"table", "spoof"}),
    "token-expiry-ignored": ({("table", STALE, "127.0.0.1")}, {"table"}),
    "access-control-ignored": ({("access", "bob", "127.0.0.2")}, {"access", "table"}),
    "access-control-exact": ({("access", "bob", "127.0.0.1")}, {"access", "table"}),
}


@pytest.fixture(scope="module")
def rules_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return write_gateway_rules(tmp_path_factory.mktemp("gateway-rules"))


def _rules(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(["rules", *argv], out, err)
    return code, out.getvalue(), err.getvalue()


def _live(
    files: tuple[Path, Path],
    tmp: Path,
    *,
    fault: str | None = None,
    exposed: bool = False,
) -> tuple[int, str, list[dict[str, Any]]]:
    table, props = files
    with start_simulator(
        fault=fault, speed=50, extra_args=sim_args(table, props, exposed=exposed)
    ) as sim:
        code, out, err = _rules(
            "--target",
            sim.url,
            *ACCOUNTS,
            *PEER,
            "--linkis-version",
            GATEWAY_VERSION,
            "--token-table",
            str(table),
            "--gateway-properties",
            str(props),
            "--now",
            NOW,
            "--report-dir",
            str(tmp),
        )
    assert err == "", err
    report = json.loads((tmp / "rules.json").read_text(encoding="utf-8"))
    return code, out, report["rows"]


def _failed(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if r["verdict"] == "failed"]


def _key(row: dict[str, Any]) -> tuple[str, str, str]:
    return (
        row["kind"],
        row["token"] if row["kind"] != "access" else row["user"],
        row["source"],
    )


@pytest.fixture(scope="module")
def faithful(
    rules_files: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[int, str, list[dict[str, Any]]]:
    return _live(rules_files, tmp_path_factory.mktemp("faithful"))


def test_faithful_simulator_holds_every_row(
    faithful: tuple[int, str, list[dict[str, Any]]],
) -> None:
    code, out, rows = faithful
    assert not _failed(rows), out
    assert code == 1  # the stale token is a lint error
    assert "error [expired]" in out
    kinds = {r["kind"] for r in rows}
    assert kinds == {"table", "spoof", "access", "admin"}
    sources = {r["source"] for r in rows}
    assert {"127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.12"} <= sources
    assert "LOCAL-TABLE-5f2a" not in out  # tokens only as fingerprints
    assert LOCAL in out


def test_rows_prove_host_expiry_and_access_from_each_source(
    faithful: tuple[int, str, list[dict[str, Any]]],
) -> None:
    _, _, rows = faithful
    by = {(r["kind"], r["token"], r["user"], r["source"]): r for r in rows if r["why"]}
    assert by[("table", LOCAL, "alice", "127.0.0.1")]["expected"] == "accept"
    assert by[("table", LOCAL, "alice", "127.0.0.2")]["expected"] == "refuse"
    assert "errCode: 15203" in by[("table", LOCAL, "alice", "127.0.0.2")]["message"]
    assert "errCode: 15201" in by[("table", STALE, "alice", "127.0.0.1")]["message"]
    twelve = by[("table", TWELVE, "alice", "127.0.0.12")]
    assert twelve["expected"] == "accept"
    assert twelve["verdict"] == "held"


def test_exposed_gateway_fails_the_spoof_and_admin_rows_only(
    rules_files: tuple[Path, Path], tmp_path: Path
) -> None:
    code, out, rows = _live(rules_files, tmp_path, exposed=True)
    failed = _failed(rows)
    assert code == 1
    assert {r["kind"] for r in failed} == {"spoof", "admin"}, out
    spoofs = [r for r in rows if r["kind"] == "spoof"]
    # Two host-restricted tokens, each claimed in every forwarded header: all bypass.
    assert len(spoofs) == 10
    assert all(r["verdict"] == "failed" for r in spoofs)
    assert "bypassable: the host rule trusts the client's X-Forwarded-For header" in out
    assert "exposed: a cookie session of 'alice' with a lone Token-Code" in out


@pytest.mark.parametrize("fault", sorted(FAULT_TABLE))
def test_each_gateway_fault_fails_its_rows(
    fault: str, rules_files: tuple[Path, Path], tmp_path: Path
) -> None:
    must_fail, kinds = FAULT_TABLE[fault]
    code, out, rows = _live(rules_files, tmp_path, fault=fault)
    failed = _failed(rows)
    assert code == 1
    assert must_fail <= {_key(r) for r in failed}, out
    assert {r["kind"] for r in failed} <= kinds, out


# --- input errors and lint-only ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "option", "message"),
    [
        (
            "t.csv",
            "token_name,legal_users,legal_hosts,elapse_day,create_time,shoe_size\n",
            "--token-table",
            "unknown column 'shoe_size'",
        ),
        (
            "t.csv",
            "token_name,legal_users,legal_hosts,elapse_day,create_time\nA,a,*,1,2026-13-01\n",
            "--token-table",
            "create_time '2026-13-01' is not a date",
        ),
        (
            "g.properties",
            "a=b\nnot a property\n",
            "--gateway-properties",
            ":2: expected",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, name: str, text: str, option: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    code, out, err = _rules(option, str(path))
    assert code == 2
    assert out == ""  # nothing linted, nothing started
    assert err.count("\n") == 1, err
    assert message in err, err
    assert err.startswith(f"error: {option}: ")


def test_lint_only_needs_no_target_and_accepts_connection_options(
    rules_files: tuple[Path, Path],
) -> None:
    table, props = rules_files
    code, out, err = _rules(
        "--lint-only",
        *PEER,
        "--token-table",
        str(table),
        "--gateway-properties",
        str(props),
        "--now",
        NOW,
    )
    assert err == ""
    assert code == 1  # the stale token
    assert "error [expired]" in out
    assert "matrix" not in out


def test_default_embedded_run_with_the_shipped_table_holds() -> None:
    code, out, err = _rules("--now", NOW)
    assert code == 0, out + err
    assert "tokens.csv" in out
    assert "table-" in out
    assert "spoof-" in out
