"""config.load: precedence, ${VAR} expansion, validation, and secrets kept out of output."""

from __future__ import annotations

import pytest

from linkis_harness.config import API_PREFIX, ENV_VARS, Settings, load
from linkis_harness.errors import ConfigError


def test_defaults_without_anything() -> None:
    settings = load({}, {})
    assert settings == Settings()
    assert settings.target is None
    assert settings.timeout == 10.0
    assert settings.insecure is False
    assert settings.uses_token is False


def test_environment_fills_settings() -> None:
    environ = {
        "LINKIS_TARGET": "http://gw:9001",
        "LINKIS_USER": "alice",
        "LINKIS_PASSWORD": "alice123",
        "LINKIS_PEER_USER": "bob",
        "LINKIS_PEER_PASSWORD": "bob123",
    }
    settings = load({}, environ)
    assert (settings.target, settings.user, settings.password) == (
        "http://gw:9001",
        "alice",
        "alice123",
    )
    assert (settings.peer_user, settings.peer_password) == ("bob", "bob123")


def test_flag_beats_environment_beats_default() -> None:
    environ = {
        "LINKIS_TARGET": "http://env:9001",
        "LINKIS_USER": "env",
        "LINKIS_PASSWORD": "envpw",
    }
    settings = load(
        {"target": "http://flag:9001", "user": "flag", "password": None}, environ
    )
    assert settings.target == "http://flag:9001"
    assert settings.user == "flag"
    assert (
        settings.password == "envpw"
    )  # None means "not given": the environment still counts


def test_empty_environment_values_are_ignored() -> None:
    assert load({}, {"LINKIS_TARGET": ""}).target is None


def test_every_setting_with_a_variable_is_a_settings_field() -> None:
    assert set(ENV_VARS) <= set(Settings.__dataclass_fields__)
    assert all(var.startswith("LINKIS_") for var in ENV_VARS.values())


def test_variables_are_expanded_from_the_environment() -> None:
    settings = load(
        {"user": "alice", "password": "${SECRET}-${SUFFIX}"},
        {"SECRET": "s3cr3t", "SUFFIX": "x"},
    )
    assert settings.password == "s3cr3t-x"
    assert (
        load(
            {}, {"LINKIS_TOKEN_CODE": "${TOK}", "LINKIS_TOKEN_USER": "u", "TOK": "T"}
        ).token_code
        == "T"
    )


def test_missing_variable_is_a_config_error_naming_it() -> None:
    with pytest.raises(
        ConfigError, match=r"password: environment variable \$\{NOPE\} is not set"
    ):
        load({"user": "alice", "password": "${NOPE}"}, {})


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("http://gw:9001", "http://gw:9001"),
        ("https://gw.example.com/", "https://gw.example.com"),
        ("http://127.0.0.1:9001/linkis/", "http://127.0.0.1:9001/linkis"),
    ],
)
def test_target_is_normalised(given: str, expected: str) -> None:
    settings = load({"target": given}, {})
    assert settings.target == expected
    assert settings.api_base == expected + API_PREFIX


@pytest.mark.parametrize(
    "target", ["gw:9001", "ftp://gw", "http://", "http:// gw", "/api"]
)
def test_target_must_be_a_gateway_url(target: str) -> None:
    with pytest.raises(
        ConfigError,
        match="--target: expected the gateway root such as 'http://gateway:9001'",
    ) as info:
        load({"target": target}, {})
    assert repr(target) in str(info.value)


@pytest.mark.parametrize(
    "target", ["http://gw:9001/api/rest_j/v1", "http://gw:9001/api/rest_j/v1/"]
)
def test_target_must_not_include_the_api_prefix(target: str) -> None:
    with pytest.raises(
        ConfigError, match="give the gateway root without '/api/rest_j/v1'"
    ):
        load({"target": target}, {})


def test_api_base_needs_a_target() -> None:
    with pytest.raises(ConfigError, match="no target"):
        _ = Settings().api_base


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"token_code": "T"}, "token auth needs both --token-code and --token-user"),
        ({"token_user": "u"}, "token auth needs both --token-code and --token-user"),
        ({"user": "alice"}, "password auth needs both --user and --password"),
        ({"password": "pw"}, "password auth needs both --user and --password"),
        ({"timeout": 0}, "--timeout: expected a positive number of seconds, got 0"),
        (
            {"timeout": -1.5},
            "--timeout: expected a positive number of seconds, got -1.5",
        ),
        ({"timeout": "5"}, "--timeout: expected a positive number of seconds, got '5'"),
        ({"bogus": 1}, "unknown setting 'bogus'"),
    ],
)
def test_invalid_settings_are_refused(
    overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load(overrides, {})
    assert message in str(info.value)


def test_token_settings() -> None:
    settings = load({"token_code": "BML-AUTH", "token_user": "alice"}, {})
    assert settings.uses_token is True
    # a user without a password is fine when a token authenticates
    assert (
        load({"token_code": "T", "token_user": "u", "user": "alice"}, {}).user
        == "alice"
    )


def test_repr_hides_secrets_and_secrets_lists_them() -> None:
    settings = load(
        {
            "target": "http://gw:9001",
            "user": "alice",
            "password": "hunter2",
            "token_code": "TOKEN-VALUE",
            "token_user": "alice",
            "peer_user": "bob",
            "peer_password": "bob-secret",
        },
        {},
    )
    shown = repr(settings)
    for secret in ("hunter2", "TOKEN-VALUE", "bob-secret"):
        assert secret not in shown
        assert secret not in str(settings)
    assert "password='***'" in shown
    assert "token_code='***'" in shown
    assert "user='alice'" in shown
    assert sorted(settings.secrets()) == ["TOKEN-VALUE", "bob-secret", "hunter2"]


def test_repr_of_unset_secrets_shows_none() -> None:
    assert "password=None" in repr(Settings())
    assert Settings().secrets() == []


def test_with_target_keeps_everything_else() -> None:
    settings = load({"user": "alice", "password": "pw"}, {})
    moved = settings.with_target("http://127.0.0.1:5000")
    assert moved.target == "http://127.0.0.1:5000"
    assert (moved.user, moved.password) == ("alice", "pw")
    assert settings.target is None
