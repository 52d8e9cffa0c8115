"""core.versions: the version table (sources in `core.versions`' docstring) and detection."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkis_harness.core.execid import ExecId, ExecIdLayout
from linkis_harness.core.versions import (
    COOKIE_LEGACY,
    COOKIE_V1,
    DEFAULT_VERSION,
    LATEST_VERSION,
    LoginAgain,
    TokenMatch,
    Version,
    detect,
    release_line,
    token_allows,
    traits,
)
from linkis_harness.errors import ConfigError

V1_EXEC = ExecId.v1(instance="gw:9104", short_id="IDE_alice_shell_0").format()
# the 0.x docs' example (Linkis 0.9.4 ZuulEntranceUtils.scala)
LEGACY_EXEC = "030418IDEhivebdpdwc010004:10087IDE_johnnwang_21"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.4", Version(1, 4)),
        ("1.1.1", Version(1, 1, 1)),
        ("v0.11", Version(0, 11)),
        ("0.9.4", Version(0, 9, 4)),
        ("1.4.0-SNAPSHOT", Version(1, 4)),
        (" 1 ", Version(1)),
    ],
)
def test_versions_parse(text: str, expected: Version) -> None:
    assert Version.parse(text) == expected


@pytest.mark.parametrize("text", ["", "latest", "1.x", "2.0", "1..2", "1.4.0.1"])
def test_bad_versions_are_usage_errors(text: str) -> None:
    with pytest.raises(ConfigError, match="--linkis-version"):
        Version.parse(text)


def test_versions_order_and_print() -> None:
    assert Version.parse("1.1.0") < Version.parse("1.1.1") < Version.parse("1.4")
    assert Version.parse("0.11") < Version.parse("1.0")
    assert str(Version(1, 4)) == "1.4"
    assert str(Version(1, 1, 1)) == "1.1.1"


@pytest.mark.parametrize(
    ("version", "cookie", "layout", "match", "again", "history"),
    [
        (
            "0.9.4",
            COOKIE_LEGACY,
            ExecIdLayout.LEGACY,
            TokenMatch.SUBSTRING,
            LoginAgain.REDIRECT,
            0,
        ),
        (
            "0.11",
            COOKIE_LEGACY,
            ExecIdLayout.LEGACY,
            TokenMatch.SUBSTRING,
            LoginAgain.REDIRECT,
            0,
        ),
        (
            "1.0.0",
            COOKIE_LEGACY,
            ExecIdLayout.V1,
            TokenMatch.SUBSTRING,
            LoginAgain.REDIRECT,
            1,
        ),
        (
            "1.1.0",
            COOKIE_LEGACY,
            ExecIdLayout.V1,
            TokenMatch.SUBSTRING,
            LoginAgain.ALREADY,
            1,
        ),
        ("1.1.1", COOKIE_V1, ExecIdLayout.V1, TokenMatch.EXACT, LoginAgain.ALREADY, 1),
        ("1.4", COOKIE_V1, ExecIdLayout.V1, TokenMatch.EXACT, LoginAgain.ALREADY, 1),
    ],
)
def test_version_table(
    version: str,
    cookie: str,
    layout: ExecIdLayout,
    match: TokenMatch,
    again: LoginAgain,
    history: int,
) -> None:
    t = traits(version)
    assert t.ticket_cookie == cookie
    assert t.execid_layout is layout
    assert t.token_match is match
    assert t.login_again is again
    assert t.history_missing_status == history
    assert t.history_missing_task_null is (history == 0)
    assert t.describe()["version"] == str(Version.parse(version))


def test_features_by_version() -> None:
    assert not traits("0.11").proxy_endpoint
    assert traits("1.0").proxy_endpoint
    assert not traits("1.1.1").token_login
    assert traits("1.3").token_login
    assert not traits("1.4").task_id_as_exec_id
    assert traits("1.5").task_id_as_exec_id


def test_token_matching_substring_vs_exact() -> None:
    # Linkis 0.9.4 TokenAuthentication.scala: 0.x checks value.contains(user): bob passes for
    # TOKEN=bobby.
    assert token_allows(TokenMatch.SUBSTRING, "bobby", "bob")
    assert not token_allows(TokenMatch.EXACT, "bobby", "bob")
    assert token_allows(TokenMatch.EXACT, "alice,bob", "bob")
    assert token_allows(TokenMatch.EXACT, "alice,*", "carol")
    assert not token_allows(
        TokenMatch.SUBSTRING, "alice,*", "carol"
    )  # only a whole "*"
    assert token_allows(TokenMatch.SUBSTRING, "*", "carol")


def test_nothing_observed_assumes_the_reference_release() -> None:
    found = detect()
    assert not found.known
    assert found.version == DEFAULT_VERSION
    assert found.label == "unknown"


def test_detect_1x_from_cookie_and_exec_id() -> None:
    found = detect(ticket_cookie=COOKIE_V1, exec_ids=[V1_EXEC], login_again_status=0)
    assert found.known
    assert found.low == Version(1, 1, 1)
    assert found.high is None
    assert found.version == DEFAULT_VERSION
    assert found.label == "1.1.1+"
    assert len(found.evidence) == 3


def test_detect_1_0_from_legacy_cookie_and_v1_exec_id() -> None:
    found = detect(ticket_cookie=COOKIE_LEGACY, exec_ids=[V1_EXEC])
    assert found.label == "1.0–1.1.0"
    assert traits(found.version).ticket_cookie == COOKIE_LEGACY
    assert traits(found.version).execid_layout is ExecIdLayout.V1


def test_detect_0x_from_legacy_layout_and_history() -> None:
    found = detect(
        ticket_cookie=COOKIE_LEGACY,
        exec_ids=[LEGACY_EXEC],
        login_again_status=1,
        history_missing=(0, True),
    )
    assert found.label == "≤0.11"
    version = traits(found.version)
    assert version.execid_layout is ExecIdLayout.LEGACY
    assert version.token_match is TokenMatch.SUBSTRING
    assert version.history_missing_task_null


def test_contradicting_observations_are_reported_not_merged() -> None:
    found = detect(ticket_cookie=COOKIE_V1, exec_ids=[LEGACY_EXEC])
    assert found.label == "1.1.1+"
    assert "contradicts" in found.evidence[-1]


def test_login_again_status_1_bounds_to_1_0_0() -> None:
    found = detect(login_again_status=1)
    assert found.high == Version(1, 0, 0)
    assert traits(found.version).login_again is LoginAgain.REDIRECT


@given(
    cookie=st.sampled_from([None, COOKIE_V1, COOKIE_LEGACY, "other"]),
    execs=st.lists(st.sampled_from([V1_EXEC, LEGACY_EXEC, "garbage"]), max_size=3),
    again=st.sampled_from([None, 0, 1, -1]),
    history=st.sampled_from([None, (0, True), (1, False), (0, False)]),
)
def test_detection_is_always_a_consistent_range(
    cookie: str | None,
    execs: list[str],
    again: int | None,
    history: tuple[int, bool] | None,
) -> None:
    found = detect(
        ticket_cookie=cookie,
        exec_ids=execs,
        login_again_status=again,
        history_missing=history,
    )
    assert found.high is None or found.low <= found.high
    assert found.low <= found.version
    assert found.high is None or found.version <= found.high


# -- 1.5-1.8 (helper "releases") -------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "line"),
    [
        ("1.0.2", "1.0"),
        ("1.1.3", "1.1"),
        ("1.2", "1.2"),
        ("1.3.2", "1.2"),
        ("1.4", "1.4"),
    ]
    + [(f"1.{minor}", f"1.{minor}") for minor in range(5, 9)],
)
def test_versions_fall_on_their_release_line(version: str, line: str) -> None:
    assert release_line(version) == line
    assert traits(version).line == line


def test_a_newer_1x_than_the_harness_knows_is_a_usage_error() -> None:
    with pytest.raises(ConfigError, match=r"pass 1\.8"):
        Version.parse("1.9")
    assert Version.parse("1.8") == LATEST_VERSION


@pytest.mark.parametrize(
    ("version", "task_id", "gateway_body", "token", "keys", "code"),
    [
        ("1.2", False, False, 15201, (), True),
        ("1.3.2", False, False, 15201, ("resultSetExportEnable",), True),
        ("1.4", False, False, 15201, ("resultSetExportEnable",), True),
        (
            "1.5",
            True,
            True,
            15207,
            ("resultSetExportEnable", "linkisClusterName"),
            True,
        ),
        (
            "1.6",
            True,
            True,
            15207,
            ("resultSetExportEnable", "linkisClusterName"),
            True,
        ),
        (
            "1.7",
            True,
            True,
            15207,
            ("resultSetExportEnable", "linkisClusterName", "engineLogOnlyAdminEnable"),
            False,
        ),
    ],
)
def test_release_traits(
    version: str,
    task_id: bool,
    gateway_body: bool,
    token: int,
    keys: tuple[str, ...],
    code: bool,
) -> None:
    t = traits(version)
    assert t.task_id_as_exec_id is task_id
    assert t.gateway_error_body is gateway_body
    assert t.evicted_plain_errors is gateway_body
    assert t.unknown_token_code == token
    assert t.baseinfo_keys == keys
    assert t.history_execution_code is code
    assert t.openfile_column_paging is not code


@pytest.mark.parametrize(
    ("baseinfo", "label", "assumed"),
    [
        ((1, frozenset()), "1.1.1–1.3.1", Version(1, 3, 1)),
        ((0, frozenset({"resultSetExportEnable"})), "1.3.2–1.4.x", Version(1, 4)),
        (
            (0, frozenset({"resultSetExportEnable", "linkisClusterName"})),
            "1.5–1.6.x",
            Version(1, 5),
        ),
        (
            (
                0,
                frozenset(
                    {
                        "resultSetExportEnable",
                        "linkisClusterName",
                        "engineLogOnlyAdminEnable",
                    }
                ),
            ),
            "1.7+",
            Version(1, 7),
        ),
    ],
)
def test_baseinfo_keys_narrow_a_1_1_1_cookie(
    baseinfo: tuple[int, frozenset[str]], label: str, assumed: Version
) -> None:
    found = detect(ticket_cookie=COOKIE_V1, baseinfo=baseinfo)
    assert found.label == label
    assert found.version == assumed


def test_a_legacy_cookie_and_baseinfo_keys_contradict() -> None:
    found = detect(
        ticket_cookie=COOKIE_LEGACY,
        baseinfo=(0, frozenset({"resultSetExportEnable", "linkisClusterName"})),
    )
    assert found.high is not None
    assert found.high < Version(1, 5)
    assert "ignored" in found.evidence[-1]
