"""The Linkis answer envelope `{method, status, message, data}` and its HTTP mapping (Linkis 1.4.0 Message.scala).

Real quirks this module treats as correct:
- errors come with HTTP 400 (`Message.messageToHttpStatus`), not-logged-in with 401;
- `method` is `/api/entrance/<id>/status` (no `rest_j/v1`); error answers may carry `null` or
  the full request URI (`/api/rest_j/v1/...`, gateway answers);
- gateway parser/routing errors are HTTP 200 with `status: 1`
  (ledger: gateway.entrance.malformed-execid), so callers that may hit an unroutable id pass
  `gateway_routing=True`.

Masked crashes (`status 1` hiding an uncaught exception) are `core/crash.py`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from linkis_harness.core.violation import Violation
from linkis_harness.errors import MalformedEnvelope

__all__ = [
    "Envelope",
    "MessageStatus",
    "check_envelope",
    "http_status_for",
    "is_framework_error",
    "is_gateway_error",
    "swallowed_by_gateway",
]

_CHECK = "envelope"
API_ROOT = "/api/rest_j/v1"


class MessageStatus(IntEnum):
    NO_LOGIN = -1
    SUCCESS = 0
    ERROR = 1
    VALIDATE_FAILED = 2
    AUTH_FAILED = 3
    WARNING = 4


_HTTP = {
    MessageStatus.NO_LOGIN: 401,
    MessageStatus.SUCCESS: 200,
    MessageStatus.ERROR: 400,
    MessageStatus.VALIDATE_FAILED: 412,
    MessageStatus.AUTH_FAILED: 403,
    MessageStatus.WARNING: 206,
}


def http_status_for(status: int) -> int:
    """Return the HTTP status Linkis sets for an envelope `status` (-1→401 … 4→206)."""
    try:
        return _HTTP[MessageStatus(status)]
    except ValueError:
        raise ValueError(
            f"status {status!r} is not a Linkis MessageStatus (expected -1..4)"
        ) from None


def is_framework_error(body: Mapping[str, Any]) -> bool:
    """Say whether a JSON body is a web framework's default error, not a Linkis envelope.

    Spring: `{timestamp, status, error, path, ...}` (#2642); Starlette/plain: `{"detail": ...}`.
    """
    if not isinstance(body, Mapping):
        return False
    keys = set(body)
    spring = {"timestamp", "status", "error"} <= keys
    plain = "detail" in keys and not keys & {"status", "data", "method"}
    return spring or plain


def is_gateway_error(body: Mapping[str, Any]) -> bool:
    """Say whether a JSON body is a 1.5+ gateway's own error (`CustomErrorAttributes`).

    `{method: <request path>, status: <HTTP code>, message: <reason>, data: []}`: the gateway's
    answer when no route matches or it fails itself (ledger: gateway.own-error.body). `status`
    is an HTTP code and `data` a list, so it is no Linkis envelope; 1.4 and older never send it.
    """
    if not isinstance(body, Mapping) or set(body) != {
        "method",
        "status",
        "message",
        "data",
    }:
        return False
    status = body["status"]
    return (
        isinstance(status, int)
        and not isinstance(status, bool)
        and 400 <= status <= 599
        and body["data"] == []
        and isinstance(body["method"], str)
    )


def _decode(body: bytes | str | Mapping[str, Any], http_status: int) -> Any:
    if isinstance(body, Mapping):
        return body
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    try:
        return json.loads(text)
    except ValueError:
        raise MalformedEnvelope(
            "answer is not JSON", http_status=http_status, body=text
        ) from None


def _shown(body: object) -> str:
    return (
        body
        if isinstance(body, str)
        else json.dumps(body, ensure_ascii=False, default=str)
    )


@dataclass(frozen=True, slots=True)
class Envelope:
    """A decoded Linkis answer."""

    method: str | None
    status: int
    message: str
    data: dict[str, Any]

    @classmethod
    def from_json(
        cls, body: bytes | str | Mapping[str, Any], *, http_status: int = 200
    ) -> Envelope:
        """Decode an answer; missing `method`/`message`/`data` default, wrong types do not.

        Shape defects are for `check_envelope` to report; this only refuses what is not an
        envelope at all (not JSON, not an object, no integer `status`, a framework error body).
        """
        value = _decode(body, http_status)

        def bad(why: str) -> MalformedEnvelope:
            return MalformedEnvelope(why, http_status=http_status, body=_shown(value))

        if not isinstance(value, Mapping):
            raise bad(
                f"answer is a JSON {type(value).__name__}, not an envelope object"
            )
        if is_framework_error(value):
            raise bad("answer is a web framework's error body, not a Linkis envelope")
        status = value.get("status")
        if not isinstance(status, int) or isinstance(status, bool):
            raise bad(f"envelope 'status' must be an integer, got {status!r}")
        method = value.get("method")
        message = value.get("message", "")
        data = value.get("data")
        if method is not None and not isinstance(method, str):
            raise bad(f"envelope 'method' must be a string or null, got {method!r}")
        if message is None:
            message = ""
        if not isinstance(message, str):
            raise bad(f"envelope 'message' must be a string, got {message!r}")
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            raise bad(f"envelope 'data' must be an object, got {type(data).__name__}")
        return cls(method, status, message, dict(data))


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", int: "integer", float: "number", str: "string"}.get(
        type(value), "array" if isinstance(value, list) else "object"
    )


def _shape(value: Mapping[str, Any]) -> list[Violation]:
    found: list[Violation] = []
    wanted: dict[str, tuple[str, ...]] = {
        "method": ("string", "null"),
        "status": ("integer",),
        "message": ("string",),
        "data": ("object",),
    }
    for key, types in wanted.items():
        if key not in value:
            found.append(
                Violation(
                    _CHECK, f"envelope key {key!r} missing", f"keys: {sorted(value)}"
                )
            )
        elif _type_name(value[key]) not in types:
            found.append(
                Violation(
                    _CHECK,
                    f"envelope {key!r} has the wrong type",
                    f"expected {' or '.join(types)}, got {_type_name(value[key])} {value[key]!r}"[
                        :300
                    ],
                )
            )
    return found


def _method_ok(actual: str | None, expected: str, status: int) -> bool:
    if status != MessageStatus.SUCCESS:
        # Aspect-caught errors leave it null; gateway answers carry the full request URI.
        full = API_ROOT + expected.removeprefix("/api")
        return actual is None or actual in (expected, full)
    return actual == expected


def _content_type(content_type: str | None) -> list[Violation]:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        return []
    return [
        Violation(
            _CHECK,
            "answer is not declared JSON",
            f"Content-Type {content_type!r}, expected application/json",
        )
    ]


def _envelope_object(http_status: int, body: bytes) -> dict[str, Any] | Violation:
    """Decode the body into a JSON object that could be an envelope, or say why not."""
    try:
        value = json.loads(body.decode("utf-8"))
    except ValueError:
        text = body[:200].decode("utf-8", errors="replace")
        return Violation(
            _CHECK, "answer is not JSON", f"HTTP {http_status}, body {text!r}"
        )
    if not isinstance(value, dict):
        return Violation(
            _CHECK,
            "answer is not an envelope object",
            f"HTTP {http_status}, JSON {_type_name(value)}",
        )
    if is_framework_error(value):
        return Violation(
            _CHECK,
            "framework error body instead of an envelope",
            f"HTTP {http_status}, body {_shown(value)[:300]}",
        )
    return value


def _method(method: object, expected: str | None, status: int) -> list[Violation]:
    if expected is None or not (method is None or isinstance(method, str)):
        return []  # nothing to compare, or the shape check already named the wrong type
    if _method_ok(method, expected, status):
        return []
    return [
        Violation(
            _CHECK,
            "envelope method does not name the operation",
            f"expected {expected!r}, got {method!r} (status {status})",
        )
    ]


_BODY_PATHS = re.compile(
    r"/api/rest_j/v1/user.*"
    r"|/api/rest_[a-zA-Z][a-zA-Z_0-9]*/v\d+/entrance/(execute|backgroundservice|submit|killJobs)"
)


def swallowed_by_gateway(method: str, path: str, *, request_body: bytes) -> bool:
    """Whether the gateway answers this request with HTTP 200 and no body at all.

    For a non-GET request to `/api/rest_j/v1/user…` or to `/entrance/(execute|submit|
    backgroundservice|killJobs)` exactly, GatewayAuthorizationFilter reads the body with
    `bodyToMono(String).flatMap(…)`; an empty body never reaches the flatMap, no filter runs and
    the exchange completes as is: HTTP 200, no body, no Content-Type
    (ledger: gateway.body.empty-body-swallowed).
    """
    return (
        method.upper() != "GET"
        and not request_body
        and _BODY_PATHS.fullmatch(path) is not None
    )


def check_envelope(
    *,
    http_status: int,
    content_type: str | None,
    body: bytes,
    expected_method: str | None = None,
    gateway_routing: bool = False,
) -> list[Violation]:
    """Check one answer against the envelope contract; return every defect found.

    `gateway_routing=True`: the request may fail in the gateway's parser/router, whose answers are
    HTTP 200 with status 1 (ledger: gateway.entrance.malformed-execid); HTTP 400 for status 1 is
    accepted too.
    """
    found = _content_type(content_type)
    value = _envelope_object(http_status, body)
    if isinstance(value, Violation):
        return [*found, value]
    found += _shape(value)
    status = value.get("status")
    if isinstance(status, int) and not isinstance(status, bool):
        found += _http_agrees(status, http_status, gateway_routing=gateway_routing)
        found += _method(value.get("method"), expected_method, status)
    return found


def _http_agrees(
    status: int, http_status: int, *, gateway_routing: bool
) -> list[Violation]:
    try:
        expected = http_status_for(status)
    except ValueError as exc:
        return [Violation(_CHECK, "unknown envelope status", str(exc))]
    allowed = {expected}
    if gateway_routing and status == MessageStatus.ERROR:
        allowed.add(200)
    if http_status in allowed:
        return []
    return [
        Violation(
            _CHECK,
            "HTTP status disagrees with envelope status",
            f"status {status} ({MessageStatus(status).name}) must come with HTTP {expected}, got HTTP {http_status}",
        )
    ]
