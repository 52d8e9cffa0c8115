"""The jobs of a check run for its report: every execID, the failures and requests that named it."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from typing import Any

from markupsafe import Markup, escape

from linkis_harness.core.execid import ExecId
from linkis_harness.errors import HarnessError

__all__ = ["Jobs", "anchor", "exec_ids_in", "link_exec_ids"]

_EXEC_ID = re.compile(r"(?:exec_id\d{6}|\b\d{6})[A-Za-z0-9_:.\-]+")


def anchor(exec_id: str) -> str:
    """Return the HTML id of a job's card (stable, safe in a URL fragment)."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", exec_id)[-60:]
    digest = hashlib.sha1(exec_id.encode("utf-8")).hexdigest()[:8]
    return f"job-{slug}-{digest}"


def exec_ids_in(text: str) -> list[str]:
    """Return the execIDs a text names (those that parse as 1.x or legacy execIDs)."""
    found = []
    for match in _EXEC_ID.finditer(text):
        # A URL path segment ends the execID: /entrance/<id>/status.
        candidate = match.group(0).split("/", 1)[0]
        try:
            ExecId.parse(candidate)
        except (HarnessError, ValueError):
            continue
        found.append(candidate)
    return found


def link_exec_ids(text: str, ids: Iterable[str]) -> Markup:
    """Escape `text` and turn each of the known execIDs in it into a link to its job's card."""
    escaped = str(escape(text))
    for exec_id in sorted(ids, key=len, reverse=True):
        token = str(escape(exec_id))
        if token in escaped:
            escaped = re.sub(
                r"(?<![A-Za-z0-9_>\"-])" + re.escape(token) + r"(?![A-Za-z0-9_<\"])",
                f'<a href="#{anchor(exec_id)}">{token}</a>',
                escaped,
            )
    return Markup(escaped)  # built from escaped text and escaped execIDs only


class Jobs:
    """Every execID of the run and what named it: failures and recorded requests."""

    def __init__(self) -> None:
        self.failures: dict[str, list[tuple[int, str]]] = {}
        self.requests: dict[str, list[Mapping[str, Any]]] = {}
        # execIDs a submit/execute answer named, in order
        self.submitted: dict[str, None] = {}

    def add_failure(self, exec_id: str, number: int, nodeid: str) -> None:
        """Note that failure `number` (test `nodeid`) named the job."""
        entries = self.failures.setdefault(exec_id, [])
        if (number, nodeid) not in entries:
            entries.append((number, nodeid))

    def add_request(self, exec_id: str, request: Mapping[str, Any]) -> None:
        """Note a recorded request that named the job (a submit names a job of the run)."""
        self.requests.setdefault(exec_id, []).append(request)
        path = str(request.get("url", "")).split("?", 1)[0]
        if path.endswith(("/entrance/submit", "/entrance/execute")):
            self.submitted.setdefault(exec_id)

    @property
    def ids(self) -> list[str]:
        """The run's jobs (submitted, in order), then execIDs only a failure named.

        An execID that only appears in a request's URL (a probe with a made-up or fuzzed id)
        is not a job: it gets no card of its own.
        """
        named = [e for e in sorted(self.failures) if e not in self.submitted]
        return [*self.submitted, *named]
