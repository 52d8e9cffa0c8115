"""Asking and judging the token-table, spoof, access-control and admin-token cases.

Each case is sent from its `Case.source` address through the runner's client for that
address. Token cases send `Token-Code` + `Token-User` (and a spoof probe one forwarded header)
to `jobhistory/list`; access cases log in as the user and read a path; the admin probe logs in
as the run's user and submits with a lone `Token-Code: ADMIN-…` and another `executeUser`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

from linkis_harness.client import Answer, LinkisClient
from linkis_harness.core.gatewaycases import ACCESS_REFUSED
from linkis_harness.core.rulecases import Case
from linkis_harness.rules.matrix.verdict import Judgement, Observed
from linkis_harness.safety import JobBudgetExhausted, ReadOnlyRefused

__all__ = ["ask_gateway_case"]

_ERR_CODE = re.compile(r"errCode: (\d+)")
_UNAUTHORIZED = "Unauthorized access!"
_JOB_CODE = (
    "# linkis-sim: duration=0 queue=0 lines=1 rows=0\necho linkis-harness-admin\n"
)


def _observed(answer: Answer, detail: str = "") -> Observed:
    message = answer.message if answer.envelope is not None else answer.text(limit=120)
    return Observed(answer.http_status, answer.status, message, detail)


def _judge(answer: Answer, reason: str = "", detail: str = "") -> Judgement:
    return Judgement(_observed(answer, detail), answer.curl(), reason)


def _got(answer: Answer) -> str:
    return f"HTTP {answer.http_status} status {answer.status}"


def ask_gateway_case(
    client: LinkisClient, case: Case, *, passwords: Mapping[str, str]
) -> Judgement:
    """Send a table/spoof/access/admin case through `client` and judge the answer."""
    if case.kind in ("table", "spoof"):
        return _judge_token(case, _token_request(client, case))
    if case.kind == "access":
        return _judge_access(client, case, passwords)
    return _judge_admin(client, case, passwords)


def _token_request(client: LinkisClient, case: Case) -> Answer:
    headers = dict(case.headers)
    if case.token is not None:
        headers["Token-Code"] = case.token
    if case.user is not None:
        headers["Token-User"] = case.user
    return client.request(
        "GET", "/jobhistory/list", params={"pageSize": 1}, headers=headers, auth=False
    )


def _judge_token(case: Case, answer: Answer) -> Judgement:
    source = case.source or "this host"
    if case.expect == "accept":
        if answer.http_status == 200 and answer.status == 0:
            return _judge(answer)
        return _judge(
            answer,
            f"refused from {source} although the table admits {case.user!r} there "
            f"(expected HTTP 200 status 0, got {_got(answer)})",
        )
    if case.codes == (ACCESS_REFUSED,):
        if answer.status == 1 and (answer.message or "").startswith(_UNAUTHORIZED):
            return _judge(answer)
        return _judge(
            answer,
            f"access control let {case.user!r} in from {source} "
            f"(expected status 1 'Unauthorized access!', got {_got(answer)})",
        )
    if answer.status == 0:
        if case.kind == "spoof":
            header = case.headers[0][0]
            return _judge(
                answer,
                f"bypassable: the host rule trusts the client's {header} header "
                f"({case.why}); a proxy in front must overwrite it",
            )
        return _judge(
            answer,
            f"admitted {case.user!r} from {source}, which the table refuses ({case.why})",
        )
    if answer.http_status != 401 or answer.status != -1:
        return _judge(
            answer, f"refused, but with {_got(answer)} (expected HTTP 401 status -1)"
        )
    found = _ERR_CODE.search(answer.message or "")
    code = int(found.group(1)) if found else None
    if case.codes and code not in case.codes:
        wanted = " or ".join(str(c) for c in case.codes)
        return _judge(
            answer,
            f"refused with errCode {code}, expected {wanted} ({case.why})",
        )
    return _judge(answer)


def _session(
    client: LinkisClient, user: str, passwords: Mapping[str, str]
) -> LinkisClient:
    """Log `client` in as `user` (its password from the run's accounts)."""
    password = passwords.get(user)
    client.settings = dataclasses.replace(
        client.settings, user=user, password=password, token_code=None, token_user=None
    )
    client.login(user, password)
    return client


def _judge_access(
    client: LinkisClient, case: Case, passwords: Mapping[str, str]
) -> Judgement:
    assert case.user is not None
    assert case.path is not None
    _session(client, case.user, passwords)
    answer = client.request("GET", case.path, params={"pageSize": 1})
    refused = (answer.message or "").startswith(_UNAUTHORIZED)
    source = case.source or "this host"
    if case.expect == "refuse":
        if refused and answer.status == 1:
            return _judge(answer)
        return _judge(
            answer,
            f"access control let {case.user!r} read {case.path} from {source} ({case.why})",
        )
    if refused:
        return _judge(
            answer,
            f"access control refused {case.user!r} from {source}, which the properties "
            "admit (Linkis matches with contains())",
        )
    return _judge(answer)


def _submit_body(execute_user: str) -> dict[str, Any]:
    return {
        "executionContent": {"code": _JOB_CODE, "runType": "shell"},
        "params": {"variable": {}, "configuration": {}},
        "labels": {"engineType": "shell-1"},
        "executeUser": execute_user,
    }


def _judge_admin(
    client: LinkisClient, case: Case, passwords: Mapping[str, str]
) -> Judgement:
    assert case.acts_as is not None
    assert case.user is not None
    _session(client, case.acts_as, passwords)
    headers = {"Token-Code": case.token or ""}
    try:
        submitted = client.request(
            "POST", "/entrance/submit", json=_submit_body(case.user), headers=headers
        )
    except (ReadOnlyRefused, JobBudgetExhausted) as exc:
        text = f"not probed: {exc.skip_reason}"
        return Judgement(Observed(None, None, text), "", "")
    task_id = submitted.data.get("taskID")
    if submitted.status != 0 or task_id is None:
        return _judge(submitted, detail="submit refused")
    history = client.request("GET", f"/jobhistory/{task_id}/get")
    task = history.data.get("task")
    owner = task.get("executeUser") if isinstance(task, dict) else None
    detail = f"job {task_id} executeUser {owner!r}"
    if owner == case.user and owner != case.acts_as:
        return _judge(
            submitted,
            f"exposed: a cookie session of {case.acts_as!r} with a lone Token-Code "
            f"'ADMIN-…' ran a job as {case.user!r}; drop Token-Code without Token-User at "
            "the gateway (1.6+ EntranceRestfulApi.submit honours executeUser)",
            detail,
        )
    return _judge(submitted, detail=detail)
