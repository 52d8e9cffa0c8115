"""The cleanup sweep (`client.sweep`) pages job history to its end, however long the run was.

A fake client serves job history from a list (`tests.support.history`), so a soak's worth of
rows is listed in milliseconds; `sleep`/`clock` are fakes, so nothing waits.
"""

from __future__ import annotations

from linkis_harness.client.sweep import SweepResult, sweep_run
from tests.support.history import FakeClock, FakeHistory, task

MARKER = "lh-20260101T000000-0123abcd"
SOAK = 10_250  # more than the 10,000 rows the sweep used to stop at


def test_a_soak_of_more_than_10000_jobs_is_swept_to_its_oldest_job() -> None:
    # The oldest jobs (listed last, past row 10,000) are still running: the sweep must reach
    # them, kill them and report every job of the run.
    running = {1, 2, 3}
    rows = [
        task(t, MARKER, "Running" if t in running else "Succeed")
        for t in range(1, SOAK + 1)
    ]
    rows += [task(SOAK + t, None, "Running") for t in range(1, 40)]  # a bystander's
    history = FakeHistory(rows)
    clock = FakeClock()
    swept = sweep_run(
        [history.client], MARKER, since=0.0, until=1.0, sleep=clock.sleep, clock=clock
    )
    assert len(swept.marked) == SOAK
    assert sorted(swept.killed) == sorted(f"exec_id018{t:06d}" for t in running)
    assert {swept.marked[str(t)] for t in running} == {"Cancelled"}
    assert swept.left_running == []
    assert swept.proven
    # a job without the marker is never touched
    assert all(e.startswith("exec_id018") for e in history.called("kill"))
    assert not set(history.called("kill")) & {
        f"exec_id018{SOAK + t:06d}" for t in range(1, 40)
    }


def _sweep(history: FakeHistory, **kw: int) -> SweepResult:
    clock = FakeClock()
    return sweep_run(
        [history.client],
        MARKER,
        since=0.0,
        until=1.0,
        sleep=clock.sleep,
        clock=clock,
        **kw,
    )


def test_a_history_of_exactly_full_pages_ends_at_its_total() -> None:
    # Linkis's PageHelper is `reasonable`: page 101 of 10,000 rows would answer page 100
    # again. The list answer's totalPage (the row count) ends the listing first.
    history = FakeHistory([task(t, MARKER) for t in range(1, 10_001)], reasonable=True)
    swept = _sweep(history)
    assert len(swept.marked) == 10_000
    assert swept.proven
    assert history.called("list") == list(range(1, 101))


def test_without_a_total_a_short_page_ends_the_listing() -> None:
    history = FakeHistory([task(t, MARKER) for t in range(1, 251)], total=False)
    swept = _sweep(history)
    assert len(swept.marked) == 250
    assert swept.proven
    assert history.called("list") == [1, 2, 3]


def test_a_page_repeated_past_the_end_stops_the_listing_and_says_so() -> None:
    # No totalPage and `reasonable`: page 3 of 200 rows answers page 2 again. The sweep
    # cannot tell that from a server ignoring pageNow, so it stops and does not claim proof.
    history = FakeHistory(
        [task(t, MARKER) for t in range(1, 201)], total=False, reasonable=True
    )
    swept = _sweep(history)
    assert len(swept.marked) == 200
    assert history.called("list") == [1, 2, 3]
    assert swept.incomplete is not None
    assert "page 3 with only rows of earlier pages" in swept.incomplete
    assert not swept.proven


def test_a_server_answering_full_pages_forever_stops_at_the_cap_and_says_so() -> None:
    history = FakeHistory([], forever=True)
    swept = _sweep(history, max_rows=5_000)
    assert history.called("list") == list(range(1, 51))
    assert swept.incomplete is not None
    assert "after 5000 rows (50 pages)" in swept.incomplete, swept.incomplete
    assert "totalPage says 1000000000 rows" in swept.incomplete
    assert swept.unreadable is None
    assert not swept.proven
    assert history.called("kill") == []  # none of those rows carries the marker


def test_the_cap_still_kills_what_it_found() -> None:
    # A listing cut short is said, and the run's jobs on the pages read are still ended.
    rows = [task(t, MARKER, "Running" if t > 290 else "Succeed") for t in range(1, 301)]
    history = FakeHistory(rows)
    swept = _sweep(history, max_rows=100)
    assert history.called("list") == [1]
    assert swept.incomplete is not None
    assert len(swept.killed) == 10
    assert swept.left_running == []
    assert not swept.proven
