"""The token table and access control: parsing, Linkis' verdicts, and one test per lint finding."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from linkis_harness.core.accesscontrol import parse_gateway_properties
from linkis_harness.core.gatewaycases import (
    ACCESS_REFUSED,
    SPOOF_HEADERS,
    derive_gateway_cases,
    loopback_sources,
)
from linkis_harness.core.gatewaylint import (
    SEEDED_TOKENS,
    ipv4_substrings,
    is_admin_token,
    lint_gateway_properties,
    lint_token_table,
)
from linkis_harness.core.tokentable import (
    TokenTable,
    parse_now,
    parse_token_table,
    token_verdict,
)
from linkis_harness.core.versions import Version
from linkis_harness.errors import ConfigError

NOW = datetime(2026, 6, 20, 12, 0)
V16 = Version(1, 6)
HEADER = "token_name,legal_users,legal_hosts,elapse_day,create_time\n"


def _table(rows: str, *, source: str = "t.csv") -> TokenTable:
    return parse_token_table(HEADER + rows, source=source, today=NOW.date())


def _lint(rows: str, *, version: Version | None = V16) -> list[str]:
    return [str(f) for f in lint_token_table(_table(rows), now=NOW, version=version)]


def _lint_props(
    text: str, *, rows: str | None = None, version: Version = V16
) -> list[str]:
    access = parse_gateway_properties(text, source="g.properties")
    table = _table(rows) if rows is not None else None
    return [
        str(f) for f in lint_gateway_properties(access, version=version, table=table)
    ]


# --- parsing --------------------------------------------------------------------------------


def test_csv_keeps_lists_untrimmed_and_reads_dates() -> None:
    table = _table('A,"alice, bob",127.0.0.1,30,2026-01-01\n')
    row = table.rows[0]
    assert row.user_list == ("alice", " bob")
    assert row.create_time == date(2026, 1, 1)
    assert row.line == 2
    assert row.allows_user(" bob")
    assert not row.allows_user("bob")


def test_sql_export_reads_every_row_of_the_table_and_skips_other_tables() -> None:
    text = (
        "INSERT INTO `linkis_ps_configuration_config_key` VALUES (1,'x;y','@SPARK_ALL');\n"
        "INSERT INTO `linkis_mg_gateway_auth_token`(`token_name`,`legal_users`,`legal_hosts`,"
        "`business_owner`,`create_time`,`update_time`,`elapse_day`,`update_by`) VALUES\n"
        "('QML-AUTH','*','*','BDP',curdate(),curdate(),-1,'LINKIS'),\n"
        "(concat('DSS-', MD5(RAND())),'*','*','BDP',curdate(),curdate(),-1,'LINKIS'),\n"
        "('It''s','a\\\\b','10.0.0.1','BDP','2025-02-03 04:05:06',NULL,7,'LINKIS');\n"
    )
    table = parse_token_table(text, source="dml.sql", today=date(2026, 1, 2))
    assert [(r.name, r.line, r.random_name) for r in table.rows] == [
        ("QML-AUTH", 3, False),
        ("DSS-<random>", 4, True),
        ("It's", 5, False),
    ]
    assert table.rows[0].create_time == date(2026, 1, 2)  # curdate(): the seed's day
    assert table.rows[2].users == "a\\b"
    assert table.get("DSS-<random>") is None  # nobody knows the name MySQL drew


def test_mysqldump_insert_without_columns_uses_the_ddl_order() -> None:
    text = (
        "INSERT INTO `linkis_mg_gateway_auth_token` VALUES "
        "(1,'T','alice','*','BDP','2026-01-01','2026-01-01',-1,'LINKIS');"
    )
    table = parse_token_table(text, source="d.sql", today=NOW.date())
    assert table.rows[0].name == "T"
    assert table.rows[0].elapse_day == -1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "token_name,legal_users,legal_hosts,elapse_day,create_time,colour\n",
            "t.csv:1: unknown column 'colour' for linkis_mg_gateway_auth_token (expected some "
            "of id, token_name, legal_users, legal_hosts, business_owner, create_time, "
            "update_time, elapse_day, update_by)",
        ),
        (
            "token_name,legal_users\n",
            "t.csv:1: no legal_hosts, create_time, elapse_day column; "
            "linkis_mg_gateway_auth_token exports need token_name, legal_users, legal_hosts, "
            "create_time, elapse_day",
        ),
        (
            HEADER + "A,alice,*,30,01/02/2026\n",
            "t.csv:2: create_time '01/02/2026' is not a date (expected YYYY-MM-DD or "
            "YYYY-MM-DD HH:MM:SS)",
        ),
        (
            HEADER + "A,alice,*,thirty,2026-01-01\n",
            "t.csv:2: elapse_day 'thirty' is not a whole number of days (-1: never expires)",
        ),
        (HEADER + "A,alice,*\n", "t.csv:2: 3 values for 5 columns"),
        (
            "",
            "t.csv: empty; expected a header row (token_name, legal_users, legal_hosts, "
            "create_time, elapse_day) or SQL INSERTs",
        ),
    ],
)
def test_bad_exports_name_the_line(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_token_table(text, source="t.csv", today=NOW.date())
    assert str(info.value) == message


def test_properties_that_do_not_parse_name_the_line() -> None:
    with pytest.raises(ConfigError) as info:
        parse_gateway_properties("a=b\nno separator here\n", source="g.properties")
    assert str(info.value) == (
        "g.properties:2: expected 'key=value', got 'no separator here'"
    )


def test_now_must_be_iso() -> None:
    assert parse_now("2026-03-01") == datetime(2026, 3, 1)
    with pytest.raises(ConfigError, match=r"--now 'tomorrow': expected a date"):
        parse_now("tomorrow")


# --- Linkis' verdicts (CachedTokenService.doAuth) -------------------------------------------


@pytest.mark.parametrize(
    ("token", "user", "host", "version", "code"),
    [
        ("A", "alice", "127.0.0.1", V16, 0),
        ("A", "alice", "127.0.0.12", V16, 15203),  # exact host entries, no substring
        ("A", "bob", "127.0.0.1", V16, 15202),
        ("OLD", "alice", "127.0.0.1", V16, 15201),  # stale before the user is looked at
        ("NOPE", "alice", "127.0.0.1", V16, 15207),
        ("NOPE", "alice", "127.0.0.1", Version(1, 4), 15201),
        (
            "EMPTY",
            "alice",
            "127.0.0.1",
            V16,
            15203,
        ),  # a blank legal_hosts admits no host
        ("FOREVER", "anyone", "10.1.2.3", V16, 0),
    ],
)
def test_token_verdict_follows_do_auth(
    token: str, user: str, host: str, version: Version, code: int
) -> None:
    table = _table(
        "A,alice,127.0.0.1,30,2026-06-01\n"
        "OLD,alice,127.0.0.1,30,2026-01-01\n"
        'EMPTY,alice,"",30,2026-06-01\n'
        "FOREVER,*,*,-1,2020-01-01\n"
    )
    verdict = token_verdict(table, token, user, host, now=NOW, version=version)
    assert verdict.code == code


def test_stale_is_strictly_after_create_time_plus_days() -> None:
    row = _table("A,alice,*,1,2026-06-19\n").rows[0]
    assert not row.stale(datetime(2026, 6, 20, 0, 0))
    assert row.stale(datetime(2026, 6, 20, 0, 0, 1))


def test_access_control_matches_with_contains_on_the_whole_value() -> None:
    access = parse_gateway_properties(
        "linkis.client.access.control.user.enable=true\n"
        "linkis.client.access.control.user.bob=10.0.0.12\n"
        "linkis.client.access.control.enable=true\n"
        "linkis.client.access.control.ip=10.0.0.5\n"
        "linkis.client.access.control.url=/api/rest_j/v1/entrance/submit\n",
        source="g",
    )
    assert access.user_refusal("bob", "10.0.0.1") is None  # a substring of 10.0.0.12
    assert access.user_refusal("bob", "10.0.0.1", exact=True) is not None
    assert access.user_refusal("bob", "10.0.0.2") == (
        "Unauthorized access! User bob is prohibited from accessing from the current IP "
        "10.0.0.2. (未授权的访问！用户bob禁止在当前IP10.0.0.2访问。)"
    )
    assert access.url_refusal("10.0.0.5", "/api/rest_j/v1/entrance") is None
    assert access.url_refusal("10.0.0.5", "/api/rest_j/v1/jobhistory/list") == (
        "Unauthorized access! IP 10.0.0.5 is prohibited from accessing this URL. "
        "(未授权的访问！当前IP10.0.0.5禁止访问此URL。)"
    )
    assert access.url_refusal("10.0.0.6", "/api/rest_j/v1/jobhistory/list") is None


def test_access_control_needs_its_switches() -> None:
    access = parse_gateway_properties(
        "linkis.client.access.control.user.bob=10.0.0.12\n"
        "linkis.client.access.control.ip=10.0.0.5\n"
        "linkis.client.access.control.url=/x\n",
        source="g",
    )
    assert access.refusal("bob", "10.0.0.5", "/y") is None


def test_is_admin_token_is_case_insensitive() -> None:
    assert is_admin_token("admin-x")
    assert is_admin_token("ADMIN-")
    assert not is_admin_token("XADMIN-x")
    assert not is_admin_token("  ")


def test_ipv4_substrings_lists_the_trap_prefix_first() -> None:
    assert ipv4_substrings("10.0.0.12")[0] == "10.0.0.1"
    assert ipv4_substrings("10.0.0.1") == []
    assert ipv4_substrings("127.0.0.12")[:2] == ["127.0.0.1", "27.0.0.12"]


# --- lint: one test per finding, with its exact message -------------------------------------


def test_lint_whitespace_around_commas() -> None:
    assert _lint('A,"alice, bob",127.0.0.1,-1,2026-01-01\n') == [
        "t.csv:2: warning [never-expires] 'A' never expires (elapse_day -1)",
        "t.csv:2: error [whitespace] 'A': legal_users entry ' bob' has spaces around it; the "
        "list is split on ',' without trimming, so 'bob' does not match",
    ]
    assert "legal_hosts entry ' 10.0.0.2'" in " ".join(
        _lint('A,alice,"10.0.0.1, 10.0.0.2",-1,2026-01-01\n')
    )


def test_lint_star_users_and_hosts() -> None:
    assert _lint("A,*,*,3650,2026-01-01\n") == [
        "t.csv:2: warning [wildcard-hosts] 'A': legal_hosts contains '*': every host is admitted",
        "t.csv:2: warning [wildcard-users] 'A': legal_users contains '*': every user is admitted",
    ]


def test_lint_empty_lists() -> None:
    assert _lint('A,"",10.0.0.1,3650,2026-01-01\n') == [
        "t.csv:2: error [empty-list] 'A': legal_users is empty: Linkis refuses every user "
        "(15202)"
    ]
    assert _lint('A,alice,"",3650,2026-01-01\n') == [
        "t.csv:2: error [empty-list] 'A': legal_hosts is empty: Linkis refuses every host "
        "(15203)"
    ]


def test_lint_expired() -> None:
    assert _lint("A,alice,10.0.0.1,30,2026-01-01\n") == [
        "t.csv:2: error [expired] 'A' expired on 2026-01-31 00:00 (create_time 2026-01-01 + "
        "elapse_day 30): every request with it is refused (15201)"
    ]


def test_lint_about_to_expire() -> None:
    assert _lint("A,alice,10.0.0.1,180,2026-01-01\n") == [
        "t.csv:2: warning [expires-soon] 'A' expires on 2026-06-30 00:00 (create_time "
        "2026-01-01 + elapse_day 180), in 9 day(s) 12 hour(s)"
    ]
    assert _lint("A,alice,10.0.0.1,200,2026-01-01\n") == []  # 29 days away: quiet


def test_lint_never_expires() -> None:
    assert _lint("A,alice,10.0.0.1,-1,2026-01-01\n") == [
        "t.csv:2: warning [never-expires] 'A' never expires (elapse_day -1)"
    ]


def test_lint_no_create_time() -> None:
    assert _lint('A,alice,10.0.0.1,30,""\n') == [
        "t.csv:2: error [no-create-time] 'A': create_time is empty and elapse_day is 30: "
        "Linkis fails on it (NullPointerException) and refuses the token"
    ]


@pytest.mark.parametrize(
    ("name", "releases"),
    [
        ("BML-AUTH", "1.1, 1.2, 1.3, 1.4, 1.5, 1.6"),
        ("dss-AUTH", "1.1, 1.2"),
        ("LINKIS-AUTH", "1.7, master"),
        ("WS-UNAVAILABLE-TOKEN", "1.8"),
        ("DOCTOR-AUTH-LEstzFKwKkrALsDOuGg", "master"),
    ],
)
def test_lint_shipped_default_token_names_per_release(name: str, releases: str) -> None:
    assert _lint(f"{name},*,*,3650,2026-01-01\n")[0] == (
        f"t.csv:2: error [default-token] '{name}' is a token name Linkis seeds in "
        f"linkis_dml.sql ({releases}); the name is public, and this row admits every user "
        "from every host"
    )
    assert _lint(f"{name},alice,10.0.0.1,3650,2026-01-01\n") == [
        f"t.csv:2: warning [default-token] '{name}' is a token name Linkis seeds in "
        f"linkis_dml.sql ({releases}); the name is public"
    ]


def test_every_seeded_name_is_linted() -> None:
    for names in SEEDED_TOKENS.values():
        for name in names:
            codes = {
                f.split("[")[1].split("]")[0]
                for f in _lint(f"{name},*,*,3650,2026-01-01\n")
            }
            assert "default-token" in codes, name


def test_lint_admin_token_from_1_6() -> None:
    message = (
        "t.csv:2: warning [admin-token] 'ADMIN-ops' starts with 'ADMIN-': from Linkis 1.6 "
        "submit honours the body's executeUser for it, so its users can run jobs as anyone"
    )
    assert _lint("ADMIN-ops,alice,10.0.0.1,3650,2026-01-01\n") == [message]
    assert (
        _lint("ADMIN-ops,alice,10.0.0.1,3650,2026-01-01\n", version=Version(1, 5)) == []
    )


def test_lint_duplicate_token_name() -> None:
    assert _lint(
        "A,alice,10.0.0.1,3650,2026-01-01\nA,bob,10.0.0.1,3650,2026-01-01\n"
    ) == [
        "t.csv:2: error [duplicate-key] 'A' is defined again on line 3; token_name is unique "
        "in linkis_mg_gateway_auth_token, so the import fails or only one row is kept"
    ]


def test_lint_table_before_1_1_1() -> None:
    assert _lint("A,alice,10.0.0.1,3650,2026-01-01\n", version=Version(1, 0))[0] == (
        "t.csv:1: warning [not-in-release] Linkis 1.0 reads tokens from token.properties; "
        "linkis_mg_gateway_auth_token is used from 1.1.1"
    )


_USER_ON = "linkis.client.access.control.user.enable=true\n"
_IP_ON = "linkis.client.access.control.enable=true\n"


def test_lint_ip_list_substring_trap() -> None:
    assert _lint_props(
        _USER_ON + "linkis.client.access.control.user.bob=10.0.0.12\n"
    ) == [
        "g.properties:2: error [ip-substring] linkis.client.access.control.user.bob: "
        "'10.0.0.12' also admits 10.0.0.1: Linkis matches the whole value with contains(), "
        "not entry by entry"
    ]


def test_lint_ip_entry_inside_another() -> None:
    findings = _lint_props(
        _IP_ON
        + "linkis.client.access.control.ip=10.0.0.1,10.0.0.12\n"
        + "linkis.client.access.control.url=/api/rest_j/v1/jobhistory/list\n"
    )
    assert (
        "g.properties:2: warning [ip-substring] linkis.client.access.control.ip: entry "
        "'10.0.0.1' is part of entry '10.0.0.12': Linkis matches the whole value with "
        "contains(), so removing '10.0.0.1' would still admit it"
    ) in findings


def test_lint_url_list_substring_trap() -> None:
    findings = _lint_props(
        _IP_ON
        + "linkis.client.access.control.ip=10.0.0.5\n"
        + "linkis.client.access.control.url=/api/rest_j/v1/entrance/submit,"
        + "/api/rest_j/v1/entrance\n"
    )
    assert findings == [
        "g.properties:3: warning [url-substring] linkis.client.access.control.url: entry "
        "'/api/rest_j/v1/entrance' is part of entry '/api/rest_j/v1/entrance/submit': Linkis "
        "matches the whole value with contains(), so removing '/api/rest_j/v1/entrance' would "
        "still allow it",
        "g.properties:3: warning [url-substring] linkis.client.access.control.url: every path "
        "that is part of the value is allowed, e.g. '/api/rest_j/v1' (part of "
        "'/api/rest_j/v1/entrance'): Linkis matches with contains()",
    ]


def test_lint_switched_off_rules() -> None:
    assert _lint_props("linkis.client.access.control.user.bob=10.0.0.5\n") == [
        "g.properties:1: warning [disabled] linkis.client.access.control.user.bob is set but "
        "linkis.client.access.control.user.enable is not 'true': Linkis ignores it"
    ]
    assert _lint_props(_IP_ON + "linkis.client.access.control.ip=10.0.0.5\n") == [
        "g.properties:2: warning [disabled] linkis.client.access.control.ip is set without "
        "linkis.client.access.control.url: Linkis applies neither (both must be set)"
    ]
    assert _lint_props("linkis.client.access.control.ip=10.0.0.5\n") == [
        "g.properties:1: warning [disabled] linkis.client.access.control.ip is set but "
        "linkis.client.access.control.enable is not 'true': Linkis ignores it"
    ]


def test_lint_access_control_before_1_5() -> None:
    assert _lint_props(_USER_ON, version=Version(1, 4)) == [
        "g.properties:1: warning [not-in-release] linkis.client.access.control.user.enable: "
        "access control exists from Linkis 1.5; 1.4 ignores it"
    ]


def test_lint_bound_user_also_admitted_by_a_wildcard_token() -> None:
    rows = "OPS,*,*,3650,2026-01-01\n"
    binding = "linkis.client.access.control.user.bob=10.0.0.5\n"
    assert _lint_props(_USER_ON + binding, rows=rows) == [
        "g.properties:2: warning [bound-user-token] user 'bob' is bound to '10.0.0.5' but "
        "token 'OPS' (t.csv:2) admits every user from every host: only access control (the "
        "TCP peer) keeps the binding"
    ]
    assert (
        "g.properties:1: error [bound-user-token] user 'bob' is bound to '10.0.0.5' but token "
        "'OPS' (t.csv:2) admits every user from every host, and "
        "linkis.client.access.control.user.enable is not 'true': nothing keeps the binding"
    ) in _lint_props(binding, rows=rows)


# --- cases ----------------------------------------------------------------------------------


def test_cases_per_source_follow_the_table_and_access_control() -> None:
    table = _table(
        "LOCAL,alice,127.0.0.1,3650,2026-01-01\nREMOTE,bob,10.9.9.9,3650,2026-01-01\n"
    )
    access = parse_gateway_properties(
        _USER_ON + "linkis.client.access.control.user.alice=127.0.0.12\n", source="g"
    )
    sources = loopback_sources("127.0.0.1", table, access)
    assert sources == ("127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.12")
    cases = derive_gateway_cases(
        table=table,
        access=access,
        version=V16,
        now=NOW,
        here="127.0.0.1",
        sources=sources[1:],
        logins=["alice"],
        admin_as="bob",
    )
    by = {(c.kind, c.token, c.user, c.source): c for c in cases if not c.headers}
    assert by[("table", "LOCAL", "alice", "127.0.0.1")].expect == "accept"
    assert by[("table", "LOCAL", "alice", "127.0.0.2")].codes == (15203,)
    assert by[("access", None, "alice", "127.0.0.12")].expect == "accept"
    assert by[("access", None, "alice", "127.0.0.2")].expect == "refuse"
    spoofs = [c for c in cases if c.kind == "spoof"]
    assert [c.headers[0] for c in spoofs] == [(h, "10.9.9.9") for h in SPOOF_HEADERS]
    assert [c.kind for c in cases].count("admin") == 1


def test_access_control_refusal_of_a_token_user_is_expected() -> None:
    table = _table("LOCAL,alice,*,3650,2026-01-01\n")
    access = parse_gateway_properties(
        _USER_ON + "linkis.client.access.control.user.alice=127.0.0.1\n", source="g"
    )
    cases = derive_gateway_cases(
        table=table, access=access, version=V16, now=NOW, here="127.0.0.2"
    )
    first = cases[0]
    assert (first.expect, first.codes) == ("refuse", (ACCESS_REFUSED,))
