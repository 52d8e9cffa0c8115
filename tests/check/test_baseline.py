"""`check --baseline DIR/results.json`: new, fixed and unchanged violations; exit 1 only on new ones.

A faithful run is the baseline; a run against the `taskid-string` fault then has new execid
violations (exit 1); the same faulty run against itself has only unchanged ones (exit 0);
the faithful run against the faulty one has only fixed ones (exit 0).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from linkis_harness.cli import run
from linkis_harness.simulator.launch import start_simulator

pytestmark = pytest.mark.slow

CREDENTIALS = ["--user", "alice", "--password", "alice123"]


def _check(url: str, report: Path, *argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(
        [
            *("check", "--target", url, *CREDENTIALS, "-m", "execid"),
            *("--profile", "smoke", "--report-dir", str(report), "--quiet", *argv),
        ],
        out,
        err,
    )
    return code, out.getvalue() + err.getvalue()


def test_only_new_violations_fail_the_run(tmp_path: Path) -> None:
    with (
        start_simulator() as faithful,
        start_simulator(fault="taskid-string") as faulty,
    ):
        code, text = _check(faithful.url, tmp_path / "good")
        assert code == 0, text
        good = tmp_path / "good" / "results.json"
        compare = ["--baseline-any-target", "--baseline"]

        code, text = _check(faulty.url, tmp_path / "bad", *compare, str(good))
        assert code == 1, text
        data = json.loads((tmp_path / "bad" / "results.json").read_text())
        assert data["baseline"]["new"]
        assert not data["baseline"]["fixed"]
        assert all("[execid]" in key for key in data["baseline"]["new"])
        assert "  NEW " in text
        bad = tmp_path / "bad" / "results.json"

        code, text = _check(faulty.url, tmp_path / "again", "--baseline", str(bad))
        assert code == 0, text
        again = json.loads((tmp_path / "again" / "results.json").read_text())
        assert again["baseline"]["unchanged"] == data["baseline"]["new"]
        assert not again["baseline"]["new"]

        code, text = _check(faithful.url, tmp_path / "fixed", *compare, str(bad))
        assert code == 0, text
        assert (
            json.loads((tmp_path / "fixed" / "results.json").read_text())["baseline"][
                "fixed"
            ]
            == data["baseline"]["new"]
        )


def test_a_baseline_from_another_target_is_refused_with_one_line(
    tmp_path: Path,
) -> None:
    path = tmp_path / "results.json"
    path.write_text(json.dumps({"target": "http://gateway:9001", "results": []}))
    out, err = io.StringIO(), io.StringIO()
    code = run(["check", "--baseline", str(path)], out, err)
    assert code == 2
    assert err.getvalue().strip() == (
        f"error: --baseline {path}: measured against http://gateway:9001, this run targets "
        "embedded simulator; pass --baseline-any-target to compare them anyway"
    )
