"""Answer: one request to a Linkis target and what it said, with a secret-free curl reproducer.

Scrubbing: passwords, tokens, validation codes and session tickets become placeholders in
`curl()`; every secret value the client knows becomes `***` in `text()` and `evidence()`.
"""

from __future__ import annotations

import json as jsonlib
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from linkis_harness.core.envelope import Envelope
from linkis_harness.errors import MalformedEnvelope

__all__ = ["Answer", "decode_answer"]

_SECRET_BODY_KEYS = frozenset({"password", "passwdEncrypt"})
_SECRET_QUERY_KEYS = {"password": "<password>", "validationCode": "<validation-code>"}
_SECRET_HEADERS = {
    "token-code": "<token-code>",
    "validation-code": "<validation-code>",
}
_EXCERPT = 2000


@dataclass(frozen=True, slots=True)
class Answer:
    """One request and what the target answered, with a secret-free curl reproducer."""

    method: str
    url: str
    http_status: int
    headers: Mapping[str, str] = field(repr=False)
    body: bytes = field(repr=False)
    envelope: Envelope | None = field(repr=False)
    elapsed: float = field(repr=False)
    sent_headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    sent_body: bytes = field(default=b"", repr=False)
    insecure: bool = field(default=False, repr=False)
    secrets: tuple[str, ...] = field(default=(), repr=False)

    @property
    def status(self) -> int | None:
        """The envelope's `status`, or None when the answer is not an envelope."""
        return self.envelope.status if self.envelope is not None else None

    @property
    def data(self) -> dict[str, Any]:
        """The envelope's `data` (empty when the answer is not an envelope)."""
        return self.envelope.data if self.envelope is not None else {}

    @property
    def message(self) -> str:
        """The envelope's `message` ('' when the answer is not an envelope)."""
        return self.envelope.message if self.envelope is not None else ""

    @property
    def ok(self) -> bool:
        """True for an envelope with status 0."""
        return self.status == 0

    @property
    def content_type(self) -> str | None:
        """The Content-Type header, if any."""
        return self.headers.get("content-type")

    def json(self) -> Any:
        """Return the body parsed as JSON, or None when it is not JSON."""
        try:
            return jsonlib.loads(self.body)
        except ValueError:
            return None

    def text(self, *, limit: int = _EXCERPT) -> str:
        """Return the body as text with secrets scrubbed, cut at `limit` characters."""
        text = _scrub(self.body.decode("utf-8", errors="replace"), self.secrets)
        return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"

    def curl(self) -> str:
        """Return a curl command repeating this request; passwords, tokens and tickets are placeholders."""
        parts = ["curl", "-sS"]
        if self.insecure:
            parts.append("-k")
        parts += ["-X", self.method, _scrub_url(self.url)]
        for name, value in self.sent_headers:
            parts += ["-H", f"{name}: {_scrub_header(name, value)}"]
        if self.sent_body:
            parts += ["--data-raw", _scrub_body(self.sent_body)]
        return _scrub(" ".join(shlex.quote(p) for p in parts), self.secrets)

    def evidence(self) -> str:
        """Return the request as curl and the response, for a violation's detail."""
        return (
            f"request:  {self.curl()}\n"
            f"response: HTTP {self.http_status} ({self.content_type or 'no content type'})"
            f"\n{self.text()}"
        )

    def __repr__(self) -> str:
        return f"Answer({self.method} {_scrub_url(self.url)} -> HTTP {self.http_status}, status {self.status})"


def _scrub(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def _scrub_url(url: str) -> str:
    parts = urlsplit(url)
    if not parts.query:
        return url
    query = [
        (k, _SECRET_QUERY_KEYS.get(k, v))
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(query=urlencode(query, safe="<>:")))


def _scrub_header(name: str, value: str) -> str:
    lowered = name.lower()
    if lowered in _SECRET_HEADERS:
        return _SECRET_HEADERS[lowered]
    if lowered == "cookie":
        cookies = []
        for item in value.split(";"):
            key, _, _ = item.strip().partition("=")
            cookies.append(f"{key}=<session-ticket>")
        return "; ".join(cookies)
    return value


def _scrub_body(body: bytes) -> str:
    text = body.decode("utf-8", errors="replace")
    try:
        parsed = jsonlib.loads(text)
    except ValueError:
        return text
    if isinstance(parsed, dict) and _SECRET_BODY_KEYS & parsed.keys():
        hidden = {
            k: ("<password>" if k in _SECRET_BODY_KEYS else v)
            for k, v in parsed.items()
        }
        return jsonlib.dumps(hidden, ensure_ascii=False)
    return text


def decode_answer(
    response: httpx.Response, raw: bytes, request: httpx.Request
) -> tuple[bytes, Envelope | None]:
    """Return the body as its Content-Encoding says and its envelope (None when it is not one).

    A body that does not decode as its Content-Encoding claims (a proxy lying about gzip) is
    kept raw and has no envelope: the checks judge it; the client does not guess.
    """
    decoded = httpx.Response(
        response.status_code,
        headers=response.headers,
        stream=httpx.ByteStream(raw),
        request=request,
    )
    try:
        body = decoded.read()
    except httpx.DecodingError:
        return raw, None
    try:
        return body, Envelope.from_json(body, http_status=response.status_code)
    except (MalformedEnvelope, ValueError):
        return body, None
