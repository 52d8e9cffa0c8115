"""The cases the token table and access control imply, per source address (pure, no I/O).

`derive_gateway_cases` turns a `TokenTable` and an `AccessControl` into `Case`s, each sent
from one client address (`Case.source`):
- `table`: every listed user of every token from each source (admitted only where the host is
  legal and the token is fresh, `token_verdict`), near misses from the harness's own address,
  an unknown token;
- `spoof`: a host-restricted token refused from here must stay refused when the request claims
  a legal host in each of the forwarded headers `getRequestRealIpAddr` trusts (1.3+);
- `access` (1.5+): each user bound to IPs that the run can log in as, and the IP-to-URL rule,
  from each source, including addresses the `contains()` trap admits;
- `admin`: a cookie session adding a lone `Token-Code: ADMIN-…` must not make submit run the
  job as the body's `executeUser` (1.6+ releases do: reported as exposed).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from datetime import datetime

from linkis_harness.core.accesscontrol import ACCESS_CONTROL_SINCE, AccessControl
from linkis_harness.core.gatewaylint import ipv4_substrings
from linkis_harness.core.rulecases import ANY_USER, UNKNOWN_TOKEN, Case, Expect
from linkis_harness.core.tokentable import TokenRow, TokenTable, token_verdict
from linkis_harness.core.versions import Version

__all__ = [
    "ACCESS_REFUSED",
    "ADMIN_PROBE_TOKEN",
    "ALLOWED_PATH",
    "SPOOF_HEADERS",
    "derive_gateway_cases",
    "loopback_sources",
]

# The headers getRequestRealIpAddr reads, in its order (SpringCloudGatewayHttpRequest 1.3.2+).
SPOOF_HEADERS = (
    "X-Forwarded-For",
    "Proxy-Client-IP",
    "WL-Proxy-Client-IP",
    "HTTP_CLIENT_IP",
    "HTTP_X_FORWARDED_FOR",
)
ADMIN_PROBE_TOKEN = "ADMIN-linkis-harness-probe"
ALLOWED_PATH = "/jobhistory/list"  # the read every case asks (below /api/rest_j/v1)
_API = "/api/rest_j/v1"
_TABLE_SINCE = Version(1, 1, 1)
_UNKNOWN_CODES = (15201, 15207)
# Harmless reads to probe the IP-to-URL rule with (below /api/rest_j/v1).
_READS = ("/jobhistory/list", "/jobhistory/listundone", "/filesystem/getUserRootPath")
ACCESS_REFUSED = -1  # in `Case.codes`: refused by access control ("Unauthorized access!")  # 15201 before 1.5, 15207 from 1.5 (either refuses)


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def loopback_sources(
    here: str, table: TokenTable | None, access: AccessControl | None
) -> tuple[str, ...]:
    """Return the client addresses to prove host rules from on a loopback target.

    `here` first, two addresses no rule names, every loopback address the rules name, and the
    loopback addresses a `contains()` match admits without naming them (`127.0.0.1` in
    `127.0.0.12`).
    """
    found: dict[str, None] = dict.fromkeys((here, "127.0.0.2", "127.0.0.3"))
    values: list[str] = []
    if table is not None:
        values += [h for row in table.effective() for h in row.host_list]
    if access is not None:
        values += [s.value for _, s in access.user_bindings()]
        values.append(access.value("linkis.client.access.control.ip"))
    for value in values:
        for entry in value.split(","):
            entry = entry.strip()
            for address in (entry, *ipv4_substrings(entry)):
                if _is_loopback(address):
                    found.setdefault(address)
    return tuple(found)


def derive_gateway_cases(
    *,
    table: TokenTable | None,
    access: AccessControl | None,
    version: Version,
    now: datetime,
    here: str,
    sources: Sequence[str] = (),
    logins: Sequence[str] = (),
    admin_as: str | None = None,
) -> list[Case]:
    """Return the table, spoof, access and admin cases.

    `here`: the address the gateway sees for this harness; `sources`: further addresses this
    harness can send from (loopback targets); `logins`: users the run can log in as;
    `admin_as`: the user the admin probe names as executeUser (None: no admin probe).
    """
    cases: list[Case] = []
    if table is not None and version >= _TABLE_SINCE:
        control = access if version >= ACCESS_CONTROL_SINCE else None
        cases += _table_cases(table, version, now, here, sources, control)
        cases += _spoof_cases(table, version, now, here)
    if access is not None and version >= ACCESS_CONTROL_SINCE:
        cases += _access_cases(access, (here, *sources), logins)
    if admin_as is not None and logins:
        cases.append(
            Case(
                "admin",
                ADMIN_PROBE_TOKEN,
                admin_as,
                "refuse",
                "lone ADMIN- Token-Code on a cookie session",
                acts_as=logins[0],
                path="/entrance/submit",
                source=here,
            )
        )
    return cases


def _expect(
    table: TokenTable,
    row: TokenRow,
    user: str,
    host: str,
    *,
    version: Version,
    now: datetime,
    access: AccessControl | None = None,
) -> tuple[Expect, str, tuple[int, ...]]:
    verdict = token_verdict(table, row.name, user, host, now=now, version=version)
    if not verdict.admitted:
        return "refuse", verdict.reason, (verdict.code,)
    # Access control runs after token authentication, on the token user (1.5+).
    if access is not None and access.refusal(user, host, _API + ALLOWED_PATH):
        return "refuse", "access control", (ACCESS_REFUSED,)
    return "accept", "", ()


def _users(row: TokenRow) -> list[str]:
    # Header values cannot carry leading/trailing spaces: such entries are lint's business.
    users = [u for u in row.user_list if u and u == u.strip() and u != "*"]
    if "*" in row.user_list:
        users.insert(0, ANY_USER)
    return users


def _near_misses(user: str) -> list[tuple[str, str]]:
    misses = [(user.upper(), "upper case"), (user + "x", "superstring")]
    if len(user) >= 2:
        misses.append((user[:-1], "prefix"))
    return misses


def _table_cases(
    table: TokenTable,
    version: Version,
    now: datetime,
    here: str,
    sources: Sequence[str],
    access: AccessControl | None,
) -> list[Case]:
    cases: list[Case] = []
    for row in table.effective():
        users = _users(row)
        for index, source in enumerate((here, *sources)):
            # From here every listed user; from other sources the first one proves the host.
            for user in users if index == 0 else users[:1]:
                expect, why, codes = _expect(
                    table, row, user, source, version=version, now=now, access=access
                )
                label = "wildcard" if user == ANY_USER else "listed"
                cases.append(
                    Case(
                        "table",
                        row.name,
                        user,
                        expect,
                        f"{label}{', ' + why if why else ''}",
                        line=row.line,
                        source=source,
                        codes=codes,
                    )
                )
        misses = [
            (u.strip(), f"trimmed, the list has {u!r}")
            for u in row.user_list
            if u.strip() and u != u.strip() and u.strip() not in row.user_list
        ]
        for user in users if "*" not in row.user_list else []:
            misses += _near_misses(user)
        for miss, why in misses:
            expect, reason, codes = _expect(
                table, row, miss, here, version=version, now=now, access=access
            )
            cases.append(
                Case(
                    "table",
                    row.name,
                    miss,
                    expect,
                    f"{why}{', ' + reason if reason else ''}",
                    line=row.line,
                    source=here,
                    codes=codes,
                )
            )
    if table.effective():
        names = {r.name for r in table.rows}
        unknown = UNKNOWN_TOKEN
        while unknown in names:
            unknown += "x"
        user = next(
            (u for row in table.effective() for u in _users(row) if u != ANY_USER),
            ANY_USER,
        )
        cases.append(
            Case(
                "table",
                unknown,
                user,
                "refuse",
                "unknown token",
                source=here,
                codes=_UNKNOWN_CODES,
            )
        )
    return cases


def _spoof_cases(
    table: TokenTable, version: Version, now: datetime, here: str
) -> list[Case]:
    cases: list[Case] = []
    for row in table.effective():
        legal = [h for h in row.host_list if h != "*" and _is_ip(h) and h != here]
        users = _users(row)
        if not legal or not users or "*" in row.host_list:
            continue
        user = users[0]
        verdict = token_verdict(table, row.name, user, here, now=now, version=version)
        if verdict.code != 15203:
            continue  # admitted from here, or refused for another reason
        for header in SPOOF_HEADERS:
            cases.append(
                Case(
                    "spoof",
                    row.name,
                    user,
                    "refuse",
                    f"claims {legal[0]} in {header}",
                    line=row.line,
                    source=here,
                    headers=((header, legal[0]),),
                    codes=(15203,),
                )
            )
    return cases


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _access_paths(access: AccessControl) -> list[str]:
    """Return the paths to read: the usual one, one the URL list leaves out, the contains() trap."""
    paths = [ALLOWED_PATH]
    if not access.ip_enabled:
        return paths
    urls = access.value("linkis.client.access.control.url")
    paths += [p for p in _READS if _API + p not in urls][:1]
    for url in urls.split(","):
        url = url.strip()
        if url.startswith(_API + "/") and not url.startswith(_API + "/user/"):
            parent = url[len(_API) :].rstrip("/").rsplit("/", 1)[0]
            if parent:
                paths.append(parent)  # part of the value: admitted by contains()
    return list(dict.fromkeys(paths))


def _access_cases(
    access: AccessControl, sources: Sequence[str], logins: Sequence[str]
) -> list[Case]:
    cases: list[Case] = []
    bound = {user for user, _ in access.user_bindings()}
    users = [u for u in logins if u in bound]
    users += [u for u in logins if u not in bound][:1]
    for user in users:
        for source in dict.fromkeys(sources):
            listed = access.ip_enabled and source in access.value(
                "linkis.client.access.control.ip"
            )
            paths = _access_paths(access) if listed else [ALLOWED_PATH]
            for path in paths:
                refusal = access.refusal(user, source, _API + path)
                cases.append(
                    Case(
                        "access",
                        None,
                        user,
                        "refuse" if refusal else "accept",
                        f"{path}: {_access_why(access, user, source, refusal)}",
                        source=source,
                        path=path,
                    )
                )
    return cases


def _access_why(
    access: AccessControl, user: str, source: str, refusal: str | None
) -> str:
    if refusal is None:
        return "access allowed"
    if refusal.startswith(f"Unauthorized access! User {user} "):
        return f"user bound to {access.value('linkis.client.access.control.user.' + user)!r}"
    return "IP limited to listed URLs"
