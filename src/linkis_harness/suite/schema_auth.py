"""How the schema family's generated calls authenticate: a cookie login or the token headers.

Cases (coverage, examples) may be generated with their auth before any fixture runs, so the
settings also come from the session's options here (`suite.settings`, built at configure time;
the target was proven at session start, before collection).
"""

from __future__ import annotations

import httpx
import schemathesis
from schemathesis import Case

from linkis_harness.client import TICKET_COOKIES
from linkis_harness.client.transport import tls_verify
from linkis_harness.config import Settings
from linkis_harness.suite import settings as suite_settings

TICKET = TICKET_COOKIES[
    0
]  # 1.1.1+; Linkis up to 1.1.0 sets `bdp-user-ticket-id` (Linkis 1.0.2 SSOUtils.scala)


def _login_ticket(settings: Settings) -> tuple[str, str]:
    """Log in as the main user (the auth provider's `get`); return the cookie's name and value."""
    with httpx.Client(
        timeout=settings.timeout, verify=tls_verify(settings.insecure)
    ) as http:
        answer = http.post(
            settings.api_base + "/user/login",
            json={"userName": settings.user, "password": settings.password},
        )
    for name in TICKET_COOKIES:
        ticket = answer.cookies.get(name)
        if ticket:
            return name, ticket
    raise AssertionError(
        f"[schema] login for the schema checks set no {' or '.join(TICKET_COOKIES)} cookie "
        f"(HTTP {answer.status_code})"
    )


class SchemaSession:
    """The target and credentials for the auth provider (see the module docstring)."""

    settings: Settings | None = None

    @classmethod
    def current(cls) -> Settings | None:
        if cls.settings is None:
            options = suite_settings.current()
            cls.settings = options.settings if options is not None else None
        return cls.settings


class LinkisAuth:
    """Cookie login as the main user (re-login on 401), or the Token-Code/Token-User headers."""

    def get(self, case: Case, ctx: schemathesis.AuthContext) -> dict[str, str] | None:
        settings = SchemaSession.current()
        if settings is None:
            return None
        if settings.uses_token:
            return {
                "Token-Code": str(settings.token_code),
                "Token-User": str(settings.token_user),
            }
        name, ticket = _login_ticket(settings)
        return {"Cookie": f"{name}={ticket}"}

    def set(
        self, case: Case, data: dict[str, str], ctx: schemathesis.AuthContext
    ) -> None:
        if "Cookie" in data:
            name, _, ticket = data["Cookie"].partition("=")
            case.cookies = {**(case.cookies or {}), name: ticket}
        else:
            case.headers = {**dict(case.headers or {}), **data}  # type: ignore[assignment]
