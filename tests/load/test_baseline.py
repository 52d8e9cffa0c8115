"""`load --baseline`: a run made slower on purpose (fewer engine slots) regresses; a repeat does not.

Jobs of 1 s arrive at 90/min. Four engine slots keep up; one slot (60/min) cannot, so the
queue, job_running and job_total grow through the run.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from linkis_harness.cli import run

pytestmark = pytest.mark.slow

FIXED = """\
name: fixed
engineType: shell-1
runType: shell
code: |
  # linkis-sim: duration=1 queue=0 lines=3 rows=1
  echo baseline
expect: {status: Succeed, within: 600, rows: 1}
weight: 1
"""


@pytest.fixture(scope="module")
def workloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("baseline-workloads")
    (directory / "fixed.yaml").write_text(FIXED, encoding="utf-8")
    return directory


def _load(workloads: Path, slots: int, *argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(
        [
            "load",
            "--workloads",
            str(workloads),
            "--submit-rate",
            "90/m",
            "--users",
            "20",
            "--run-time",
            "15s",
            "--sim-max-running",
            str(slots),
            *argv,
        ],
        out,
        err,
    )
    return code, out.getvalue() + err.getvalue()


def test_slower_run_exits_1_and_a_repeat_exits_0(
    workloads: Path, tmp_path: Path
) -> None:
    base = tmp_path / "base"
    code, text = _load(workloads, 4, "--report-dir", str(base))
    assert code == 0, text
    summary = base / "summary.json"
    assert json.loads(summary.read_text())["target_id"] == "embedded simulator"

    slow = tmp_path / "slow"
    compare = ["--baseline", str(summary)]  # the default --max-regression 10%
    code, text = _load(workloads, 1, *compare, "--report-dir", str(slow))
    assert code == 1, text
    assert "REGRESSED" in text
    assert "entries regressed past 10%" in text or "entry regressed past 10%" in text
    data = json.loads((slow / "summary.json").read_text())["baseline"]
    regressed = {e["name"] for e in data["entries"] if e["regressions"]}
    assert "job_total fixed Succeed" in regressed
    page = (slow / "baseline-report.html").read_text(encoding="utf-8")
    assert "job_total fixed Succeed" in page
    # Throughput over time shows the queue one slot cannot drain.
    flow = json.loads((slow / "summary.json").read_text())["timeline"]["throughput"]
    assert flow[-1]["backlog"] >= flow[0]["backlog"] + 4
    assert max(w["finished_per_s"] for w in flow) <= 1.5  # one 1 s slot
    assert sum(w["submitted_per_s"] for w in flow) > sum(
        w["finished_per_s"] for w in flow
    )
    assert (slow / "throughput.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert 'id="chart-throughput"' in (slow / "load-report.html").read_text()

    code, text = _load(workloads, 4, *compare)
    assert code == 0, text
    assert "baseline: no regression" in text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read it"),
        ("{", "not JSON"),
        ('{"entries": []}', "not a load summary.json"),
        (
            '{"target_id": "http://gateway:9001", "entries": [{"name": "/entrance/submit",'
            ' "count": 9, "failures": 0, "per_s": 1, "p50": 1, "p95": 2, "p99": 3}]}',
            "measured against http://gateway:9001, this run targets embedded simulator; "
            "pass --baseline-any-target",
        ),
    ],
)
def test_an_unusable_baseline_is_one_line_exit_2_before_the_run(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "summary.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = run(["load", "--baseline", str(path)], out, err)
    assert code == 2
    assert message in err.getvalue()
    assert len(err.getvalue().strip().splitlines()) == 1
    assert "embedded simulator at" not in out.getvalue()
