"""The gateway's own rule sources for `rules`: the token table and the properties file.

Both are read and parsed before anything is sent; a file that cannot be read or parsed is a
`ConfigError` (one line, exit 2), so nothing is half-applied. Lint is `core/gatewaylint.py`.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from linkis_harness.core.accesscontrol import AccessControl, parse_gateway_properties
from linkis_harness.core.gatewaylint import lint_gateway_properties, lint_token_table
from linkis_harness.core.rulelint import Finding
from linkis_harness.core.tokentable import TokenTable, parse_token_table
from linkis_harness.core.versions import Version
from linkis_harness.errors import ConfigError

__all__ = [
    "GatewayInputs",
    "is_loopback_target",
    "local_address",
    "read_gateway_inputs",
]


@dataclass(frozen=True, slots=True)
class GatewayInputs:
    """The parsed token table and access-control properties (each optional)."""

    table: TokenTable | None
    access: AccessControl | None
    table_path: Path | None
    properties_path: Path | None

    @property
    def paths(self) -> list[Path]:
        return [p for p in (self.table_path, self.properties_path) if p is not None]

    def tokens(self) -> list[str]:
        """Every token name of the table (for fingerprinting)."""
        return [r.name for r in self.table.rows] if self.table is not None else []

    def lint(self, *, now: datetime, version: Version | None) -> list[Finding]:
        findings: list[Finding] = []
        if self.table is not None:
            findings += lint_token_table(self.table, now=now, version=version)
        if self.access is not None:
            findings += lint_gateway_properties(
                self.access, version=version, table=self.table
            )
        return findings


def _text(path: Path, option: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{option}: no such file {str(path)!r}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{option}: cannot read {str(path)!r}: {exc}") from None


def read_gateway_inputs(
    table: Path | None, properties: Path | None, *, now: datetime
) -> GatewayInputs:
    """Read and parse both files; `ConfigError` for the first one that does not parse."""
    parsed_table = None
    if table is not None:
        text = _text(table, "--token-table")
        try:
            parsed_table = parse_token_table(text, source=str(table), today=now.date())
        except ConfigError as exc:
            raise ConfigError(f"--token-table: {exc}") from None
    access = None
    if properties is not None:
        text = _text(properties, "--gateway-properties")
        try:
            access = parse_gateway_properties(text, source=str(properties))
        except ConfigError as exc:
            raise ConfigError(f"--gateway-properties: {exc}") from None
    return GatewayInputs(parsed_table, access, table, properties)


def is_loopback_target(target: str) -> bool:
    """Return whether the target's host is a loopback address (127.0.0.0/8, ::1, localhost)."""
    host = urlsplit(target).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def local_address(target: str) -> str:
    """Return the address this host uses to reach `target` (a UDP connect sends nothing)."""
    parts = urlsplit(target)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        family, _, _, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_DGRAM
        )[0]
        with socket.socket(family, socket.SOCK_DGRAM) as sock:
            sock.connect(address)
            return str(sock.getsockname()[0])
    except OSError:
        return "127.0.0.1" if is_loopback_target(target) else "0.0.0.0"
