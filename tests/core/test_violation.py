"""Violation values become ContractViolation exceptions at the edge."""

from __future__ import annotations

import pytest

from linkis_harness.core.violation import Violation
from linkis_harness.errors import ContractViolation


def test_to_exception_carries_every_field() -> None:
    violation = Violation("log", "line lost", "line 7 never returned")
    exc = violation.to_exception(operation="GET /entrance/x/log", exec_id="exec_idX")
    assert isinstance(exc, ContractViolation)
    assert isinstance(exc, AssertionError)
    assert (exc.check, exc.title, exc.detail) == (
        "log",
        "line lost",
        "line 7 never returned",
    )
    assert exc.operation == "GET /entrance/x/log"
    assert exc.exec_id == "exec_idX"
    assert str(exc) == "[log] line lost (GET /entrance/x/log): line 7 never returned"


@pytest.mark.parametrize(
    ("violation", "text"),
    [
        (
            Violation("states", "regression", "Running -> Scheduled"),
            "[states] regression: Running -> Scheduled",
        ),
        (Violation("states", "regression"), "[states] regression"),
    ],
)
def test_str_names_check_title_and_detail(violation: Violation, text: str) -> None:
    assert str(violation) == text
    assert str(violation.to_exception()) == text
