"""core/rulecases (cases, fingerprints, redaction), the table, and `rules` without a target."""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path

import pytest

from linkis_harness.cli import run
from linkis_harness.core.rulecases import (
    ANY_USER,
    UNKNOWN_TOKEN,
    Case,
    Redactor,
    derive_cases,
    fingerprint,
)
from linkis_harness.core.rules import parse_rules
from linkis_harness.resources import data_dir
from linkis_harness.rules.matrix import Observed, Row
from linkis_harness.rules.report import format_table

RULES = data_dir("fixtures") / "rules"


def _cases(
    proxy: str | None, token: str | None, known: tuple[str, ...] = ()
) -> list[Case]:
    return derive_cases(
        proxy_rules=parse_rules(proxy, source="p") if proxy is not None else None,
        token_rules=parse_rules(token, source="t", kind="token")
        if token is not None
        else None,
        known_users=known,
    )


def _table(cases: list[Case]) -> set[tuple[str, str | None, str | None, str, str]]:
    return {(c.kind, c.token, c.user, c.expect, c.why) for c in cases}


def test_proxy_cases_for_a_listed_rule() -> None:
    cases = _cases("T=bob\n", None, known=("alice",))
    assert _table(cases) == {
        ("proxy", "T", "bob", "accept", "listed"),
        ("proxy", "T", "BOB", "refuse", "upper case"),
        ("proxy", "T", "Bob", "refuse", "case variant"),
        ("proxy", "T", "bobx", "refuse", "superstring"),
        ("proxy", "T", "bo", "refuse", "prefix"),
        ("proxy", "T", " bob ", "refuse", "with spaces"),
        ("proxy", "T", "", "refuse", "empty name"),
        ("proxy", "T", "alice", "refuse", "not listed"),
        ("proxy", UNKNOWN_TOKEN, "bob", "refuse", "unknown token"),
        ("proxy", "T", None, "refuse", "no proxyUser"),
        ("proxy", None, "bob", "refuse", "no validationCode"),
        ("proxy", None, None, "refuse", "no parameters"),
    }
    accepted = [c for c in cases if c.expect == "accept"]
    assert [(c.acts_as, c.line) for c in accepted] == [("bob", 1)]


def test_proxy_session_user_is_lower_cased() -> None:
    (accept,) = [c for c in _cases("T=Bob\n", None) if c.expect == "accept"]
    assert accept.user == "Bob"
    assert accept.acts_as == "bob"


def test_near_misses_that_are_listed_are_not_refusals() -> None:
    cases = _cases("T=bob,bobx,BOB\n", None)
    refused = {c.user for c in cases if c.expect == "refuse" and c.token == "T"}
    assert not refused & {"bob", "bobx", "BOB"}
    accepted = {c.user for c in cases if c.expect == "accept"}
    assert accepted == {"bob", "bobx", "BOB"}


def test_peers_are_users_of_other_rules_in_both_files() -> None:
    cases = _cases("P=alice\n", "K=carol\n")
    assert ("proxy", "P", "carol", "refuse", "not listed") in _table(cases)
    assert ("token", "K", "alice", "refuse", "not listed") in _table(cases)


def test_wildcard_rules_accept_an_arbitrary_user() -> None:
    cases = _cases("P=*\n", "K=alice,*\n")
    table = _table(cases)
    assert ("proxy", "P", ANY_USER, "accept", "wildcard") in table
    assert ("token", "K", ANY_USER, "accept", "wildcard") in table
    assert ("token", "K", "alice", "accept", "listed") in table
    # A `*` rule refuses nobody: no near-miss refusals for it.
    assert not [
        c for c in cases if c.token in ("P", "K") and c.expect == "refuse" and c.user
    ]


def test_proxy_star_inside_a_list_is_not_a_wildcard() -> None:
    cases = _cases("P=alice,*\n", None, known=("bob",))
    assert ("proxy", "P", "bob", "refuse", "not listed") in _table(cases)
    assert ("proxy", "P", "*", "accept", "listed") in _table(cases)


def test_token_cases_leave_out_spaces_and_empty_names() -> None:
    cases = _cases(None, "K=alice\n")
    users = {c.user for c in cases}
    assert " alice " not in users
    assert "" not in users
    assert ("token", "K", None, "refuse", "no Token-User") in _table(cases)
    assert ("token", UNKNOWN_TOKEN, "alice", "refuse", "unknown token") in _table(cases)


def test_only_the_rule_in_force_is_used() -> None:
    cases = _cases("T=alice\nT=bob\n", None)
    assert ("proxy", "T", "alice", "refuse", "not listed") in _table(cases)
    assert ("proxy", "T", "bob", "accept", "listed") in _table(cases)


def test_unknown_token_never_collides_with_a_rule() -> None:
    cases = _cases(f"{UNKNOWN_TOKEN}=alice\n", None)
    unknown = [c for c in cases if c.why == "unknown token"]
    assert unknown
    assert unknown[0].token != UNKNOWN_TOKEN


def test_idents_are_unique_and_secret_free() -> None:
    proxy = (RULES / "proxy.properties").read_text()
    token = (RULES / "tokens.properties").read_text()
    cases = _cases(proxy, token, known=("alice", "bob", "hadoop"))
    idents = [c.ident(i + 1) for i, c in enumerate(cases)]
    assert len(set(idents)) == len(idents)
    keys = [r.key for r in parse_rules(proxy, source="p").rules]
    keys += [r.key for r in parse_rules(token, source="t").rules]
    for ident in idents:
        for key in keys:
            assert key not in ident


def test_fingerprint_is_short_stable_and_hides_short_tokens() -> None:
    assert fingerprint("ETL-PROXY-7f3c9a51") == fingerprint("ETL-PROXY-7f3c9a51")
    assert fingerprint("ETL-PROXY-7f3c9a51").startswith("ETL-…")
    assert len(fingerprint("ETL-PROXY-7f3c9a51")) == 4 + 1 + 8
    assert fingerprint("T1").startswith("…")
    assert "T1" not in fingerprint("T1")
    assert fingerprint("a") != fingerprint("b")


def test_redactor_replaces_tokens_longest_first_and_secrets() -> None:
    redact = Redactor(["TOK", "TOKEN-LONGER"], secrets=["hunter2"])
    text = redact("token: TOKEN-LONGER, short TOK, password hunter2")
    assert "TOKEN-LONGER" not in text
    assert "hunter2" not in text
    assert fingerprint("TOKEN-LONGER") in text
    assert fingerprint("TOK") in text
    assert Redactor(["TOK"], show_secrets=True)("TOK") == "TOK"
    assert Redactor(["TOK"]).token(None) == "(none)"


def test_format_table_shows_fingerprints_and_verdicts() -> None:
    case = Case("token", "SECRET-TOKEN-123", "bob", "refuse", "not listed")
    rows = [
        Row(
            case,
            "token-01-bob-not_listed",
            Observed(200, 0, "OK, token SECRET-TOKEN-123"),
            False,
            "accepted",
        ),
        Row(
            Case("proxy", None, None, "refuse", "no parameters"),
            "proxy-02-none-no_parameters",
            Observed(400, 1, "Validation failed"),
            True,
        ),
    ]
    table = format_table(rows, Redactor(["SECRET-TOKEN-123"]))
    lines = table.splitlines()
    assert lines[0].split() == [
        "case",
        "token",
        "user",
        "from",
        "expected",
        "observed",
        "verdict",
    ]
    assert lines[1].startswith("token-01-bob-not_listed")
    assert lines[1].endswith("FAILED")
    assert lines[2].endswith("held")
    assert "(none)" in lines[2]
    assert "SECRET-TOKEN-123" not in table
    assert fingerprint("SECRET-TOKEN-123") in table


# --- `rules --lint-only` ---------------------------------------------------------------------


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(["rules", *argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_lint_only_samples_exit_0_with_warnings() -> None:
    code, out, err = _run(
        "--proxy-rules",
        str(RULES / "proxy.properties"),
        "--token-rules",
        str(RULES / "tokens.properties"),
        "--lint-only",
    )
    assert code == 0, err
    assert ": 0 error(s), 3 warning(s)" in out
    assert "warning [wildcard]" in out
    for secret in ("SCHED-PROXY-c04e6f13", "BATCH-TOKEN-44c1f0d9"):
        assert secret not in out + err


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("syntax.properties", 1),
        ("duplicate-key.properties", 1),
        ("empty-value.properties", 1),
        ("whitespace.properties", 1),
        ("star-in-list.properties", 1),
        ("key-is-user.properties", 1),
        ("default-token.properties", 1),
        ("case.properties", 0),
        ("wildcard.properties", 0),
        ("empty-entry.properties", 0),
        ("duplicate-user.properties", 0),
    ],
)
def test_lint_only_exit_code_follows_severity(name: str, code: int) -> None:
    got, out, _ = _run("--proxy-rules", str(RULES / "lint" / name), "--lint-only")
    assert got == code, out
    assert f"{RULES / 'lint' / name}:" in out


def test_show_secrets_prints_the_token() -> None:
    path = str(RULES / "lint" / "duplicate-key.properties")
    _, hidden, _ = _run("--proxy-rules", path, "--lint-only")
    _, shown, _ = _run("--proxy-rules", path, "--lint-only", "--show-secrets")
    assert "ETL-TOKEN-1" not in hidden
    assert "'ETL-TOKEN-1' is defined again on line 3" in shown


def test_missing_rule_file_exits_2(tmp_path: Path) -> None:
    code, _, err = _run(
        "--proxy-rules", str(tmp_path / "nope.properties"), "--lint-only"
    )
    assert code == 2
    assert (
        err
        == f"error: --proxy-rules: no such file {str(tmp_path / 'nope.properties')!r}\n"
    )


def test_proxy_rules_is_required_with_a_target() -> None:
    code, _, err = _run("--lint-only", "--target", "http://127.0.0.1:9")
    assert code == 2
    assert "--proxy-rules" in err


def test_without_a_target_the_shipped_samples_are_linted() -> None:
    code, out, _ = _run("--lint-only")
    assert code == 0
    assert "proxy.properties" in out
    assert "tokens.properties" in out


def test_case_repr_shows_only_the_fingerprint() -> None:
    # pytest prints test parameters in failure reports.
    case = Case("token", "SECRET-TOKEN-123", "bob", "refuse", "not listed")
    assert "SECRET-TOKEN-123" not in repr(case)
    assert fingerprint("SECRET-TOKEN-123") in repr(case)
    assert "SECRET-TOKEN-123" not in repr(Row(case, "id", Observed(401, -1, ""), True))


def test_dry_run_prints_the_first_request_of_every_case_and_sends_nothing() -> None:
    code, out, err = _run(
        "--proxy-rules",
        str(RULES / "proxy.properties"),
        "--token-rules",
        str(RULES / "tokens.properties"),
        "--dry-run",
    )
    assert code == 0, err
    assert "dry run: 57 cases against http://127.0.0.1:9001, nothing sent" in out
    assert "matrix against" not in out
    requests = [line for line in out.splitlines() if line.startswith("DRY-RUN ")]
    assert requests[0] == "DRY-RUN POST http://127.0.0.1:9001/api/rest_j/v1/user/login"
    assert len(requests) == 1 + 57
    assert (
        "DRY-RUN GET http://127.0.0.1:9001/api/rest_j/v1/user/proxy?proxyUser=bob&validationCode=***"
        in requests
    )
    assert "  Token-Code: ***" in out
    for secret in ("ETL-PROXY-7f3c9a51", "CLI-TOKEN-91ad2e07", "alice123"):
        assert secret not in out + err


def test_format_table_aligns_wide_characters() -> None:
    rows = [
        Row(
            Case("proxy", "T", "bob", "accept", "listed"),
            "p-1",
            Observed(200, 0, "代理成功"),
            True,
        ),
        Row(
            Case("proxy", "T", "x", "refuse", "prefix"),
            "p-2",
            Observed(400, 1, "Validation failed"),
            True,
        ),
    ]
    lines = format_table(rows, Redactor(["T"])).splitlines()

    # `held` starts in the same terminal column on every line (a CJK character is two columns).
    def column(line: str) -> int:
        head = line[: line.rindex("held")]
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in head)

    assert column(lines[1]) == column(lines[2])
