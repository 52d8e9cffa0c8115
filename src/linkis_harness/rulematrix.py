"""The proxy-user and token matrix: every case the rule files imply, asked of a live gateway.

`derive_cases` turns the rules in force into cases (pure); `MatrixRunner.run_case` asks the
gateway one case through `LinkisClient` and returns a `Row` with what was expected, what was
observed and the verdict. Proxy cases use the real `/user/proxy?proxyUser=&validationCode=`
(API-FACTS §2.4) or, with `proxy_mode="headers"`, the documented-but-unimplemented
`Proxy-User` + `Validation-Code` request headers; token cases send `Token-Code` + `Token-User`
to `jobhistory/list` (§2.3). Tokens appear in rows only as `fingerprint(token)`.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from http.cookiejar import Cookie, CookieJar, DefaultCookiePolicy
from typing import Any, Literal

import httpx

from linkis_harness.client import Answer, LinkisClient
from linkis_harness.config import Settings
from linkis_harness.core.rules import RuleSet
from linkis_harness.safety import (
    DryRunStop,
    JobBudgetExhausted,
    ReadOnlyRefused,
    RequestGuard,
)

__all__ = [
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

Kind = Literal["proxy", "token"]
ProxyMode = Literal["login", "headers"]
Expect = Literal["accept", "refuse"]

# A user name no rule lists, for `*` rules; a token no file defines, for the unknown-token case.
ANY_USER = (
    "anyuser7c2e"  # no "-": the userCreator label `<user>-<creator>` splits on it
)
UNKNOWN_TOKEN = "LH-UNKNOWN-TOKEN-0b9d41"
# The job submitted through an accepted proxy session: quick, no rows (simulator directive).
_JOB_CODE = (
    "# linkis-sim: duration=0 queue=0 lines=1 rows=0\necho linkis-harness-rules\n"
)


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

    def __repr__(self) -> str:
        # Test reports print parameters: the token only as its fingerprint.
        token = None if self.token is None else fingerprint(self.token)
        return (
            f"Case({self.kind}, token={token}, user={self.user!r}, expect={self.expect}, "
            f"why={self.why!r})"
        )

    def ident(self, index: int) -> str:
        """Return a stable, secret-free id such as `proxy-07-bob-prefix`."""
        user = "none" if self.user is None else (self.user or "empty")
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{user}-{self.why}").strip("_")
        return f"{self.kind}-{index:02d}-{slug}"


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


# --- deriving cases (pure) ------------------------------------------------------------------


def _near_misses(user: str, *, spaces: bool, empty: bool) -> list[tuple[str, str]]:
    misses = [
        (user.upper(), "upper case"),
        (user[:1].swapcase() + user[1:], "case variant"),
        (user + "x", "superstring"),
    ]
    if len(user) >= 2:
        misses.append((user[:-1], "prefix"))
    if spaces:
        misses.append((f" {user} ", "with spaces"))
    if empty:
        misses.append(("", "empty name"))
    return misses


def _dedupe(cases: Iterable[Case]) -> list[Case]:
    seen: set[tuple[Kind, str | None, str | None]] = set()
    out = []
    for case in cases:
        key = (case.kind, case.token, case.user)
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
            candidates += _near_misses(user, spaces=spaces, empty=False)
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
        # Header values cannot carry leading/trailing spaces, and a blank Token-User crashes a
        # real 1.x gateway (API-FACTS §13): such entries and near misses are left out.
        listed = [u for u in rule.users if u and u == u.strip() and u != "*"]
        if "*" in rule.users:
            cases.append(
                Case("token", token, ANY_USER, "accept", "wildcard", None, line)
            )
        candidates: list[tuple[str, str]] = []
        for user in listed:
            cases.append(Case("token", token, user, "accept", "listed", None, line))
            candidates += _near_misses(user, spaces=False, empty=False)
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
        user = _first_user(proxy_rules, everyone)
        token = proxy_rules.effective()[0].key
        unknown = _unknown_token(proxy_rules, token_rules)
        cases += [
            Case("proxy", unknown, user, "refuse", "unknown token"),
            Case("proxy", token, None, "refuse", "no proxyUser"),
            Case("proxy", None, user, "refuse", "no validationCode"),
            Case("proxy", None, None, "refuse", "no parameters"),
        ]
    if token_rules is not None and token_rules.rules:
        cases += _token_cases(token_rules, everyone)
        user = _first_user(token_rules, everyone)
        token = token_rules.effective()[0].key
        cases += [
            Case(
                "token",
                _unknown_token(proxy_rules, token_rules),
                user,
                "refuse",
                "unknown token",
            ),
            Case("token", token, None, "refuse", "no Token-User"),
        ]
    return _dedupe(cases)


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
