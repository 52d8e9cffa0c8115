"""`load`'s cleanup accounting against the ledger: no false alarm on a long, healthy run.

Fast: a fake client serves job history from a list (`tests.support.history`) and the sweep's
`sleep`/`clock` are fakes. The slow end-to-end cleanup tests are `test_cleanup*.py`.
"""

from __future__ import annotations

import io

import pytest

from linkis_harness.client import sweep
from linkis_harness.load.cleanup import Cleanup, Ledger, clean_up, print_cleanup
from tests.support.history import FakeClock, FakeHistory, task

MARKER = "lh-20260101T000000-0123abcd"


def _ledger(task_ids: range, finished: dict[int, str]) -> Ledger:
    ledger = Ledger(marker=MARKER, since=1.0)
    for t in task_ids:
        exec_id = f"exec_id018{t:06d}"
        ledger.submitted[exec_id] = {"exec_id": exec_id, "task_id": t, "workload": "w"}
        if t in finished:
            ledger.finished[exec_id] = finished[t]
    return ledger


def _clean(history: FakeHistory, ledger: Ledger) -> tuple[Cleanup, str]:
    clock = FakeClock()
    out = io.StringIO()
    cleanup = clean_up(history.client, ledger, out, sleep=clock.sleep, clock=clock)
    print_cleanup(cleanup, out)
    return cleanup, out.getvalue()


def _assert_all_ended_untouched(
    cleanup: Cleanup, out: str, history: FakeHistory
) -> None:
    """Every job proven ended, none left, and no job asked or killed."""
    assert cleanup.unreadable == []
    assert cleanup.left_running == []
    assert "left running 0" in out, out
    assert history.called("kill") == []
    assert history.called("status") == []


def test_a_soak_of_more_than_10000_finished_jobs_leaves_none_running() -> None:
    # A soak's ledger: 10,250 jobs, every one seen finishing, every one in job history.
    jobs = range(1, 10_251)
    history = FakeHistory([task(t, MARKER) for t in jobs])
    cleanup, out = _clean(history, _ledger(jobs, {t: "Succeed" for t in jobs}))
    _assert_all_ended_untouched(cleanup, out, history)


def test_a_job_the_users_saw_finish_is_not_unreadable_when_history_misses_it() -> None:
    # Job history does not list taskIDs 4 and 5 (a replica behind, a window edge), but the
    # users saw both finish: that is proof enough, nothing is asked or killed.
    history = FakeHistory([task(t, MARKER) for t in range(1, 6)], hidden={4, 5})
    ledger = _ledger(range(1, 6), {t: "Succeed" for t in range(1, 6)})
    cleanup, out = _clean(history, ledger)
    _assert_all_ended_untouched(cleanup, out, history)


def test_an_unfinished_job_history_misses_is_asked_directly_and_killed() -> None:
    # Task 5 is still running and job history does not list it: the entrance is asked by
    # its execID (the submit answer named it, so it is the run's own) and it is killed.
    rows = [task(t, MARKER) for t in range(1, 5)] + [task(5, MARKER, "Running")]
    history = FakeHistory(rows, hidden={5})
    ledger = _ledger(range(1, 6), {t: "Succeed" for t in range(1, 5)})
    cleanup, out = _clean(history, ledger)
    assert history.called("kill") == ["exec_id018000005"]
    assert cleanup.killed == 1
    assert cleanup.unreadable == []
    assert cleanup.left_running == []
    assert "killed at cleanup 1" in out, out
    assert "left running 0" in out, out


def test_an_unlisted_job_that_ended_on_its_own_is_not_killed() -> None:
    rows = [task(1, MARKER), task(2, MARKER, "Failed")]
    history = FakeHistory(rows, hidden={2})
    cleanup, out = _clean(history, _ledger(range(1, 3), {1: "Succeed"}))
    assert history.called("kill") == []
    assert cleanup.ended_after_stop == {"Failed": 1}
    assert "left running 0" in out, out


def test_an_unlisted_job_whose_state_cannot_be_read_is_unreadable() -> None:
    # Neither the entrance nor job history knows task 9: it cannot be proven ended.
    history = FakeHistory([task(t, MARKER) for t in range(1, 4)])
    ledger = _ledger(range(1, 4), {t: "Succeed" for t in range(1, 4)})
    ledger.submitted["exec_id018000009"] = {"exec_id": "exec_id018000009", "task_id": 9}
    cleanup, out = _clean(history, ledger)
    assert cleanup.unreadable == ["exec_id018000009"]
    assert "left running 1 (1 not readable)" in out, out


def test_cleanup_never_touches_a_job_neither_marker_nor_ledger_names() -> None:
    # A bystander's running job in the same window (same user, no marker, not in the ledger).
    rows = [task(1, MARKER, "Running"), task(2, None, "Running")]
    history = FakeHistory(rows, hidden={1})
    cleanup, out = _clean(history, _ledger(range(1, 2), {}))
    assert history.called("kill") == ["exec_id018000001"]
    assert cleanup.killed == 1
    assert history.by_id[2]["status"] == "Running"
    assert "left running 0" in out, out


def test_a_listing_cut_short_is_said_and_not_proven(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A server answering full pages forever: the sweep stops at its cap (lowered here) and
    # the run is not proven, since jobs past the cut may be the run's.
    monkeypatch.setattr(sweep, "MAX_ROWS", 300)
    history = FakeHistory([], forever=True)
    cleanup, out = _clean(history, _ledger(range(1, 1), {}))
    assert history.called("list") == [1, 2, 3]
    assert len(cleanup.unreadable) == 1
    assert "after 300 rows (3 pages)" in cleanup.unreadable[0]
    assert "left running 1 (1 not readable)" in out, out
