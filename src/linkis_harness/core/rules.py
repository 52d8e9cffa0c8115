"""Proxy-user and token rules: parse `proxy.properties` / token rule text, answer, render.

Two files share one format, `KEY=user1,user2` (Java properties):
- `proxy.properties` (`gateway/security/ProxyUserUtils.scala`): key = validation token of
  `/user/proxy`; the rule allows everyone only when the whole value is `*`
  (`ProxyUserUtils.validate`, Linkis 1.4.0 ProxyUserUtils.scala). The same file also maps login
  users to proxy users (`getProxyUser`), so a key equal to a user name remaps that user's logins.
- token rules (`TOKEN=user1,user2`; the 1.x `linkis_mg_gateway_auth_token.legal_users` column): a
  rule allows everyone when `*` is any entry of the list (`TokenImpl`, ledger: gateway.token.lists).

Lists are split on `,` without trimming, with Java's `String.split` (trailing empty entries
dropped); matching is exact and case-sensitive. Parsing follows `java.util.Properties.load`
(comments `#`/`!`, blank lines, `=` or `:` separator, backslash escapes and line
continuations) but is stricter where Java silently guesses: a line without a separator, an
empty key or an unescaped space inside a key is a syntax error. The format itself is
`core/properties.py`; lint is `core/rulelint.py`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from linkis_harness.core.properties import (
    WHITESPACE,
    escape,
    has_unescaped_space,
    logical_lines,
    rstrip_unescaped,
    split_line,
    unescape,
)
from linkis_harness.errors import RulesSyntaxError

__all__ = [
    "ADMIN_USER",
    "DEFAULT_TOKENS",
    "Rule",
    "RuleKind",
    "RuleSet",
    "java_split",
    "parse_rules",
    "render_rules",
    "scan_rules",
]

RuleKind = Literal["proxy", "token"]

# Seed tokens shipped by Linkis (0.x token.properties and 1.x linkis_dml.sql), all `=*`.
DEFAULT_TOKENS = (
    "BML-AUTH",
    "QML-AUTH",
    "WS-AUTH",
    "DSS-AUTH",
    "dss-AUTH",
    "QUALITIS-AUTH",
    "VALIDATOR-AUTH",
    "LINKISCLI-AUTH",
    "DSM-AUTH",
    "LINKIS_CLI_TEST",
)
# wds.linkis.admin.user default (Linkis 1.4.0 GatewayConfiguration.scala)
ADMIN_USER = "hadoop"

_EXPECTED = {"proxy": "token=user[,user]", "token": "TOKEN=user[,user]"}


def java_split(value: str) -> tuple[str, ...]:
    """Split like Java's `value.split(",")`: no trimming, trailing empty entries dropped."""
    if "," not in value:
        return (value,)
    parts = value.split(",")
    while parts and parts[-1] == "":
        parts.pop()
    return tuple(parts)


@dataclass(frozen=True, slots=True)
class Rule:
    """One `key=value` line: `users` is `value` split on `,`; `line` is where it starts (1-based)."""

    key: str
    users: tuple[str, ...]
    value: str
    line: int

    @classmethod
    def of(cls, key: str, value: str, *, line: int) -> Rule:
        """Build a rule from its key and raw value."""
        return cls(key=key, users=java_split(value), value=value, line=line)


@dataclass(frozen=True, slots=True)
class RuleSet:
    """The rules of one file, in file order (duplicates kept: lint reports them)."""

    source: str
    rules: tuple[Rule, ...]

    def get(self, key: str) -> Rule | None:
        """Return the rule in force for `key`: the later duplicate wins (Java properties)."""
        found = None
        for rule in self.rules:
            if rule.key == key:
                found = rule
        return found

    def effective(self) -> tuple[Rule, ...]:
        """Return the rules in force (one per key, the last one), in file order."""
        last = {rule.key: rule for rule in self.rules}
        return tuple(rule for rule in self.rules if last[rule.key] is rule)

    def proxy_allows(self, token: str, user: str) -> bool:
        """`ProxyUserUtils.validate`: the whole value is `*`, or `user` is an entry."""
        rule = self.get(token)
        if rule is None:
            return False
        return rule.value == "*" or user in rule.users

    def token_allows(self, token: str, user: str) -> bool:
        """`TokenImpl.isUserLegal`: `*` is any entry, or `user` is an entry."""
        rule = self.get(token)
        if rule is None or not rule.value.strip():
            return False
        return "*" in rule.users or user in rule.users

    def users(self) -> tuple[str, ...]:
        """Every user named in the rules in force (no `*`), first occurrence order."""
        seen: dict[str, None] = {}
        for rule in self.effective():
            for user in rule.users:
                if user and user != "*":
                    seen.setdefault(user)
        return tuple(seen)


# --- parsing ---------------------------------------------------------------------------------


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def scan_rules(
    text: str, *, source: str, kind: RuleKind
) -> Iterator[Rule | RulesSyntaxError]:
    """Yield each rule, or the syntax error of its line, in file order (lint reports them all)."""
    expected = _EXPECTED[kind]
    for logical in logical_lines(text):
        split = split_line(logical.text)
        if split is None:
            yield RulesSyntaxError(
                source,
                logical.line,
                f"expected {expected!r}, got {_shorten(logical.text.rstrip())!r}",
            )
            continue
        raw_key, raw_value = split
        raw_key = rstrip_unescaped(raw_key)
        if not raw_key:
            yield RulesSyntaxError(
                source,
                logical.line,
                f"expected {expected!r}, got {_shorten(logical.text.rstrip())!r} (no token before the separator)",
            )
            continue
        if has_unescaped_space(raw_key):
            yield RulesSyntaxError(
                source,
                logical.line,
                f"expected {expected!r}, got {_shorten(logical.text.rstrip())!r} "
                "(a space inside the token; Java would split the key there)",
            )
            continue
        try:
            key = unescape(raw_key)
            value = unescape(raw_value.lstrip(WHITESPACE))
        except ValueError as exc:
            yield RulesSyntaxError(source, logical.line, str(exc))
            continue
        yield Rule.of(key, value, line=logical.line)


def parse_rules(text: str, *, source: str, kind: RuleKind = "proxy") -> RuleSet:
    """Parse rule text; the first bad line raises `RulesSyntaxError(source, line, message)`."""
    rules: list[Rule] = []
    for item in scan_rules(text, source=source, kind=kind):
        if isinstance(item, RulesSyntaxError):
            raise item
        rules.append(item)
    return RuleSet(source=source, rules=tuple(rules))


def render_rules(ruleset: RuleSet) -> str:
    """Render rules back to properties text, one per line (parses back to the same rules)."""
    return "".join(
        f"{escape(r.key, key=True)}={escape(r.value, key=False)}\n"
        for r in ruleset.rules
    )
