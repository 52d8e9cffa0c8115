"""Asking a gateway the matrix: one connection pool, one fresh client (and session) per case."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.cookiejar import Cookie, CookieJar, DefaultCookiePolicy
from typing import Any

import httpx

from linkis_harness.client import Answer, LinkisClient
from linkis_harness.config import Settings
from linkis_harness.core.rulecases import Case, ProxyMode
from linkis_harness.rules.matrix.verdict import (
    Judgement,
    Observed,
    judge_proxy_headers,
    judge_proxy_login,
    judge_token,
    proxy_headers,
)
from linkis_harness.safety import DryRunStop, RequestGuard

__all__ = ["MatrixRunner", "Row", "check_reachable"]


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
    ) -> None:
        self.settings = settings
        self.proxy_mode = proxy_mode
        self.guard = guard
        # One connection pool for every case (an httpx.Client costs tens of ms to build); its
        # jar keeps no cookie, so no session leaks from one case into the next.
        self._http = httpx.Client(
            timeout=settings.timeout,
            verify=not settings.insecure,
            follow_redirects=False,
            cookies=CookieJar(policy=_NoCookies()),
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

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

    def _client(self, on_dry_run: Callable[[str], None] | None = None) -> LinkisClient:
        return LinkisClient(
            self.settings, http=self._http, guard=self.guard, on_dry_run=on_dry_run
        )

    def run(self, cases: Sequence[Case]) -> list[Row]:
        """Run every case in order (raises `TargetError` when the gateway cannot be used)."""
        return [self.run_case(case, index=i + 1) for i, case in enumerate(cases)]

    def run_case(self, case: Case, *, index: int = 0) -> Row:
        """Ask the gateway one case and judge the answer."""
        with self._client() as client:
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
                with contextlib.suppress(DryRunStop):
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


def check_reachable(settings: Settings, *, guard: RequestGuard | None = None) -> None:
    """Raise `TargetError` with a one-line reason when the gateway does not answer or refuses us."""
    with LinkisClient(settings, guard=guard) as client:
        if settings.uses_token or (settings.user and settings.password):
            client.authenticate()  # a login, or the token proven on jobhistory/list
        else:
            client.request("GET", "/user/userInfo", auth=False)
