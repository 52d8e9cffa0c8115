"""The one table of options: flag, `LINKIS_*` variable, secret or not, type, default.

Every command builds its typed value from this table (`config.load` for the connection,
the pytest plugin for the suite's options), and a run hands its values to the processes it
starts (the pytest suite, the Locust users) as one serialised run configuration: JSON in the
environment variable `LINKIS_RUN_CONFIG` (never on a command line: it holds the secrets).
Pure: no environment is read here; callers pass the mapping they have.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from linkis_harness.errors import ConfigError

__all__ = [
    "OPTIONS",
    "RUN_CONFIG_VAR",
    "Option",
    "by_name",
    "decode_run_config",
    "encode_run_config",
    "from_environ",
]

RUN_CONFIG_VAR = "LINKIS_RUN_CONFIG"

Kind = Literal["str", "float", "int", "bool", "path", "paths"]
Scope = Literal["connection", "suite"]


@dataclass(frozen=True, slots=True)
class Option:
    """One option: its name (a setting), CLI flag, variable, secrecy, type and default."""

    name: str
    flag: str
    variable: str | None
    kind: Kind
    default: object
    help: str
    secret: bool = False
    scope: Scope = "connection"

    @property
    def pytest_flag(self) -> str:
        """The same option in pytest (`--linkis-target`), where plain names would clash."""
        if self.flag.startswith("--linkis-"):
            return self.flag
        return "--linkis-" + self.flag.removeprefix("--")

    def parse(self, value: object, *, source: str) -> object:
        """Turn a flag's, variable's or run configuration's value into this option's type."""
        if value is None:
            return None
        try:
            if self.kind == "float":
                if isinstance(value, bool):
                    raise ValueError
                return float(value)  # type: ignore[arg-type]
            if self.kind == "int":
                if isinstance(value, bool):
                    raise ValueError
                return int(value)  # type: ignore[call-overload]
            if self.kind == "bool":
                if isinstance(value, bool):
                    return value
                text = str(value).strip().lower()
                if text in ("1", "true", "yes", "on"):
                    return True
                if text in ("0", "false", "no", "off", ""):
                    return False
                raise ValueError
            if self.kind == "paths":
                if isinstance(value, str):
                    return tuple(p for p in value.split(",") if p)
                if isinstance(value, list | tuple):
                    return tuple(str(p) for p in value)
                raise ValueError
        except (TypeError, ValueError):
            shown = "<hidden>" if self.secret else repr(value)
            raise ConfigError(
                f"{source}: expected a {self.kind} for {self.flag}, got {shown}"
            ) from None
        return str(value)


OPTIONS: tuple[Option, ...] = (
    Option(
        "target",
        "--target",
        "LINKIS_TARGET",
        "str",
        None,
        "Gateway root, e.g. http://gateway:9001 (default: the embedded simulator).",
    ),
    Option("user", "--user", "LINKIS_USER", "str", None, "Login user."),
    Option(
        "password",
        "--password",
        "LINKIS_PASSWORD",
        "str",
        None,
        "Login password (prefer the variable).",
        secret=True,
    ),
    Option(
        "token_code",
        "--token-code",
        "LINKIS_TOKEN_CODE",
        "str",
        None,
        "Token-Code header (prefer the variable).",
        secret=True,
    ),
    Option(
        "token_user",
        "--token-user",
        "LINKIS_TOKEN_USER",
        "str",
        None,
        "Token-User header.",
    ),
    Option(
        "peer_user",
        "--peer-user",
        "LINKIS_PEER_USER",
        "str",
        None,
        "A second, non-admin account for cross-user checks.",
    ),
    Option(
        "peer_password",
        "--peer-password",
        "LINKIS_PEER_PASSWORD",
        "str",
        None,
        "Password of the peer user.",
        secret=True,
    ),
    Option(
        "timeout",
        "--timeout",
        "LINKIS_TIMEOUT",
        "float",
        10.0,
        "Per-request timeout in seconds (default 10).",
    ),
    Option(
        "insecure",
        "--insecure",
        "LINKIS_INSECURE",
        "bool",
        False,
        "Skip TLS certificate verification.",
    ),
    # The contract suite's own options (check passes them; pytest users give them as --linkis-*).
    Option(
        "profile",
        "--profile",
        "LINKIS_PROFILE",
        "str",
        "standard",
        "smoke | standard | deep (default standard).",
        scope="suite",
    ),
    Option(
        "workloads",
        "--workloads",
        "LINKIS_WORKLOADS",
        "path",
        None,
        "Directory of workload YAML files.",
        scope="suite",
    ),
    Option(
        "spec",
        "--spec",
        "LINKIS_SPEC",
        "path",
        None,
        "OpenAPI spec (default: the shipped one).",
        scope="suite",
    ),
    Option(
        "proxy_rules",
        "--proxy-rules",
        "LINKIS_PROXY_RULES",
        "path",
        None,
        "proxy.properties the gateway enforces.",
        scope="suite",
    ),
    Option(
        "token_rules",
        "--token-rules",
        "LINKIS_TOKEN_RULES",
        "path",
        None,
        "Token rules file (TOKEN=user1,user2).",
        scope="suite",
    ),
    Option(
        "token_table",
        "--token-table",
        "LINKIS_TOKEN_TABLE",
        "path",
        None,
        "linkis_mg_gateway_auth_token export (CSV or SQL INSERTs).",
        scope="suite",
    ),
    Option(
        "gateway_properties",
        "--gateway-properties",
        "LINKIS_GATEWAY_PROPERTIES",
        "path",
        None,
        "The gateway's properties file (access control, 1.5+).",
        scope="suite",
    ),
    Option(
        "linkis_version",
        "--linkis-version",
        "LINKIS_VERSION",
        "str",
        None,
        "Linkis version of the target (1.0 to 1.8, 0.11); check adapts its checks to it, "
        "default: detected from the target's answers. Without --target the embedded "
        "simulator imitates it (default 1.8).",
        scope="suite",
    ),
    Option(
        "strict",
        "--strict",
        "LINKIS_STRICT",
        "bool",
        False,
        "Fail on Linkis' own accepted defects (ledger rows with uncaught: true).",
        scope="suite",
    ),
    Option(
        "seed",
        "--seed",
        "LINKIS_SEED",
        "int",
        None,
        "Seed for schemathesis and hypothesis (reproducible runs).",
        scope="suite",
    ),
    Option(
        "quirks",
        "--quirks",
        None,
        "paths",
        (),
        "Accepted deviations (YAML, repeatable): matching failures are reported as accepted.",
        scope="suite",
    ),
)

_BY_NAME = {option.name: option for option in OPTIONS}


def by_name(name: str) -> Option:
    """Return the option called `name` (a setting name such as `token_code`)."""
    return _BY_NAME[name]


def from_environ(environ: Mapping[str, str]) -> dict[str, object]:
    """Return the options set by their `LINKIS_*` variables (empty values do not count), typed."""
    found: dict[str, object] = {}
    for option in OPTIONS:
        if option.variable and environ.get(option.variable, "") != "":
            found[option.name] = option.parse(
                environ[option.variable], source=option.variable
            )
    return found


def encode_run_config(values: Mapping[str, object]) -> str:
    """Serialise a run's option values (None left out) for `LINKIS_RUN_CONFIG`."""
    unknown = sorted(set(values) - set(_BY_NAME))
    if unknown:
        raise ConfigError(f"unknown options in the run configuration: {unknown}")
    shown: dict[str, object] = {}
    for name, value in values.items():
        if value is None:
            continue
        shown[name] = list(value) if isinstance(value, tuple) else value
    return json.dumps(shown, sort_keys=True)


def decode_run_config(text: str) -> dict[str, object]:
    """Read `LINKIS_RUN_CONFIG`: a JSON object of option names to values, typed by the table."""
    try:
        data = json.loads(text)
    except ValueError:
        raise ConfigError(f"{RUN_CONFIG_VAR}: not valid JSON") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{RUN_CONFIG_VAR}: expected a JSON object")
    values: dict[str, object] = {}
    for name, value in data.items():
        if name not in _BY_NAME:
            raise ConfigError(f"{RUN_CONFIG_VAR}: unknown option {name!r}")
        values[name] = _BY_NAME[name].parse(value, source=RUN_CONFIG_VAR)
    return values
