"""Judging one matrix case from the gateway's answers: held, or the reason it did not hold.

The deciding answer (the proxy or token call) is sent by `runner.MatrixRunner`; the follow-ups
that prove who a session acts as (`userInfo`, a quick job and its history `executeUser`) are
sent here through the same client.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from linkis_harness.client import Answer, LinkisClient
from linkis_harness.core.rulecases import Case
from linkis_harness.safety import JobBudgetExhausted, ReadOnlyRefused

__all__ = [
    "Judgement",
    "Observed",
    "judge_proxy_headers",
    "judge_proxy_login",
    "judge_token",
    "proxy_headers",
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


def _acting_user(answer: Answer) -> str | None:
    name = answer.data.get("userName")
    return name if isinstance(name, str) else None


def _observed(answer: Answer, detail: str = "") -> Observed:
    message = answer.message if answer.envelope is not None else answer.text(limit=120)
    return Observed(answer.http_status, answer.status, message, detail)


def proxy_headers(case: Case) -> dict[str, str]:
    """Return the `Proxy-User` / `Validation-Code` headers of a case (a missing one left out)."""
    headers = {}
    if case.user is not None:
        headers["Proxy-User"] = case.user
    if case.token is not None:
        headers["Validation-Code"] = case.token
    return headers


# No userCreator label: the server adds `<executeUser>-IDE`
# (Linkis 1.4.0 CommonEntranceParser.scala), so the job is accepted whoever the gateway decides the
# caller is, and its owner tells us who that was.
_SUBMIT_BODY: dict[str, Any] = {
    "executionContent": {"code": _JOB_CODE, "runType": "shell"},
    "params": {"variable": {}, "configuration": {}},
    "labels": {"engineType": "shell-1"},
}
_UNCHECKED = "<not checked>"


@dataclass(frozen=True, slots=True)
class Judgement:
    """What a case showed: `reason` is empty when the gateway held the rule."""

    observed: Observed
    curl: str
    reason: str = ""


def _judge(answer: Answer, detail: str = "", reason: str = "") -> Judgement:
    return Judgement(_observed(answer, detail), answer.curl(), reason)


def _got(answer: Answer) -> str:
    return f"HTTP {answer.http_status} status {answer.status}"


def judge_token(case: Case, answer: Answer) -> Judgement:
    """Token-Code + Token-User: listed users HTTP 200 status 0, others HTTP 401 status -1."""
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


# -- proxy through /user/proxy ----------------------------------------------------------------


def judge_proxy_login(
    client: LinkisClient, case: Case, answer: Answer, *, login_user: str | None
) -> Judgement:
    """`/user/proxy`: accepted users become the session user and own what it submits."""
    if case.expect == "refuse":
        return _judge_refusal(client, case, answer, login_user=login_user)
    if answer.status != 0:
        return _judge(
            answer,
            reason=f"a listed user was refused (expected status 0, got {_got(answer)})",
        )
    info = client.user_info()
    session = _acting_user(info) if info.status == 0 else None
    if session != case.acts_as:
        return Judgement(
            _observed(answer, f"then acting as {session!r}"),
            info.curl(),
            f"accepted, but the session acts as {session!r}, not {case.acts_as!r}",
        )
    owner, evidence = _job_owner(client, {})
    detail = f"acting as {session!r}; {evidence}"
    if owner in (_UNCHECKED, case.acts_as):
        return _judge(answer, detail)
    return _judge(
        answer,
        detail,
        f"accepted, but a job submitted through the session is owned by {owner!r}, not {case.acts_as!r}",
    )


def _judge_refusal(
    client: LinkisClient, case: Case, answer: Answer, *, login_user: str | None
) -> Judgement:
    """Judge a refusal: not status 0, and the session still acts as the login user."""
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
    if session != login_user:
        return Judgement(
            _observed(answer, f"then acting as {session!r}"),
            info.curl(),
            f"refused, but the session now acts as {session!r} instead of {login_user!r}",
        )
    return _judge(answer)


# -- proxy through Proxy-User / Validation-Code headers -----------------------------------------


def judge_proxy_headers(
    client: LinkisClient, case: Case, answer: Answer, *, login_user: str | None
) -> Judgement:
    """Judge a case through `Proxy-User` + `Validation-Code` on an ordinary endpoint.

    A gateway applies such headers after authentication, so `/user/*` never sees them;
    who the request acted as is read from the owner of a job submitted with them.
    """
    headers = proxy_headers(case)
    if case.expect == "accept":
        if answer.status != 0:
            return _judge(
                answer,
                reason=f"a listed user was refused (expected status 0, got {_got(answer)})",
            )
        owner, evidence = _job_owner(client, headers)
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
    owner, evidence = _job_owner(client, headers)
    if owner in (_UNCHECKED, login_user):
        return _judge(answer, evidence)
    return _judge(
        answer,
        evidence,
        f"with {case.why} the request acted as {owner!r}, not the login user {login_user!r}",
    )


def _job_owner(client: LinkisClient, headers: dict[str, str]) -> tuple[str | None, str]:
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
