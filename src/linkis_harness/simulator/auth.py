"""Who is asking: users, session tickets, token rules and proxy rules (the gateway's state).

The decisions live here; `gateway.py` turns them into answers. Fault modes that weaken auth
(`auth-bypass`, `token-any-user`, `proxy-wildcard`, `proxy-substring`) act here, once each.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from linkis_harness.core.rules import RuleSet
from linkis_harness.core.versions import TokenMatch, VersionTraits, token_allows, traits
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
        return self.token_rules is not None

    def check_token(self, token: str, user: str, *, where: str = "") -> TokenVerdict:
        """`CachedTokenService`: the token must exist, then the user must be legal for it.

        1.5+ (ledger: gateway.token.unknown, gateway.token.illegal-user): an unknown token is
        15207 naming it, caused by the 15204 `TokenNotExistException` (`where`: its
        `,ip: … ,serviceKind: …` tail); an illegal user is 15202 naming the user.
        """
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
