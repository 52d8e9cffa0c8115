"""Linkis' own defects are accepted with their ledger row on a faithful target, and `--strict` fails them.

Against the faithful simulator: openFile/openLog of a missing path (an uncaught IOException in
real Linkis) and a forced kill by taskID on a made-up execID (no owner check in real Linkis) are
reported as accepted, with the row and its source; `check --strict` turns them into failures.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from linkis_harness.cli import run

pytestmark = pytest.mark.slow

ACCEPTED = {
    "test_crash.py::test_missing_paths_answer_as_linkis_does[GET /filesystem/openFile]": "filesystem.openFile.missing-path",
    "test_crash.py::test_missing_paths_answer_as_linkis_does[GET /filesystem/openLog]": "filesystem.openLog.missing-path",
    "test_kill.py::test_forced_kill_by_task_id_checks_the_owner": "entrance.kill.unknown-job-force-kills-task",
}


def _check(
    tmp_path: Path, *extra: str
) -> tuple[int, dict[str, dict[str, object]], str]:
    argv = ["check", "--profile", "smoke", "-m", "crash or kill", "--seed", "7"]
    out, err = io.StringIO(), io.StringIO()
    code = run([*argv, *extra, "--report-dir", str(tmp_path)], out, err)
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    by_node = {r["nodeid"]: r for r in results["results"]}
    return code, by_node, out.getvalue() + err.getvalue()


def test_faithful_target_shows_linkis_defects_as_accepted(tmp_path: Path) -> None:
    code, results, text = _check(tmp_path)
    assert code == 0, text
    for nodeid, row in ACCEPTED.items():
        assert results[nodeid]["outcome"] == "accepted", (nodeid, text)
        assert f"ledger {row}" in text
    assert "EntranceRestfulApi.java:" in text
    assert "FsRestfulApi.java:" in text


def test_strict_fails_accepted_linkis_defects(tmp_path: Path) -> None:
    code, results, text = _check(tmp_path, "--strict")
    assert code == 1, text
    for nodeid in ACCEPTED:
        assert results[nodeid]["outcome"] == "failed", (nodeid, text)
