"""The schema family's Linkis oracles (`@schemathesis.check`), beside schemathesis' own.

`linkis_envelope`: every answer from Linkis code is the envelope, HTTP agrees with `status`,
`method` names the operation. `linkis_masked_crash`: a valid request answered with status 1
that hides an uncaught exception. Real quirks are correct: gateway routing errors for
unparseable execIDs are HTTP 200/status 1; Spring's own error body for requests it rejects.
"""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import unquote, urlsplit

import schemathesis
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from linkis_harness.config import API_PREFIX
from linkis_harness.core.crash import (
    DOCUMENTED_CRASHES,
    DocumentedCrash,
    masked_crash,
    root_cause,
)
from linkis_harness.core.envelope import (
    Envelope,
    check_envelope,
    is_framework_error,
    is_gateway_error,
    swallowed_by_gateway,
)
from linkis_harness.core.ledger import LedgerError, Uncaught, line_of
from linkis_harness.core.versions import DEFAULT_VERSION
from linkis_harness.errors import MalformedEnvelope
from linkis_harness.resources.ledger import shipped_ledger
from linkis_harness.suite import settings as suite_settings
from linkis_harness.suite.protocol import release


def _api_path(response: schemathesis.Response) -> str:
    return unquote(urlsplit(str(response.request.url)).path)


def _expected_method(path: str) -> str | None:
    """`method` of a success answer: `/api/...` without `rest_j/v1`; None for gateway answers."""
    rest = path.removeprefix(API_PREFIX)
    if rest == path or rest.startswith("/user/"):
        return None
    return "/api" + rest


def _per_job(path: str) -> bool:
    return (
        path.removeprefix(API_PREFIX).startswith("/entrance/") and path.count("/") >= 6
    )


def _header(response: schemathesis.Response, name: str) -> str | None:
    for key, values in response.headers.items():
        if key.lower() == name:
            return values[0] if values else None
    return None


def body_json(response: schemathesis.Response) -> Any:
    """The answer's JSON body, or None when it is not JSON."""
    try:
        return json.loads(response.content)
    except ValueError:
        return None


@schemathesis.check
def linkis_envelope(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Case
) -> bool | None:
    """Every answer from Linkis code is the envelope; HTTP agrees with status; method names the call."""
    path = _api_path(response)
    request = response.request
    sent = request.body if isinstance(request.body, bytes) else b""
    if (
        response.status_code == 200
        and not response.content
        and swallowed_by_gateway(request.method or "GET", path, request_body=sent)
    ):
        return None  # the gateway's empty-body answer (ledger: gateway.body.empty-body-swallowed)
    body = body_json(response)
    if (
        isinstance(body, dict)
        and is_framework_error(body)
        and response.status_code < 500
    ):
        return None  # Spring rejected the request before Linkis code ran (ledger: entrance.kill.non-numeric-taskid)
    if (
        isinstance(body, dict)
        and response.status_code < 500
        and release().gateway_error_body
        and is_gateway_error(body)
    ):
        return None  # 1.5+: the gateway's own 4xx (CustomErrorAttributes)
    status = body.get("status") if isinstance(body, dict) else None
    expected = _expected_method(path) if status == 0 else None
    found = check_envelope(
        http_status=response.status_code,
        content_type=_header(response, "content-type"),
        body=response.content,
        expected_method=expected,
        gateway_routing=_per_job(path),
    )
    if found:
        raise AssertionError(
            "[envelope] " + "; ".join(f"{v.title}: {v.detail}" for v in found)
        )
    return None


# execIDs the target gave the suite (submit answers): any other id in a per-job path is generated.
KNOWN_IDS: set[str] = set()


def _documented(path: str, query: dict[str, Any]) -> list[DocumentedCrash]:
    """The documented crashes that apply to a request (core.crash.DOCUMENTED_CRASHES)."""
    rest = path.removeprefix(API_PREFIX)
    found = []
    if _per_job(path) and rest.split("/")[2] not in KNOWN_IDS:
        # A generated id that was routed: non-numeric or out-of-ring index
        # (ledger: gateway.entrance.malformed-execid).
        found.append(DOCUMENTED_CRASHES["malformed-execid"])
    if rest.endswith("/status") and "taskID" not in query:
        found.append(DOCUMENTED_CRASHES["status-without-taskid"])
    if rest.endswith("/kill") and "taskID" not in query:
        found.append(DOCUMENTED_CRASHES["kill-without-taskid"])
    if rest.endswith("/killJobs"):
        found.append(DOCUMENTED_CRASHES["killjobs-missing-list"])
    if rest.startswith("/user/proxy"):
        found.append(DOCUMENTED_CRASHES["proxy-missing-param"])
    return found


def release_line() -> str | None:
    """The ledger's release line of the target (`check` sets LINKIS_VERSION).

    0.x has no line of its own: it is read as 1.0, whose code it shares where the ledger's
    uncaught rows are (0.11.0 FsRestfulApi.openFile calls `canRead` first, line 470, as 1.0
    does); a 1.0 crash 0.x never throws is never seen, so accepting it hides nothing.
    """
    version = os.environ.get("LINKIS_VERSION") or str(DEFAULT_VERSION)
    if version.lstrip("v").startswith("0."):
        version = "1.0"
    try:
        return line_of(version)
    except LedgerError:
        return None


def strict() -> bool:
    """`check --strict`: Linkis' own accepted defects fail instead."""
    options = suite_settings.current()
    return bool(options.strict) if options is not None else False


# Linkis' own uncaught exceptions the crash oracle accepted this run (shown by the schema family).
ACCEPTED: list[dict[str, str]] = []


def accepted_crash(
    method: str, path: str, case: Case | None, envelope: Envelope
) -> Uncaught | None:
    """The ledger row saying real Linkis throws for this request, or None (a crash of the target).

    A row that throws on something nonexistent never covers the run's own jobs: a masked crash
    on a valid request about an existing job of one's own still fails.
    """
    ledger = shipped_ledger()
    line = release_line()
    rest = path.removeprefix(API_PREFIX)
    own_job = _per_job(path) and rest.split("/")[2] in KNOWN_IDS
    if line is not None and not own_job:
        found = ledger.uncaught(method, rest, envelope.message, line=line)
        if found is not None:
            return found
    cause = root_cause(envelope.message)
    query = (case.query if case is not None else None) or {}
    for documented in _documented(path, query):
        if cause in documented.exceptions and documented.ledger in ledger:
            row = ledger[documented.ledger]
            answer = row.answer_for(line or "") or row.answers[-1]
            return Uncaught(row, answer, line or "")
    return None


@schemathesis.check
def linkis_masked_crash(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Case
) -> bool | None:
    """A valid request answered with status 1 that hides an uncaught exception is a server error.

    Linkis' own uncaught exceptions on requests naming something nonexistent (a ledger row with
    `uncaught: true`) are accepted with the row's reason and source; `--strict` fails them.
    """
    if is_negative(case):
        return None  # invalid input may fail any way short of a 5xx
    path = _api_path(response)
    if _per_job(path) and response.status_code == 200:
        # the gateway could not route a generated execID
        # (ledger: gateway.entrance.malformed-execid): not a crash
        return None
    body = body_json(response)
    if not isinstance(body, dict):
        return None
    try:
        envelope = Envelope.from_json(body, http_status=response.status_code)
    except (MalformedEnvelope, ValueError):
        return None
    reason = masked_crash(envelope)
    if reason is None:
        return None
    accepted = accepted_crash(response.request.method or "GET", path, case, envelope)
    if accepted is None:
        raise AssertionError(f"[crash] a valid request crashed the server: {reason}")
    if strict():
        raise AssertionError(
            f"[crash] a Linkis defect (accepted without --strict): {accepted.reason}: {reason}"
        )
    ACCEPTED.append(
        {
            "operation": case.operation.label,
            "row": accepted.row.id,
            "reason": accepted.reason,
        }
    )
    return None


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    linkis_envelope,
    linkis_masked_crash,
]
NEGATIVE_CHECKS = [not_a_server_error, linkis_envelope]


def is_negative(case: Case) -> bool:
    """Whether schemathesis generated the case to be invalid (not the positive mode)."""
    return (
        case.meta is not None and case.meta.generation.mode != GenerationMode.POSITIVE
    )


def checks_for(case: Case) -> list[Any]:
    """The checks a case's answer must pass: invalid input may fail any way short of a 5xx."""
    return NEGATIVE_CHECKS if is_negative(case) else CHECKS
