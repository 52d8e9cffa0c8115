"""What differs between Linkis versions, and which version a target is from what it answers.

Pure (stdlib only). Linkis sources, by tag: the cookie name (1.0.2 SSOUtils.scala,
1.4.0 ServerConfiguration.scala) and login while logged in (0.9.4 and 1.4.0 UserRestful.scala);
token storage: `token.properties` substring match up to 1.1.0 (1.0.2 TokenAuthentication.scala),
exact entries of the `linkis_mg_gateway_auth_token` table from 1.1.1 (ledger: gateway.token.lists);
execID layouts: legacy in 0.x, `exec_id…` from 1.0 (0.9.4 and 1.4.0 ZuulEntranceUtils.scala); job
history of a missing job: status 0 with `task: null` in 0.9.4, status 1 in 1.x
(0.9.4 and 1.4.0 QueryRestfulApi.java); numeric taskID as `{id}` from 1.5
(ledger: entrance.taskid.running); `token-login` (1.3+, 1.3.2 UserRestful.scala). The 1.5-1.8
traits were read from the Linkis sources at each tag; docs/ledger/releases-*.yaml cites them.

`traits(version)` gives what to expect of a version; `detect(...)` narrows the version from
observations (each one optional) and says which observation decided what.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from linkis_harness.core.execid import ExecIdLayout
from linkis_harness.errors import ConfigError

__all__ = [
    "COOKIE_LEGACY",
    "COOKIE_V1",
    "DEFAULT_VERSION",
    "LATEST_VERSION",
    "RELEASE_LINES",
    "Detection",
    "LoginAgain",
    "TokenMatch",
    "Version",
    "VersionTraits",
    "detect",
    "release_line",
    "token_allows",
    "traits",
]

COOKIE_V1 = "linkis_user_session_ticket_id_v1"
COOKIE_LEGACY = "bdp-user-ticket-id"


@dataclass(frozen=True, slots=True, order=True)
class Version:
    """A Linkis release number (`1.4`, `1.1.1`, `0.11`); missing parts count as 0."""

    major: int
    minor: int = 0
    patch: int = 0

    @classmethod
    def parse(cls, text: str) -> Version:
        """Parse `1.4`, `1.1.1`, `v0.11`, `1.4.0-SNAPSHOT`; `ConfigError` for anything else."""
        match = re.fullmatch(
            r"v?(\d{1,3})(?:\.(\d{1,3}))?(?:\.(\d{1,3}))?(?:[-+].*)?", text.strip()
        )
        if match is None:
            raise ConfigError(
                f"--linkis-version: expected a Linkis version such as 1.4, 1.1.1 or 0.11, got {text!r}"
            )
        major, minor, patch = (int(g) if g else 0 for g in match.groups())
        if major > 1 or (major == 1 and minor > LATEST_MINOR):
            raise ConfigError(
                f"--linkis-version: Linkis {text} is unknown to this harness "
                f"(0.x and 1.0 to 1.{LATEST_MINOR}; pass 1.{LATEST_MINOR} for a newer 1.x)"
            )
        return cls(major, minor, patch)

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}" + (f".{self.patch}" if self.patch else "")


LATEST_MINOR = 8
DEFAULT_VERSION = Version(
    1, 4
)  # the reference release of the spec and simulator (assumed when unknown)
LATEST_VERSION = Version(1, LATEST_MINOR)  # what `serve` imitates by default
# The release lines of the behaviour ledger (docs/ledger/README.md); 1.2 covers 1.2.x and 1.3.x.
RELEASE_LINES = ("1.0", "1.1", "1.2", "1.4", "1.5", "1.6", "1.7", "1.8")
_V1_0 = Version(1, 0)
_V1_0_1 = Version(1, 0, 1)
_V1_1_1 = Version(1, 1, 1)
_V1_3 = Version(1, 3)
_V1_3_2 = Version(1, 3, 2)
_V1_5 = Version(1, 5)
_V1_7 = Version(1, 7)


def release_line(version: Version | str) -> str:
    """Return the ledger's release line of `version`: `1.2` for 1.2.x and 1.3.x, `0.x` before 1.0."""
    if isinstance(version, str):
        version = Version.parse(version)
    if version < _V1_0:
        return "0.x"
    if version.minor == 3:
        return "1.2"
    return f"1.{version.minor}"


class TokenMatch(StrEnum):
    """How the gateway compares `Token-User` with a token's users."""

    SUBSTRING = "substring"  # 0.x-1.1.0: value == "*" or value.contains(user)
    EXACT = "exact"  # 1.1.1+: "*" or user in value.split(",")


class LoginAgain(StrEnum):
    """The answer to a login sent with a valid session cookie (Linkis 1.4.0 UserRestful.scala)."""

    REDIRECT = "status 1, data.redirectToIndex"  # 0.9.4, 1.0.0
    ALREADY = "status 0, 'Already logged in'"  # later 1.x


@dataclass(frozen=True, slots=True)
class VersionTraits:
    """What a client and the checks should expect of one Linkis version."""

    version: Version
    ticket_cookie: str
    execid_layout: ExecIdLayout
    token_match: TokenMatch
    login_again: LoginAgain
    history_missing_status: int  # status of jobhistory/{id}/get for a missing job
    history_missing_task_null: bool  # 0.9.4: status 0 with data.task null
    single_entrance: (
        bool  # 1.0+: one linkis-cg-entrance; 0.x: one entrance per engine type
    )
    proxy_endpoint: bool  # /user/proxy exists (1.0+)
    token_login: bool  # /user/token-login (1.3+)
    task_id_as_exec_id: bool  # numeric taskID accepted as {id} (1.5+)
    # 1.5+: the gateway's own errors (no route, its 5xx) are {method, status: HTTP, message,
    # data: []} (CustomErrorAttributes), not Spring's {timestamp, status, error, path}.
    gateway_error_body: bool
    unknown_token_code: (
        int  # 15201 up to 1.4, 15207 "Token:X does not exist in the table" 1.5+
    )
    baseinfo_keys: tuple[
        str, ...
    ]  # data keys of /user/baseinfo; () where it does not exist
    # status/kill of a job not in memory without ?taskID=: 1.5+ a plain error, not the
    # NumberFormatException/NullPointerException of #755/#1538.
    evicted_plain_errors: bool
    # jobhistory/{id}/get carries executionCode (1.7+: null)
    history_execution_code: bool
    # openFile: columnPage/columnPageSize (80036), pageSize > 100000 rows (80034), totalColumn
    openfile_column_paging: bool

    @property
    def line(self) -> str:
        """The ledger release line (`1.2` for 1.3.x)."""
        return release_line(self.version)

    def describe(self) -> dict[str, object]:
        return {
            "version": str(self.version),
            "ticket_cookie": self.ticket_cookie,
            "execid_layout": str(self.execid_layout),
            "token_match": str(self.token_match),
            "login_again": str(self.login_again),
            "history_missing": (
                "status 0, task null"
                if self.history_missing_task_null
                else f"status {self.history_missing_status}"
            ),
        }


def traits(version: Version | str) -> VersionTraits:
    """Return what to expect of `version` (a Version or text such as `1.1`)."""
    if isinstance(version, str):
        version = Version.parse(version)
    legacy = version < _V1_0
    return VersionTraits(
        version=version,
        ticket_cookie=COOKIE_V1 if version >= _V1_1_1 else COOKIE_LEGACY,
        execid_layout=ExecIdLayout.LEGACY if legacy else ExecIdLayout.V1,
        token_match=TokenMatch.EXACT if version >= _V1_1_1 else TokenMatch.SUBSTRING,
        login_again=LoginAgain.ALREADY if version >= _V1_0_1 else LoginAgain.REDIRECT,
        history_missing_status=0 if legacy else 1,
        history_missing_task_null=legacy,
        single_entrance=not legacy,
        proxy_endpoint=not legacy,
        token_login=version >= _V1_3,
        task_id_as_exec_id=version >= _V1_5,
        gateway_error_body=version >= _V1_5,
        unknown_token_code=15207 if version >= _V1_5 else 15201,
        baseinfo_keys=_baseinfo_keys(version),
        evicted_plain_errors=version >= _V1_5,
        history_execution_code=version < _V1_7,
        openfile_column_paging=version >= _V1_7,
    )


def _baseinfo_keys(version: Version) -> tuple[str, ...]:
    """`UserRestful.baseinfo` (1.3.2+): 1.5 adds linkisClusterName, 1.7 engineLogOnlyAdminEnable."""
    if version < _V1_3_2:
        return ()
    keys = ["resultSetExportEnable"]
    if version >= _V1_5:
        keys.append("linkisClusterName")
    if version >= _V1_7:
        keys.append("engineLogOnlyAdminEnable")
    return tuple(keys)


def token_allows(token_match: TokenMatch, value: str, user: str) -> bool:
    """Whether a token whose users are `value` admits `user` under `token_match` (ledger: gateway.token.lists)."""
    if token_match is TokenMatch.SUBSTRING:
        return value == "*" or user in value
    entries = value.split(",")
    return "*" in entries or user in entries


# -- detection -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Detection:
    """The version range the observations allow, a representative version, and why."""

    low: Version
    high: Version | None  # None: no upper bound
    evidence: tuple[str, ...] = field(default=())

    @property
    def version(self) -> Version:
        """The version to assume: the reference release when in range, else the nearest end."""
        if self.high is not None and self.high < DEFAULT_VERSION:
            return self.high
        return max(self.low, DEFAULT_VERSION)

    @property
    def label(self) -> str:
        if self.high is None:
            return f"{self.low}+" if self.low > Version(0) else "unknown"
        # An upper bound inside the 1.x line is a patch release (1.0.0, 1.1.0): say so;
        # a bound that is a whole minor line (1.6.x) says x.
        patch = "x" if self.high.patch == _ANY_PATCH else str(self.high.patch)
        high = (
            f"{self.high.major}.{self.high.minor}.{patch}"
            if self.high.major >= 1
            else str(self.high)
        )
        if self.low == self.high:
            return high
        if self.low == Version(0):
            return f"≤{high}"
        return f"{self.low}–{high}"

    @property
    def known(self) -> bool:
        return bool(self.evidence)


_TOP_0X = Version(0, 11)  # the last 0.x release
_TOP_1_0_0 = Version(1, 0, 0)
_TOP_1_1_0 = Version(1, 1, 0)
_TOP_1_3_1 = Version(1, 3, 1)
_ANY_PATCH = 999  # "any patch release of this minor line"
_TOP_1_4 = Version(1, 4, _ANY_PATCH)
_TOP_1_6 = Version(1, 6, _ANY_PATCH)


def detect(
    *,
    ticket_cookie: str | None = None,
    exec_ids: Sequence[str] = (),
    login_again_status: int | None = None,
    history_missing: tuple[int, bool] | None = None,
    baseinfo: tuple[int, frozenset[str]] | None = None,
) -> Detection:
    """Narrow the version from what the target answered (every argument optional).

    `ticket_cookie`: the session cookie name the login set; `exec_ids`: execIDs it returned;
    `login_again_status`: status of a login sent with a valid session; `history_missing`:
    (status, task-is-null) of `jobhistory/{id}/get` for a job that does not exist;
    `baseinfo`: (status, data keys) of `GET /user/baseinfo`.
    Contradicting observations keep the range of the first ones and say so in the evidence.
    """
    low, high = Version(0), None
    evidence: list[str] = []

    def narrow(new_low: Version, new_high: Version | None, why: str) -> None:
        nonlocal low, high
        lo = max(low, new_low)
        hi = (
            new_high
            if high is None
            else (high if new_high is None else min(high, new_high))
        )
        if hi is not None and lo > hi:
            evidence.append(f"{why} (contradicts the above; ignored)")
            return
        low, high = lo, hi
        evidence.append(why)

    if ticket_cookie == COOKIE_V1:
        narrow(_V1_1_1, None, f"login cookie {COOKIE_V1} (1.1.1+)")
    elif ticket_cookie == COOKIE_LEGACY:
        narrow(Version(0), _TOP_1_1_0, f"login cookie {COOKIE_LEGACY} (up to 1.1.0)")
    layouts = {_layout(e) for e in exec_ids} - {None}
    if layouts == {ExecIdLayout.V1}:
        narrow(_V1_0, None, "execIDs in the exec_id… layout (1.0+)")
    elif layouts == {ExecIdLayout.LEGACY}:
        narrow(Version(0), _TOP_0X, "execIDs in the legacy layout (0.x)")
    if login_again_status == 0:
        narrow(_V1_0_1, None, "login while logged in answers status 0 (after 1.0.0)")
    elif login_again_status == 1:
        narrow(
            Version(0),
            _TOP_1_0_0,
            "login while logged in answers status 1 (0.x, 1.0.0)",
        )
    if history_missing is not None:
        status, task_null = history_missing
        if status == 0 and task_null:
            narrow(
                Version(0),
                _TOP_0X,
                "missing job history answers status 0, task null (0.x)",
            )
        elif status == 1:
            narrow(_V1_0, None, "missing job history answers status 1 (1.x)")
    if baseinfo is not None:
        _narrow_by_baseinfo(baseinfo, narrow)
    return Detection(low, high, tuple(evidence))


def _narrow_by_baseinfo(
    baseinfo: tuple[int, frozenset[str]],
    narrow: Callable[[Version, Version | None, str], None],
) -> None:
    """`UserRestful.baseinfo`: none before 1.3.2, then one more key in 1.5 and in 1.7."""
    status, keys = baseinfo
    if status == 1:
        narrow(Version(0), _TOP_1_3_1, "no /user/baseinfo (before 1.3.2)")
    elif status == 0 and "engineLogOnlyAdminEnable" in keys:
        narrow(_V1_7, None, "baseinfo has engineLogOnlyAdminEnable (1.7+)")
    elif status == 0 and "linkisClusterName" in keys:
        narrow(
            _V1_5,
            _TOP_1_6,
            "baseinfo has linkisClusterName, not engineLogOnlyAdminEnable (1.5-1.6)",
        )
    elif status == 0 and "resultSetExportEnable" in keys:
        narrow(_V1_3_2, _TOP_1_4, "baseinfo without linkisClusterName (1.3.2-1.4)")


def _layout(exec_id: str) -> ExecIdLayout | None:
    if exec_id.startswith("exec_id"):
        return ExecIdLayout.V1
    if exec_id[:4].isdigit():
        return ExecIdLayout.LEGACY
    return None
