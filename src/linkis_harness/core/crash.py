"""Masked crashes: a `status 1` answer that hides an uncaught Java exception (Linkis 1.4.0 server/package.scala).

An uncaught exception in a controller becomes `status 1` with the message
`operation failed(操作失败)s！the reason(原因)：<RootCause>: <msg>` and `data.errorMsg.errCode == 0`
(`server/package.scala catchMsg`). A few of those are the documented real answer of an operation
(status of an evicted job without taskID → `NumberFormatException: null`, #755; kill without
taskID → NPE, #1538). `masked_crash` cannot know the operation, so callers pass the exception
names that are expected in their context via `allow=`, taken from `DOCUMENTED_CRASHES`.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from linkis_harness.core.envelope import Envelope, MessageStatus

__all__ = [
    "CRASH_MARKER",
    "DOCUMENTED_CRASHES",
    "DocumentedCrash",
    "masked_crash",
    "root_cause",
]

CRASH_MARKER = "operation failed(操作失败)s！the reason(原因)："


@dataclass(frozen=True, slots=True)
class DocumentedCrash:
    """Exceptions that are real Linkis' own answer in one context, and the ledger row saying so."""

    exceptions: frozenset[str]
    ledger: (
        str  # the row id in docs/ledger (tests/core/test_ledger.py checks it exists)
    )


# Documented real answers that look like crashes, by context (the caller picks the key).
DOCUMENTED_CRASHES: Mapping[str, DocumentedCrash] = {
    # /entrance/{id}/status of a job no longer in memory, no taskID: Long.parseLong(null) (#755)
    "status-without-taskid": DocumentedCrash(
        frozenset({"NumberFormatException"}),
        "entrance.status.unknown-job-without-taskid",
    ),
    # /entrance/{id}/kill of a job no longer in memory, no taskID (#1538)
    "kill-without-taskid": DocumentedCrash(
        frozenset({"NullPointerException"}), "entrance.kill.unknown-job-without-taskid"
    ),
    # /entrance/{id}/killJobs without idList/taskIDList (ledger: entrance.killJobs.missing-list)
    "killjobs-missing-list": DocumentedCrash(
        frozenset({"NullPointerException"}), "entrance.killJobs.missing-list"
    ),
    # /user/proxy without proxyUser or validationCode (ledger: user.proxy.missing-param)
    "proxy-missing-param": DocumentedCrash(
        frozenset({"NullPointerException"}), "user.proxy.missing-param"
    ),
    # a per-job call with a malformed execID: the gateway's or entrance's parser throws
    # (ledger: gateway.entrance.malformed-execid)
    "malformed-execid": DocumentedCrash(
        frozenset(
            {
                "IllegalArgumentException",
                "NumberFormatException",
                "StringIndexOutOfBoundsException",
            }
        ),
        "gateway.entrance.malformed-execid",
    ),
}

# JDK/Scala unchecked exceptions recognised at the start of a message without the marker.
_RUNTIME_EXCEPTIONS = frozenset(
    {
        "ArithmeticException",
        "ArrayIndexOutOfBoundsException",
        "ClassCastException",
        "ClassNotFoundException",
        "ConcurrentModificationException",
        "IllegalArgumentException",
        "IllegalStateException",
        "IndexOutOfBoundsException",
        "MatchError",
        "NoClassDefFoundError",
        "NoSuchElementException",
        "NullPointerException",
        "NumberFormatException",
        "OutOfMemoryError",
        "StackOverflowError",
        "StringIndexOutOfBoundsException",
        "UnsupportedOperationException",
    }
)
_CLASS = re.compile(r"\s*((?:[A-Za-z_$][\w$]*\.)*([A-Z][\w$]*))(?::|$)")


def root_cause(message: str) -> str | None:
    """Return the exception class an uncaught-exception message names, if it names one."""
    _, marker, tail = message.partition(CRASH_MARKER)
    match = _CLASS.match(tail if marker else message)
    if match is None:
        return None
    name = match.group(2)
    if marker or name in _RUNTIME_EXCEPTIONS:
        return name
    return None


def masked_crash(envelope: Envelope, *, allow: Collection[str] = ()) -> str | None:
    """Say why a `status 1` answer hides a server crash, or None when it does not.

    `allow`: exception class names (simple names) that are the documented real answer in the
    caller's context, e.g. `DOCUMENTED_CRASHES["status-without-taskid"].exceptions`.
    """
    if envelope.status != MessageStatus.ERROR:
        return None
    error_msg = envelope.data.get("errorMsg")
    code = error_msg.get("errCode") if isinstance(error_msg, Mapping) else None
    zero_code = type(code) is int and code == 0  # a JSON integer, not a boolean
    marker = CRASH_MARKER in envelope.message
    cause = root_cause(envelope.message)
    if not (zero_code or marker or cause):
        return None
    if cause is not None and cause in allow:
        return None
    what = f"uncaught {cause}" if cause else "an uncaught exception"
    evidence = (
        "data.errorMsg.errCode is 0"
        if zero_code
        else "the message is Linkis' catch-all text"
    )
    return f"status 1 hides {what} ({evidence}): message {envelope.message[:200]!r}"
