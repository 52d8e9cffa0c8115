"""Which Linkis version a target is: `--linkis-version`, or detected from a few harmless answers.

Detection costs at most four requests and submits nothing (it is safe under `--read-only`):
`GET /user/baseinfo` (none before 1.3.2; `linkisClusterName` from 1.5,
`engineLogOnlyAdminEnable` from 1.7), and unless the login's 1.1.1+ cookie already told: the
login (which session cookie it sets), a second login with that session (1.x after 1.0.0
answers status 0 "Already logged in", 0.x and 1.0.0 status 1), and the job history of a job
that cannot exist (0.9.4: status 0 with `task: null`; 1.x: status 1). The table of what differs
is `core.versions`.
"""

from __future__ import annotations

from dataclasses import dataclass

from linkis_harness.client import LinkisClient
from linkis_harness.config import Settings
from linkis_harness.core.versions import (
    COOKIE_V1,
    Detection,
    Version,
    VersionTraits,
    detect,
    traits,
)
from linkis_harness.errors import HarnessError

__all__ = ["MISSING_TASK_ID", "TargetVersion", "probe", "resolve_version"]

# A taskID no deployment has reached (Java long range, far beyond any auto-increment).
MISSING_TASK_ID = 8_999_999_999_999_999


@dataclass(frozen=True, slots=True)
class TargetVersion:
    """The version the run assumes, where it came from, and what to expect of it."""

    traits: VersionTraits
    source: str  # "--linkis-version" | "detected" | "assumed"
    detection: Detection | None = None

    @property
    def version(self) -> Version:
        return self.traits.version

    def describe(self) -> str:
        """One line for the terminal: the version and why."""
        if self.source == "--linkis-version":
            return f"Linkis {self.version} (--linkis-version)"
        found = self.detection
        if found is None or not found.known:
            return f"Linkis version not detectable; assuming {self.version} (pass --linkis-version)"
        return (
            f"Linkis {found.label} detected ({'; '.join(found.evidence)}); "
            f"checking as {self.version}"
        )


def resolve_version(
    settings: Settings, forced: str | None, *, ticket_cookie: str | None = None
) -> TargetVersion:
    """`--linkis-version` when given (no request), else `probe(settings, ticket_cookie=...)`."""
    if forced:
        return TargetVersion(traits(forced), "--linkis-version")
    return probe(settings, ticket_cookie=ticket_cookie)


def probe(
    settings: Settings,
    *,
    client: LinkisClient | None = None,
    ticket_cookie: str | None = None,
) -> TargetVersion:
    """Ask the target the questions whose answers changed between versions.

    `ticket_cookie`: the session cookie a login already set (the runner's preflight). The 1.1.1+
    name settles what the older answers would tell, so then only `baseinfo` is asked.
    """
    own = client is None
    client = client if client is not None else LinkisClient(settings)
    try:
        if ticket_cookie == COOKIE_V1:
            found = detect(ticket_cookie=ticket_cookie, baseinfo=_baseinfo(client))
            return TargetVersion(traits(found.version), "detected", found)
        cookie = None
        again = None
        if not settings.uses_token:
            client.login()
            cookie = client.ticket_cookie
            answer = client.request(
                "POST",
                "/user/login",
                json={"userName": client.user, "password": settings.password},
            )
            again = answer.status if answer.envelope is not None else None
        history = client.job_history(MISSING_TASK_ID)
        missing = None
        if history.envelope is not None and history.status in (0, 1):
            missing = (int(history.status), (history.data or {}).get("task") is None)
    except HarnessError:
        found = detect()
    else:
        found = detect(
            ticket_cookie=cookie,
            login_again_status=again,
            history_missing=missing,
            baseinfo=_baseinfo(client),
        )
    finally:
        if own:
            client.close()
    return TargetVersion(traits(found.version), "detected", found)


def _baseinfo(client: LinkisClient) -> tuple[int, frozenset[str]] | None:
    """(status, data keys) of `GET /user/baseinfo`, or None when the answer tells nothing."""
    try:
        answer = client.request("GET", "/user/baseinfo")
    except HarnessError:
        return None
    if answer.envelope is None or answer.status not in (0, 1):
        return None
    if answer.status == 1 and "unknown request URI" not in (answer.message or ""):
        return None
    return int(answer.status), frozenset(answer.data or {})
