"""Settings: one frozen value built by one loader (flag, then LINKIS_* environment, then defaults).

The options themselves (flag, variable, secret, type, default) are the table in
`core.options`; `Settings` holds the connection options of it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

from linkis_harness.core.options import (
    OPTIONS,
    RUN_CONFIG_VAR,
    decode_run_config,
    encode_run_config,
)
from linkis_harness.errors import ConfigError

__all__ = ["API_PREFIX", "ENV_VARS", "RUN_CONFIG_VAR", "Settings", "load"]

API_PREFIX = "/api/rest_j/v1"

_CONNECTION = tuple(o for o in OPTIONS if o.scope == "connection")
# Setting name -> environment variable (so CI secrets never sit on a command line).
ENV_VARS: Mapping[str, str] = {o.name: o.variable for o in _CONNECTION if o.variable}
SECRET_FIELDS = frozenset(o.name for o in _CONNECTION if o.secret)
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True, slots=True)
class Settings:
    """Where the target is and who the harness is there. `target=None` means the embedded simulator."""

    target: str | None = None
    user: str | None = None
    password: str | None = None
    token_code: str | None = None
    token_user: str | None = None
    peer_user: str | None = None
    peer_password: str | None = None
    timeout: float = 10.0
    insecure: bool = False

    @property
    def api_base(self) -> str:
        """The REST root under the gateway, e.g. `http://gw:9001/api/rest_j/v1`."""
        if self.target is None:
            raise ConfigError(
                "no target: start the embedded simulator or pass --target URL"
            )
        return self.target.rstrip("/") + API_PREFIX

    @property
    def uses_token(self) -> bool:
        """True when requests authenticate with Token-Code/Token-User instead of a login."""
        return self.token_code is not None and self.token_user is not None

    def with_target(self, target: str) -> Settings:
        """Return a copy pointing at another target (the embedded simulator once it is up)."""
        return replace(self, target=target)

    def to_run_config(self, **extra: object) -> str:
        """Serialise these settings (and the run's `extra` suite options) for `LINKIS_RUN_CONFIG`."""
        values: dict[str, object] = {
            f.name: getattr(self, f.name) for f in fields(self)
        }
        return encode_run_config({**values, **extra})

    def secrets(self) -> list[str]:
        """Every secret value in these settings, for scrubbing output."""
        return [
            v
            for f in fields(self)
            if f.name in SECRET_FIELDS and (v := getattr(self, f.name))
        ]

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{f.name}={'***' if f.name in SECRET_FIELDS and getattr(self, f.name) else getattr(self, f.name)!r}"
            for f in fields(self)
        )
        return f"Settings({shown})"


def _expand(name: str, value: str, environ: Mapping[str, str]) -> str:
    def sub(match: re.Match[str]) -> str:
        var = match.group(1)
        if var not in environ:
            raise ConfigError(f"{name}: environment variable ${{{var}}} is not set")
        return environ[var]

    return _VAR.sub(sub, value)


def _check_target(target: str) -> str:
    if not re.match(r"^https?://[^/\s]+", target):
        raise ConfigError(
            f"--target: expected the gateway root such as 'http://gateway:9001', got {target!r}"
        )
    if target.rstrip("/").endswith(API_PREFIX):
        raise ConfigError(
            f"--target: give the gateway root without {API_PREFIX!r}; the harness appends it"
        )
    return target.rstrip("/")


def load(overrides: Mapping[str, object], environ: Mapping[str, str]) -> Settings:
    """Build Settings: non-None overrides win, then the run configuration, then LINKIS_*, then defaults.

    `${VAR}` in a flag's or variable's text is expanded from `environ`; values from a run's
    serialised configuration (`LINKIS_RUN_CONFIG`) are taken as they are.
    """
    values: dict[str, object] = {}
    for option in _CONNECTION:
        var = option.variable
        if var and environ.get(var, "") != "":
            values[option.name] = option.parse(environ[var], source=var)
    for name in overrides:
        if name not in Settings.__dataclass_fields__:
            raise ConfigError(f"unknown setting {name!r}")
    given = {k: v for k, v in overrides.items() if v is not None}
    for source in (values, given):
        for name, value in list(source.items()):
            if isinstance(value, str):
                source[name] = _expand(name, value, environ)
    if environ.get(RUN_CONFIG_VAR):
        # A run's serialised configuration (check → suite, load → Locust) beats the variables.
        run = decode_run_config(environ[RUN_CONFIG_VAR])
        values.update(
            {k: v for k, v in run.items() if k in Settings.__dataclass_fields__}
        )
    values.update(given)
    target = values.get("target")
    if isinstance(target, str):
        values["target"] = _check_target(target)
    if ("token_code" in values) != ("token_user" in values):
        raise ConfigError("token auth needs both --token-code and --token-user")
    if ("user" in values) != ("password" in values) and "token_code" not in values:
        raise ConfigError("password auth needs both --user and --password")
    timeout = values.get("timeout", 10.0)
    if (
        not isinstance(timeout, int | float)
        or isinstance(timeout, bool)
        or timeout <= 0
    ):
        raise ConfigError(
            f"--timeout: expected a positive number of seconds, got {timeout!r}"
        )
    return Settings(**values)  # type: ignore[arg-type]
