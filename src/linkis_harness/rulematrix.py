"""The proxy-user and token matrix asked of a live gateway, one fresh session per case.

`MatrixRunner.run_case` asks the gateway one `core.rulecases.Case` through `LinkisClient` and
returns a `Row` with what was expected, what was observed and the verdict. Proxy cases use the
real `/user/proxy?proxyUser=&validationCode=` (API-FACTS §2.4) or, with `proxy_mode="headers"`,
the documented-but-unimplemented `Proxy-User` + `Validation-Code` request headers; token cases
send `Token-Code` + `Token-User` to `jobhistory/list` (§2.3). An accepted proxy must then act
as the user (`userInfo`) and own the job it submits (job history `executeUser`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.cookiejar import Cookie, CookieJar, DefaultCookiePolicy
from typing import Any

import httpx

from linkis_harness.client import Answer, LinkisClient
from linkis_harness.config import Settings
from linkis_harness.core.rulecases import (
    ANY_USER,
    UNKNOWN_TOKEN,
    Case,
    ProxyMode,
    Redactor,
    derive_cases,
    fingerprint,
)
from linkis_harness.safety import (
    DryRunStop,
    JobBudgetExhausted,
    ReadOnlyRefused,
    RequestGuard,
)

# Re-exported: the runner, the CLI and the contract suite take everything rules-related here.
__all__ = [
    "ANY_USER",
    "UNKNOWN_TOKEN",
    "Case",
    "MatrixRunner",
    "Observed",
    "ProxyMode",
    "Redactor",
    "Row",
    "check_reachable",
    "derive_cases",
    "fingerprint",
]

# The job submitted through an accepted proxy session: quick, no rows (simulator directive).
_JOB_CODE = (
    "# linkis-sim: duration=0 queue=0 lines=1 rows=0\necho linkis-harness-rules\n"
)


@dataclass(frozen=True, slots=True)
class Observed:
    """What the gateway answered: the deciding answer's HTTP code, status and message."""

    http_status: int | None
    status: int | None
    message: str
    detail: str = ""  # follow-up evidence: session user, job owner

    def short(self) -> str:
        """Return `HTTP 400 status 1 'Validation failed'`-style text."""
        http = "-" if self.http_status is None else str(self.http_status)
        status = "-" if self.status is None else str(self.status)
        text = f"HTTP {http} status {status} {self.message!r}"
        return f"{text}; {self.detail}" if self.detail else text


@dataclass(frozen=True, slots=True)
class Row:
    """One case, what was observed and whether the gateway held the rule."""

    case: Case
    ident: str
    observed: Observed
    held: bool
    reason: str = ""
    curl: str = field(default="", repr=False)


# --- running cases against a gateway --------------------------------------------------------


def _acting_user(answer: Answer) -> str | None:
    name = answer.data.get("userName")
    return name if isinstance(name, str) else None


def _observed(answer: Answer, detail: str = "") -> Observed:
    message = answer.message if answer.envelope is not None else answer.text(limit=120)
    return Observed(answer.http_status, answer.status, message, detail)


def _proxy_headers(case: Case) -> dict[str, str]:
    headers = {}
    if case.user is not None:
        headers["Proxy-User"] = case.user
    if case.token is not None:
        headers["Validation-Code"] = case.token
    return headers


# No userCreator label: the server adds `<executeUser>-IDE` (API-FACTS §3.1), so the job is
# accepted whoever the gateway decides the caller is, and its owner tells us who that was.
_SUBMIT_BODY: dict[str, Any] = {
    "executionContent": {"code": _JOB_CODE, "runType": "shell"},
    "params": {"variable": {}, "configuration": {}},
    "labels": {"engineType": "shell-1"},
}
_UNCHECKED = "<not checked>"


class _NoCookies(DefaultCookiePolicy):
    """A cookie policy that stores nothing: each LinkisClient sends its ticket explicitly."""

    def set_ok(self, cookie: Cookie, request: Any) -> bool:
        return False


@dataclass(frozen=True, slots=True)
class _Judgement:
    """What a case showed: `reason` is empty when the gateway held the rule."""

    observed: Observed
    curl: str
    reason: str = ""


def _judge(answer: Answer, detail: str = "", reason: str = "") -> _Judgement:
    return _Judgement(_observed(answer, detail), answer.curl(), reason)


def _got(answer: Answer) -> str:
    return f"HTTP {answer.http_status} status {answer.status}"


class MatrixRunner:
    """Ask a gateway the cases: one fresh client (and session) per case."""

    def __init__(
        self,
        settings: Settings,
        *,
        proxy_mode: ProxyMode = "login",
        guard: RequestGuard | None = None,
    ) -> None:
        self.settings = settings
        self.proxy_mode = proxy_mode
        self.guard = guard
        # One connection pool for every case (an httpx.Client costs tens of ms to build); its
        # jar keeps no cookie, so no session leaks from one case into the next.
        self._http = httpx.Client(
            timeout=settings.timeout,
            verify=not settings.insecure,
            follow_redirects=False,
            cookies=CookieJar(policy=_NoCookies()),
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> MatrixRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def login_user(self) -> str | None:
        """The configured user proxy cases log in as first (None: no password login)."""
        if self.settings.user and self.settings.password:
            return self.settings.user
        return None

    def _client(self, on_dry_run: Callable[[str], None] | None = None) -> LinkisClient:
        return LinkisClient(
            self.settings, http=self._http, guard=self.guard, on_dry_run=on_dry_run
        )

    def run(self, cases: Sequence[Case]) -> list[Row]:
        """Run every case in order (raises `TargetError` when the gateway cannot be used)."""
        return [self.run_case(case, index=i + 1) for i, case in enumerate(cases)]

    def run_case(self, case: Case, *, index: int = 0) -> Row:
        """Ask the gateway one case and judge the answer."""
        with self._client() as client:
            if case.kind == "token":
                judgement = self._token(client, case)
            else:
                if self.login_user is not None:
                    client.login()
                if self.proxy_mode == "headers":
                    judgement = self._proxy_headers(client, case)
                else:
                    judgement = self._proxy_login(client, case)
        held = not judgement.reason
        return Row(
            case,
            case.ident(index),
            judgement.observed,
            held,
            judgement.reason,
            judgement.curl,
        )

    def describe(self, cases: Sequence[Case]) -> list[str]:
        """Return the requests a run would send first for each case (`--dry-run`; needs a dry-run guard)."""
        texts: list[str] = []
        with self._client(texts.append) as client:
            if self.login_user is not None and any(c.kind == "proxy" for c in cases):
                with contextlib.suppress(DryRunStop):
                    client.login()
            for case in cases:
                with contextlib.suppress(DryRunStop):
                    self._first_request(client, case)
        return texts

    def _first_request(self, client: LinkisClient, case: Case) -> Answer:
        """Send the request that decides a case (the proxy or token call)."""
        if case.kind == "token":
            headers = {}
            if case.token is not None:
                headers["Token-Code"] = case.token
            if case.user is not None:
                headers["Token-User"] = case.user
            return client.request(
                "GET",
                "/jobhistory/list",
                params={"pageSize": 1},
                headers=headers,
                auth=False,
            )
        if self.proxy_mode == "headers":
            return client.request(
                "GET",
                "/jobhistory/list",
                params={"pageSize": 1},
                headers=_proxy_headers(case),
            )
        if case.user is not None and case.token is not None:
            return client.proxy(case.user, case.token)
        params = {"proxyUser": case.user, "validationCode": case.token}
        return client.request("GET", "/user/proxy", params=params)

    # -- token --------------------------------------------------------------------------------

    def _token(self, client: LinkisClient, case: Case) -> _Judgement:
        """Token-Code + Token-User: listed users HTTP 200 status 0, others HTTP 401 status -1."""
        answer = self._first_request(client, case)
        if case.expect == "accept":
            if answer.status == 0 and answer.http_status == 200:
                return _judge(answer)
            return _judge(
                answer,
                reason=f"a listed user was refused (expected HTTP 200 status 0, got {_got(answer)})",
            )
        if answer.status == -1 and answer.http_status == 401:
            return _judge(answer)
        if answer.status == 0:
            return _judge(
                answer,
                reason=f"the gateway let {case.user!r} use a token not granted to it",
            )
        return _judge(
            answer,
            reason=f"refused, but with {_got(answer)} (expected HTTP 401 status -1)",
        )

    # -- proxy through /user/proxy --------------------------------------------------------------

    def _proxy_login(self, client: LinkisClient, case: Case) -> _Judgement:
        """`/user/proxy`: accepted users become the session user and own what it submits."""
        answer = self._first_request(client, case)
        if case.expect == "refuse":
            return self._check_refused(client, case, answer)
        if answer.status != 0:
            return _judge(
                answer,
                reason=f"a listed user was refused (expected status 0, got {_got(answer)})",
            )
        info = client.user_info()
        session = _acting_user(info) if info.status == 0 else None
        if session != case.acts_as:
            return _Judgement(
                _observed(answer, f"then acting as {session!r}"),
                info.curl(),
                f"accepted, but the session acts as {session!r}, not {case.acts_as!r}",
            )
        owner, evidence = self._job_owner(client, {})
        detail = f"acting as {session!r}; {evidence}"
        if owner in (_UNCHECKED, case.acts_as):
            return _judge(answer, detail)
        return _judge(
            answer,
            detail,
            f"accepted, but a job submitted through the session is owned by {owner!r}, not {case.acts_as!r}",
        )

    def _check_refused(
        self, client: LinkisClient, case: Case, answer: Answer
    ) -> _Judgement:
        """Judge a refusal: not status 0, and the session still acts as the login user."""
        login = self.login_user
        if answer.status == 0:
            return _judge(
                answer,
                f"proxyUser {answer.data.get('proxyUser')!r}",
                f"the gateway accepted proxyUser {case.user!r} ({case.why}) for a token that does not allow it",
            )
        if answer.envelope is None and answer.http_status < 400:
            return _judge(
                answer,
                reason=f"not a refusal: HTTP {answer.http_status} without a Linkis envelope",
            )
        info = client.user_info()
        session = _acting_user(info) if info.status == 0 else None
        if session != login:
            return _Judgement(
                _observed(answer, f"then acting as {session!r}"),
                info.curl(),
                f"refused, but the session now acts as {session!r} instead of {login!r}",
            )
        return _judge(answer)

    # -- proxy through Proxy-User / Validation-Code headers ---------------------------------------

    def _proxy_headers(self, client: LinkisClient, case: Case) -> _Judgement:
        """Judge a case through `Proxy-User` + `Validation-Code` on an ordinary endpoint.

        A gateway applies such headers after authentication, so `/user/*` never sees them;
        who the request acted as is read from the owner of a job submitted with them.
        """
        headers = _proxy_headers(case)
        answer = self._first_request(client, case)
        if case.expect == "accept":
            if answer.status != 0:
                return _judge(
                    answer,
                    reason=f"a listed user was refused (expected status 0, got {_got(answer)})",
                )
            owner, evidence = self._job_owner(client, headers)
            if owner in (_UNCHECKED, case.acts_as):
                return _judge(answer, evidence)
            return _judge(
                answer,
                evidence,
                f"accepted, but a job submitted with the headers is owned by {owner!r}, not {case.acts_as!r}",
            )
        if answer.status != 0:
            return _judge(answer)
        if case.user is not None and case.token is not None:
            # A gateway that implements the headers must refuse; one that ignores them is not
            # enforcing the rule either (the run asked for --proxy-mode headers).
            return _judge(
                answer,
                reason=f"status 0 for Proxy-User {case.user!r} ({case.why}): the gateway honoured "
                "or ignored headers it must refuse",
            )
        # A header missing: ignoring the other one is fine, acting on it is not.
        owner, evidence = self._job_owner(client, headers)
        if owner in (_UNCHECKED, self.login_user):
            return _judge(answer, evidence)
        return _judge(
            answer,
            evidence,
            f"with {case.why} the request acted as {owner!r}, not the login user {self.login_user!r}",
        )

    def _job_owner(
        self, client: LinkisClient, headers: dict[str, str]
    ) -> tuple[str | None, str]:
        """Submit a quick job and return its `executeUser` per job history, with evidence.

        Returns `_UNCHECKED` as the owner when the safety policy forbids submitting a job.
        """
        try:
            submitted = client.request(
                "POST", "/entrance/submit", json=_SUBMIT_BODY, headers=headers
            )
        except (ReadOnlyRefused, JobBudgetExhausted) as exc:
            # The run may not submit a job: judge without it, and say so.
            return _UNCHECKED, f"job ownership not checked ({exc.skip_reason})"
        task_id = submitted.data.get("taskID")
        if submitted.status != 0 or task_id is None:
            return None, f"submit refused: {_got(submitted)} {submitted.message!r}"
        history = client.request("GET", f"/jobhistory/{task_id}/get", headers=headers)
        task = history.data.get("task")
        if history.status != 0 or not isinstance(task, dict):
            return None, f"job {task_id}: history answered {_got(history)}"
        owner = task.get("executeUser")
        return (owner if isinstance(owner, str) else None), (
            f"job {task_id} owner {owner!r}"
        )


def check_reachable(settings: Settings, *, guard: RequestGuard | None = None) -> None:
    """Raise `TargetError` with a one-line reason when the gateway does not answer or refuses us."""
    with LinkisClient(settings, guard=guard) as client:
        if settings.uses_token or (settings.user and settings.password):
            client.authenticate()  # a login, or the token proven on jobhistory/list
        else:
            client.request("GET", "/user/userInfo", auth=False)
