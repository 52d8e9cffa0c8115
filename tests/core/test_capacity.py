"""The capacity search's pure decisions: backlog, its growth, a step's verdict, the next rate."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkis_harness.core.capacity import (
    Search,
    StepFigures,
    backlog,
    growth,
    step_reasons,
)


def test_backlog_counts_jobs_submitted_and_not_yet_dequeued() -> None:
    submitted = [0.0, 1.0, 2.0, 3.0]
    dequeued = [0.5, 2.5]
    assert backlog(submitted, dequeued, [0.0, 0.6, 1.5, 2.6, 3.0]) == [
        1.0,
        0.0,
        1.0,
        1.0,
        2.0,
    ]


def test_growth_of_a_flat_series_is_zero_and_of_a_line_is_its_rise() -> None:
    times = [float(t) for t in range(11)]
    assert growth(times, [3.0] * 11) == pytest.approx(0.0)
    assert growth(times, [2.0 * t for t in times]) == pytest.approx(20.0)
    assert growth([1.0, 2.0], [0.0, 5.0]) == 0.0  # too few points to tell


@given(st.floats(0.5, 5.0), st.floats(0.1, 3.0))
def test_queue_of_an_overloaded_server_grows_by_the_excess(
    capacity: float, excess: float
) -> None:
    # Deterministic arrivals at capacity + excess, departures at the capacity: over 60 s the
    # backlog rises by about excess * 60 jobs.
    rate = capacity + excess
    submitted = [k / rate for k in range(int(rate * 60))]
    dequeued = [k / capacity for k in range(int(capacity * 60))]
    times = [float(t) for t in range(61)]
    rise = growth(times, backlog(submitted, dequeued, times))
    assert rise == pytest.approx(excess * 60, abs=3.0)


def _figures(**changes: object) -> StepFigures:
    base: dict[str, object] = {
        "rate_per_min": 60.0,
        "window_s": 60.0,
        "arrivals": 60,
        "finished": 60,
        "backlog_growth": 0.0,
        "failures": 0,
    }
    base.update(changes)
    return StepFigures(**base)  # type: ignore[arg-type]


def test_a_steady_step_holds_and_each_breach_says_why() -> None:
    assert step_reasons(_figures()) == []
    assert step_reasons(_figures(backlog_growth=10.0)) == ["backlog grew by 10 jobs"]
    assert step_reasons(_figures(failures=2)) == ["2 failure(s)"]
    assert step_reasons(_figures(sla_breaches=("p95(status)<1s",))) == [
        "SLA breached: p95(status)<1s"
    ]
    assert step_reasons(_figures(arrivals=40))[0].startswith("arrivals fell behind")


def test_search_steps_up_then_bisects_to_the_resolution() -> None:
    truth = 100.0
    search = Search(start=10.0, max_rate=10_000.0, resolution=0.10)
    offered = []
    rate = search.next_rate()
    while rate is not None:
        offered.append(rate)
        search.record(rate, rate <= truth)
        rate = search.next_rate()
    assert offered[:5] == [10.0, 20.0, 40.0, 80.0, 160.0]
    best = search.best
    assert best is not None
    assert truth / 1.1 <= best <= truth
    assert len(offered) < 12


def test_search_ends_when_even_the_lowest_rate_breaches_or_at_the_cap() -> None:
    low = Search(start=10.0, max_rate=100.0)
    low.record(10.0, False)
    assert low.next_rate() is None
    assert low.best is None
    capped = Search(start=30.0, max_rate=100.0)
    for rate in (30.0, 60.0, 100.0):
        assert capped.next_rate() == rate
        capped.record(rate, True)
    assert capped.next_rate() is None
    assert capped.capped
