"""`check --report-dir` end to end: the HTML report with job links, and the Linkis version.

Runs `check` against the simulator (a fault to have failures, and an older version to detect).
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from linkis_harness.cli import run
from linkis_harness.reports.jobs import anchor
from linkis_harness.simulator.launch import start_simulator

pytestmark = pytest.mark.slow
PASSWORD = "alice123"


@pytest.fixture(autouse=True)
def _no_linkis_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("LINKIS_"):
            monkeypatch.delenv(name, raising=False)


def _check(url: str, *extra: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    argv = ["check", "--target", url, "--user", "alice", "--password", PASSWORD]
    argv += ["--profile", "smoke", "--seed", "11", *extra]
    code = run(argv, out, err)
    return code, out.getvalue(), err.getvalue()


def test_html_report_links_a_failing_job_to_its_requests(tmp_path: Path) -> None:
    # A 1.4 simulator: detected by its cookie (1.1.1+) and a baseinfo without 1.5's keys.
    with start_simulator(
        fault="log-lose-lines", speed=10, extra_args=("--linkis-version", "1.4")
    ) as sim:
        code, out, err = _check(sim.url, "-m", "log", "--report-dir", str(tmp_path))
    assert code == 1, out + err
    assert "Linkis 1.3.2–1.4.x detected" in out
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert results["linkis_version"] == "1.4"
    requests = [
        json.loads(line)
        for line in (tmp_path / "requests.jsonl")
        .read_text(encoding="utf-8")
        .splitlines()
    ]
    assert requests
    assert len({r["seq"] for r in requests}) == len(requests)  # each exchange once
    named = {r["exec_id"] for r in requests if r["exec_id"]}
    assert named
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert f"report: {tmp_path / 'report.html'}" in out
    failing = [
        r["violation"]["exec_id"]
        for r in results["results"]
        if r["outcome"] == "failed" and r.get("violation", {}).get("exec_id")
    ]
    assert failing
    exec_id = failing[0]
    assert exec_id in named  # the failing job's own requests were recorded
    card = page.split(f'id="{anchor(exec_id)}"', 1)[1].split('<div class="card', 1)[0]
    assert '<a href="#failure-' in card
    assert "/entrance/submit" in card  # the submit whose answer named it
    assert "/status" in card
    assert PASSWORD not in page
    assert PASSWORD not in (tmp_path / "requests.jsonl").read_text(encoding="utf-8")


def test_an_older_linkis_is_detected_and_checked_as_such(tmp_path: Path) -> None:
    with start_simulator(speed=10, extra_args=("--linkis-version", "0.11")) as sim:
        code, out, err = _check(
            sim.url, "-m", "execid or auth", "--report-dir", str(tmp_path)
        )
        # Told the wrong version, the execID layout check fails (0.x answers legacy execIDs).
        wrong, wrong_out, wrong_err = _check(
            sim.url, "-m", "execid", "--linkis-version", "1.4"
        )
    assert code == 0, out + err
    assert "Linkis ≤0.11 detected" in out
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert results["linkis_version"] == "0.11"
    assert "Linkis 1.4 (--linkis-version)" in wrong_out
    assert wrong == 1, wrong_out + wrong_err
    assert "execID layout does not match the Linkis version" in wrong_out


def test_a_bad_linkis_version_is_a_usage_error() -> None:
    code, _, err = _check("http://127.0.0.1:9", "--linkis-version", "latest")
    assert code == 2
    assert "--linkis-version" in err
