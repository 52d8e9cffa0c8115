"""A ledger message pattern matches across newlines: a documented crash quoting a path with
a newline in it is still the documented crash (it was flagged as a masked crash: a false alarm
schemathesis found with `path z…\\n not exists.`)."""

from __future__ import annotations

from linkis_harness.resources.ledger import load_ledger

MESSAGE = "operation failed(操作失败)s！the reason(原因)：IOException: path z\U0006bd05\n not exists."


def test_a_documented_crash_with_a_newline_in_its_path_is_accepted() -> None:
    ledger = load_ledger()
    line = ledger["filesystem.openLog.missing-path"].lines[-1]
    found = ledger.uncaught("GET", "/filesystem/openLog", MESSAGE, line=line)
    assert found is not None
    assert found.row.id == "filesystem.openLog.missing-path"


def test_the_answer_check_matches_across_newlines_too() -> None:
    row = load_ledger()["filesystem.openLog.missing-path"]
    answer = row.answers[-1]
    body = {"status": 1, "message": MESSAGE, "data": {"errorMsg": {"errCode": 0}}}
    assert not [m for m in answer.mismatches(400, body) if m.startswith("message")]
