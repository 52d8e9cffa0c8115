"""The cases the proxy-user and token rules imply, and how tokens are shown (pure, no I/O).

`derive_cases` turns the rules in force into `Case`s: every listed user accepted (a proxy session
then acts as the lower-cased user), near misses refused (case variants, a prefix, a superstring, the
name with spaces, an empty name), the users of the other rules refused, `*` rules accepting an
arbitrary user, an unknown token and missing parameters refused (ledger: gateway.token.lists,
ledger: user.proxy.missing-param, Linkis 1.4.0 ProxyUserUtils.scala). `rulematrix` asks a gateway
each case. Tokens are shown only as `fingerprint(token)`; `Redactor` applies that to any text.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from linkis_harness.core.rules import RuleSet

__all__ = [
    "ANY_USER",
    "UNKNOWN_TOKEN",
    "Case",
    "Expect",
    "Kind",
    "ProxyMode",
    "Redactor",
    "derive_cases",
    "fingerprint",
]

Kind = Literal["proxy", "token", "table", "access", "spoof", "admin"]
ProxyMode = Literal["login", "headers"]
Expect = Literal["accept", "refuse"]

# A user name no rule lists, for `*` rules (no "-": the userCreator label `<user>-<creator>`
# splits on it); a token no file defines, for the unknown-token case.
ANY_USER = "anyuser7c2e"
UNKNOWN_TOKEN = "LH-UNKNOWN-TOKEN-0b9d41"


def fingerprint(token: str) -> str:
    """Return a short, stable stand-in for a token: a few leading characters + a sha256 prefix."""
    digest = hashlib.sha256(token.encode()).hexdigest()[:8]
    shown = token[: min(4, len(token) // 3)]
    return f"{shown}…{digest}"


@dataclass(frozen=True, slots=True)
class Case:
    """One question for the gateway: may `user` use `token`? `None` = the parameter is left out."""

    kind: Kind
    token: str | None
    user: str | None
    expect: Expect
    why: str
    acts_as: str | None = None  # the session user an accepted case must show
    line: int | None = None  # rule line the case comes from
    source: str | None = None  # client address to send from (None: the default route)
    headers: tuple[tuple[str, str], ...] = ()  # extra request headers (spoof probes)
    path: str | None = None  # the request path below /api/rest_j/v1 (access cases)
    codes: tuple[int, ...] = ()  # the 152xx errCodes a refusal may carry (table cases)

    def __repr__(self) -> str:
        # Test reports print parameters: the token only as its fingerprint.
        token = None if self.token is None else fingerprint(self.token)
        return (
            f"Case({self.kind}, token={token}, user={self.user!r}, expect={self.expect}, "
            f"why={self.why!r}, source={self.source!r})"
        )

    def ident(self, index: int) -> str:
        """Return a stable, secret-free id such as `proxy-07-bob-prefix`."""
        user = "none" if self.user is None else (self.user or "empty")
        # proxy/token rows keep their ids (sent from this host); gateway rows name the source.
        gateway = self.source and self.kind not in ("proxy", "token")
        where = f"-from-{self.source}" if gateway else ""
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{user}{where}-{self.why}").strip("_")
        return f"{self.kind}-{index:02d}-{slug}"


# --- deriving cases --------------------------------------------------------------------------


def _near_misses(user: str, *, spaces: bool) -> list[tuple[str, str]]:
    misses = [
        (user.upper(), "upper case"),
        (user[:1].swapcase() + user[1:], "case variant"),
        (user + "x", "superstring"),
    ]
    if len(user) >= 2:
        misses.append((user[:-1], "prefix"))
    if spaces:
        misses.append((f" {user} ", "with spaces"))
    return misses


def _dedupe(cases: Iterable[Case]) -> list[Case]:
    seen: set[tuple[object, ...]] = set()
    out = []
    for case in cases:
        key = (case.kind, case.token, case.user, case.source, case.headers, case.path)
        if key not in seen:
            seen.add(key)
            out.append(case)
    return out


def _proxy_cases(
    rules: RuleSet, known_users: Sequence[str], *, spaces: bool
) -> list[Case]:
    cases: list[Case] = []
    for rule in rules.effective():
        token, line = rule.key, rule.line
        if rule.value == "*":
            cases.append(
                Case("proxy", token, ANY_USER, "accept", "wildcard", ANY_USER, line)
            )
            continue
        listed = [u for u in rule.users if u]
        candidates: list[tuple[str, str]] = []
        for user in listed:
            cases.append(
                Case("proxy", token, user, "accept", "listed", user.lower(), line)
            )
            candidates += _near_misses(user, spaces=spaces)
        candidates.append(("", "empty name"))
        candidates += [(u, "not listed") for u in known_users]
        for user, why in candidates:
            if not rules.proxy_allows(token, user):
                cases.append(Case("proxy", token, user, "refuse", why, None, line))
    return cases


def _token_cases(rules: RuleSet, known_users: Sequence[str]) -> list[Case]:
    cases: list[Case] = []
    for rule in rules.effective():
        token, line = rule.key, rule.line
        # Header values cannot carry leading/trailing spaces, and a blank Token-User crashes a real
        # 1.x gateway (Linkis 1.4.0 TokenAuthentication.scala): such entries and near misses are
        # left out.
        listed = [u for u in rule.users if u and u == u.strip() and u != "*"]
        if "*" in rule.users:
            cases.append(
                Case("token", token, ANY_USER, "accept", "wildcard", None, line)
            )
        candidates: list[tuple[str, str]] = []
        for user in listed:
            cases.append(Case("token", token, user, "accept", "listed", None, line))
            candidates += _near_misses(user, spaces=False)
        candidates += [(u, "not listed") for u in known_users]
        for user, why in candidates:
            if not rules.token_allows(token, user):
                cases.append(Case("token", token, user, "refuse", why, None, line))
    return cases


def _first_user(rules: RuleSet, known_users: Sequence[str]) -> str:
    for rule in rules.effective():
        for user in rule.users:
            if user and user != "*" and user == user.strip():
                return user
    return known_users[0] if known_users else ANY_USER


def derive_cases(
    *,
    proxy_rules: RuleSet | None,
    token_rules: RuleSet | None,
    known_users: Sequence[str] = (),
    proxy_mode: ProxyMode = "login",
) -> list[Case]:
    """Return every case the rules imply (accepts, near misses, peers, unknown token, missing parameters).

    With `proxy_mode="headers"` the names with spaces are left out: an HTTP header value
    cannot carry leading or trailing spaces.
    """
    users: dict[str, None] = dict.fromkeys(known_users)
    for rules in (proxy_rules, token_rules):
        if rules is not None:
            # Users of overridden duplicates count too: the operator believes they are listed.
            listed = (u for r in rules.rules for u in r.users if u != "*")
            users.update(dict.fromkeys(listed))
    everyone = [u for u in users if u and u == u.strip()]
    cases: list[Case] = []
    if proxy_rules is not None and proxy_rules.rules:
        cases += _proxy_cases(proxy_rules, everyone, spaces=proxy_mode == "login")
        cases += _proxy_refusals(proxy_rules, token_rules, everyone)
    if token_rules is not None and token_rules.rules:
        cases += _token_cases(token_rules, everyone)
        cases += _token_refusals(proxy_rules, token_rules, everyone)
    return _dedupe(cases)


def _proxy_refusals(
    proxy_rules: RuleSet, token_rules: RuleSet | None, everyone: Sequence[str]
) -> list[Case]:
    """Return the refused proxy cases: an unknown token, each missing parameter."""
    user = _first_user(proxy_rules, everyone)
    token = proxy_rules.effective()[0].key
    unknown = _unknown_token(proxy_rules, token_rules)
    return [
        Case("proxy", unknown, user, "refuse", "unknown token"),
        Case("proxy", token, None, "refuse", "no proxyUser"),
        Case("proxy", None, user, "refuse", "no validationCode"),
        Case("proxy", None, None, "refuse", "no parameters"),
    ]


def _token_refusals(
    proxy_rules: RuleSet | None, token_rules: RuleSet, everyone: Sequence[str]
) -> list[Case]:
    """Return the refused token cases: an unknown token, a missing `Token-User`."""
    user = _first_user(token_rules, everyone)
    token = token_rules.effective()[0].key
    return [
        Case(
            "token",
            _unknown_token(proxy_rules, token_rules),
            user,
            "refuse",
            "unknown token",
        ),
        Case("token", token, None, "refuse", "no Token-User"),
    ]


def _unknown_token(*rulesets: RuleSet | None) -> str:
    keys = {r.key for rs in rulesets if rs is not None for r in rs.rules}
    token = UNKNOWN_TOKEN
    while token in keys:
        token += "x"
    return token


# --- redaction -----------------------------------------------------------------------------


class Redactor:
    """Replace tokens (by fingerprint) and other secrets (by `***`) in any text shown to people."""

    def __init__(
        self,
        tokens: Iterable[str],
        *,
        secrets: Iterable[str] = (),
        show_secrets: bool = False,
    ) -> None:
        self.show_secrets = show_secrets
        pairs = [(t, fingerprint(t)) for t in set(tokens) if t]
        pairs += [(s, "***") for s in set(secrets) if s and len(s) >= 3]
        # One pass, longest first: a token containing another is replaced whole, and a
        # fingerprint is never rewritten by a later replacement.
        self._shown = dict(pairs)
        ordered = sorted(self._shown, key=len, reverse=True)
        self._pattern = (
            re.compile("|".join(re.escape(s) for s in ordered)) if ordered else None
        )

    def token(self, token: str | None) -> str:
        """Return how a token is shown: whole with `--show-secrets`, else its fingerprint."""
        if token is None:
            return "(none)"
        return token if self.show_secrets else fingerprint(token)

    def __call__(self, text: str) -> str:
        """Return `text` with every known secret replaced."""
        if self.show_secrets or self._pattern is None:
            return text
        return self._pattern.sub(lambda m: self._shown[m.group(0)], text)
