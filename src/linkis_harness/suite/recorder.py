"""Evidence: every HTTP exchange made through httpx during the run, kept in a small ring.

A failure can then name the request behind it (a curl reproducer and the response) without the
tests' cooperation. Installed for the session by the report plugin (`suite.events`).
"""

from __future__ import annotations

import shlex
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from linkis_harness.suite.secrets import scrub

__all__ = ["MAX_BODY", "Exchange", "Recorder", "body_of"]

_SECRET_HEADERS = {"cookie": "<session cookie>", "token-code": "$LINKIS_TOKEN_CODE"}
MAX_BODY = 2000
_RING = 400


@dataclass(frozen=True, slots=True)
class Exchange:
    method: str
    url: str
    request_headers: tuple[tuple[str, str], ...]
    request_body: bytes
    response: httpx.Response

    def curl(self) -> str:
        parts = ["curl", "-i", "-X", self.method]
        for name, value in self.request_headers:
            low = name.lower()
            if low in ("host", "content-length", "accept-encoding", "connection"):
                continue
            if low == "user-agent" or low == "accept":
                continue
            shown = _SECRET_HEADERS.get(low, value)
            parts += ["-H", f"{name}: {shown}"]
        if self.request_body:
            parts += ["--data-raw", self.request_body.decode("utf-8", "replace")]
        parts.append(self.url)
        return scrub(" ".join(shlex.quote(p) for p in parts))

    def response_text(self) -> str:
        # The client may stream the body itself: never read it here, show it only if it was read.
        content_type = self.response.headers.get("content-type", "")
        raw = body_of(self.response)
        if isinstance(raw, bytes):
            body = raw[:MAX_BODY].decode("utf-8", "replace")
            body += " …" if len(raw) > MAX_BODY else ""
        else:
            body = "(body not kept)"
        status = self.response.status_code
        return scrub(f"HTTP {status} ({content_type or 'no content type'})\n{body}")


_KEEP = 256 * 1024  # bytes of a streamed answer kept for the report


class _Tee(httpx.SyncByteStream):
    """A response stream that keeps (the start of) what the client reads from it."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.kept = bytearray()
        self.truncated = False

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.inner:
            room = _KEEP - len(self.kept)
            self.kept += chunk[:room]
            self.truncated = self.truncated or len(chunk) > room
            yield chunk

    def close(self) -> None:
        self.inner.close()


def body_of(response: httpx.Response) -> bytes | None:
    """The answer's body as the client read it (None: not read, or compressed on the wire)."""
    raw = getattr(response, "_content", None)
    if isinstance(raw, bytes):
        return raw
    stream = response.stream
    if isinstance(stream, _Tee) and stream.kept:
        if response.headers.get("content-encoding", "identity") not in ("", "identity"):
            return None
        return bytes(stream.kept)
    return None


class Recorder:
    """Keeps the last exchanges made through httpx (thread-safe, bounded)."""

    def __init__(self) -> None:
        self.exchanges: deque[tuple[int, Exchange]] = deque(maxlen=_RING)
        self.counter = 0
        self._lock = threading.Lock()
        self._original: Any = None

    def install(self) -> None:
        original = httpx.Client.send
        recorder = self

        def send(
            client: httpx.Client, request: httpx.Request, **kwargs: Any
        ) -> httpx.Response:
            response = original(client, request, **kwargs)
            if kwargs.get("stream"):
                # The client reads the raw stream itself: keep a copy of what passes by.
                response.stream = _Tee(response.stream)
            recorder.add(
                Exchange(
                    method=request.method,
                    url=str(request.url),
                    request_headers=tuple(request.headers.items()),
                    request_body=request.content if _has_content(request) else b"",
                    response=response,
                )
            )
            return response

        self._original = original
        httpx.Client.send = send  # type: ignore[method-assign,assignment]

    def uninstall(self) -> None:
        if self._original is not None:
            httpx.Client.send = self._original  # type: ignore[method-assign]
            self._original = None

    def add(self, exchange: Exchange) -> None:
        with self._lock:
            self.counter += 1
            self.exchanges.append((self.counter, exchange))

    def since(self, mark: int) -> list[Exchange]:
        with self._lock:
            return [e for n, e in self.exchanges if n > mark]

    def numbered_since(self, mark: int) -> list[tuple[int, Exchange]]:
        """The exchanges after `mark` with their sequence numbers."""
        with self._lock:
            return [(n, e) for n, e in self.exchanges if n > mark]

    def all(self) -> list[Exchange]:
        with self._lock:
            return [e for _, e in self.exchanges]


def _has_content(request: httpx.Request) -> bool:
    try:
        request.content  # noqa: B018 - raises for streaming bodies
    except httpx.RequestNotRead:
        return False
    return True
