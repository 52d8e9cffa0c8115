"""The crash oracle's acceptance: Linkis' own uncaught exceptions (ledger rows) vs crashes."""

from __future__ import annotations

import pytest

from linkis_harness.core.crash import CRASH_MARKER
from linkis_harness.core.envelope import Envelope
from linkis_harness.core.ledger import Ledger, parse_rows
from linkis_harness.suite import schema_oracles
from linkis_harness.suite.schema_oracles import KNOWN_IDS, accepted_crash

API = "/api/rest_j/v1"
OWN = "exec_id018011linkis-cg-entrance127.0.0.1:9104IDE_alice_shell_0"


def _crash(cause: str) -> Envelope:
    body = {
        "method": None,
        "status": 1,
        "message": CRASH_MARKER + cause,
        "data": {"errorMsg": {"errCode": 0}},
    }
    return Envelope.from_json(body, http_status=400)


@pytest.fixture
def version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINKIS_VERSION", "1.4")


@pytest.mark.usefixtures("version")
def test_missing_path_crash_is_accepted_with_row_and_source() -> None:
    found = accepted_crash(
        "GET",
        API + "/filesystem/openFile",
        None,
        _crash("IOException: directory or file not exists: /tmp/x/_0.dolphin"),
    )
    assert found is not None
    assert found.row.id == "filesystem.openFile.missing-path"
    assert "1.4.0:" in found.reason
    assert "FsRestfulApi.java" in found.reason


@pytest.mark.usefixtures("version")
def test_other_exceptions_on_the_same_operation_still_fail() -> None:
    crash = _crash("NullPointerException: ")
    assert accepted_crash("GET", API + "/filesystem/openFile", None, crash) is None
    wrong_method = _crash("IOException: directory or file not exists: /x")
    assert (
        accepted_crash("POST", API + "/filesystem/openFile", None, wrong_method) is None
    )


@pytest.mark.usefixtures("version")
def test_a_crash_about_ones_own_job_is_never_accepted() -> None:
    crash = _crash("IllegalArgumentException: The index 0 must be less than -1")
    generated = (
        API
        + "/entrance/exec_id018011linkis-cg-entrance127.0.0.1:9104IDE_x_shell_7/pause"
    )
    assert accepted_crash("GET", generated, None, crash) is not None
    KNOWN_IDS.add(OWN)
    try:
        assert (
            accepted_crash("GET", API + f"/entrance/{OWN}/pause", None, crash) is None
        )
    finally:
        KNOWN_IDS.discard(OWN)


def test_rows_are_read_for_the_targets_release_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (row,) = parse_rows(
        [
            {
                "id": "filesystem.openFile.new-crash",
                "probe": {"method": "GET", "path": "/filesystem/openFile"},
                "answers": [
                    {
                        "lines": "1.5-1.8",
                        "message": "ZipException",
                        "uncaught": True,
                        "sources": [{"tag": "1.5.0", "file": "F.java", "line": 1}],
                    }
                ],
            }
        ],
        source="t.yaml",
    )
    monkeypatch.setattr(schema_oracles, "shipped_ledger", lambda: Ledger([row]))
    crash = _crash("ZipException: bad")
    monkeypatch.setenv("LINKIS_VERSION", "1.4")
    assert accepted_crash("GET", API + "/filesystem/openFile", None, crash) is None
    monkeypatch.setenv("LINKIS_VERSION", "1.6.0")
    assert accepted_crash("GET", API + "/filesystem/openFile", None, crash) is not None


@pytest.mark.usefixtures("version")
def test_a_local_path_with_a_newline_is_accepted_too() -> None:
    crash = _crash("IOException: path a\nb%  not exists.")
    assert accepted_crash("GET", API + "/filesystem/openLog", None, crash) is not None
