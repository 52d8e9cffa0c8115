"""LinkisClient: the only code that speaks HTTP to a Linkis target (httpx).

Every call returns an `Answer`, whatever the target said: the checks decide what an answer
means. Only the transport layer raises: `TargetUnreachable` when nothing answers,
`LoginFailed` when a login is refused. Paths are relative to `/api/rest_j/v1`.

Authentication mirrors the official Java client (Linkis 1.4.0 StaticAuthenticationStrategy.scala,
TokenAuthenticationStrategy.scala): password mode logs in with `POST /user/login`, keeps the session
cookie and logs in again once when a call answers 401; token mode sends `Token-Code`/`Token-User` on
every call and never logs in. The HTTP exchange is `client/transport.py`; the entrance, job-history
and filesystem calls are `client/endpoints.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import httpx

from linkis_harness.client.answer import Answer, decode_answer
from linkis_harness.client.endpoints import LinkisEndpoints
from linkis_harness.client.transport import build_request, exchange, tls_verify
from linkis_harness.config import Settings
from linkis_harness.errors import ConfigError, LoginFailed, NotLinkis
from linkis_harness.safety import DryRunStop, RequestGuard, describe_request, redact

__all__ = ["TICKET_COOKIES", "LinkisClient"]

# Session cookie names: 1.1.1+ first, then the 0.x-1.1.0 name
# (Linkis 1.4.0 ServerConfiguration.scala, 1.0.2 SSOUtils.scala).
TICKET_COOKIES = ("linkis_user_session_ticket_id_v1", "bdp-user-ticket-id")


class LinkisClient(LinkisEndpoints):
    """A Linkis REST client for one identity (a password login or a token)."""

    def __init__(
        self,
        settings: Settings,
        *,
        http: httpx.Client | None = None,
        guard: RequestGuard | None = None,
        on_dry_run: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self._guard = guard
        self._on_dry_run = on_dry_run
        self._base = settings.api_base
        self._own_http = http is None
        self._http = http or httpx.Client(
            timeout=settings.timeout,
            verify=tls_verify(settings.insecure),
            follow_redirects=False,
        )
        self._ticket: tuple[str, str] | None = None
        self._credentials: tuple[str, str] | None = None
        self.relogins = 0

    # -- plumbing -----------------------------------------------------------------------------

    @property
    def user(self) -> str | None:
        """The user this client acts as (the token user in token mode)."""
        if self.settings.uses_token:
            return self.settings.token_user
        if self._credentials is not None:
            return self._credentials[0]
        return self.settings.user

    @property
    def ticket_cookie(self) -> str | None:
        """The name of the session cookie this client holds, if logged in."""
        return self._ticket[0] if self._ticket else None

    def close(self) -> None:
        """Close the HTTP connection pool (only when this client created it)."""
        if self._own_http:
            self._http.close()

    def __enter__(self) -> LinkisClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _secrets(self) -> tuple[str, ...]:
        values = list(self.settings.secrets())
        if self._credentials is not None:
            values.append(self._credentials[1])
        if self._ticket is not None:
            values.append(self._ticket[1])
        return tuple(v for v in values if len(v) >= 3)

    def _auth_headers(self) -> dict[str, str]:
        if self.settings.uses_token:
            assert self.settings.token_code is not None
            assert self.settings.token_user is not None
            return {
                "Token-Code": self.settings.token_code,
                "Token-User": self.settings.token_user,
            }
        if self._ticket is not None:
            return {"Cookie": f"{self._ticket[0]}={self._ticket[1]}"}
        return {}

    def _admit(
        self,
        method: str,
        path: str,
        request: httpx.Request,
        sent: Mapping[str, str],
        content: bytes | None,
    ) -> None:
        """Ask the guard before anything leaves; raise `DryRunStop` under `--dry-run`."""
        if self._guard is None:
            return
        # Read-only refusal, job budget and rate limit (safety.py) before anything leaves.
        self._guard.admit(method, path)
        if self._guard.policy.dry_run:
            text = describe_request(
                method,
                str(request.url),
                headers=sent,
                body=content,
                secrets=self._secrets(),
            )
            if self._on_dry_run is not None:
                self._on_dry_run(text)
            raise DryRunStop(text)

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, object] | None,
        json: object,
        headers: Mapping[str, str] | None,
        content: bytes | None,
        auth: bool,
    ) -> tuple[Answer, httpx.Response]:
        request, sent, content = build_request(
            self._http,
            method,
            self._base + (path if path.startswith("/") else "/" + path),
            auth_headers=self._auth_headers() if auth else {},
            params=params,
            json=json,
            headers=headers,
            content=content,
        )
        self._admit(method, path, request, sent, content)
        response, raw, elapsed = exchange(
            self._http,
            request,
            target=self.settings.target or self._base,
            timeout=self.settings.timeout,
            clear_cookies=self._own_http,
        )
        body, envelope = decode_answer(response, raw, request)
        answer = Answer(
            method=method.upper(),
            url=str(request.url),
            http_status=response.status_code,
            headers=dict(response.headers),
            body=body,
            envelope=envelope,
            elapsed=elapsed,
            sent_headers=tuple(sent.items()),
            sent_body=content or b"",
            insecure=self.settings.insecure,
            secrets=self._secrets(),
        )
        return answer, response

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, object] | None = None,
        json: object = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
        auth: bool = True,
    ) -> Answer:
        """Send one request; on a 401 of a logged-in session, log in again once and retry."""

        def send() -> Answer:
            answer, _ = self._send(
                method,
                path,
                params=params,
                json=json,
                headers=headers,
                content=content,
                auth=auth,
            )
            return answer

        answer = send()
        if (
            auth
            and self._credentials is not None
            and not self.settings.uses_token
            and (answer.http_status == 401 or answer.status == -1)
            and not path.lstrip("/").startswith("user/")
        ):
            self.login(*self._credentials)
            self.relogins += 1
            answer = send()
        return answer

    # -- gateway user endpoints ---------------------------------------------------------------

    def login(
        self,
        user: str | None = None,
        password: str | None = None,
        *,
        raise_on_refusal: bool = True,
    ) -> Answer:
        """Log in with a password and keep the session cookie; `LoginFailed` when refused."""
        user = user if user is not None else self.settings.user
        password = password if password is not None else self.settings.password
        if user is None or password is None:
            raise ConfigError(
                "no user and password to log in with: pass --linkis-user and --linkis-password "
                "(or LINKIS_USER and LINKIS_PASSWORD)"
            )
        answer, response = self._send(
            "POST",
            "/user/login",
            params=None,
            json={"userName": user, "password": password},
            headers=None,
            content=None,
            auth=False,
        )
        ticket = _ticket_from(response)
        if answer.envelope is None and ticket is None:
            # No envelope and no cookie: not a refusal by Linkis, nothing Linkis answered at all.
            raise NotLinkis(
                f"{self.settings.target} does not answer like Linkis (not Linkis, not its "
                f"gateway root, or the gateway is down): POST /api/rest_j/v1/user/login got "
                f"HTTP {answer.http_status}, not a Linkis envelope: "
                f"{redact(answer.text(limit=120), (password,))!r}"
            )
        refusal = self._login_refusal(user, password, answer, ticket)
        if refusal is not None and self._session_works(answer, ticket):
            # A login answer that breaks the envelope but sets a working session is a finding
            # about the login answer (the envelope family reports it), not an unusable target.
            refusal = None
        if refusal is not None:
            if not raise_on_refusal:
                return answer
            raise LoginFailed(refusal)
        assert ticket is not None  # _login_refusal names a missing cookie
        self._ticket = ticket
        self._credentials = (user, password)
        return answer

    def _session_works(self, answer: Answer, ticket: tuple[str, str] | None) -> bool:
        """Whether a login answer that is no envelope still set a session `userInfo` accepts."""
        if answer.envelope is not None or ticket is None or answer.http_status >= 400:
            return False
        name, value = ticket
        probe, _ = self._send(
            "GET",
            "/user/userInfo",
            params=None,
            json=None,
            headers={"Cookie": f"{name}={value}"},
            content=None,
            auth=False,
        )
        return probe.status == 0

    def _login_refusal(
        self, user: str, password: str, answer: Answer, ticket: tuple[str, str] | None
    ) -> str | None:
        """Say why a login answer is a refusal (the password scrubbed), or None when it is not."""
        if answer.status != 0:
            scrubbed = redact(answer.message, (password,))
            said = (
                f"status {answer.status}, {scrubbed!r}"
                if answer.envelope is not None
                else f"not a Linkis envelope: {answer.text(limit=200)!r}"
            )
            return f"login as {user!r} refused by {self.settings.target}: HTTP {answer.http_status}, {said}"
        if ticket is None:
            return (
                f"login as {user!r} at {self.settings.target} answered status 0 but set no session "
                f"cookie (expected {' or '.join(TICKET_COOKIES)})"
            )
        return None

    def authenticate(self) -> None:
        """Make this client ready: log in (password mode) or prove the token is accepted."""
        if not self.settings.uses_token:
            self.login()
            return
        # /user/* is answered by the gateway before token auth runs
        # (Linkis 1.4.0 gateway/security/SecurityFilter.scala), so the token is proven on an
        # ordinary endpoint.
        answer = self.job_history_list(pageSize=1)
        if answer.http_status == 401 or answer.status == -1:
            raise LoginFailed(
                f"token {self.settings.token_user!r} refused by {self.settings.target}: "
                f"HTTP {answer.http_status}, {answer.text(limit=300)}"
            )

    def logout(self) -> Answer:
        """Log out and forget the session cookie."""
        answer = self.request("GET", "/user/logout")
        self._ticket = None
        self._credentials = None
        return answer

    def user_info(self) -> Answer:
        """`GET /user/userInfo`."""
        return self.request("GET", "/user/userInfo")

    def proxy(self, proxy_user: str, validation_code: str) -> Answer:
        """`/user/proxy`: on success the session acts as `proxy_user` (no re-login afterwards)."""
        answer, response = self._send(
            "GET",
            "/user/proxy",
            params={"proxyUser": proxy_user, "validationCode": validation_code},
            json=None,
            headers=None,
            content=None,
            auth=True,
        )
        ticket = _ticket_from(response)
        if answer.status == 0 and ticket is not None:
            self._ticket = ticket
            self._credentials = None
        return answer


def _ticket_from(response: httpx.Response) -> tuple[str, str] | None:
    cookies = {c.name: c.value or "" for c in response.cookies.jar}
    for name in TICKET_COOKIES:
        if cookies.get(name):
            return name, cookies[name]
    # A deployment may rename the cookie (wds.linkis.session.ticket.key): take a lone one.
    named = [(k, v) for k, v in cookies.items() if v]
    return named[0] if len(named) == 1 else None
