"""The run marker: carried by every body, recognised in job history, never by a near miss."""

from __future__ import annotations

import json

import pytest

from linkis_harness.core.runmarker import (
    MARKER_KEY,
    carries,
    comment_line,
    make_marker,
    mark_body,
)
from linkis_harness.core.workload import Workload

MARKER = make_marker((2026, 12, 5, 7, 48, 0), "3f9a2c1d")
OTHER = make_marker((2026, 12, 5, 7, 48, 0), "3f9a2c1e")

SHELL = Workload(
    name="shell-quick",
    engine_type="shell-1",
    run_type="shell",
    code="# linkis-sim: duration=1\necho hello\n",
    expect_status=("Succeed",),
    within=60,
)


def test_marker_shape_and_bad_token() -> None:
    assert MARKER == "lh-20261205T074800-3f9a2c1d"
    with pytest.raises(ValueError, match="not a run marker"):
        make_marker((2026, 12, 5, 7, 48, 0), "xyz")


def test_a_marked_submit_body_carries_it_in_code_and_source() -> None:
    body = SHELL.submit_body(user="alice")
    marked = mark_body(body, MARKER)
    code = marked["executionContent"]["code"]
    assert code.startswith(
        SHELL.code
    )  # the workload's own code (and directive) unchanged
    assert code.endswith(f"# {MARKER_KEY}: {MARKER}\n")
    assert marked["source"][MARKER_KEY] == MARKER
    assert marked["source"]["scriptPath"] == body["source"]["scriptPath"]
    assert marked["params"] == body["params"]  # params and labels are left alone
    assert marked["labels"] == body["labels"]
    assert body["executionContent"]["code"] == SHELL.code  # the original is not changed


@pytest.mark.parametrize(
    ("run_type", "prefix"),
    [("sql", "--"), ("hql", "--"), ("python", "#"), ("scala", "//"), ("sh", "#")],
)
def test_the_comment_uses_the_languages_syntax(run_type: str, prefix: str) -> None:
    assert comment_line(run_type, MARKER) == f"{prefix} {MARKER_KEY}: {MARKER}"


def test_unknown_run_types_keep_their_code_and_carry_the_source() -> None:
    body = {"executionContent": {"code": "{}", "runType": "json"}, "labels": {}}
    marked = mark_body(body, MARKER)
    assert marked["executionContent"]["code"] == "{}"
    assert marked["source"] == {MARKER_KEY: MARKER}


def test_old_execute_bodies_are_marked_too() -> None:
    marked = mark_body({"executionCode": "select 1", "runType": "sql"}, MARKER)
    assert marked["executionCode"] == f"select 1\n-- {MARKER_KEY}: {MARKER}\n"


def test_job_history_tasks_are_recognised_by_code_or_source_only() -> None:
    code = mark_body(SHELL.submit_body(user="alice"), MARKER)["executionContent"][
        "code"
    ]
    assert carries({"executionCode": code}, MARKER)
    assert not carries({"executionCode": code}, OTHER)
    assert not carries({"executionCode": code}, MARKER[:-1])  # no prefix match
    source = json.dumps({MARKER_KEY: MARKER})
    # SQL comments are stripped by the entrance before storing: the source still names it.
    assert carries({"executionCode": "select 1", "sourceJson": source}, MARKER)
    assert not carries({"executionCode": "select 1", "sourceJson": source}, OTHER)
    assert not carries({"executionCode": SHELL.code, "sourceJson": "{}"}, MARKER)
    assert not carries({"executionCode": None, "sourceJson": "not json"}, MARKER)
    assert not carries({}, MARKER)
