"""Engine slots (`serve --max-running J`) on a hand-moved clock: waiting jobs stay Inited.

Linkis's FIFOUserConsumer takes a job off its group's queue (and turns it Scheduled) only when
one of its `maxRunningJobs` places is free; the place is held until the job completes.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest

from linkis_harness.simulator.app import create_app
from linkis_harness.simulator.clock import ManualClock
from linkis_harness.simulator.history import History
from linkis_harness.simulator.jobs import JobStore

with warnings.catch_warnings():  # Starlette 1.x deprecates its httpx-based TestClient
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

API = "/api/rest_j/v1"
CODE = "echo hi # linkis-sim: duration=2 queue=0"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def _client(clock: ManualClock, max_running: int) -> TestClient:
    store = JobStore(
        history=History(),
        clock=clock,
        instance="127.0.0.1:9001",
        max_running=max_running,
    )
    return TestClient(create_app(store, clock), base_url="http://127.0.0.1:9001")


@pytest.fixture
def two_slots(clock: ManualClock) -> Iterator[TestClient]:
    with _client(clock, 2) as http:
        answer = http.post(
            API + "/user/login", json={"userName": "alice", "password": "alice123"}
        )
        assert answer.json()["status"] == 0
        yield http


def _submit(http: TestClient, code: str = CODE, engine: str = "shell-1") -> str:
    body = {
        "executionContent": {"code": code, "runType": "shell"},
        "labels": {"engineType": engine, "userCreator": "alice-IDE"},
    }
    return str(http.post(API + "/entrance/submit", json=body).json()["data"]["execID"])


def _states(http: TestClient, ids: list[str]) -> list[str]:
    return [
        http.get(f"{API}/entrance/{i}/status").json()["data"]["status"] for i in ids
    ]


def test_at_most_j_jobs_run_and_the_rest_wait_inited_in_submit_order(
    two_slots: TestClient, clock: ManualClock
) -> None:
    ids = [_submit(two_slots) for _ in range(5)]
    clock.advance(0.1)
    assert _states(two_slots, ids) == [
        "Running",
        "Running",
        "Inited",
        "Inited",
        "Inited",
    ]
    clock.advance(2.0)  # the first two end at 2.05; the next two take their places
    assert _states(two_slots, ids) == [
        "Succeed",
        "Succeed",
        "Running",
        "Running",
        "Inited",
    ]
    clock.advance(2.0)
    assert _states(two_slots, ids) == ["Succeed"] * 4 + ["Running"]
    clock.advance(2.0)
    assert _states(two_slots, ids) == ["Succeed"] * 5


def test_a_kill_frees_the_place_for_the_next_waiting_job(
    two_slots: TestClient, clock: ManualClock
) -> None:
    ids = [_submit(two_slots) for _ in range(4)]
    clock.advance(0.5)
    assert two_slots.get(f"{API}/entrance/{ids[0]}/kill").json()["status"] == 0
    assert two_slots.get(f"{API}/entrance/{ids[3]}/kill").json()["status"] == 0
    clock.advance(0.1)  # job 3 took job 1's place; job 4 was killed while it waited
    assert _states(two_slots, ids) == ["Cancelled", "Running", "Running", "Cancelled"]
    clock.advance(2.0)
    assert _states(two_slots, ids) == ["Cancelled", "Succeed", "Succeed", "Cancelled"]


def test_each_group_has_its_own_places(
    two_slots: TestClient, clock: ManualClock
) -> None:
    shell = [_submit(two_slots) for _ in range(3)]
    python = [_submit(two_slots, engine="python-python3") for _ in range(2)]
    clock.advance(0.1)
    assert _states(two_slots, shell) == ["Running", "Running", "Inited"]
    assert _states(two_slots, python) == ["Running", "Running"]


def test_job_history_follows_a_waiting_job_moved_up_by_a_kill(
    two_slots: TestClient, clock: ManualClock
) -> None:
    body = {
        "executionContent": {"code": CODE, "runType": "shell"},
        "labels": {"engineType": "shell-1", "userCreator": "alice-IDE"},
    }
    answers = [
        two_slots.post(API + "/entrance/submit", json=body).json()["data"]
        for _ in range(3)
    ]
    clock.advance(0.5)
    two_slots.get(f"{API}/entrance/{answers[0]['execID']}/kill")
    clock.advance(0.1)
    task = answers[2]["taskID"]
    history = two_slots.get(f"{API}/jobhistory/{task}/get").json()["data"]["task"]
    assert _states(two_slots, [answers[2]["execID"]]) == ["Running"]
    assert history["status"] == "Running"


def test_without_a_limit_every_job_runs_at_once(clock: ManualClock) -> None:
    with _client(clock, 0) as http:
        http.post(
            API + "/user/login", json={"userName": "alice", "password": "alice123"}
        )
        ids = [_submit(http) for _ in range(6)]
        clock.advance(0.1)
        assert _states(http, ids) == ["Running"] * 6
