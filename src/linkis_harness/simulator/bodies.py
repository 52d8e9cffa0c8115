"""Reading a JSON request body the way Spring MVC's `@RequestBody Map` does.

Spring rejects a bad body before Linkis code runs, with its own error body: 415 for a
non-JSON content type, 400 for an empty body, invalid UTF-8, malformed JSON or a non-object.
A body beyond the bound is cut off with 413 while it streams in (no Content-Length needed).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from linkis_harness.simulator.responses import spring_error

__all__ = ["MAX_BODY", "read_bounded", "read_json_object"]

MAX_BODY = 4 * 1024 * 1024


def _no_constant(name: str) -> Any:
    """Refuse `NaN`/`Infinity`: Jackson does not accept them (Spring's 400)."""
    raise ValueError(f"JSON does not allow {name}")


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


async def read_bounded(request: Request, *, limit: int = MAX_BODY) -> bytes | None:
    """Return the body, or None as soon as it grows past `limit` bytes (chunked bodies too)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json_object(
    request: Request, *, limit: int = MAX_BODY
) -> dict[str, Any] | Response:
    """Return the body as a JSON object, or the Spring error answer that refuses it."""
    path = request.scope["path"]
    if not _is_json(request.headers.get("content-type", "")):
        return spring_error(415, path)
    raw = await read_bounded(request, limit=limit)
    if raw is None:
        return spring_error(413, path)
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return spring_error(400, path)
    if not isinstance(body, dict):
        return spring_error(400, path)
    return body
