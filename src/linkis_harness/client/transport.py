"""One HTTP exchange with a target: build the request, send it, read its body, or say why not.

`exchange()` is the only place a `httpx.TransportError` turns into `TargetUnreachable`, with one
line naming the likely cause (refused, DNS, TLS, timeout) and a hint.
"""

from __future__ import annotations

import functools
import json as jsonlib
import ssl
import time
from collections.abc import Mapping

import httpx

from linkis_harness.errors import TargetUnreachable

__all__ = [
    "build_request",
    "describe_unreachable",
    "exchange",
    "query_param",
    "tls_verify",
]


@functools.cache
def _verifying_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()


def tls_verify(insecure: bool) -> ssl.SSLContext | bool:
    """Return `verify=` for an httpx client: False under --insecure, else the shared context.

    httpx builds a new context for every client and loads the whole CA bundle into it (~70 ms of
    CPU each); a run builds dozens of clients, so they share one (contexts are thread-safe).
    """
    return False if insecure else _verifying_context()


def describe_unreachable(target: str, exc: httpx.TransportError, timeout: float) -> str:
    """One line saying why nothing answered (refused, DNS, TLS, timeout)."""
    text = " ".join((str(exc) or type(exc).__name__).split())
    lowered = text.lower()
    if isinstance(exc, httpx.TimeoutException):
        reason = f"no answer within {timeout:g}s ({type(exc).__name__}); raise --timeout or check the network"
    elif "refused" in lowered:
        reason = "connection refused: nothing is listening there (is the gateway running? check --target)"
    elif any(
        s in lowered
        for s in ("name or service", "nodename", "getaddrinfo", "name resolution")
    ):
        reason = f"the host name does not resolve (DNS): {text}"
    elif "ssl" in lowered or "certificate" in lowered or "tls" in lowered:
        reason = f"TLS handshake failed: {text} (use --insecure for a self-signed certificate)"
    else:
        reason = f"{type(exc).__name__}: {text}"
    return f"cannot reach {target}: {reason}"


def query_param(value: object) -> str:
    """Format a query parameter as Java reads it (booleans are `true`/`false`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def build_request(
    http: httpx.Client,
    method: str,
    url: str,
    *,
    auth_headers: Mapping[str, str],
    params: Mapping[str, object] | None,
    json: object,
    headers: Mapping[str, str] | None,
    content: bytes | None,
) -> tuple[httpx.Request, dict[str, str], bytes | None]:
    """Build a request; return it with the headers the caller chose and the body sent."""
    sent: dict[str, str] = dict(auth_headers)
    if json is not None:
        content = jsonlib.dumps(json, ensure_ascii=False).encode()
        sent["Content-Type"] = "application/json"
    sent.update(headers or {})
    query = {k: query_param(v) for k, v in (params or {}).items() if v is not None}
    request = http.build_request(
        method, url, params=query, headers=sent, content=content
    )
    # Only the cookie the caller chose goes out, never one from a (shared) cookie jar.
    if "Cookie" not in sent:
        request.headers.pop("Cookie", None)
    return request, sent, content


def exchange(
    http: httpx.Client,
    request: httpx.Request,
    *,
    target: str,
    timeout: float,
    clear_cookies: bool,
) -> tuple[httpx.Response, bytes, float]:
    """Send `request`; return the response, its raw body and the seconds it took."""
    started = time.monotonic()
    try:
        response = http.send(request, stream=True)
        try:
            raw = b"".join(response.iter_raw())
        except httpx.StreamConsumed:
            raw = (
                response.content
            )  # an in-memory transport (tests) answered already read
        finally:
            response.close()
    except httpx.TransportError as exc:
        raise TargetUnreachable(describe_unreachable(target, exc, timeout)) from None
    finally:
        if clear_cookies:
            http.cookies.clear()
    return response, raw, time.monotonic() - started
