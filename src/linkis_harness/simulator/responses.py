"""How the simulated services answer: Linkis envelopes, Spring error bodies, the status→HTTP map.

`Responder` is the one place the envelope fault modes act (`envelope-shape`, `http-200-errors`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from starlette.responses import Response

from linkis_harness.core.envelope import http_status_for
from linkis_harness.simulator.faults import Faults

__all__ = [
    "API_PREFIX",
    "JSON_TYPE",
    "Responder",
    "envelope_response",
    "gateway_error",
    "json_response",
    "spring_error",
]

API_PREFIX = "/api/rest_j/v1"
JSON_TYPE = "application/json"
_REASONS = {
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    500: "Internal Server Error",
}


def json_response(
    body: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """Build a JSON answer (compact, UTF-8, `Content-Type: application/json`)."""
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(payload, status_code=status, headers=headers, media_type=JSON_TYPE)


def envelope_response(
    method: str | None,
    status: int,
    message: str,
    data: dict[str, Any] | None = None,
    *,
    http_status: int | None = None,
) -> Response:
    """Build a Linkis `Message` with the HTTP status its `status` maps to (unless told otherwise)."""
    body = {"method": method, "status": status, "message": message, "data": data or {}}
    return json_response(
        body, status=http_status_for(status) if http_status is None else http_status
    )


def spring_error(status: int, path: str) -> Response:
    """Spring's default error body, as sent when Spring rejects a request before Linkis code runs."""
    now = datetime.now(UTC)
    body = {
        "timestamp": now.strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{now.microsecond // 1000:03d}+00:00",
        "status": status,
        "error": _REASONS.get(status, "Error"),
        "path": path,
    }
    return json_response(body, status=status)


def gateway_error(status: int, path: str, *, custom: bool) -> Response:
    """Build an error the gateway itself produces (no route, its own 5xx).

    `custom` (1.5+): `CustomErrorAttributes` makes it `{method: <path>, status: <HTTP code>,
    message: <reason>[, with request path:<path> for 5xx], data: []}` (ledger:
    gateway.own-error.body); before, Spring's default body.
    """
    if not custom:
        return spring_error(status, path)
    reason = _REASONS.get(status, "Error")
    if status >= 500:
        reason += f", with request path:{path}"
    body = {"method": path, "status": status, "message": reason, "data": []}
    return json_response(body, status=status)


class Responder:
    """Answers of one backend service (`entrance`, `jobhistory`, `filesystem`)."""

    def __init__(self, service: str, faults: Faults) -> None:
        self.service = service
        self.faults = faults

    def ok(
        self, method: str | None, data: dict[str, Any], message: str = "OK"
    ) -> Response:
        if self.faults.envelope_shape and self.service == "entrance":
            return json_response({"method": method, "status": 0, "data": data})
        return envelope_response(method, 0, message, data)

    def fail(
        self,
        method: str | None,
        message: str,
        data: dict[str, Any] | None = None,
        *,
        status: int = 1,
    ) -> Response:
        http = 200 if self.faults.http_200_errors and status in (1, 2, 3) else None
        return envelope_response(method, status, message, data, http_status=http)

    def crash(self, method: str | None, root_cause: str) -> Response:
        """Answer an exception caught by Linkis' aspect (`catchMsg`): status 1, errCode 0."""
        message = f"operation failed(操作失败)s！the reason(原因)：{root_cause}"
        return self.fail(method, message, {"errorMsg": _error_msg(0, root_cause)})

    def error_code(self, code: int, desc: str) -> Response:
        """Answer an `ErrorException` caught by the aspect (method null)."""
        message = f"error code(错误码): {code}, error message(错误信息): {desc}."
        return self.fail(None, message, {"errorMsg": _error_msg(code, desc)})

    def warning(self, code: int, desc: str) -> Response:
        message = f"Warning code(警告码): {code}, Warning message(警告信息): {desc}."
        return self.fail(
            None, message, {"errorMsg": _error_msg(code, desc, level=1)}, status=4
        )


def _error_msg(code: int, desc: str, *, level: int = 2) -> dict[str, Any]:
    return {
        "level": level,
        "errCode": code,
        "desc": desc,
        "ip": "127.0.0.1",
        "port": 0,
        "serviceKind": "linkis-sim",
    }
