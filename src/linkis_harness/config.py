"""Settings: one frozen value built by one loader (flag, then LINKIS_* environment, then defaults)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

from linkis_harness.errors import ConfigError

__all__ = ["API_PREFIX", "ENV_VARS", "Settings", "load"]

API_PREFIX = "/api/rest_j/v1"

# Setting name -> environment variable (so CI secrets never sit on a command line).
ENV_VARS: Mapping[str, str] = {
    "target": "LINKIS_TARGET",
    "user": "LINKIS_USER",
    "password": "LINKIS_PASSWORD",
    "token_code": "LINKIS_TOKEN_CODE",
    "token_user": "LINKIS_TOKEN_USER",
    "peer_user": "LINKIS_PEER_USER",
    "peer_password": "LINKIS_PEER_PASSWORD",
}
SECRET_FIELDS = frozenset({"password", "token_code", "peer_password"})
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
    """Build Settings: non-None overrides win, then LINKIS_* variables, then defaults."""
    values: dict[str, object] = {}
    for name, var in ENV_VARS.items():
        if var in environ and environ[var] != "":
            values[name] = environ[var]
    for name, value in overrides.items():
        if name not in Settings.__dataclass_fields__:
            raise ConfigError(f"unknown setting {name!r}")
        if value is not None:
            values[name] = value
    for name, value in list(values.items()):
        if isinstance(value, str):
            values[name] = _expand(name, value, environ)
    target = values.get("target")
    if isinstance(target, str):
        values["target"] = _check_target(target)
    if ("token_code" in values) != ("token_user" in values):
        raise ConfigError("token auth needs both --token-code and --token-user")
    if ("user" in values) != ("password" in values) and "token_code" not in values:
        raise ConfigError("password auth needs both --user and --password")
    timeout = values.get("timeout", 10.0)
    if not isinstance(timeout, int | float) or timeout <= 0:
        raise ConfigError(
            f"--timeout: expected a positive number of seconds, got {timeout!r}"
        )
    return Settings(**values)  # type: ignore[arg-type]
