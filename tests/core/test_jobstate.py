"""Job states: order, terminal set, allowed transitions and the observed-sequence checker."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkis_harness.core.jobstate import (
    RETRY_LINE,
    TERMINAL,
    JobState,
    can_transition,
    count_retries,
    first_illegal_step,
    first_unexplained_step,
)

states = st.sampled_from(list(JobState))
ORDER = [
    "Inited",
    "WaitForRetry",
    "Scheduled",
    "Running",
    "Succeed",
    "Failed",
    "Cancelled",
    "Timeout",
]


def test_states_are_the_eight_linkis_names_in_ordinal_order() -> None:
    assert [s.value for s in JobState] == ORDER
    assert [s.ordinal for s in JobState] == list(range(8))


def test_terminal_set() -> None:
    assert {s.value for s in TERMINAL} == {"Succeed", "Failed", "Cancelled", "Timeout"}
    assert [s.is_terminal for s in JobState] == [False] * 4 + [True] * 4


@given(states, states)
def test_transition_rule(old: JobState, new: JobState) -> None:
    expected = (
        old == new
        or (not old.is_terminal and new == JobState.WAIT_FOR_RETRY)
        or (not old.is_terminal and ORDER.index(new.value) > ORDER.index(old.value))
    )
    assert can_transition(old, new) is expected


@pytest.mark.parametrize(
    ("old", "new", "ok"),
    [
        ("Inited", "Scheduled", True),
        ("Scheduled", "Running", True),
        ("Running", "Succeed", True),
        ("Inited", "Cancelled", True),
        ("Running", "WaitForRetry", True),
        ("Inited", "WaitForRetry", True),
        ("WaitForRetry", "Scheduled", True),
        ("Running", "Running", True),
        ("Succeed", "Succeed", True),
        ("Running", "Scheduled", False),
        ("WaitForRetry", "Inited", False),
        ("Succeed", "Failed", False),
        ("Failed", "WaitForRetry", False),
        ("Cancelled", "Running", False),
    ],
)
def test_known_transitions(old: str, new: str, ok: bool) -> None:
    assert can_transition(JobState(old), JobState(new)) is ok


@pytest.mark.parametrize(
    "observed",
    [
        [],
        ["Inited"],
        ["Inited", "Scheduled", "Running", "Running", "Succeed", "Succeed"],
        ["Scheduled", "Running", "WaitForRetry", "Scheduled", "Running", "Failed"],
        ["Running", "Cancelled"],
    ],
)
def test_legal_sequences_pass(observed: list[str]) -> None:
    assert first_illegal_step(observed) is None


def test_regression_names_the_step_and_both_states() -> None:
    violation = first_illegal_step(
        ["Inited", "Running", "Running", "Running", "Scheduled", "Running"]
    )
    assert violation is not None
    assert violation.check == "states"
    assert violation.title == "job state went backwards"
    assert "poll 3 said Running, poll 4 said Scheduled" in violation.detail
    assert "ordinal 2 < 3" in violation.detail
    assert "observed Inited -> Running x3 -> Scheduled" in violation.detail


def test_terminal_flip_is_named() -> None:
    violation = first_illegal_step(["Running", "Succeed", "Succeed", "Failed"])
    assert violation is not None
    assert violation.title == "terminal job state changed"
    assert "poll 2 said Succeed, poll 3 said Failed" in violation.detail
    assert "Succeed is terminal" in violation.detail


@pytest.mark.parametrize(
    ("observed", "fragment"),
    [
        (["Inited", "running"], "poll 1: 'running' is not a Linkis job state"),
        (["Inited", "running"], "did you mean 'Running'? names are case-sensitive"),
        (["SUCCEED"], "did you mean 'Succeed'"),
        (["Succeeded"], "did you mean 'Succeed'"),
        (["Inited", "Bogus"], "expected one of Inited, WaitForRetry, Scheduled"),
        (["Inited", None], "poll 1: None is not a Linkis job state"),
    ],
)
def test_unknown_states_are_violations(observed: list[str], fragment: str) -> None:
    violation = first_illegal_step(observed)
    assert violation is not None
    assert violation.title == "unknown job state"
    assert fragment in violation.detail


def test_unknown_without_close_match_gives_no_guess() -> None:
    violation = first_illegal_step(["Inited", "Bogus"])
    assert violation is not None
    assert "did you mean" not in violation.detail


def test_unknown_state_is_reported_before_a_later_regression() -> None:
    violation = first_illegal_step(["Running", "Scheduled", "nope"])
    assert violation is not None
    assert violation.title == "unknown job state"


@given(st.lists(states, max_size=12))
def test_checker_agrees_with_pairwise_rule(observed: list[JobState]) -> None:
    violation = first_illegal_step([s.value for s in observed])
    bad = [
        i
        for i in range(1, len(observed))
        if not can_transition(observed[i - 1], observed[i])
    ]
    if not bad:
        assert violation is None
    else:
        assert violation is not None
        i = bad[0]
        assert (
            f"poll {i - 1} said {observed[i - 1]}, poll {i} said {observed[i]}"
            in violation.detail
        )


def test_a_logged_retry_explains_one_backward_step_and_no_more() -> None:
    observed = ["Scheduled", "Running", "Scheduled", "Running", "Scheduled", "Running"]
    assert first_unexplained_step(observed, 2) is None
    found = first_unexplained_step(observed, 1)
    assert found is not None
    assert found.title == "job state went backwards"
    assert first_unexplained_step(observed, 0) is not None


def test_a_retry_never_explains_a_terminal_change() -> None:
    assert first_unexplained_step(["Succeed", "Running"], 5) is not None


def test_retries_are_counted_from_the_entrance_retry_line() -> None:
    log = f"x INFO {RETRY_LINE}. Please wait it to schedule.\ny\nz {RETRY_LINE}."
    assert count_retries(log) == 2
    assert count_retries("Your job is Running now.") == 0
