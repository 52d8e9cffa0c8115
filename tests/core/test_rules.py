"""core/rules.py and core/rulelint.py: parsing, proxy/token semantics, lint findings, render round trip."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkis_harness.core.rulelint import Finding, Severity, lint_rules
from linkis_harness.core.rules import (
    Rule,
    RuleSet,
    java_split,
    parse_rules,
    render_rules,
)
from linkis_harness.errors import ConfigError, RulesSyntaxError
from linkis_harness.resources import data_dir

LINT_DIR = data_dir("fixtures") / "rules" / "lint"


def _pairs(ruleset: RuleSet) -> list[tuple[str, str, int]]:
    return [(r.key, r.value, r.line) for r in ruleset.rules]


# --- parsing -----------------------------------------------------------------------------------


def test_parse_keeps_line_numbers_and_skips_comments_and_blanks() -> None:
    text = "# comment\n! also a comment\n\n   \nT1=alice,bob\n  T2 = *\nT3:carol\n"
    ruleset = parse_rules(text, source="proxy.properties")
    assert _pairs(ruleset) == [
        ("T1", "alice,bob", 5),
        ("T2", "*", 6),
        ("T3", "carol", 7),
    ]
    assert ruleset.rules[0].users == ("alice", "bob")
    assert ruleset.source == "proxy.properties"


def test_parse_keeps_trailing_whitespace_of_value_like_java() -> None:
    ruleset = parse_rules("T=alice, bob \n", source="p")
    assert ruleset.rules[0].value == "alice, bob "
    assert ruleset.rules[0].users == ("alice", " bob ")


def test_parse_line_continuation_and_escapes() -> None:
    text = "T1=alice,\\\n    bob\nkey\\ with\\=odd\\:chars=\\u0061l\\tice\nT3=x\r\nT4=y\rT5=z"
    ruleset = parse_rules(text, source="p")
    assert _pairs(ruleset) == [
        ("T1", "alice,bob", 1),
        ("key with=odd:chars", "al\tice", 3),
        ("T3", "x", 4),
        ("T4", "y", 5),
        ("T5", "z", 6),
    ]


def test_comment_marker_after_key_is_part_of_value() -> None:
    assert parse_rules("T=#alice\n", source="p").rules[0].users == ("#alice",)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("T1=a\n\nalice\n", 3, "expected 'token=user[,user]', got 'alice'"),
        (
            "=alice\n",
            1,
            "expected 'token=user[,user]', got '=alice' (no token before the separator)",
        ),
        (
            "MY TOKEN=bob\n",
            1,
            "expected 'token=user[,user]', got 'MY TOKEN=bob' (a space inside the token; "
            "Java would split the key there)",
        ),
        ("T=\\u00zz\n", 1, "malformed \\uXXXX escape '\\\\u00zz'"),
    ],
)
def test_syntax_errors_name_file_line_and_input(
    text: str, line: int, message: str
) -> None:
    with pytest.raises(RulesSyntaxError) as info:
        parse_rules(text, source="proxy.properties")
    assert info.value.line == line
    assert info.value.message == message
    assert str(info.value) == f"proxy.properties:{line}: {message}"
    assert isinstance(info.value, ConfigError)


def test_token_kind_changes_the_expected_shape_in_messages() -> None:
    with pytest.raises(
        RulesSyntaxError, match=r"tokens:1: expected 'TOKEN=user\[,user\]', got 'bob'"
    ):
        parse_rules("bob\n", source="tokens", kind="token")


# --- semantics (ledger: gateway.token.lists; Linkis 1.4.0 ProxyUserUtils.scala) ----------------


def test_java_split_drops_trailing_empties_only() -> None:
    assert java_split("") == ("",)
    assert java_split("a") == ("a",)
    assert java_split("a,b,") == ("a", "b")
    assert java_split(",a") == ("", "a")
    assert java_split("a,,b") == ("a", "", "b")
    assert java_split(",") == ()


def test_proxy_allows_exact_case_sensitive_members_only() -> None:
    rules = parse_rules("T=alice,bobby\n", source="p")
    assert rules.proxy_allows("T", "alice")
    assert rules.proxy_allows("T", "bobby")
    for user in (
        "bob",
        "Alice",
        "ALICE",
        "alic",
        "alicex",
        " alice",
        "",
        "alice,bobby",
    ):
        assert not rules.proxy_allows("T", user), user
    assert not rules.proxy_allows("t", "alice")
    assert not rules.proxy_allows("UNKNOWN", "alice")


def test_proxy_star_only_as_whole_value_token_star_as_any_entry() -> None:
    rules = parse_rules("W=*\nL=alice,*\n", source="p")
    assert rules.proxy_allows("W", "anyone")
    assert not rules.proxy_allows("L", "anyone")
    assert rules.proxy_allows("L", "*")
    assert rules.token_allows("W", "anyone")
    assert rules.token_allows("L", "anyone")


def test_lists_are_not_trimmed() -> None:
    rules = parse_rules("T=alice, bob\n", source="p")
    assert not rules.proxy_allows("T", "bob")
    assert rules.proxy_allows("T", " bob")
    assert not rules.token_allows("T", "bob")


def test_later_duplicate_wins() -> None:
    rules = parse_rules("T=alice\nT=bob\n", source="p")
    assert rules.get("T") == Rule("T", ("bob",), "bob", 2)
    assert not rules.proxy_allows("T", "alice")
    assert rules.proxy_allows("T", "bob")
    assert [r.line for r in rules.effective()] == [2]


def test_empty_value_token_allows_nobody_proxy_only_empty_name() -> None:
    rules = parse_rules("T=\n", source="p")
    assert not rules.token_allows("T", "")
    assert rules.proxy_allows("T", "")  # Java: "".split(",") is [""]
    assert not rules.proxy_allows("T", "alice")


def test_users_lists_named_users_of_rules_in_force() -> None:
    rules = parse_rules("A=alice,*\nB=bob,alice\nA=carol\n", source="p")
    assert rules.users() == ("bob", "alice", "carol")


# --- lint: one test per finding, message asserted ------------------------------------------------


def _lint_file(name: str, kind: str = "proxy") -> list[str]:
    path = LINT_DIR / name
    text = path.read_text(encoding="utf-8")
    return [str(f) for f in lint_rules(text, kind=kind, source=name)]  # type: ignore[arg-type]


def test_lint_syntax() -> None:
    assert _lint_file("syntax.properties") == [
        "syntax.properties:3: error [syntax] expected 'token=user[,user]', got 'alice'",
        "syntax.properties:4: error [syntax] expected 'token=user[,user]', got 'MY TOKEN=bob' "
        "(a space inside the token; Java would split the key there)",
    ]


def test_lint_duplicate_key_says_which_line_wins() -> None:
    assert _lint_file("duplicate-key.properties") == [
        "duplicate-key.properties:2: error [duplicate-key] 'ETL-TOKEN-1' is defined again on "
        "line 3; the later line wins (Java properties), so line 2 has no effect"
    ]


def test_lint_empty_value() -> None:
    assert _lint_file("empty-value.properties") == [
        "empty-value.properties:2: error [empty-value] 'ETL-TOKEN-1' has an empty value '': "
        "no real user matches it"
    ]


def test_lint_whitespace_around_user() -> None:
    assert _lint_file("whitespace.properties") == [
        "whitespace.properties:2: error [whitespace] 'ETL-TOKEN-1': user ' bob' has whitespace "
        "around it; lists are not trimmed, so 'bob' does not match"
    ]


def test_lint_whitespace_inside_user() -> None:
    findings = lint_rules("T=al ice\n", kind="proxy", source="p")
    assert [str(f) for f in findings] == [
        "p:1: error [whitespace] 'T': user 'al ice' contains whitespace"
    ]


def test_lint_case() -> None:
    assert _lint_file("case.properties") == [
        "case.properties:2: warning [case] 'ETL-TOKEN-1': user 'Alice' has upper case; "
        "matching is case-sensitive and the proxy session becomes 'alice'"
    ]


def test_lint_wildcard_is_a_warning() -> None:
    findings = lint_rules(
        (LINT_DIR / "wildcard.properties").read_text(), kind="proxy", source="w"
    )
    assert findings == [
        Finding(
            "w",
            2,
            Severity.WARNING,
            "empty-proxy-user",
            "'ETL-TOKEN-1' is '*': /user/proxy with an empty proxyUser opens a session for "
            "the empty user name",
        ),
        Finding(
            "w",
            2,
            Severity.WARNING,
            "wildcard",
            "'ETL-TOKEN-1' allows every user ('*'): unrestricted",
        ),
    ]


def test_lint_star_in_list_differs_by_kind() -> None:
    assert _lint_file("star-in-list.properties") == [
        "star-in-list.properties:2: error [star-in-list] 'ETL-TOKEN-1': '*' inside a list is the "
        "literal user name '*' in proxy.properties, not a wildcard (only a whole value of '*' "
        "allows everyone)"
    ]
    assert _lint_file("star-in-list.properties", kind="token") == [
        "star-in-list.properties:2: warning [wildcard] 'ETL-TOKEN-1' allows every user ('*'): "
        "unrestricted"
    ]


def test_lint_key_is_user() -> None:
    assert _lint_file("key-is-user.properties") == [
        "key-is-user.properties:3: error [key-is-user] key 'alice' is also a user name: "
        "proxy.properties doubles as a login map, so a login as 'alice' becomes 'bob' "
        "(Linkis 1.4.0 ProxyUserUtils.scala)"
    ]
    assert _lint_file("key-is-user.properties", kind="token") == [
        "key-is-user.properties:3: warning [key-is-user] token 'alice' is also a user name: "
        "easy to guess"
    ]


def test_lint_default_token_with_star() -> None:
    assert _lint_file("default-token.properties") == [
        "default-token.properties:2: error [default-token] 'BML-AUTH' is a token Linkis ships "
        "with '*' (its value is public): anyone who knows it can act as any user; rename it and "
        "list its users",
        "default-token.properties:2: warning [empty-proxy-user] 'BML-AUTH' is '*': /user/proxy "
        "with an empty proxyUser opens a session for the empty user name",
        "default-token.properties:2: warning [wildcard] 'BML-AUTH' allows every user ('*'): "
        "unrestricted",
    ]


@pytest.mark.parametrize(
    "token",
    [
        "BML-AUTH",
        "QML-AUTH",
        "WS-AUTH",
        "DSS-AUTH",
        "dss-AUTH",
        "QUALITIS-AUTH",
        "VALIDATOR-AUTH",
        "LINKISCLI-AUTH",
        "DSM-AUTH",
        "LINKIS_CLI_TEST",
        "bml-auth",
    ],
)
def test_lint_every_shipped_default_token(token: str) -> None:
    codes = {(f.code, f.severity) for f in lint_rules(f"{token}=*\n", kind="token")}
    assert ("default-token", Severity.ERROR) in codes
    restricted = lint_rules(f"{token}=alice\n", kind="token")
    assert [(f.code, f.severity) for f in restricted] == [
        ("default-token", Severity.WARNING)
    ]
    assert restricted[0].message == (
        f"{token!r} is named like a token Linkis ships (its value is public)"
    )


def test_lint_empty_entry() -> None:
    assert _lint_file("empty-entry.properties") == [
        "empty-entry.properties:2: warning [empty-entry] 'ETL-TOKEN-1' has an empty entry in "
        "'alice,,bob' (stray comma)"
    ]


def test_lint_duplicate_user() -> None:
    assert _lint_file("duplicate-user.properties") == [
        "duplicate-user.properties:2: warning [duplicate-user] 'ETL-TOKEN-1': user 'alice' "
        "listed twice"
    ]
    assert [
        str(f) for f in lint_rules("T=alice,Alice\n", kind="token", source="t")
    ] == [
        "t:1: warning [case] 'T': user 'Alice' has upper case; matching is case-sensitive and "
        "the proxy session becomes 'alice'",
        "t:1: warning [duplicate-user] 'T': user 'Alice' also listed as 'alice'",
    ]


def test_lint_accepts_a_parsed_ruleset() -> None:
    rules = parse_rules("T=alice\nT=bob\n", source="given.properties")
    assert [f.code for f in lint_rules(rules, kind="token")] == ["duplicate-key"]
    assert lint_rules(rules, kind="token")[0].file == "given.properties"


def test_shipped_samples_lint_without_errors() -> None:
    rules_dir = data_dir("fixtures") / "rules"
    for name, kind in (("proxy.properties", "proxy"), ("tokens.properties", "token")):
        findings = lint_rules((rules_dir / name).read_text(), kind=kind)  # type: ignore[arg-type]
        assert {f.severity for f in findings} == {Severity.WARNING}, findings
        assert "wildcard" in {f.code for f in findings}


def test_every_lint_fixture_has_a_finding() -> None:
    for path in sorted(LINT_DIR.glob("*.properties")):
        assert lint_rules(path.read_text(), kind="proxy"), path.name


# --- round trip ------------------------------------------------------------------------------


_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12
)
_rules = st.lists(st.tuples(_text.filter(bool), _text), max_size=6).map(
    lambda pairs: RuleSet(
        source="gen",
        rules=tuple(Rule.of(k, v, line=i + 1) for i, (k, v) in enumerate(pairs)),
    )
)


@given(_rules)
def test_render_then_parse_gives_the_same_rules(ruleset: RuleSet) -> None:
    text = render_rules(ruleset)
    assert parse_rules(text, source="gen") == ruleset


@given(st.text(max_size=200))
def test_lint_never_raises_on_arbitrary_text(text: str) -> None:
    for finding in lint_rules(text, kind="proxy"):
        assert finding.line >= 1
        assert finding.severity in (Severity.ERROR, Severity.WARNING)


def test_lint_key_is_a_known_user_not_listed_in_the_file() -> None:
    # The admin `hadoop` is known by default; other accounts come from the caller.
    assert [f.code for f in lint_rules("hadoop=alice\n", kind="proxy")] == [
        "key-is-user"
    ]
    assert lint_rules("hadoop=alice\n", kind="proxy", known_users=()) == []
    findings = lint_rules("carol=alice\n", kind="proxy", known_users=("carol",))
    assert [str(f) for f in findings] == [
        "proxy.properties:1: error [key-is-user] key 'carol' is also a user name: "
        "proxy.properties doubles as a login map, so a login as 'carol' becomes 'alice' "
        "(Linkis 1.4.0 ProxyUserUtils.scala)"
    ]


def test_parse_edge_cases_of_java_properties() -> None:
    # A continuation on the last line ends the value; an escaped trailing space stays in the key.
    assert _pairs(parse_rules("T=alice,\\", source="p")) == [("T", "alice,", 1)]
    assert _pairs(parse_rules("key\\ =bob\n", source="p")) == [("key ", "bob", 1)]
    # An even number of trailing backslashes is an escaped backslash, not a continuation.
    assert _pairs(parse_rules("T=a\\\\\nU=b\n", source="p")) == [
        ("T", "a\\", 1),
        ("U", "b", 2),
    ]
    # A lone surrogate escape stays as it is (Java strings are UTF-16).
    assert parse_rules("T=\\ud800x\n", source="p").rules[0].value == "\ud800x"
    assert parse_rules("T=\\ud83d\\ude00\n", source="p").rules[0].value == "\U0001f600"


def test_lint_reports_every_syntax_error_and_keeps_going() -> None:
    findings = lint_rules(
        "=alice\nT=\\u00zz\nMY T=x\nok\nGOOD=bob\n", kind="token", source="t"
    )
    assert [(f.line, f.code) for f in findings] == [
        (1, "syntax"),
        (2, "syntax"),
        (3, "syntax"),
        (4, "syntax"),
    ]
    assert findings[3].message == "expected 'TOKEN=user[,user]', got 'ok'"
