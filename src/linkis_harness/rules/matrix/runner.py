"""Asking a gateway the matrix: one connection pool, one fresh client (and session) per case."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.cookiejar import Cookie, CookieJar, DefaultCookiePolicy
from typing import Any

import httpx

from linkis_harness.client import Answer, LinkisClient
from linkis_harness.client.transport import tls_verify
from linkis_harness.config import Settings
from linkis_harness.core.rulecases import ANY_USER, UNKNOWN_TOKEN, Case, ProxyMode
from linkis_harness.core.versions import Version
from linkis_harness.errors import ConfigError
from linkis_harness.rules.matrix.gateway import ask_gateway_case
from linkis_harness.rules.matrix.verdict import (
    Judgement,
    Observed,
    judge_proxy_headers,
    judge_proxy_login,
    judge_token,
    proxy_headers,
)
from linkis_harness.safety import DryRunStop, RequestGuard

__all__ = ["MatrixRunner", "Row", "check_reachable", "refine_version"]

_V1_5 = Version(1, 5)


@dataclass(frozen=True, slots=True)
class Row:
    """One case, what was observed and whether the gateway held the rule."""

    case: Case
    ident: str
    observed: Observed
    held: bool
    reason: str = ""
    curl: str = field(default="", repr=False)


class _NoCookies(DefaultCookiePolicy):
    """A cookie policy that stores nothing: each LinkisClient sends its ticket explicitly."""

    def set_ok(self, cookie: Cookie, request: Any) -> bool:
        return False


class MatrixRunner:
    """Ask a gateway the cases: one fresh client (and session) per case."""

    def __init__(
        self,
        settings: Settings,
        *,
        proxy_mode: ProxyMode = "login",
        guard: RequestGuard | None = None,
        passwords: Mapping[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self.proxy_mode = proxy_mode
        self.guard = guard
        # Accounts the access-control and admin cases may log in as.
        self.passwords = dict(passwords or {})
        if settings.user and settings.password:
            self.passwords.setdefault(settings.user, settings.password)
        if settings.peer_user and settings.peer_password:
            self.passwords.setdefault(settings.peer_user, settings.peer_password)
        # One connection pool for every case (an httpx.Client costs tens of ms to build); its
        # jar keeps no cookie, so no session leaks from one case into the next.
        self._http = self._pool(None)
        self._pools: dict[str, httpx.Client] = {}

    def _pool(self, source: str | None) -> httpx.Client:
        """Return a connection pool whose connections leave from `source` (None: the default route)."""
        transport = (
            httpx.HTTPTransport(
                local_address=source, verify=tls_verify(self.settings.insecure)
            )
            if source is not None
            else None
        )
        return httpx.Client(
            timeout=self.settings.timeout,
            verify=tls_verify(self.settings.insecure),
            follow_redirects=False,
            cookies=CookieJar(policy=_NoCookies()),
            transport=transport,
        )

    def _http_for(self, source: str | None) -> httpx.Client:
        if source is None:
            return self._http
        pool = self._pools.get(source)
        if pool is None:
            pool = self._pools[source] = self._pool(source)
        return pool

    def close(self) -> None:
        """Close the connection pools."""
        self._http.close()
        for pool in self._pools.values():
            pool.close()

    def __enter__(self) -> MatrixRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def login_user(self) -> str | None:
        """The configured user proxy cases log in as first (None: no password login)."""
        if self.settings.user and self.settings.password:
            return self.settings.user
        return None

    def _client(
        self,
        on_dry_run: Callable[[str], None] | None = None,
        *,
        source: str | None = None,
    ) -> LinkisClient:
        return LinkisClient(
            self.settings,
            http=self._http_for(source),
            guard=self.guard,
            on_dry_run=on_dry_run,
        )

    def run(self, cases: Sequence[Case]) -> list[Row]:
        """Run every case in order (raises `TargetError` when the gateway cannot be used)."""
        return [self.run_case(case, index=i + 1) for i, case in enumerate(cases)]

    def run_case(self, case: Case, *, index: int = 0) -> Row:
        """Ask the gateway one case and judge the answer."""
        with self._client(source=case.source) as client:
            judgement = self._judge(client, case)
        held = not judgement.reason
        return Row(
            case,
            case.ident(index),
            judgement.observed,
            held,
            judgement.reason,
            judgement.curl,
        )

    def _judge(self, client: LinkisClient, case: Case) -> Judgement:
        """Send the deciding request of a case and judge it (follow-ups included)."""
        if case.kind in ("table", "spoof", "access", "admin"):
            if case.kind in ("access", "admin"):
                who = case.acts_as if case.kind == "admin" else case.user
                if who not in self.passwords:
                    raise ConfigError(
                        f"{case.kind} case needs a password for {who!r} (--user/--peer-user)"
                    )
            return ask_gateway_case(client, case, passwords=self.passwords)
        if case.kind == "token":
            return judge_token(case, self._first_request(client, case))
        if self.login_user is not None:
            client.login()
        judge = (
            judge_proxy_headers if self.proxy_mode == "headers" else judge_proxy_login
        )
        answer = self._first_request(client, case)
        return judge(client, case, answer, login_user=self.login_user)

    def describe(self, cases: Sequence[Case]) -> list[str]:
        """Return the requests a run would send first for each case (`--dry-run`; needs a dry-run guard)."""
        texts: list[str] = []
        with self._client(texts.append) as client:
            if self.login_user is not None and any(c.kind == "proxy" for c in cases):
                with contextlib.suppress(DryRunStop):
                    client.login()
            for case in cases:
                with contextlib.suppress(DryRunStop, ConfigError):
                    if case.kind in ("table", "spoof", "access", "admin"):
                        ask_gateway_case(client, case, passwords=self.passwords)
                    else:
                        self._first_request(client, case)
        return texts

    def _first_request(self, client: LinkisClient, case: Case) -> Answer:
        """Send the request that decides a case (the proxy or token call)."""
        if case.kind == "token":
            headers = {}
            if case.token is not None:
                headers["Token-Code"] = case.token
            if case.user is not None:
                headers["Token-User"] = case.user
            return client.request(
                "GET",
                "/jobhistory/list",
                params={"pageSize": 1},
                headers=headers,
                auth=False,
            )
        if self.proxy_mode == "headers":
            return client.request(
                "GET",
                "/jobhistory/list",
                params={"pageSize": 1},
                headers=proxy_headers(case),
            )
        if case.user is not None and case.token is not None:
            return client.proxy(case.user, case.token)
        params = {"proxyUser": case.user, "validationCode": case.token}
        return client.request("GET", "/user/proxy", params=params)


def refine_version(settings: Settings, version: Version) -> Version:
    """Raise the version to 1.5 when an unknown token answers 15207 (1.5+; 15201 before)."""
    with LinkisClient(settings) as client:
        answer = client.request(
            "GET",
            "/jobhistory/list",
            params={"pageSize": 1},
            headers={"Token-Code": UNKNOWN_TOKEN, "Token-User": ANY_USER},
            auth=False,
        )
    if "errCode: 15207" in (answer.message or "") and version < _V1_5:
        return _V1_5
    return version


def check_reachable(settings: Settings, *, guard: RequestGuard | None = None) -> None:
    """Raise `TargetError` with a one-line reason when the gateway does not answer or refuses us."""
    with LinkisClient(settings, guard=guard) as client:
        if settings.uses_token or (settings.user and settings.password):
            client.authenticate()  # a login, or the token proven on jobhistory/list
        else:
            client.request("GET", "/user/userInfo", auth=False)
