"""Who is asking: users, session tickets, token rules and proxy rules (the gateway's state).

The decisions live here; `gateway.py` turns them into answers. Fault modes that weaken auth
(`auth-bypass`, `token-any-user`, `proxy-wildcard`, `proxy-substring`, `token-host-ignored`,
`token-expiry-ignored`, `token-host-substring`, `access-control-ignored`,
`access-control-exact`) act here, once each. The token table and access control follow
`core/tokentable.py` and `core/accesscontrol.py` (ledger: docs/ledger/gateway-auth.yaml).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from linkis_harness.core.accesscontrol import ACCESS_CONTROL_SINCE, AccessControl
from linkis_harness.core.rules import RuleSet
from linkis_harness.core.tokentable import TokenTable, token_verdict
from linkis_harness.core.versions import (
    TokenMatch,
    Version,
    VersionTraits,
    token_allows,
    traits,
)
from linkis_harness.errors import ConfigError
from linkis_harness.simulator.faults import Faults

__all__ = [
    "ADMIN",
    "DEFAULT_USERS",
    "SESSION_COOKIE",
    "Auth",
    "TokenVerdict",
    "parse_users",
]

ADMIN = "hadoop"  # wds.linkis.admin.user, also the job history admin
SESSION_COOKIE = "linkis_user_session_ticket_id_v1"
DEFAULT_USERS: Mapping[str, str] = MappingProxyType(
    {
        "hadoop": "hadoop",
        "alice": "alice123",
        "bob": "bob123",
        "bobby": "bobby123",  # bobby/carol: users the sample rule files name (fixtures/rules/)
        "carol": "carol123",
    }
)
SESSION_TIMEOUT_MS = 7_200_000
_V1_1_1 = Version(1, 1, 1)
_V1_3 = Version(1, 3)
MAX_SESSIONS = 100_000  # a load test logging in forever must not grow memory forever


def parse_users(text: str, *, source: str) -> dict[str, str]:
    """Parse a users file: `user=password` lines, `#` comments and blank lines ignored."""
    users: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        user, sep, password = line.partition("=")
        if not sep or not user.strip():
            raise ConfigError(
                f"{source}:{number}: expected 'user=password', got {line!r}"
            )
        users[user.strip().lower()] = password.strip()
    return users


@dataclass(frozen=True, slots=True)
class TokenVerdict:
    """The outcome of token authentication: the user, or the 152xx error that refused it."""

    user: str | None
    code: int = 0
    desc: str = ""


@dataclass(slots=True)
class Auth:
    """The gateway's users, live sessions and rule files."""

    users: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_USERS))
    token_rules: RuleSet | None = None
    proxy_rules: RuleSet | None = None
    faults: Faults = field(default_factory=Faults)
    version: VersionTraits = field(default_factory=lambda: traits("1.4"))
    sessions: dict[str, str] = field(default_factory=dict)
    token_table: TokenTable | None = None
    access: AccessControl | None = None
    now: Callable[[], datetime] = datetime.now

    @property
    def real_ip_from_headers(self) -> bool:
        """1.3+: the token host is `getRequestRealIpAddr()` (forwarded headers first)."""
        return self.version.version >= _V1_3

    def login(self, user: str, password: str) -> tuple[str, bool] | None:
        """Check a password; return `(user, is_admin)` (LDAP users lower-cased) or None."""
        if user == ADMIN and password == self.users.get(ADMIN, ADMIN):
            return ADMIN, True
        name = user.lower()
        if name != ADMIN and name in self.users and self.users[name] == password:
            return name, False
        return None

    def open_session(self, user: str) -> str:
        ticket = "bfs_" + secrets.token_urlsafe(24)
        if (
            len(self.sessions) >= MAX_SESSIONS
        ):  # the oldest ticket expires (no idle timer here)
            del self.sessions[next(iter(self.sessions))]
        self.sessions[ticket] = user
        return ticket

    def close_session(self, ticket: str | None) -> None:
        if ticket is not None:
            self.sessions.pop(ticket, None)

    def session_user(self, ticket: str | None) -> str | None:
        return None if ticket is None else self.sessions.get(ticket)

    def anonymous_user(self) -> str | None:
        """Return the user a request without credentials acts as: nobody (`auth-bypass`: the admin)."""
        return ADMIN if self.faults.auth_bypass else None

    @property
    def tokens_enabled(self) -> bool:
        return self.token_rules is not None or self.token_table is not None

    def check_token(
        self, token: str, user: str, host: str = "", *, where: str = ""
    ) -> TokenVerdict:
        """`CachedTokenService.doAuth`: known, fresh, user legal, host legal (in that order).

        With a token table (1.1.1+) every check of `doAuth` applies (ledger:
        gateway.token.do-auth-order); with token rules only existence and user.
        1.5+ (ledger: gateway.token.unknown, gateway.token.illegal-user): an unknown token is
        15207 naming it, caused by the 15204 `TokenNotExistException` (`where`: its
        `,ip: … ,serviceKind: …` tail); an illegal user is 15202 naming the user.
        """
        table = self.token_table
        in_rules = (
            self.token_rules is not None and self.token_rules.get(token) is not None
        )
        if (
            table is not None
            and self.version.version >= _V1_1_1
            and not (in_rules and table.get(token) is None)
        ):
            code = self._table_code(table, token, user, host)
            if code == 0 or (code == 15202 and self.faults.token_any_user):
                return TokenVerdict(user)
            desc = self._desc(code, token, user, host)
            return TokenVerdict(None, code, desc + (where if code == 15207 else ""))
        rules = self.token_rules
        if rules is None or rules.get(token) is None:
            if self.version.unknown_token_code == 15207:
                return TokenVerdict(
                    None,
                    15207,
                    f"Token:{token} does not exist in the table(Token:{token} 表中不存在)!, "
                    "Caused by:errCode: 15204 ,desc: Invalid Token(数据库中未配置的无效令牌)"
                    + where,
                )
            return TokenVerdict(
                None, 15201, "Token is not valid or stale(token 令牌无效或已过期)!"
            )
        if not (self.faults.token_any_user or self._token_user_ok(rules, token, user)):
            if self.version.unknown_token_code == 15207:
                return TokenVerdict(
                    None, 15202, f"Illegal TokenUser for Token(Token非法用户: {user})!"
                )
            return TokenVerdict(
                None, 15202, "Illegal TokenUser for Token(Token非法用户)!"
            )
        return TokenVerdict(user)

    def _table_code(self, table: TokenTable, token: str, user: str, host: str) -> int:
        """Return the table's verdict code (0 admitted), with the host and expiry faults applied."""
        faults = self.faults
        code = token_verdict(
            table,
            token,
            user,
            host,
            now=self.now(),
            version=self.version.version,
            check_host=not (faults.token_host_ignored or faults.token_host_substring),
            check_expiry=not faults.token_expiry_ignored,
        ).code
        row = table.get(token)
        if code == 0 and faults.token_host_substring and row is not None:
            # The fault: `legal_hosts.contains(host)` on the string instead of its entries.
            return 0 if "*" in row.host_list or host in row.hosts else 15203
        return code

    def _desc(self, code: int, token: str, user: str, host: str) -> str:
        """Return the error text of a 152xx code as the release words it (ledger: gateway.token.do-auth-order)."""
        version = self.version.version
        if (
            version >= ACCESS_CONTROL_SINCE
        ):  # 1.5.0 LinkisGwAuthenticationErrorCodeSummary
            return {
                15201: f"Token is not valid or stale({token} 令牌已过期)!",
                15202: f"Illegal TokenUser for Token(Token非法用户: {user})!",
                15203: f"Illegal Host for Token(非法ip: {host})!",
                15207: f"Token:{token} does not exist in the table(Token:{token} 表中不存在)!, "
                "Caused by:errCode: 15204 ,desc: Invalid Token(数据库中未配置的无效令牌)",
            }[code]
        if version >= _V1_3:  # 1.3.2/1.4.0 error code summary
            return {
                15201: "Token is not valid or stale(token 令牌无效或已过期)!",
                15202: "Illegal TokenUser for Token(Token非法用户)!",
                15203: "Illegal Host for Token(Token非法主机)!",
            }[code]
        return {  # release-1.1.1 .. 1.2.0 CachedTokenService literals
            15201: "Token is not valid or stale!",
            15202: "Illegal TokenUser for Token!",
            15203: "Illegal Host for Token!",
        }[code]

    def access_refusal(self, user: str, peer: str, uri: str) -> str | None:
        """`SecurityFilter` access control (1.5+) with the TCP peer, or a faulty variant."""
        access = self.access
        if (
            access is None
            or self.version.version < ACCESS_CONTROL_SINCE
            or self.faults.access_control_ignored
        ):
            return None
        exact = self.faults.access_control_exact
        return access.user_refusal(user, peer, exact=exact) or access.url_refusal(
            peer, uri, exact=exact
        )

    def _token_user_ok(self, rules: RuleSet, token: str, user: str) -> bool:
        if (
            self.version.token_match is TokenMatch.SUBSTRING
        ):  # token.properties, 0.x-1.1.0
            rule = rules.get(token)
            return rule is not None and token_allows(
                TokenMatch.SUBSTRING, rule.value, user
            )
        return rules.token_allows(token, user)

    @property
    def cookie(self) -> str:
        """The session cookie's name: `linkis_user_session_ticket_id_v1` from 1.1.1."""
        return self.version.ticket_cookie

    def proxy_allows(self, token: str, proxy_user: str) -> bool:
        """`ProxyUserUtils.validate` (exact entries, whole-value `*`), or a faulty variant."""
        rules = self.proxy_rules
        if rules is None:
            return False
        rule = rules.get(token)
        if self.faults.proxy_wildcard:
            return rule is not None
        if self.faults.proxy_substring:
            return rule is not None and (rule.value == "*" or proxy_user in rule.value)
        return rules.proxy_allows(token, proxy_user)
