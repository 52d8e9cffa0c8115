"""Lint proxy-user and token rules: findings a rule file parses with but should not ship.

Each `Finding` reads `file:line: severity [code] message`; the semantics behind every code
(wildcards, `*` inside a proxy list, shipped default tokens, keys that are user names,
untrimmed or upper-case users, duplicates) are those of `core/rules.py`'s docstring.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from linkis_harness.core.rules import (
    ADMIN_USER,
    DEFAULT_TOKENS,
    Rule,
    RuleKind,
    RuleSet,
    scan_rules,
)
from linkis_harness.errors import RulesSyntaxError

__all__ = ["Finding", "Severity", "lint_rules"]

_DEFAULT_FOLDED = frozenset(t.casefold() for t in DEFAULT_TOKENS)


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Finding:
    """One lint result, `file:line: severity [code] message`."""

    file: str
    line: int
    severity: Severity
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.severity} [{self.code}] {self.message}"


_FindingMaker = Callable[[Severity, str, str], Finding]


def _users_of_file(ruleset: RuleSet) -> set[str]:
    return {u for rule in ruleset.rules for u in rule.users if u and u != "*"}


def _lint_rule(
    rule: Rule, *, source: str, kind: RuleKind, user_names: set[str]
) -> Iterator[Finding]:
    def finding(severity: Severity, code: str, message: str) -> Finding:
        return Finding(source, rule.line, severity, code, message)

    err, warn = Severity.ERROR, Severity.WARNING
    if not rule.value.strip():
        yield finding(
            err,
            "empty-value",
            f"{rule.key!r} has an empty value {rule.value!r}: no real user matches it",
        )
        return
    wildcard = rule.value == "*" if kind == "proxy" else "*" in rule.users
    if wildcard:
        yield finding(
            warn,
            "wildcard",
            f"{rule.key!r} allows every user ('*'): unrestricted",
        )
        if kind == "proxy":
            # UserRestful.proxy + ProxyUserUtils.validate: '*' admits proxyUser='' too.
            yield finding(
                warn,
                "empty-proxy-user",
                f"{rule.key!r} is '*': /user/proxy with an empty proxyUser opens a "
                "session for the empty user name",
            )
    elif kind == "proxy" and "*" in rule.users:
        yield finding(
            err,
            "star-in-list",
            f"{rule.key!r}: '*' inside a list is the literal user name '*' in proxy.properties, "
            "not a wildcard (only a whole value of '*' allows everyone)",
        )
    yield from _lint_key(
        rule, finding, kind=kind, wildcard=wildcard, user_names=user_names
    )
    yield from _lint_users(rule, finding)


def _lint_key(
    rule: Rule,
    finding: _FindingMaker,
    *,
    kind: RuleKind,
    wildcard: bool,
    user_names: set[str],
) -> Iterator[Finding]:
    """Lint a rule's key: a token Linkis ships, or a name that is also a user."""
    err, warn = Severity.ERROR, Severity.WARNING
    if rule.key.casefold() in _DEFAULT_FOLDED:
        if wildcard:
            yield finding(
                err,
                "default-token",
                f"{rule.key!r} is a token Linkis ships with '*' (its value is public): "
                "anyone who knows it can act as any user; rename it and list its users",
            )
        else:
            yield finding(
                warn,
                "default-token",
                f"{rule.key!r} is named like a token Linkis ships (its value is public)",
            )
    if rule.key in user_names:
        if kind == "proxy":
            yield finding(
                err,
                "key-is-user",
                f"key {rule.key!r} is also a user name: proxy.properties doubles as a login map, "
                f"so a login as {rule.key!r} becomes {rule.value!r} (Linkis 1.4.0 ProxyUserUtils.scala)",
            )
        else:
            yield finding(
                warn,
                "key-is-user",
                f"token {rule.key!r} is also a user name: easy to guess",
            )


def _lint_users(rule: Rule, finding: _FindingMaker) -> Iterator[Finding]:
    err, warn = Severity.ERROR, Severity.WARNING
    raw = rule.value.split(",")
    if len(raw) > 1 and any(entry == "" for entry in raw):
        yield finding(
            warn,
            "empty-entry",
            f"{rule.key!r} has an empty entry in {rule.value!r} (stray comma)",
        )
    seen: dict[str, str] = {}
    for user in rule.users:
        if user == "" or user == "*":
            continue
        if user != user.strip():
            yield finding(
                err,
                "whitespace",
                f"{rule.key!r}: user {user!r} has whitespace around it; lists are not trimmed, "
                f"so {user.strip()!r} does not match",
            )
        elif any(ch in user for ch in " \t"):
            yield finding(
                err, "whitespace", f"{rule.key!r}: user {user!r} contains whitespace"
            )
        if user.strip() != user.strip().lower():
            yield finding(
                warn,
                "case",
                f"{rule.key!r}: user {user!r} has upper case; matching is case-sensitive "
                f"and the proxy session becomes {user.strip().lower()!r}",
            )
        folded = user.strip().casefold()
        if folded in seen:
            other = seen[folded]
            what = "listed twice" if other == user else f"also listed as {other!r}"
            yield finding(warn, "duplicate-user", f"{rule.key!r}: user {user!r} {what}")
        else:
            seen[folded] = user


def lint_rules(
    rules: RuleSet | str,
    *,
    kind: RuleKind,
    source: str | None = None,
    known_users: Iterable[str] = (ADMIN_USER,),
) -> list[Finding]:
    """Lint rule text (every syntax error is reported) or a parsed RuleSet; sorted by line.

    A key is reported as a user name when some rule of the file lists it or it is one of
    `known_users` (default: the Linkis admin `hadoop`).
    """
    if isinstance(rules, str):
        name = source or f"{kind}.properties"
        parsed: list[Rule] = []
        findings: list[Finding] = []
        for item in scan_rules(rules, source=name, kind=kind):
            if isinstance(item, RulesSyntaxError):
                findings.append(
                    Finding(name, item.line, Severity.ERROR, "syntax", item.message)
                )
            else:
                parsed.append(item)
        ruleset = RuleSet(source=name, rules=tuple(parsed))
    else:
        ruleset = rules
        name = source or rules.source
        findings = []
    findings.extend(_lint_duplicates(ruleset, name))
    user_names = _users_of_file(ruleset) | set(known_users)
    for rule in ruleset.rules:
        findings.extend(_lint_rule(rule, source=name, kind=kind, user_names=user_names))
    return sorted(findings, key=lambda f: (f.line, f.code))


def _lint_duplicates(ruleset: RuleSet, name: str) -> Iterator[Finding]:
    lines: dict[str, list[int]] = {}
    for rule in ruleset.rules:
        lines.setdefault(rule.key, []).append(rule.line)
    for key, where in lines.items():
        for earlier in where[:-1]:
            yield Finding(
                name,
                earlier,
                Severity.ERROR,
                "duplicate-key",
                f"{key!r} is defined again on line {where[-1]}; the later line wins "
                f"(Java properties), so line {earlier} has no effect",
            )
