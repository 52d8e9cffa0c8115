"""Terminal progress of `check`: plain lines in logs, a live bar on a TTY, nothing when quiet."""

from __future__ import annotations

import io

from linkis_harness.check.report import Outcome
from linkis_harness.check.terminal import CheckProgress

PASSED = Outcome(
    nodeid="test_states.py::test_observed_steps_are_legal[shell-quick]",
    family="states",
    outcome="passed",
    duration=0.1,
)
FAILED = Outcome(
    nodeid="test_log.py::test_pages_of_a_finished_log_match_a_full_read",
    family="log",
    outcome="failed",
    duration=0.2,
    violation={"check": "log", "title": "a line was lost"},
)


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_lines_when_not_a_terminal() -> None:
    out = io.StringIO()
    with CheckProgress(out) as progress:
        progress.collected(2)
        progress.result(PASSED)
        progress.result(FAILED)
    lines = out.getvalue().splitlines()
    assert lines[0] == "2 checks collected"
    assert lines[1].split() == [
        "ok",
        "states",
        "test_observed_steps_are_legal[shell-quick]",
    ]
    assert lines[2].startswith("  FAIL     log")
    assert lines[2].endswith("-- a line was lost")
    assert progress.counts == {"passed": 1, "failed": 1}


def test_quiet_prints_nothing_but_still_counts() -> None:
    out = _Tty()
    with CheckProgress(out, quiet=True) as progress:
        progress.collected(2)
        progress.result(PASSED)
        progress.result(FAILED)
    assert out.getvalue() == ""
    assert progress.counts["failed"] == 1


def test_live_bar_on_a_terminal_prints_failures_not_every_pass() -> None:
    out = _Tty()
    with CheckProgress(out) as progress:
        assert progress.live
        progress.collected(2)
        progress.result(PASSED)
        progress.result(FAILED)
    text = out.getvalue()
    assert "\x1b[" in text  # styled output
    assert "a line was lost" in text
    assert "test_pages_of_a_finished_log_match_a_full_read" in text
    assert "ok       states" not in text  # passes only advance the bar


def test_live_bar_prints_each_skip_with_its_reason() -> None:
    out = _Tty()
    skipped = Outcome(
        nodeid="test_kill.py::test_peer_cannot_kill_a_running_job",
        family="kill",
        outcome="skipped",
        duration=0.0,
        reason="no peer user: pass --peer-user and LINKIS_PEER_PASSWORD",
    )
    with CheckProgress(out) as progress:
        progress.collected(2)
        progress.result(PASSED)
        progress.result(skipped)
    text = out.getvalue()
    assert "test_peer_cannot_kill_a_running_job" in text
    assert "no peer user: pass --peer-user" in text
