"""`linkis-harness load` end to end: Locust in real subprocesses against the real simulator.

Locust is never imported here (gevent patching stays out of pytest): the CLI's `run()` starts
it as a subprocess. Runs are short and use two tiny workloads so the suite stays fast.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from linkis_harness.cli import run
from linkis_harness.config import Settings
from linkis_harness.errors import ConfigError
from linkis_harness.load.plan import LoadOptions
from linkis_harness.load.runner import run_load
from linkis_harness.safety import SafetyPolicy
from linkis_harness.simulator.launch import RunningSimulator, start_simulator

pytestmark = pytest.mark.slow

QUICK = """\
name: quick
engineType: shell-1
runType: shell
code: |
  # linkis-sim: duration=1 lines=20 rows=3 values=a,b,c
  for i in $(seq 1 20); do echo "linkis-harness: log line $i of 20" >&2; done
  printf 'a\\nb\\nc\\n'
expect:
  status: Succeed
  within: 60
  rows: 3
  values: [a, b, c]
  numbered: {text: "linkis-harness: log line {n} of 20", count: 20}
weight: 3
"""
SLOW = """\
name: slow
engineType: shell-1
runType: shell
code: |
  # linkis-sim: duration=40 lines=40 rows=0
  sleep 40
expect: {status: Cancelled, within: 60}
weight: 1
"""
CREDENTIALS = ["--user", "alice", "--password", "alice123"]


@pytest.fixture(scope="module")
def workloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("workloads")
    (directory / "quick.yaml").write_text(QUICK, encoding="utf-8")
    (directory / "slow.yaml").write_text(SLOW, encoding="utf-8")
    return directory


@pytest.fixture
def sim() -> Iterator[RunningSimulator]:
    with start_simulator() as running:
        yield running


def _load(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(["load", *argv], out, err)
    return code, out.getvalue(), err.getvalue()


def _history_states(target: str, ledger: Path) -> dict[str, str]:
    """Ask job history, independently of the runner, for every job the run submitted."""
    jobs = [
        json.loads(line) for line in ledger.read_text(encoding="utf-8").splitlines()
    ]
    submitted = {j["exec_id"]: j["task_id"] for j in jobs if j["event"] == "submitted"}
    states = {}
    with httpx.Client(base_url=target + "/api/rest_j/v1", timeout=10) as http:
        http.post("/user/login", json={"userName": "alice", "password": "alice123"})
        for exec_id, task_id in submitted.items():
            body = http.get(f"/jobhistory/{task_id}/get").json()
            states[exec_id] = body["data"]["task"]["status"]
    return states


def test_lifecycle_run_reports_and_leaves_nothing_running(
    sim: RunningSimulator, workloads: Path, tmp_path: Path
) -> None:
    report = tmp_path / "report"
    code, out, err = _load(
        "--target",
        sim.url,
        *CREDENTIALS,
        "--users",
        "10",
        "--spawn-rate",
        "10",
        "--run-time",
        "8s",
        "--kill-fraction",
        "0.2",
        "--workloads",
        str(workloads),
        "--report-dir",
        str(report),
        "--sla",
        "p95(status)<5s",
        "--sla",
        "fail_ratio<0.01",
        "--sla",
        "rps(submit)>0.5",
    )
    assert code == 0, out + err
    # Every report is there, and the chart is a real PNG.
    for name in (
        "locust.html",
        "locust_stats.csv",
        "locust_stats_history.csv",
        "summary.json",
    ):
        assert (report / name).stat().st_size > 0, name
    assert (report / "lifecycle.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    summary = json.loads((report / "summary.json").read_text(encoding="utf-8"))
    names = {e["name"] for e in summary["entries"]}
    # Grouped by operation, never one row per execID.
    assert {
        "/entrance/submit",
        "/entrance/[execID]/status",
        "/entrance/[execID]/log",
    } <= names
    assert not [n for n in names if "exec_id" in n]
    with (report / "locust_stats.csv").open(encoding="utf-8") as handle:
        csv_names = {row["Name"] for row in csv.DictReader(handle)}
    assert "/entrance/[execID]/status" in csv_names
    assert not [n for n in csv_names if "exec_id" in n]
    # Lifecycle metrics per workload and terminal state, as their own entries.
    assert "job_running quick" in names
    assert "job_total quick Succeed" in names
    assert "job_total slow Cancelled" in names  # killed by the users (expect Cancelled)
    assert any(n.startswith("log_rate quick") for n in names)
    assert summary["violations"] == {}
    assert summary["failures"] == 0
    assert [s["held"] for s in summary["slas"]] == [True, True, True]
    jobs = summary["jobs"]
    assert jobs["submitted"] >= 10
    accounted = sum(jobs["finished"].values()) + jobs["killed_at_cleanup"]
    assert accounted + sum(jobs["ended_after_stop"].values()) == jobs["submitted"]
    assert jobs["left_running"] == 0
    assert "left running 0" in out
    assert "result: held (exit 0)" in out
    # Independent check: job history knows every job of the run, and none is still running.
    states = _history_states(sim.url, report / "raw" / "ledger.jsonl")
    assert len(states) == jobs["submitted"]
    assert set(states.values()) <= {"Succeed", "Cancelled"}


def test_impossible_sla_exits_1_with_the_table(workloads: Path) -> None:
    # Against the embedded simulator (no --target): it is started and stopped by the run.
    code, out, err = _load(
        "--users",
        "3",
        "--spawn-rate",
        "3",
        "--run-time",
        "4s",
        "--workloads",
        str(workloads),
        "--sla",
        "p50(job_total)<1ms",
        "--sla",
        "p99(status)<10s",
    )
    assert code == 1, out + err
    assert "embedded simulator at http://127.0.0.1:" in out
    table = out[out.index("SLA ") :]
    assert "p50(job_total)<1ms" in table
    assert "BREACHED" in table.splitlines()[1]
    assert "held" in table.splitlines()[2]
    assert "SLA breached: p50(job_total)<1ms" in out
    assert "left running 0" in out


TIMED = {"state-regression", "progress-decrease"}


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("progress-out-of-range", "[progress] progress out of range"),
        ("log-lose-lines", "[log] "),
        # A backward step or a progress drop stands unless the job's log proves a retry.
        ("state-regression", "[states] job state went backwards"),
        ("progress-decrease", "[progress] progress went down"),
        # A line lost before it is served: only the numbered lines show it.
        ("log-drop-line", "[log] numbered log lines missing"),
        # The right number of rows with a wrong value: only the declared values show it.
        ("results-wrong-values", "[results] result values differ from the workload's"),
    ],
)
def test_fault_mode_counts_violations_with_their_reason(
    workloads: Path, tmp_path: Path, fault: str, reason: str
) -> None:
    report = tmp_path / "report"
    if fault in TIMED:
        # A timed fault acts within 2 s of Running: a job running 3 s always meets it.
        workloads = tmp_path / "workloads"
        workloads.mkdir()
        (workloads / "steady.yaml").write_text(
            QUICK.replace("duration=1", "duration=3"), encoding="utf-8"
        )
    with start_simulator(fault=fault) as faulty:
        code, out, err = _load(
            "--target",
            faulty.url,
            *CREDENTIALS,
            "--users",
            "3",
            "--spawn-rate",
            "3",
            "--run-time",
            "4s",
            "--workloads",
            str(workloads),
            "--report-dir",
            str(report),
        )
    assert code == 1, out + err
    summary = json.loads((report / "summary.json").read_text(encoding="utf-8"))
    found = {
        key: v["count"]
        for key, v in summary["violations"].items()
        if key.startswith(reason)
    }
    assert found, summary["violations"]
    assert summary["failures"] >= sum(found.values()) > 0
    assert "contract violation(s) (exit 1)" in out
    assert reason in out
    assert summary["jobs"]["left_running"] == 0


def test_distributed_master_and_two_workers(
    sim: RunningSimulator, workloads: Path, tmp_path: Path
) -> None:
    report = tmp_path / "report"
    code, out, err = _load(
        "--target",
        sim.url,
        *CREDENTIALS,
        "--users",
        "6",
        "--spawn-rate",
        "6",
        "--run-time",
        "6s",
        "--workers",
        "2",
        "--workloads",
        str(workloads),
        "--report-dir",
        str(report),
    )
    assert code == 0, out + err
    assert sorted(p.name for p in (report / "logs").iterdir()) == [
        "master.log",
        "worker-0.log",
        "worker-1.log",
    ]
    summary = json.loads((report / "summary.json").read_text(encoding="utf-8"))
    # Raw samples from both workers reached the master.
    assert len(summary["workers"]) == 2, summary["workers"]
    assert all(n > 0 for n in summary["workers"].values())
    assert summary["jobs"]["submitted"] > 0
    assert summary["jobs"]["left_running"] == 0
    states = _history_states(sim.url, report / "raw" / "ledger.jsonl")
    assert len(states) == summary["jobs"]["submitted"]
    assert set(states.values()) <= {"Succeed", "Cancelled"}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--sla", "p95(job_totl)<30s"], "did you mean 'job_total'"),
        (["--run-time", "soon"], "--run-time: expected a duration"),
        (["--submit-rate", "fast"], "--submit-rate: expected job arrivals"),
        (["--submit-rate", "5/s", "--shape", "ramp"], "exclude each other"),
        (["--worker"], "--worker needs --master-host"),
    ],
)
def test_bad_options_exit_2_before_anything_starts(
    argv: list[str], message: str
) -> None:
    code, out, err = _load(*argv)
    assert code == 2
    assert message in err
    assert "embedded simulator" not in out


def test_job_budget_caps_submissions_and_cleanup_still_runs(workloads: Path) -> None:
    out = io.StringIO()
    code = run_load(
        Settings(),
        LoadOptions(users=3, spawn_rate=3, run_time="4s", workloads=workloads),
        out=out,
        err=io.StringIO(),
        policy=SafetyPolicy(max_jobs=2, rate_limit=100),
    )
    text = out.getvalue()
    assert code == 0, text
    assert "jobs: submitted 2," in text
    assert "job budget (--max-jobs) used up" in text
    assert "left running 0" in text


def test_dry_run_sends_nothing_and_read_only_refuses(workloads: Path) -> None:
    out = io.StringIO()
    code = run_load(
        Settings(),
        LoadOptions(workloads=workloads),
        out=out,
        err=io.StringIO(),
        policy=SafetyPolicy(dry_run=True),
    )
    text = out.getvalue()
    assert code == 0
    assert text.count("DRY-RUN POST") == 3  # login + one submit per workload
    assert "alice123" not in text
    assert "embedded simulator at" not in text
    with pytest.raises(
        ConfigError, match="--read-only: load submits jobs, nothing to run"
    ):
        run_load(
            Settings(),
            LoadOptions(),
            out=out,
            err=io.StringIO(),
            policy=SafetyPolicy(read_only=True),
        )


def test_open_model_never_outruns_its_arrival_schedule(
    workloads: Path, tmp_path: Path
) -> None:
    report = tmp_path / "report"
    code, out, err = _load(
        "--users", "10", "--submit-rate", "2/s", "--run-time", "5s",
        "--workloads", str(workloads), "--report-dir", str(report),
    )  # fmt: skip
    assert code == 0, out + err
    assert "open model 2 jobs/s, pool 10 users" in out
    summary = json.loads((report / "summary.json").read_text(encoding="utf-8"))
    submits = next(e for e in summary["entries"] if e["name"] == "/entrance/submit")
    lags = [e for e in summary["entries"] if e["name"].startswith("arrival_lag ")]
    # Arrivals follow the clock (start + k / rate), so a run cannot submit more than its schedule.
    assert 1 <= submits["count"] <= 2 * summary["duration_s"] + 1
    assert sum(e["count"] for e in lags) == submits["count"]


def test_step_shape_raises_users_in_steps(workloads: Path, tmp_path: Path) -> None:
    report = tmp_path / "report"
    code, out, err = _load(
        "--users", "8", "--spawn-rate", "8", "--shape", "step", "--run-time", "6s",
        "--workloads", str(workloads), "--report-dir", str(report),
    )  # fmt: skip
    assert code == 0, out + err
    samples = json.loads((report / "raw" / "samples.json").read_text(encoding="utf-8"))
    users = [n for _, n in samples["users"]]
    assert users == sorted(users)  # steps only go up
    assert users[-1] == 8
    assert users[0] < 8
    assert len(set(users)) >= 3  # at least three of the four steps were seen


def test_linkis_version_sets_the_embedded_simulators_release(
    workloads: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`load --linkis-version 1.0` runs against a simulator imitating 1.0, as `check` does."""
    import linkis_harness.simulator.launch as launch

    seen: list[tuple[str, ...]] = []
    real = launch.start_simulator

    def spy(**kwargs: Any) -> Any:
        seen.append(tuple(kwargs.get("extra_args") or ()))
        return real(**kwargs)

    monkeypatch.setattr(launch, "start_simulator", spy)
    code, out, err = _load(
        "--linkis-version",
        "1.0",
        "--users",
        "2",
        "--spawn-rate",
        "2",
        "--run-time",
        "3s",
        "--workloads",
        str(workloads),
    )
    assert code == 0, out + err
    assert seen == [("--linkis-version", "1.0")], seen
    assert "Linkis 1.0)" in out.splitlines()[0], out
    assert "left running 0" in out
