"""What a failed test says: the finding (check, title, detail, reproducer) and the test's family.

Read from a `ContractViolation` (the suite's own checks), a schemathesis failure or any other
assertion; the curl reproducer and response come from the violation's detail when it states
them (the client's `evidence()`), else from schemathesis' text.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from linkis_harness.core.families import FAMILIES
from linkis_harness.suite.recorder import MAX_BODY
from linkis_harness.suite.secrets import scrub

__all__ = ["evidence_in", "family_of", "family_of_report", "finding", "skip_reason"]


def family_of(item: pytest.Item) -> str:
    """The check family of a test: its family marker, else its module name."""
    for family in FAMILIES:
        if item.get_closest_marker(family) is not None:
            return family
    name = Path(str(item.fspath)).stem
    return name.removeprefix("test_") if name.startswith("test_") else name


_EVIDENCE = re.compile(
    r"^request:\s+(curl .+?)\nresponse:\s+(.*?)(?=\nrequest:|\Z)",
    re.MULTILINE | re.DOTALL,
)


def evidence_in(detail: str) -> dict[str, str] | None:
    """The last request/response pair a violation's detail states (the client's `evidence()`)."""
    pairs = _EVIDENCE.findall(detail)
    if not pairs:
        return None
    curl, response = pairs[-1]
    return {"curl": curl.strip(), "response": response.strip()[: MAX_BODY + 100]}


def family_of_report(report: pytest.TestReport) -> str:
    family = next((v for k, v in report.user_properties if k == "linkis_family"), None)
    return (
        str(family) if family else _family_from_nodeid(report.nodeid, report.keywords)
    )


def _family_from_nodeid(nodeid: str, keywords: Any) -> str:
    for family in FAMILIES:
        if family in keywords:
            return family
    stem = Path(nodeid.split("::", 1)[0]).stem
    return stem.removeprefix("test_")


def skip_reason(report: pytest.TestReport) -> str:
    if hasattr(report, "wasxfail"):
        return str(report.wasxfail)
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr or "")


def finding(exc: BaseException, family: str) -> dict[str, Any]:
    """What a failure says: from a ContractViolation, a schemathesis failure or any assertion."""
    check = getattr(exc, "check", None)
    if isinstance(check, str) and hasattr(exc, "title"):
        return {
            "check": check,
            "title": str(getattr(exc, "title", "")),
            "detail": scrub(str(getattr(exc, "detail", ""))),
            "operation": str(getattr(exc, "operation", "") or ""),
            "exec_id": getattr(exc, "exec_id", None),
            "message": scrub(str(exc))[:4000],
        }
    text = scrub(str(exc))
    inner = list(getattr(exc, "exceptions", ()) or ())
    title = getattr(exc, "title", None) or (
        getattr(inner[0], "title", None) if inner else None
    )
    operation = getattr(exc, "operation", None) or ""
    found: dict[str, Any] = {
        "check": family,
        "title": str(title or text.splitlines()[0] if text else type(exc).__name__)[
            :300
        ],
        "detail": text[:4000],
        "operation": str(operation),
        "exec_id": None,
        "message": text[:4000],
    }
    curl = re.search(r"^\s*(curl .+)$", text, re.MULTILINE)
    if curl:
        # schemathesis states the answer as "[500] Internal Server Error:" then the body in backticks.
        answer = re.search(
            r"^\[(\d{3})\] ([^\n]*):\n\n\s+`(.*?)`\s*$", text, re.MULTILINE | re.DOTALL
        )
        response = (
            f"HTTP {answer.group(1)} {answer.group(2)}\n{answer.group(3)}"
            if answer
            else ""
        )
        found["reproducer"] = {
            "curl": curl.group(1).strip(),
            "response": response[:MAX_BODY],
        }
    return found
