"""`load --find-capacity` end to end against the embedded simulator with engine slots.

One engine slot and 1 s jobs: the true capacity is 60 jobs/min. The search must find it to its
resolution, write capacity.json, the chart and the HTML page, and leave no job running.
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
  echo capacity
expect: {status: Succeed, within: 600, rows: 1}
weight: 1
"""


@pytest.fixture(scope="module")
def workloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("capacity-workloads")
    (directory / "fixed.yaml").write_text(FIXED, encoding="utf-8")
    return directory


def _load(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(["load", *argv], out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "--find-capacity needs at least one --sla"),
        (["--sla", "rps(submit)>5"], "the search sets the request rate itself"),
        (["--sla", "p95(kill)<1s"], "no job is killed during the search"),
        (["--sla", "p95(status)<1s", "--resolution", "0"], "--resolution: expected"),
        (["--sla", "p95(status)<1s", "--web"], "exclude each other"),
    ],
)
def test_a_search_it_cannot_run_exits_2_with_one_line(
    argv: list[str], message: str
) -> None:
    code, out, err = _load("--find-capacity", *argv)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) <= 3  # the line and the --help hint
    assert "embedded simulator" not in out


def test_the_search_finds_the_slot_capacity_and_leaves_nothing_running(
    workloads: Path, tmp_path: Path
) -> None:
    report = tmp_path / "report"
    code, out, err = _load(
        "--find-capacity",
        "--sim-max-running",
        "1",
        "--workloads",
        str(workloads),
        "--sla",
        "p95(job_total)<30s",
        "--submit-rate",
        "40/m",
        "--max-rate",
        "160/m",
        "--resolution",
        "50%",
        "--report-dir",
        str(report),
    )
    assert code == 0, out + err
    data = json.loads((report / "capacity.json").read_text(encoding="utf-8"))
    truth = 60.0  # 1 slot / 1 s jobs
    assert truth / 1.5 <= data["jobs_per_min"] <= truth * 1.15, out
    verdicts = {s["rate_per_min"]: s["verdict"] for s in data["steps"]}
    assert verdicts[40.0] == "held"
    assert verdicts[80.0] == "breached"
    assert all(s["left_running"] == 0 for s in data["steps"])
    assert f"capacity: {data['jobs_per_min']:.4g} jobs/min (p95(job_total) " in out
    assert "jobs left running after the search: 0" in out
    assert (report / "capacity.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = (report / "capacity-report.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in page
    assert f"Capacity: {data['jobs_per_min']:g} jobs/min" in page


def test_exit_1_when_even_the_lowest_rate_breaches(workloads: Path) -> None:
    code, out, err = _load(
        "--find-capacity",
        "--sim-max-running",
        "1",
        "--workloads",
        str(workloads),
        "--sla",
        "p95(job_total)<10ms",
        "--submit-rate",
        "30/m",
    )
    assert code == 1, out + err
    assert "capacity: none: even the lowest rate breached" in out
    assert "jobs left running after the search: 0" in out


def test_the_search_runs_with_local_workers(workloads: Path, tmp_path: Path) -> None:
    # A master and two workers per step; 1 slot x 1 s jobs (60/min): 40 holds, 80 breaches.
    report = tmp_path / "report"
    code, out, err = _load(
        "--find-capacity",
        "--workers",
        "2",
        "--sim-max-running",
        "1",
        "--workloads",
        str(workloads),
        "--sla",
        "p95(job_total)<30s",
        "--submit-rate",
        "40/m",
        "--max-rate",
        "80/m",
        "--resolution",
        "99%",
        "--report-dir",
        str(report),
    )
    assert code == 0, out + err
    data = json.loads((report / "capacity.json").read_text(encoding="utf-8"))
    assert [(s["rate_per_min"], s["verdict"]) for s in data["steps"][:2]] == [
        (40.0, "held"),
        (80.0, "breached"),
    ]
    assert 40.0 <= data["jobs_per_min"] <= 60.0 * 1.15  # truth 60/min
    assert all(s["left_running"] == 0 for s in data["steps"])
