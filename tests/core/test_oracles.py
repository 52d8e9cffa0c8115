"""Shared pure oracles: progress readings, taskIDs, execID vs job history."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkis_harness.core.jobstate import JobState
from linkis_harness.core.oracles import (
    check_history_exec_id,
    check_progress,
    check_task_ids,
)
from linkis_harness.core.violation import Violation

EXEC_ID = "exec_id018014linkis-cg-entrancelocalhost:9104IDE_hadoop_spark_0"
TASK = {
    "execId": "IDE_hadoop_spark_0",
    "strongerExecId": EXEC_ID,
    "instance": "localhost:9104",
}


def _titles(found: list[Violation]) -> list[str]:
    return [v.title for v in found]


# --- progress --------------------------------------------------------------------------------


@given(st.lists(st.floats(min_value=0, max_value=1), max_size=20))
def test_sorted_fractions_ending_at_one_pass(values: list[float]) -> None:
    readings = [*sorted(values), 1.0]
    assert check_progress(readings, final_state=JobState.SUCCEED) == []
    assert check_progress(sorted(values), final_state=None) == []


@pytest.mark.parametrize("final", ["Succeed", "Failed", "Cancelled", "Timeout"])
def test_terminal_state_needs_one(final: str) -> None:
    found = check_progress([0.0, 0.5], final_state=final)
    assert _titles(found) == ["progress is not 1.0 at a terminal state"]
    assert f"last reading 0.5 after the job was {final}" in found[0].detail
    assert check_progress([0.0, 1], final_state=final) == []


def test_no_readings_at_a_terminal_state() -> None:
    assert _titles(check_progress([], final_state="Succeed")) == [
        "progress is not 1.0 at a terminal state"
    ]
    assert check_progress([], final_state="Running") == []


def test_decrease_is_named() -> None:
    found = check_progress([0.1, 0.6, 0.3, 1.0], final_state=JobState.SUCCEED)
    assert _titles(found) == ["progress decreased"]
    assert "reading 2: 0.3 after 0.6 at reading 1 (same attempt)" in found[0].detail


def test_retry_resets_the_attempt() -> None:
    values = [0.2, 0.7, 0.0, 0.0, 0.4, 1.0]
    states = ["Running", "Running", "WaitForRetry", "Scheduled", "Running", "Succeed"]
    assert check_progress(values, final_state="Succeed", states=states) == []
    assert _titles(check_progress(values, final_state="Succeed")) == [
        "progress decreased"
    ]


def test_states_must_pair_with_readings() -> None:
    with pytest.raises(
        ValueError, match="states has 1 entries for 2 progress readings"
    ):
        check_progress([0.1, 0.2], final_state=None, states=["Running"])


def test_percentages_are_out_of_range() -> None:
    found = check_progress([0, 30, 60, 100], final_state="Succeed")
    assert _titles(found) == [
        "progress outside [0, 1]",
        "progress is not 1.0 at a terminal state",
    ]
    assert (
        "reading 1: 30 (3 such; a percentage instead of a fraction?)" in found[0].detail
    )
    assert _titles(check_progress([-0.1], final_state=None)) == [
        "progress outside [0, 1]"
    ]


def test_non_numbers_are_named_and_skipped() -> None:
    found = check_progress(["0.5", 0.2, True, 0.3], final_state=None)
    assert _titles(found) == ["progress is not a number"]
    assert "reading 0: '0.5' (2 such)" in found[0].detail


# --- taskIDs ---------------------------------------------------------------------------------


@given(st.lists(st.integers(min_value=1, max_value=2**62), unique=True))
def test_increasing_integers_pass(ids: list[int]) -> None:
    assert check_task_ids(sorted(ids)) == []


def test_string_task_ids_are_named() -> None:
    found = check_task_ids([12, "13", "14"])
    assert _titles(found) == ["taskID is not a JSON integer"]
    assert "submit 1: '13' (str; 2 such)" in found[0].detail


def test_booleans_and_floats_are_not_integers() -> None:
    assert _titles(check_task_ids([True])) == ["taskID is not a JSON integer"]
    assert _titles(check_task_ids([1.0])) == ["taskID is not a JSON integer"]


def test_non_increasing_ids_are_named() -> None:
    found = check_task_ids([5, 7, 7, 9])
    assert _titles(found) == ["taskIDs do not increase in submit order"]
    assert "submit 2 got 7 after submit 1 got 7" in found[0].detail


def test_non_positive_ids() -> None:
    assert _titles(check_task_ids([0, 1])) == ["taskID is not positive"]


# --- execID vs job history -------------------------------------------------------------------


def test_matching_history_passes() -> None:
    assert check_history_exec_id(EXEC_ID, TASK) == []
    assert check_history_exec_id(EXEC_ID, {"execId": "IDE_hadoop_spark_0"}) == []


def test_history_mismatch_is_named() -> None:
    task = {
        **TASK,
        "execId": "IDE_hadoop_spark_1",
        "strongerExecId": EXEC_ID[:-1] + "1",
    }
    found = check_history_exec_id(EXEC_ID, task)
    assert _titles(found) == [
        "job history execId differs from the execID's short id",
        "job history strongerExecId differs from the execID",
    ]
    assert "history execId 'IDE_hadoop_spark_1'" in found[0].detail


def test_garbled_instance_length_is_caught_by_history() -> None:
    garbled = EXEC_ID.replace("018014", "018015")
    found = check_history_exec_id(garbled, {**TASK, "strongerExecId": garbled})
    assert _titles(found) == [
        "job history execId differs from the execID's short id",
        "execID instance differs from the job history instance",
    ]
    assert "execID instances ['localhost:9104I']" in found[1].detail


def test_unparseable_exec_id() -> None:
    found = check_history_exec_id("nope", TASK)
    assert _titles(found) == ["execID does not parse"]
    assert found[0].check == "execid"
