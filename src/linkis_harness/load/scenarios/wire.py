"""The wire: one Linkis request through Locust's client, checked and reported exactly once."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from linkis_harness.core.envelope import check_envelope
from linkis_harness.core.sla import OPERATIONS
from linkis_harness.core.violation import Violation

API = "/api/rest_j/v1"
Check = Callable[[dict[str, Any]], Violation | None]


class Http:
    """Send one Linkis request through Locust's client and report it exactly once."""

    def __init__(
        self, client: Any, fire: Callable[..., Any], headers: dict[str, str], guard: Any
    ) -> None:
        self.client = client
        self.fire = fire
        self.headers = headers
        self.guard = guard
        # Password users log in again once when the session expired (status -1, HTTP 401),
        # as the Java client does; the expired answer still counts as a failure.
        self.relogin: Callable[[], bool] | None = None

    def call(
        self,
        method: str,
        path: str,
        op: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        expected_method: str | None = None,
        check: Check | None = None,
        allow_error: bool = False,
        exec_id: str | None = None,
    ) -> dict[str, Any] | None:
        """Return the envelope (status 0, or any status with `allow_error`) or None on failure."""
        answer = self._send(
            method, path, op, params, body, expected_method, check, allow_error, exec_id
        )
        if not isinstance(answer, _Expired):
            return answer
        if self.relogin is None or op == "login" or not self.relogin():
            return None
        retried = self._send(
            method, path, op, params, body, expected_method, check, allow_error, exec_id
        )
        return None if isinstance(retried, _Expired) else retried

    def _send(
        self,
        method: str,
        path: str,
        op: str,
        params: dict[str, Any] | None,
        body: dict[str, Any] | None,
        expected_method: str | None,
        check: Check | None,
        allow_error: bool,
        exec_id: str | None,
    ) -> dict[str, Any] | _Expired | None:
        if self.guard is not None:
            self.guard.admit(method, API + path)
        url = API + path + ("?" + urlencode(params) if params else "")
        name = OPERATIONS[op]
        with self.client.request(
            method, url, name=name, json=body, headers=self.headers, catch_response=True
        ) as resp:
            if not resp.status_code:
                resp.failure(resp.error or "no answer")
                return None
            content = resp.content or b""
            envelope = _plain_success(resp, content, expected_method)
            if envelope is None:
                found = check_envelope(
                    http_status=resp.status_code,
                    content_type=resp.headers.get("Content-Type"),
                    body=content,
                    expected_method=expected_method,
                )
                if found:
                    resp.failure(found[0].to_exception(operation=name, exec_id=exec_id))
                    return None
                envelope = json.loads(content)
            if envelope.get("status") != 0 and (
                not allow_error or envelope.get("status") == -1
            ):
                text = str(envelope.get("message", ""))[:200]
                resp.failure(f"status {envelope.get('status')}: {text}")
                return _EXPIRED if envelope.get("status") == -1 else None
            violation = check(envelope) if check is not None else None
            if violation is not None:
                resp.failure(violation.to_exception(operation=name, exec_id=exec_id))
                return None
            resp.success()
            return envelope

    def metric(
        self, name: str, value: float, failure: BaseException | None = None
    ) -> None:
        """Fire a lifecycle metric as its own entry (request_type JOB)."""
        self.fire(
            request_type="JOB",
            name=name,
            response_time=value,
            response_length=0,
            exception=failure,
            context={},
        )


class _Expired:
    """The session expired (status -1): the caller may log in again and retry once."""


_EXPIRED = _Expired()
_ENVELOPE_KEYS = frozenset({"method", "status", "message", "data"})


def _plain_success(
    resp: Any, content: bytes, expected_method: str | None
) -> dict[str, Any] | None:
    """Parse once and return the envelope when it is a textbook success, else None.

    A textbook success (HTTP 200, JSON, exactly the four keys, status 0, message a string,
    data an object, method the expected one) is one `check_envelope` has nothing to say about;
    everything else goes through `check_envelope` for its exact findings. This keeps the
    generator's cost per request close to a bare GET loop.
    """
    if resp.status_code != 200 or "json" not in (
        resp.headers.get("Content-Type") or ""
    ):
        return None
    try:
        value = json.loads(content)
    except ValueError:
        return None
    if (
        isinstance(value, dict)
        and value.keys() == _ENVELOPE_KEYS
        and value["status"] == 0
        and type(value["status"]) is int
        and isinstance(value["message"], str)
        and isinstance(value["data"], dict)
        and (expected_method is None or value["method"] == expected_method)
    ):
        return value
    return None
