"""Verdicts that say what was not checked: terminal lines, closing line, results.json, HTML."""

from __future__ import annotations

import io
import json
from pathlib import Path

from linkis_harness.check import report
from linkis_harness.check.report import Outcome, RunResults, Verdict
from linkis_harness.reports.checkpage import render_check_report


def _outcome(nodeid: str, outcome: str, reason: str = "", **extra: object) -> Outcome:
    family = nodeid.split("::")[0].removeprefix("test_").removesuffix(".py")
    return Outcome(
        nodeid=nodeid,
        family=family,
        outcome=outcome,
        duration=0.1,
        reason=reason,
        **extra,  # type: ignore[arg-type]
    )


PEER = "no peer user: pass --linkis-peer-user and LINKIS_PEER_PASSWORD"


def _incomplete() -> RunResults:
    results = RunResults(collected=4)
    results.outcomes += [
        _outcome("test_kill.py::test_a", "passed"),
        _outcome("test_kill.py::test_b", "skipped", PEER),
        _outcome("test_kill.py::test_c", "skipped", PEER),
        _outcome(
            "test_results.py::test_rows[shell-failed]",
            "skipped",
            "not applicable: shell-failed expects no result rows",
        ),
    ]
    return results


def test_a_skip_shows_its_reason_on_its_terminal_line() -> None:
    line = report.progress_line(_outcome("test_kill.py::test_b", "skipped", PEER))
    assert line.split()[0] == "skip"
    assert line.endswith(f"-- {PEER}")


def test_reasons_read_through_check_name_checks_options() -> None:
    shown = report.for_cli(_outcome("test_kill.py::test_b", "skipped", PEER))
    assert shown.reason == "no peer user: pass --peer-user and LINKIS_PEER_PASSWORD"
    # An option check does not have keeps its pytest name (it is still true).
    assert report.cli_reason("--linkis-spec FILE") == "--linkis-spec FILE"
    assert report.cli_reason("(--linkis-token-code/--linkis-token-user)") == (
        "(--token-code/--token-user)"
    )


def test_held_but_incomplete_names_the_reasons_grouped() -> None:
    results = _incomplete()
    verdict = Verdict.of(results)
    assert not verdict.complete
    assert verdict.word == "held, incomplete"
    assert verdict.not_run == ((PEER, 2),)  # the not-applicable one is no gap
    out = io.StringIO()
    report.render_summary(results, out, verdict=verdict)
    last = out.getvalue().strip().splitlines()[-1]
    assert last.startswith(f"held, but 2 check(s) did not run: {PEER} (2) (1 passed")
    assert "all checks held" not in out.getvalue()


def test_complete_run_says_all_checks_held() -> None:
    results = RunResults(collected=1)
    results.outcomes.append(_outcome("test_kill.py::test_a", "passed"))
    verdict = Verdict.of(results)
    assert verdict.complete
    out = io.StringIO()
    report.render_summary(results, out, verdict=verdict)
    assert (
        out.getvalue().strip().splitlines()[-1].startswith("all checks held: 1 passed")
    )


def test_checks_collected_but_never_reported_did_not_run() -> None:
    results = RunResults(collected=3)
    results.outcomes.append(_outcome("test_kill.py::test_a", "passed"))
    assert Verdict.of(results).not_run == (
        ("the suite ended before these checks ran", 2),
    )


def test_a_run_that_could_not_run_never_says_held() -> None:
    results = RunResults()
    verdict = Verdict.of(results, problem="no checks selected by -m 'log or'")
    out = io.StringIO()
    report.render_summary(results, out, verdict=verdict)
    text = out.getvalue()
    assert "held" not in text
    assert (
        text.strip()
        .splitlines()[-1]
        .startswith("NOT RUN: no checks selected by -m 'log or': 0 passed")
    )
    assert verdict.word == "not run"


def test_results_json_says_complete_and_lists_what_did_not_run(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    report.write_results(path, _incomplete(), exit_code=0)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["complete"] is False
    assert data["verdict"] == "held, incomplete"
    assert data["not_run"] == [
        {
            "reason": PEER,
            "count": 2,
            "checks": ["test_kill.py::test_b", "test_kill.py::test_c"],
        }
    ]
    assert data["not_applicable"][0]["reason"] == "shell-failed expects no result rows"
    results = RunResults(collected=1)
    results.outcomes.append(_outcome("test_kill.py::test_a", "passed"))
    report.write_results(path, results, exit_code=0)
    assert json.loads(path.read_text(encoding="utf-8"))["complete"] is True


def test_security_warnings_reach_the_terminal_json_and_html(tmp_path: Path) -> None:
    results = RunResults(collected=1)
    warned = _outcome(
        "test_kill.py::test_peer_reads", "passed", warning="peer 'bob' can read"
    )
    results.outcomes.append(warned)
    assert "SECURITY WARNING: peer 'bob' can read" in report.progress_line(warned)
    out = io.StringIO()
    report.render_summary(results, out)
    assert "1 security warning(s):" in out.getvalue()
    assert (
        out.getvalue()
        .strip()
        .splitlines()[-1]
        .startswith("all checks held, 1 security warning(s): 1 passed")
    )
    path = tmp_path / "results.json"
    report.write_results(path, results, exit_code=0)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["security_warnings"] == [
        {
            "nodeid": "test_kill.py::test_peer_reads",
            "family": "kill",
            "warning": "peer 'bob' can read",
        }
    ]
    assert "peer &#x27;bob&#x27; can read" in render_check_report(data) or (
        "peer &#39;bob&#39; can read" in render_check_report(data)
    )


def test_html_puts_what_did_not_run_at_the_top(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    report.write_results(path, _incomplete(), exit_code=0)
    page = render_check_report(json.loads(path.read_text(encoding="utf-8")))
    assert "held, but 2 check(s) did not run" in page
    assert "all checks held" not in page
    top = page.index('id="not-run"')
    assert top < page.index('id="families"') < page.index('id="jobs"')
    assert "no peer user" in page[top : page.index('id="families"')]


def test_html_of_a_run_that_did_not_run_agrees_with_the_terminal(
    tmp_path: Path,
) -> None:
    path = tmp_path / "results.json"
    verdict = Verdict.of(RunResults(), problem="interrupted; the results are partial")
    report.write_results(path, RunResults(), verdict=verdict, exit_code=2)
    page = render_check_report(json.loads(path.read_text(encoding="utf-8")))
    assert "NOT RUN: interrupted" in page
    assert "held" not in page.split("<h1>", 1)[1].split('id="families"', 1)[0]


def test_jobs_left_running_after_cleanup_never_read_as_held() -> None:
    results = RunResults(collected=1)
    results.outcomes.append(_outcome("test_kill.py::test_a", "passed"))
    results.add_event(
        {
            "event": "cleanup",
            "marker": "lh-20261205T074800-3f9a2c1d",
            "found": 3,
            "killed": 1,
            "left_running": ["exec_1"],
            "unreadable": None,
        }
    )
    verdict = Verdict.of(results)
    assert verdict.word == "jobs left running"
    out = io.StringIO()
    report.render_summary(results, out, verdict=verdict)
    text = out.getvalue()
    assert "jobs: 3 of this run in job history" in text
    assert "left running 1: exec_1" in text
    assert text.strip().splitlines()[-1].startswith("JOBS LEFT RUNNING")
    assert "held" not in text.strip().splitlines()[-1]


def test_a_suite_that_stopped_itself_is_not_run() -> None:
    """pytest exit 2 (the suite's own `pytest.exit`, e.g. a TLS failure mid-run) is NOT RUN."""
    from linkis_harness.check import runner

    log = Path(__file__)  # any readable file stands in for pytest's log
    code, problem = runner._exit_code(RunResults(), 2, False, log, None)  # type: ignore[arg-type]
    assert int(code) == 2
    assert problem is not None
    assert problem.startswith("the contract suite could not run (pytest exit 2)")
    interrupted = runner._exit_code(RunResults(), 0, True, log, None)  # type: ignore[arg-type]
    assert interrupted[1] == "interrupted; the results above are partial"
    assert Verdict.of(RunResults(), problem=problem).headline().startswith("NOT RUN: ")
