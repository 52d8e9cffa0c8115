"""Lint the token table and the gateway's access-control properties (1.1.1+ / 1.5+).

Each `Finding` (`core/rulelint.py`) names the file and line of the row or key. What the
messages claim is the code's behaviour as `core/tokentable.py` and `core/accesscontrol.py`
describe it; the seeded token names per release are read from each tag's `linkis_dml.sql`
and `install.sh` (docs/ledger/gateway-auth.yaml).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from linkis_harness.core.accesscontrol import (
    ACCESS_CONTROL_SINCE,
    ENABLE,
    IP,
    URL,
    USER_ENABLE,
    USER_PREFIX,
    AccessControl,
    Setting,
)
from linkis_harness.core.rulelint import Finding, Severity
from linkis_harness.core.tokentable import TABLE, TokenRow, TokenTable
from linkis_harness.core.versions import Version

__all__ = [
    "ADMIN_TOKEN_SINCE",
    "EXPIRY_WARNING_DAYS",
    "SEEDED_TOKENS",
    "ipv4_substrings",
    "is_admin_token",
    "lint_gateway_properties",
    "lint_token_table",
]

EXPIRY_WARNING_DAYS = 14
ADMIN_TOKEN_SINCE = Version(1, 6)
_TABLE_SINCE = Version(1, 1, 1)
_R_1_1 = (
    "QML-AUTH BML-AUTH WS-AUTH dss-AUTH QUALITIS-AUTH VALIDATOR-AUTH LINKISCLI-AUTH"
)
_R_1_4 = "QML-AUTH BML-AUTH WS-AUTH DSS-AUTH QUALITIS-AUTH VALIDATOR-AUTH LINKISCLI-AUTH DSM-AUTH LINKIS_CLI_TEST"
_R_1_7 = (
    "LINKIS-AUTH WS-AUTH DSS-AUTH QUALITIS-AUTH VALIDATOR-AUTH LINKISCLI-AUTH DSM-AUTH"
)
_R_1_8 = " ".join(
    f"{p}-UNAVAILABLE-TOKEN"
    for p in ("LINKIS", "WS", "DSS", "QUALITIS", "VALIDATOR", "LINKISCLI", "DSM")
)
# Release → token names its linkis_dml.sql seeds with legal_users '*', legal_hosts '*',
# elapse_day -1 (release-1.1.1:442-448, 1.2.0:440-448, 1.3.2:531-539, 1.4.0:531-539,
# 1.5.0/1.6.0:534-542, 1.7.0:586-592, release-1.8.0:586-592, master:596-602,963).
SEEDED_TOKENS: dict[str, tuple[str, ...]] = {
    "1.1": tuple(_R_1_1.split()),
    "1.2": (*_R_1_1.split(), "DSM-AUTH", "LINKIS_CLI_TEST"),
    "1.3": ("BML-AUTH", "WS-AUTH", "DSM-AUTH", "LINKIS_CLI_TEST"),
    "1.4": tuple(_R_1_4.split()),
    "1.5": tuple(_R_1_4.split()),
    "1.6": tuple(_R_1_4.split()),
    "1.7": tuple(_R_1_7.split()),
    "1.8": tuple(_R_1_8.split()),
    "master": (*_R_1_7.split(), "DOCTOR-AUTH-LEstzFKwKkrALsDOuGg"),
}
_Maker = Callable[[Severity, str, str], Finding]
_IPV4 = re.compile(r"(?:\d{1,3}\.){3}\d{1,3}")


def is_admin_token(token: str) -> bool:
    """`Configuration.isAdminToken` (1.6.0 `Configuration.scala:81-87`): starts with ADMIN-, any case."""
    return bool(token.strip()) and token.upper().startswith("ADMIN-")


def _seeded_by(name: str) -> list[str]:
    return [release for release, names in SEEDED_TOKENS.items() if name in names]


# --- the token table -------------------------------------------------------------------------


def lint_token_table(
    table: TokenTable, *, now: datetime, version: Version | None = None
) -> list[Finding]:
    """Lint every row of the table; sorted by line."""
    findings: list[Finding] = []
    if version is not None and version < _TABLE_SINCE:
        findings.append(
            Finding(
                table.source,
                1,
                Severity.WARNING,
                "not-in-release",
                f"Linkis {version} reads tokens from token.properties; {TABLE} is used from 1.1.1",
            )
        )
    lines: dict[str, list[int]] = {}
    for row in table.rows:
        lines.setdefault(row.name, []).append(row.line)
        findings.extend(_lint_row(table.source, row, now=now, version=version))
    for name, where in lines.items():
        for earlier in where[:-1]:
            findings.append(
                Finding(
                    table.source,
                    earlier,
                    Severity.ERROR,
                    "duplicate-key",
                    f"{name!r} is defined again on line {where[-1]}; token_name is unique "
                    f"in {TABLE}, so the import fails or only one row is kept",
                )
            )
    return sorted(findings, key=lambda f: (f.line, f.code))


def _lint_row(
    source: str, row: TokenRow, *, now: datetime, version: Version | None
) -> Iterator[Finding]:
    def finding(severity: Severity, code: str, message: str) -> Finding:
        return Finding(source, row.line, severity, code, message)

    err, warn = Severity.ERROR, Severity.WARNING
    name = row.name
    if row.random_name:
        return  # computed by MySQL at install time (MD5(RAND())): nothing public about it
    for column, entries, what, code in (
        ("legal_users", row.user_list, "user", 15202),
        ("legal_hosts", row.host_list, "host", 15203),
    ):
        if not entries:
            yield finding(
                err,
                "empty-list",
                f"{name!r}: {column} is empty: Linkis refuses every {what} ({code})",
            )
        elif "*" in entries:
            yield finding(
                warn,
                f"wildcard-{what}s",
                f"{name!r}: {column} contains '*': every {what} is admitted",
            )
        for entry in entries:
            if entry and entry != entry.strip():
                yield finding(
                    err,
                    "whitespace",
                    f"{name!r}: {column} entry {entry!r} has spaces around it; the list is "
                    f"split on ',' without trimming, so {entry.strip()!r} does not match",
                )
    yield from _lint_expiry(row, finding, now=now)
    seeded = _seeded_by(name)
    if seeded:
        wide_open = "*" in row.user_list and "*" in row.host_list
        yield finding(
            err if wide_open else warn,
            "default-token",
            f"{name!r} is a token name Linkis seeds in linkis_dml.sql "
            f"({', '.join(seeded)}); the name is public"
            + (", and this row admits every user from every host" if wide_open else ""),
        )
    if is_admin_token(name) and (version is None or version >= ADMIN_TOKEN_SINCE):
        yield finding(
            warn,
            "admin-token",
            f"{name!r} starts with 'ADMIN-': from Linkis 1.6 submit honours the body's "
            "executeUser for it, so its users can run jobs as anyone",
        )


def _lint_expiry(row: TokenRow, finding: _Maker, *, now: datetime) -> Iterator[Finding]:
    name = row.name
    if row.elapse_day == -1:
        yield finding(
            Severity.WARNING, "never-expires", f"{name!r} never expires (elapse_day -1)"
        )
        return
    if row.create_time is None:
        yield finding(
            Severity.ERROR,
            "no-create-time",
            f"{name!r}: create_time is empty and elapse_day is {row.elapse_day}: Linkis fails "
            "on it (NullPointerException) and refuses the token",
        )
        return
    expires = row.expires
    assert expires is not None
    since = f"create_time {row.create_time.isoformat()} + elapse_day {row.elapse_day}"
    if now > expires:
        yield finding(
            Severity.ERROR,
            "expired",
            f"{name!r} expired on {expires:%Y-%m-%d %H:%M} ({since}): every request "
            "with it is refused (15201)",
        )
    elif expires - now <= timedelta(days=EXPIRY_WARNING_DAYS):
        left = expires - now
        yield finding(
            Severity.WARNING,
            "expires-soon",
            f"{name!r} expires on {expires:%Y-%m-%d %H:%M} ({since}), in "
            f"{left.days} day(s) {left.seconds // 3600} hour(s)",
        )


# --- the gateway properties ------------------------------------------------------------------


def lint_gateway_properties(
    props: AccessControl,
    *,
    version: Version | None = None,
    table: TokenTable | None = None,
) -> list[Finding]:
    """Lint the access-control keys (and their interplay with the token table); sorted by line."""
    findings: list[Finding] = []
    src = props.source
    keys = [
        s
        for s in _in_force(props)
        if s.key in (ENABLE, IP, URL, USER_ENABLE) or s.key.startswith(USER_PREFIX)
    ]
    if version is not None and version < ACCESS_CONTROL_SINCE:
        findings += [
            Finding(
                src,
                s.line,
                Severity.WARNING,
                "not-in-release",
                f"{s.key}: access control exists from Linkis 1.5; {version} ignores it",
            )
            for s in keys
        ]
        return sorted(findings, key=lambda f: (f.line, f.code))
    findings += _lint_switches(props)
    for user, setting in props.user_bindings():
        findings += _lint_ip_list(src, setting)
        if table is not None:
            findings += _lint_bound_user(props, user, setting, table)
    ip = props.get(IP)
    if ip is not None:
        findings += _lint_ip_list(src, ip)
    url = props.get(URL)
    if url is not None:
        findings += _lint_url_list(src, url)
    return sorted(findings, key=lambda f: (f.line, f.code))


def _in_force(props: AccessControl) -> list[Setting]:
    last = {s.key: s for s in props.settings}
    return [s for s in props.settings if last[s.key] is s]


def _lint_switches(props: AccessControl) -> Iterator[Finding]:
    src, warn = props.source, Severity.WARNING
    bindings = list(props.user_bindings())
    if bindings and not props.user_enabled:
        for _, binding in bindings:
            yield Finding(
                src,
                binding.line,
                warn,
                "disabled",
                f"{binding.key} is set but {USER_ENABLE} is not 'true': Linkis ignores it",
            )
    for key, other in ((IP, URL), (URL, IP)):
        setting = props.get(key)
        if setting is None or not setting.value:
            continue
        if not props.flag(ENABLE):
            yield Finding(
                src,
                setting.line,
                warn,
                "disabled",
                f"{key} is set but {ENABLE} is not 'true': Linkis ignores it",
            )
        elif not props.value(other):
            yield Finding(
                src,
                setting.line,
                warn,
                "disabled",
                f"{key} is set without {other}: Linkis applies neither (both must be set)",
            )


def _entries(value: str) -> list[str]:
    return [e.strip() for e in value.split(",") if e.strip()]


def _contained_pairs(entries: list[str]) -> Iterator[tuple[str, str]]:
    for a in entries:
        for b in entries:
            if a != b and a in b:
                yield a, b


def _substring_findings(
    src: str, setting: Setting, entries: list[str], code: str, verb: str
) -> Iterator[Finding]:
    """One warning per entry contained in another: contains() on the whole value matches it."""
    for a, b in _contained_pairs(entries):
        yield Finding(
            src,
            setting.line,
            Severity.WARNING,
            code,
            f"{setting.key}: entry {a!r} is part of entry {b!r}: Linkis matches the whole "
            f"value with contains(), so removing {a!r} would still {verb} it",
        )


def _lint_ip_list(src: str, setting: Setting) -> Iterator[Finding]:
    entries = _entries(setting.value)
    yield from _substring_findings(src, setting, entries, "ip-substring", "admit")
    for entry in entries:
        shadows = [s for s in ipv4_substrings(entry) if s not in entries and s != entry]
        if shadows:
            shown = ", ".join(shadows[:3]) + (", …" if len(shadows) > 3 else "")
            yield Finding(
                src,
                setting.line,
                Severity.ERROR,
                "ip-substring",
                f"{setting.key}: {entry!r} also admits {shown}: Linkis matches the whole "
                "value with contains(), not entry by entry",
            )


def ipv4_substrings(entry: str) -> list[str]:
    """Return every client address (dotted quad) that is a proper substring of `entry`."""
    found: dict[str, None] = {}
    for start in range(len(entry)):
        for end in range(len(entry), start, -1):
            piece = entry[start:end]
            # 0.x.x.x is never a client's address ("this network"): not worth a finding.
            if (
                piece != entry
                and _IPV4.fullmatch(piece)
                and _octets_ok(piece)
                and not piece.startswith("0.")
            ):
                found.setdefault(piece)
    # Prefixes first (the classic trap: 10.0.0.1 inside 10.0.0.12), longest first.
    return sorted(found, key=lambda s: (not entry.startswith(s), -len(s), s))


def _octets_ok(address: str) -> bool:
    return all(int(part) <= 255 for part in address.split("."))


def _lint_url_list(src: str, setting: Setting) -> Iterator[Finding]:
    entries = _entries(setting.value)
    yield from _substring_findings(src, setting, entries, "url-substring", "allow")
    for entry in entries:
        parent = entry.rstrip("/").rsplit("/", 1)[0]
        if parent and parent not in entries and parent.count("/") >= 1:
            yield Finding(
                src,
                setting.line,
                Severity.WARNING,
                "url-substring",
                f"{setting.key}: every path that is part of the value is allowed, e.g. "
                f"{parent!r} (part of {entry!r}): Linkis matches with contains()",
            )


def _lint_bound_user(
    props: AccessControl, user: str, setting: Setting, table: TokenTable
) -> Iterator[Finding]:
    for row in table.effective():
        if not (row.allows_user(user) and "*" in row.host_list):
            continue
        who = "every user" if "*" in row.user_list else repr(user)
        if props.user_enabled:
            yield Finding(
                props.source,
                setting.line,
                Severity.WARNING,
                "bound-user-token",
                f"user {user!r} is bound to {setting.value!r} but token {row.name!r} "
                f"({table.source}:{row.line}) admits {who} from every host: only access "
                "control (the TCP peer) keeps the binding",
            )
        else:
            yield Finding(
                props.source,
                setting.line,
                Severity.ERROR,
                "bound-user-token",
                f"user {user!r} is bound to {setting.value!r} but token {row.name!r} "
                f"({table.source}:{row.line}) admits {who} from every host, and "
                f"{USER_ENABLE} is not 'true': nothing keeps the binding",
            )
