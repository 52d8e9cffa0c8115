"""Proxy-user and token rules: parse `proxy.properties` / token rule text, answer, lint.

Two files share one format, `KEY=user1,user2` (Java properties):
- `proxy.properties` (`GW/security/ProxyUserUtils.scala`): key = validation token of
  `/user/proxy`; the rule allows everyone only when the whole value is `*`
  (`ProxyUserUtils.validate`, API-FACTS §2.4, §13). The same file also maps login users to
  proxy users (`getProxyUser`), so a key equal to a user name remaps that user's logins.
- token rules (`TOKEN=user1,user2`; the 1.x `linkis_mg_gateway_auth_token.legal_users`
  column): a rule allows everyone when `*` is any entry of the list (`TokenImpl`, §13).

Lists are split on `,` without trimming, with Java's `String.split` (trailing empty entries
dropped); matching is exact and case-sensitive. Parsing follows `java.util.Properties.load`
(comments `#`/`!`, blank lines, `=` or `:` separator, backslash escapes and line
continuations) but is stricter where Java silently guesses: a line without a separator, an
empty key or an unescaped space inside a key is a syntax error.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from linkis_harness.errors import RulesSyntaxError

__all__ = [
    "ADMIN_USER",
    "DEFAULT_TOKENS",
    "Finding",
    "Rule",
    "RuleKind",
    "RuleSet",
    "Severity",
    "java_split",
    "lint_rules",
    "parse_rules",
    "render_rules",
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
_DEFAULT_FOLDED = frozenset(t.casefold() for t in DEFAULT_TOKENS)
ADMIN_USER = "hadoop"  # wds.linkis.admin.user default (API-FACTS §2.2)

_EXPECTED = {"proxy": "token=user[,user]", "token": "TOKEN=user[,user]"}
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}
_WHITESPACE = " \t\f"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


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


@dataclass(frozen=True, slots=True)
class _Logical:
    line: int
    text: str  # the logical line, continuations joined, escapes still in place


def _logical_lines(text: str) -> Iterator[_Logical]:
    """Yield non-comment, non-blank logical lines with their first physical line number."""
    # Java's LineReader ends lines at \n, \r and \r\n only (not str.splitlines' extras).
    lines = _LINE_BREAK.split(text)
    index = 0
    while index < len(lines):
        start = index
        physical = lines[index].lstrip(_WHITESPACE)
        index += 1
        if not physical or physical[0] in "#!":
            continue
        parts = []
        while _continues(physical):
            parts.append(physical[:-1])
            if index >= len(lines):
                physical = ""
                break
            physical = lines[index].lstrip(_WHITESPACE)
            index += 1
        parts.append(physical)
        yield _Logical(line=start + 1, text="".join(parts))


def _continues(line: str) -> bool:
    backslashes = len(line) - len(line.rstrip("\\"))
    return backslashes % 2 == 1


def _unescape(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch != "\\" or i + 1 >= len(text):
            out.append(ch)
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "u":
            digits = text[i + 2 : i + 6]
            if len(digits) != 4 or any(
                c not in "0123456789abcdefABCDEF" for c in digits
            ):
                raise ValueError(f"malformed \\uXXXX escape {text[i : i + 6]!r}")
            out.append(chr(int(digits, 16)))
            i += 6
            continue
        out.append(_ESCAPES.get(nxt, nxt))
        i += 2
    return _join_surrogates("".join(out))


def _join_surrogates(text: str) -> str:
    """Combine UTF-16 surrogate pairs left by escapes into one character (Java strings are UTF-16)."""
    if not any("\ud800" <= ch <= "\udfff" for ch in text):
        return text
    try:
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
    except UnicodeDecodeError:
        return text  # a lone surrogate stays as it is, like in Java


def _split_line(text: str) -> tuple[str, str] | None:
    """Split a logical line at its first unescaped `=` or `:`; None when there is none."""
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch in "=:":
            return text[:i], text[i + 1 :]
        i += 1
    return None


def _rstrip_unescaped(text: str) -> str:
    """Strip trailing whitespace that is not escaped by a backslash."""
    while text and text[-1] in _WHITESPACE:
        body = text[:-1]
        if (len(body) - len(body.rstrip("\\"))) % 2 == 1:
            break
        text = body
    return text


def _has_unescaped_space(text: str) -> bool:
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] in _WHITESPACE:
            return True
        i += 1
    return False


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _scan(
    text: str, *, source: str, kind: RuleKind
) -> Iterator[Rule | RulesSyntaxError]:
    expected = _EXPECTED[kind]
    for logical in _logical_lines(text):
        split = _split_line(logical.text)
        if split is None:
            yield RulesSyntaxError(
                source,
                logical.line,
                f"expected {expected!r}, got {_shorten(logical.text.rstrip())!r}",
            )
            continue
        raw_key, raw_value = split
        raw_key = _rstrip_unescaped(raw_key)
        if not raw_key:
            yield RulesSyntaxError(
                source,
                logical.line,
                f"expected {expected!r}, got {_shorten(logical.text.rstrip())!r} (no token before the separator)",
            )
            continue
        if _has_unescaped_space(raw_key):
            yield RulesSyntaxError(
                source,
                logical.line,
                f"expected {expected!r}, got {_shorten(logical.text.rstrip())!r} "
                "(a space inside the token; Java would split the key there)",
            )
            continue
        try:
            key = _unescape(raw_key)
            value = _unescape(raw_value.lstrip(_WHITESPACE))
        except ValueError as exc:
            yield RulesSyntaxError(source, logical.line, str(exc))
            continue
        yield Rule.of(key, value, line=logical.line)


def parse_rules(text: str, *, source: str, kind: RuleKind = "proxy") -> RuleSet:
    """Parse rule text; the first bad line raises `RulesSyntaxError(source, line, message)`."""
    rules: list[Rule] = []
    for item in _scan(text, source=source, kind=kind):
        if isinstance(item, RulesSyntaxError):
            raise item
        rules.append(item)
    return RuleSet(source=source, rules=tuple(rules))


def _escape(text: str, *, key: bool) -> str:
    out: list[str] = []
    for index, ch in enumerate(text):
        if ch == "\\":
            out.append("\\\\")
        elif ch in "\t\n\r\f":
            out.append("\\" + {"\t": "t", "\n": "n", "\r": "r", "\f": "f"}[ch])
        elif ch == " " and (key or index == 0):
            out.append("\\ ")
        elif key and ch in "=:#!":
            out.append("\\" + ch)
        elif not ch.isprintable() or ch in "\u2028\u2029\x85\x1c\x1d\x1e":
            units = ch.encode("utf-16-be", "surrogatepass")
            for k in range(0, len(units), 2):
                out.append(f"\\u{int.from_bytes(units[k : k + 2]):04x}")
        else:
            out.append(ch)
    return "".join(out)


def render_rules(ruleset: RuleSet) -> str:
    """Render rules back to properties text, one per line (parses back to the same rules)."""
    return "".join(
        f"{_escape(r.key, key=True)}={_escape(r.value, key=False)}\n"
        for r in ruleset.rules
    )


# --- lint ------------------------------------------------------------------------------------


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
    elif kind == "proxy" and "*" in rule.users:
        yield finding(
            err,
            "star-in-list",
            f"{rule.key!r}: '*' inside a list is the literal user name '*' in proxy.properties, "
            "not a wildcard (only a whole value of '*' allows everyone)",
        )
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
                f"so a login as {rule.key!r} becomes {rule.value!r} (API-FACTS §2.4)",
            )
        else:
            yield finding(
                warn,
                "key-is-user",
                f"token {rule.key!r} is also a user name: easy to guess",
            )
    yield from _lint_users(rule, finding)


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
        for item in _scan(rules, source=name, kind=kind):
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
