"""The gateway's access control (1.5+): which users and client IPs may call which URLs.

Read from the gateway's properties file (`linkis.properties` / `linkis-mg-gateway.properties`)
and answered like `SecurityFilter.doFilter` (1.5.0 `SecurityFilter.scala:192-236`, unchanged to
release-1.8.0), after authentication and never for `/user/*`:
- `linkis.client.access.control.user.enable=true`: a user with a non-empty
  `linkis.client.access.control.user.<name>` may call only from a client IP the value
  *contains* (`userIps.contains(host)`: a substring test on the whole string, so `10.0.0.1` is
  admitted by `10.0.0.12`);
- `linkis.client.access.control.enable=true` with both `.ip` and `.url` set: a client whose IP is
  a substring of `.ip` may call only URLs that are substrings of `.url`.
The client IP is the TCP peer (`getRemoteAddress`), never a forwarded header. Pure.
(ledger: gateway.access-control.user-ip, gateway.access-control.ip-url)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from linkis_harness.core.properties import (
    WHITESPACE,
    logical_lines,
    rstrip_unescaped,
    split_line,
    unescape,
)
from linkis_harness.core.versions import Version
from linkis_harness.errors import ConfigError

__all__ = [
    "ACCESS_CONTROL_SINCE",
    "ENABLE",
    "IP",
    "URL",
    "USER_ENABLE",
    "USER_PREFIX",
    "AccessControl",
    "Setting",
    "parse_gateway_properties",
]

ENABLE = "linkis.client.access.control.enable"
URL = "linkis.client.access.control.url"
IP = "linkis.client.access.control.ip"
USER_ENABLE = "linkis.client.access.control.user.enable"
USER_PREFIX = "linkis.client.access.control.user."
ACCESS_CONTROL_SINCE = Version(1, 5)


@dataclass(frozen=True, slots=True)
class Setting:
    """One `key=value` of the properties file and the line it starts on."""

    key: str
    value: str
    line: int


@dataclass(frozen=True, slots=True)
class AccessControl:
    """The access-control settings of one properties file (later duplicates win)."""

    source: str
    settings: tuple[Setting, ...]

    def get(self, key: str) -> Setting | None:
        found = None
        for setting in self.settings:
            if setting.key == key:
                found = setting
        return found

    def value(self, key: str) -> str:
        setting = self.get(key)
        return "" if setting is None else setting.value

    def flag(self, key: str) -> bool:
        """Return a CommonVars Boolean: `true` in any case."""
        return self.value(key).strip().lower() == "true"

    @property
    def user_enabled(self) -> bool:
        return self.flag(USER_ENABLE)

    @property
    def ip_enabled(self) -> bool:
        return self.flag(ENABLE) and bool(self.value(IP)) and bool(self.value(URL))

    def user_bindings(self) -> Iterator[tuple[str, Setting]]:
        """Each `linkis.client.access.control.user.<name>` (not `.enable`), in force."""
        last = {s.key: s for s in self.settings}
        for key, setting in last.items():
            if key.startswith(USER_PREFIX) and key != USER_ENABLE:
                yield key[len(USER_PREFIX) :], setting

    def refusal(self, user: str | None, host: str, uri: str) -> str | None:
        """Return Linkis' refusal message for a request, or None when access control lets it by."""
        return self.user_refusal(user, host) or self.url_refusal(host, uri)

    def user_refusal(
        self, user: str | None, host: str, *, exact: bool = False
    ) -> str | None:
        """Return the user-to-IP refusal (`exact`: the fault of matching whole entries instead)."""
        if not self.user_enabled:
            return None
        ips = self.value(USER_PREFIX + (user or "null"))
        if not ips:
            return None
        allowed = host in ips.split(",") if exact else host in ips
        if allowed:
            return None
        return (
            f"Unauthorized access! User {user} is prohibited from accessing from the current IP "
            f"{host}. (未授权的访问！用户{user}禁止在当前IP{host}访问。)"
        )

    def url_refusal(self, host: str, uri: str, *, exact: bool = False) -> str | None:
        """Return the IP-to-URL refusal (`exact`: the fault of matching whole entries instead)."""
        if not self.ip_enabled:
            return None
        ips, urls = self.value(IP), self.value(URL)
        listed = host in ips.split(",") if exact else host in ips
        if not listed:
            return None
        if (uri in urls.split(",")) if exact else (uri in urls):
            return None
        return (
            f"Unauthorized access! IP {host} is prohibited from accessing this URL. "
            f"(未授权的访问！当前IP{host}禁止访问此URL。)"
        )


def parse_gateway_properties(text: str, *, source: str) -> AccessControl:
    """Parse a properties file; `ConfigError` (`file:line: …`) for a line Java would misread."""
    settings: list[Setting] = []
    for logical in logical_lines(text):
        split = split_line(logical.text)
        if split is None:
            raise ConfigError(
                f"{source}:{logical.line}: expected 'key=value', got "
                f"{logical.text.strip()[:60]!r}"
            )
        raw_key, raw_value = split
        try:
            key = unescape(rstrip_unescaped(raw_key))
            value = unescape(raw_value.lstrip(WHITESPACE))
        except ValueError as exc:
            raise ConfigError(f"{source}:{logical.line}: {exc}") from None
        if not key:
            raise ConfigError(
                f"{source}:{logical.line}: expected 'key=value', got no key"
            )
        settings.append(Setting(key, value, logical.line))
    return AccessControl(source, tuple(settings))
