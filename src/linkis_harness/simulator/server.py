"""`linkis-harness serve`: run the simulator with uvicorn on a socket bound before it starts.

The socket is bound first so that `--port 0` works and the execIDs can name the real port; the
first stdout line is `linkis-sim listening on http://HOST:PORT` (the launcher waits for it).
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TextIO

import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from linkis_harness.core.accesscontrol import AccessControl, parse_gateway_properties
from linkis_harness.core.execid import ExecIdLayout
from linkis_harness.core.rules import RuleSet, parse_rules
from linkis_harness.core.tokentable import TokenTable, parse_now, parse_token_table
from linkis_harness.core.versions import traits
from linkis_harness.errors import ConfigError
from linkis_harness.simulator.app import create_app
from linkis_harness.simulator.auth import DEFAULT_USERS, Auth, parse_users
from linkis_harness.simulator.clock import SystemClock
from linkis_harness.simulator.faults import FAULTS, parse_faults
from linkis_harness.simulator.gateway import RAW_HEADER_NAMES
from linkis_harness.simulator.history import History
from linkis_harness.simulator.jobs import JobStore

__all__ = ["BANNER", "RawHeaderProtocol", "run_serve"]

BANNER = "linkis-sim listening on"


class RawHeaderProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, also keeping the header names as sent (Linkis reads them case-sensitively)."""

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._raw_names: list[bytes] = []
        self.scope[RAW_HEADER_NAMES] = self._raw_names  # type: ignore[literal-required]

    def on_header(self, name: bytes, value: bytes) -> None:
        self._raw_names.append(bytes(name))
        super().on_header(name, value)


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"{what} {str(path)!r}: cannot read it ({exc.strerror})."
        ) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{what} {str(path)!r}: not UTF-8 text ({exc.reason})."
        ) from None


def _rules(path: Path | None, kind: str) -> RuleSet | None:
    if path is None:
        return None
    option = f"--{kind}-rules"
    return parse_rules(_read(path, option), source=str(path), kind=kind)  # type: ignore[arg-type]


def _clock(fixed: datetime | None) -> Callable[[], datetime]:
    """Return the token-expiry clock: `--now` when given, else the wall clock."""
    if fixed is None:
        return datetime.now
    return lambda: fixed


def _token_table(path: Path | None, now: datetime) -> TokenTable | None:
    if path is None:
        return None
    text = _read(path, "--token-table")
    return parse_token_table(text, source=str(path), today=now.date())


def _gateway_properties(path: Path | None) -> AccessControl | None:
    if path is None:
        return None
    text = _read(path, "--gateway-properties")
    return parse_gateway_properties(text, source=str(path))


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(
            f"cannot listen on {host}:{port}: {exc.strerror}. Use --port 0 for any free port."
        ) from None
    sock.listen(2048)
    return sock


def run_serve(
    *,
    host: str,
    port: int,
    proxy_rules: Path | None,
    token_rules: Path | None,
    fault: str | None,
    speed: float,
    out: TextIO,
    err: TextIO,
    users_file: Path | None = None,
    db: Path | None = None,
    evict_after: float = 600.0,
    proxy_headers: bool = False,
    linkis_version: str = "1.8",
    max_running: int = 0,
    token_table: Path | None = None,
    gateway_properties: Path | None = None,
    behind_proxy: bool = False,
    admin_token_mitigated: bool = False,
    now: str | None = None,
) -> int:
    """Serve until interrupted; `--fault list` prints the fault modes instead. Returns the exit code."""
    if fault == "list":
        _list_faults(out)
        return 0
    faults = parse_faults(fault)
    if not speed > 0:
        raise ConfigError(f"--speed {speed}: expected a number > 0, e.g. 20 for tests.")
    if max_running < 0:
        raise ConfigError(
            f"--max-running {max_running}: expected 0 (unlimited) or more."
        )
    if not evict_after >= 0:
        raise ConfigError(f"--evict-after {evict_after}: expected seconds >= 0.")
    users = dict(DEFAULT_USERS)
    if users_file is not None:
        users = parse_users(_read(users_file, "--users-file"), source=str(users_file))
    version = traits(linkis_version)  # ConfigError names the bad version
    fixed = parse_now(now)
    auth = Auth(
        token_table=_token_table(token_table, fixed or datetime.now()),
        access=_gateway_properties(gateway_properties),
        now=_clock(fixed),
        version=version,
        users=users,
        token_rules=_rules(token_rules, "token"),
        proxy_rules=_rules(proxy_rules, "proxy"),
        faults=faults,
    )
    sock = _bind(host, port)
    bound_host, bound_port = sock.getsockname()[:2]
    instance = f"{bound_host}:{bound_port}"
    history = _open_history(db, sock)
    clock = SystemClock()
    store = JobStore(
        legacy=version.execid_layout is ExecIdLayout.LEGACY,
        history=history,
        clock=clock,
        instance=instance,
        speed=speed,
        evict_after=evict_after,
        max_running=max_running,
    )
    app = create_app(
        store,
        clock,
        auth=auth,
        faults=faults,
        proxy_headers=proxy_headers,
        behind_proxy=behind_proxy,
        admin_token_mitigated=admin_token_mitigated,
    )
    out.write(f"{BANNER} http://{instance}\n")
    out.flush()
    _serve(app, sock)
    return 0


def _list_faults(out: TextIO) -> None:
    width = max(len(name) for name in FAULTS)
    for item in FAULTS.values():
        out.write(f"{item.name:<{width}}  {item.family:<9} {item.description}\n")


def _open_history(db: Path | None, sock: socket.socket) -> History:
    """Open job history (in memory without `--db`); a bad path closes the socket first."""
    try:
        return History(str(db) if db is not None else ":memory:")
    except Exception as exc:  # sqlite3.Error and OSError alike: a bad --db path
        sock.close()
        raise ConfigError(
            f"--db {str(db)!r}: cannot open it as SQLite ({exc})."
        ) from None


def _serve(app: ASGIApp, sock: socket.socket) -> None:
    config = uvicorn.Config(
        app,
        http=RawHeaderProtocol,
        log_level="warning",
        access_log=False,
        lifespan="on",
        # The TCP peer must stay the peer: uvicorn would take it from X-Forwarded-For
        # (access control and the pre-1.3 token host read the peer, ledger: gateway.token.host).
        proxy_headers=False,
    )
    uvicorn.Server(config).run(sockets=[sock])
