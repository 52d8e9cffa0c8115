"""Whole runs against a real simulator behind a misbehaving or recording proxy (issue 7).

The BadServer sits between the harness and the simulator: in `ok` mode it only records what
reached the target (for `--rate-limit`, `--max-jobs`, `--dry-run`, `--read-only`); in a fault
mode it breaks the target mid-run (HTML, empty, truncated, gzip lie, 502, 5xx storm, hang,
death, expiring sessions). Every run must finish with exit 0/1/2 as appropriate, no traceback,
and its reports written.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from linkis_harness.cli import run
from tests.support.badserver import PREFIX, BadServer, max_in_window

launch = pytest.importorskip("linkis_harness.simulator.launch")

pytestmark = pytest.mark.slow

PASSWORD = "alice123"  # the simulator's default user; these tests are not about secrets
AUTH = ["--user", "alice", "--password", PASSWORD]
SPEED = 20.0
_JOB_CREATING = re.compile(r"/entrance/(execute|submit)$")
_JOB_CHANGING = re.compile(r"/entrance/[^/]+/(kill|killJobs|pause)$")


@pytest.fixture
def sim() -> Iterator[Any]:
    """A fresh simulator per test, so its job history belongs to that test alone."""
    with launch.start_simulator(speed=SPEED) as running:
        yield running


@pytest.fixture(scope="module")
def rules_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rules") / "proxy.properties"
    path.write_text("VC-H7-RUN=bob\n", encoding="utf-8")
    return path


def _cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(argv, out, err)
    text = out.getvalue() + err.getvalue()
    assert "Traceback" not in text, text[-3000:]
    assert "internal error" not in text, text[-3000:]
    return code, out.getvalue(), err.getvalue()


def _history(sim: Any) -> list[dict[str, Any]]:
    """Every job in the simulator's history, seen as the admin."""
    with httpx.Client(base_url=sim.url + PREFIX, timeout=10) as http:
        login = http.post(
            "/user/login", json={"userName": "hadoop", "password": "hadoop"}
        )
        assert login.json()["status"] == 0
        listed = http.get("/jobhistory/list", params={"pageSize": 1000}).json()
    assert listed["status"] == 0, listed
    return list(listed["data"]["tasks"])


def _submits(proxy: BadServer) -> list[str]:
    return [
        s.path
        for s in proxy.seen
        if s.method == "POST" and _JOB_CREATING.search(s.path)
    ]


def _changes(proxy: BadServer) -> list[str]:
    return [s.path for s in proxy.seen if _JOB_CHANGING.search(s.path)]


def _command(name: str, target: str, rules_file: Path, *extra: str) -> list[str]:
    argv = [name, "--target", target, *AUTH]
    if name == "check":
        argv += ["--profile", "smoke"]
    if name == "load":
        argv += ["--users", "2", "--spawn-rate", "2", "--run-time", "3s"]
    if name == "rules":
        argv += ["--proxy-rules", str(rules_file)]
    return argv + list(extra)


# -- --dry-run ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["check", "load", "rules"])
def test_dry_run_prints_requests_and_sends_nothing(name: str, rules_file: Path) -> None:
    with BadServer("ok") as target:
        code, out, err = _cli(_command(name, target.url, rules_file, "--dry-run"))
        assert code == 0, out + err
        assert target.count == 0, f"--dry-run sent {target.paths()}"
    assert "DRY-RUN" in out
    assert f"{target.url}{PREFIX}/user/login" in out
    assert PASSWORD not in out + err


# -- --read-only -------------------------------------------------------------------------------


def test_check_read_only_submits_and_changes_no_job(sim: Any, rules_file: Path) -> None:
    with BadServer("ok", upstream=sim.url) as proxy:
        code, out, err = _cli(_command("check", proxy.url, rules_file, "--read-only"))
    assert code in (0, 1), out + err
    assert proxy.count > 5, "the read-only run did nothing at all"
    assert _submits(proxy) == []
    assert _changes(proxy) == []
    assert _history(sim) == [], "job history is not empty after a --read-only run"


def test_rules_read_only_submits_no_job(sim: Any, rules_file: Path) -> None:
    with BadServer("ok", upstream=sim.url) as proxy:
        code, out, err = _cli(_command("rules", proxy.url, rules_file, "--read-only"))
    assert code in (0, 1), out + err
    assert proxy.count > 2
    assert _submits(proxy) == []
    assert _history(sim) == []


def test_load_read_only_refuses_to_start(rules_file: Path) -> None:
    with BadServer("ok") as target:
        code, out, err = _cli(_command("load", target.url, rules_file, "--read-only"))
        assert code == 2, out + err
        assert target.count == 0
    assert len([line for line in err.splitlines() if line.strip()]) == 1, err
    assert "--read-only" in err


# -- --max-jobs --------------------------------------------------------------------------------


@pytest.mark.parametrize("profile", ["smoke", "standard", "deep"])
def test_check_max_jobs_holds_under_every_profile(
    sim: Any, rules_file: Path, profile: str
) -> None:
    with BadServer("ok", upstream=sim.url) as proxy:
        argv = _command("check", proxy.url, rules_file, "--max-jobs", "2")
        argv[argv.index("smoke")] = profile
        # The families whose checks submit jobs through the client.
        argv += ["-m", "states or kill or execid or log or progress or results"]
        code, out, err = _cli(argv)
    assert code in (0, 1), out + err
    assert 1 <= len(_submits(proxy)) <= 2, _submits(proxy)
    assert len(_history(sim)) <= 2
    assert "skip" in out.lower()


def test_check_max_jobs_holds_for_schemathesis(sim: Any, rules_file: Path) -> None:
    """Schemathesis calls execute/submit itself: those calls must draw on the same budget."""
    with BadServer("ok", upstream=sim.url) as proxy:
        argv = _command(
            "check", proxy.url, rules_file, "--max-jobs", "1", "-m", "schema"
        )
        code, out, err = _cli(argv)
    assert code in (0, 1), out + err
    assert len(_submits(proxy)) <= 1, (
        f"{len(_submits(proxy))} jobs submitted under --max-jobs 1"
    )
    assert len(_history(sim)) <= 1


def test_load_max_jobs_holds(sim: Any, rules_file: Path) -> None:
    with BadServer("ok", upstream=sim.url) as proxy:
        code, out, err = _cli(
            _command("load", proxy.url, rules_file, "--max-jobs", "3")
        )
    assert code in (0, 1), out + err
    assert 1 <= len(_submits(proxy)) <= 3, _submits(proxy)
    jobs = _history(sim)
    assert len(jobs) <= 3
    assert all(
        j["status"] in {"Succeed", "Failed", "Cancelled", "Timeout"} for j in jobs
    ), jobs


# -- --rate-limit ------------------------------------------------------------------------------

# Requests are spaced when sent; on a loaded machine a sender paused for up to this share of a
# second delivers the delayed request next to an on-time one. The bound stays far below what an
# unlimited run sends (hundreds per second).
JITTER = 0.5


@pytest.mark.parametrize(
    ("name", "extra"),
    [("check", ["-m", "auth or envelope"]), ("load", []), ("rules", [])],
)
def test_rate_limit_holds_at_the_target(
    sim: Any, rules_file: Path, name: str, extra: list[str]
) -> None:
    rate = 15.0
    with BadServer("ok", upstream=sim.url) as proxy:
        code, out, err = _cli(
            _command(name, proxy.url, rules_file, "--rate-limit", str(rate), *extra)
        )
    assert code in (0, 1), out + err
    times = [s.at for s in proxy.seen]
    assert len(times) > rate, f"too few requests ({len(times)}) to measure a rate"
    # Counted over windows, never timed: at most rate * window + the one burst token, plus
    # what scheduling jitter can bunch together on the way to the proxy.
    worst = max_in_window(times, 1.0)
    assert worst <= rate * (1 + JITTER) + 1, (
        f"{worst} requests reached the target within one second"
    )


def test_load_with_workers_splits_rate_and_budget(sim: Any, rules_file: Path) -> None:
    """Two Locust workers share --rate-limit and --max-jobs; together they stay within both."""
    rate = 10.0
    with BadServer("ok", upstream=sim.url) as proxy:
        argv = _command(
            "load", proxy.url, rules_file, "--rate-limit", str(rate), "--max-jobs", "5"
        )
        argv[argv.index("--users") + 1] = "4"
        argv += ["--workers", "2"]
        code, out, err = _cli(argv)
    assert code in (0, 1), out + err
    assert 1 <= len(_submits(proxy)) <= 5, _submits(proxy)
    # Each worker holds its own bucket (rate / 2, one burst token): bursts add up to 2.
    worst = max_in_window([s.at for s in proxy.seen], 1.0)
    assert worst <= rate * (1 + JITTER) + 2, (
        f"{worst} requests reached the target within one second"
    )


# -- sessions that expire mid-run --------------------------------------------------------------


def test_check_survives_an_expiring_session(
    sim: Any, rules_file: Path, tmp_path: Path
) -> None:
    with BadServer("session-expiry", upstream=sim.url, expire_after=12) as proxy:
        argv = _command("check", proxy.url, rules_file, "-m", "states or progress")
        code, out, err = _cli([*argv, "--report-dir", str(tmp_path)])
    assert proxy.expired >= 1, "no session expired: the test proved nothing"
    assert code == 0, f"an expired session broke the run:\n{out}\n{err}"
    assert "not logged in" not in out.lower()


def test_load_survives_an_expiring_session(sim: Any, rules_file: Path) -> None:
    with BadServer("session-expiry", upstream=sim.url, expire_after=8) as proxy:
        code, out, err = _cli(_command("load", proxy.url, rules_file))
    assert proxy.expired >= 1, "no session expired: the test proved nothing"
    assert proxy.logins > 2, "nobody logged in again after the session expired"
    assert code == 0, f"an expired session broke the run:\n{out}\n{err}"


# -- a target that breaks mid-run --------------------------------------------------------------


def _reports(report_dir: Path, junit: Path) -> dict[str, Any]:
    assert junit.is_file(), "no JUnit file written"
    assert "<testsuite" in junit.read_text(encoding="utf-8")
    found = sorted(report_dir.glob("*.json"))
    assert found, f"no JSON report in {report_dir}: {list(report_dir.iterdir())}"
    return dict(json.loads(found[0].read_text(encoding="utf-8")))


@pytest.mark.parametrize(
    ("mode", "kwargs", "transient"),
    [
        ("html", {"after": 4}, False),
        ("empty", {"after": 6, "count": 20}, True),
        ("truncated", {"after": 6, "count": 20}, True),
        ("gzip-lie", {"after": 6, "count": 20}, True),
        ("proxy-502", {"after": 6, "count": 20}, True),
        ("storm", {"after": 6}, False),
        ("hang", {"after": 6, "count": 2}, True),
        ("die", {"after": 8}, False),
    ],
)
def test_check_reports_a_target_breaking_mid_run(
    sim: Any,
    rules_file: Path,
    tmp_path: Path,
    mode: str,
    kwargs: dict[str, int],
    transient: bool,
) -> None:
    report_dir, junit = tmp_path / "report", tmp_path / "junit.xml"
    with BadServer(mode, upstream=sim.url, **kwargs) as proxy:  # type: ignore[arg-type]
        argv = _command("check", proxy.url, rules_file, "-m", "states or envelope")
        argv += [
            "--timeout",
            "1",
            "--report-dir",
            str(report_dir),
            "--junit-xml",
            str(junit),
        ]
        code, out, err = _cli(argv)
        broken = proxy.count > kwargs["after"]
    assert broken, (
        f"the fault never fired: the run ended before it (exit {code}):\n{out}\n{err}"
    )
    assert code in (1, 2), (
        f"a broken target went unnoticed (exit {code}):\n{out}\n{err}"
    )
    if code == 1:
        report = _reports(report_dir, junit)
        assert report.get("exit_code", 1) == 1
    if transient:
        # The target recovered, so every job the run submitted must have been finished or killed.
        left = [
            j
            for j in _history(sim)
            if j["status"] not in {"Succeed", "Failed", "Cancelled", "Timeout"}
        ]
        assert left == [], f"jobs left running after the run: {left}"


@pytest.mark.parametrize(
    ("name", "mode", "kwargs"),
    [
        ("load", "storm", {"after": 10, "count": 40}),
        ("load", "die", {"after": 15}),
        ("rules", "html", {"after": 4}),
        ("rules", "hang", {"after": 4, "count": 2}),
    ],
)
def test_load_and_rules_report_a_target_breaking_mid_run(
    sim: Any,
    rules_file: Path,
    tmp_path: Path,
    name: str,
    mode: str,
    kwargs: dict[str, int],
) -> None:
    report_dir = tmp_path / "report"
    with BadServer(mode, upstream=sim.url, **kwargs) as proxy:  # type: ignore[arg-type]
        argv = _command(name, proxy.url, rules_file, "--timeout", "1")
        if name == "load":
            argv += ["--report-dir", str(report_dir)]
        code, out, err = _cli(argv)
        broken = proxy.count > kwargs["after"]
    assert broken, (
        f"the fault never fired: the run ended before it (exit {code}):\n{out}\n{err}"
    )
    assert code in (1, 2), (
        f"a broken target went unnoticed (exit {code}):\n{out}\n{err}"
    )
    if name == "load" and code == 1:
        assert any(report_dir.iterdir()), "load wrote no report"
    if "count" in kwargs:
        left = [
            j
            for j in _history(sim)
            if j["status"] not in {"Succeed", "Failed", "Cancelled", "Timeout"}
        ]
        assert left == [], f"jobs left running after the run: {left}"
