"""The simulator in process on a hand-moved clock: exact lifecycle timing, logs over time, eviction.

No server and no sleeping: `create_app(store, clock)` with a `ManualClock`, driven through
Starlette's TestClient, so every state of the plan is observed deterministically.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest

from linkis_harness.simulator.app import create_app
from linkis_harness.simulator.clock import ManualClock
from linkis_harness.simulator.history import History
from linkis_harness.simulator.jobs import JobStore

with (
    warnings.catch_warnings()
):  # Starlette 1.x deprecates its httpx-based TestClient (httpx2)
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

API = "/api/rest_j/v1"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def client(clock: ManualClock) -> Iterator[TestClient]:
    store = JobStore(
        history=History(),
        clock=clock,
        instance="127.0.0.1:9001",
        speed=1.0,
        evict_after=30.0,
    )
    with TestClient(create_app(store, clock), base_url="http://127.0.0.1:9001") as http:
        answer = http.post(
            API + "/user/login", json={"userName": "alice", "password": "alice123"}
        )
        assert answer.json()["status"] == 0
        yield http


def _submit(http: TestClient, code: str) -> tuple[str, int]:
    body = {
        "executionContent": {"code": code, "runType": "shell"},
        "labels": {"engineType": "shell-1", "userCreator": "alice-IDE"},
    }
    data = http.post(API + "/entrance/submit", json=body).json()["data"]
    return data["execID"], data["taskID"]


def _status(http: TestClient, exec_id: str) -> str:
    return str(http.get(f"{API}/entrance/{exec_id}/status").json()["data"]["status"])


def _progress(http: TestClient, exec_id: str) -> float:
    return float(
        http.get(f"{API}/entrance/{exec_id}/progress").json()["data"]["progress"]
    )


def test_a_job_walks_its_planned_lifecycle_with_retries(
    client: TestClient, clock: ManualClock
) -> None:
    exec_id, task_id = _submit(
        client, "# linkis-sim: queue=1 duration=2 retries=1\necho x"
    )
    seen: list[str] = []
    progresses: list[float] = []
    for _ in range(80):
        state = _status(client, exec_id)
        if not seen or seen[-1] != state:
            seen.append(state)
        progresses.append(_progress(client, exec_id))
        clock.advance(0.1)
    assert seen == [
        "Inited",
        "Scheduled",
        "Running",
        "WaitForRetry",
        "Scheduled",
        "Running",
        "Succeed",
    ]
    assert progresses == sorted(progresses)
    assert progresses[-1] == 1.0
    assert 0 < progresses[50] < 1  # t=5.0: the last attempt is half-way
    task = client.get(f"{API}/jobhistory/{task_id}/get").json()["data"]["task"]
    assert task["status"] == "Succeed"
    assert task["progress"] == "1.0"


def test_submit_style_history_progress_is_null_until_running(
    client: TestClient, clock: ManualClock
) -> None:
    _, task_id = _submit(client, "# linkis-sim: queue=5 duration=5\necho x")
    assert (
        client.get(f"{API}/jobhistory/{task_id}/get").json()["data"]["task"]["progress"]
        is None
    )
    clock.advance(7.5)
    assert (
        client.get(f"{API}/jobhistory/{task_id}/get").json()["data"]["task"]["progress"]
        == "0.49"
    )


def test_engine_lines_appear_while_the_job_runs(
    client: TestClient, clock: ManualClock
) -> None:
    exec_id, _ = _submit(client, "# linkis-sim: queue=0 duration=10 lines=100\necho x")

    def size() -> int:
        return int(
            client.get(
                f"{API}/entrance/{exec_id}/log", params={"fromLine": 0, "size": -1}
            ).json()["data"]["fromLine"]
        )

    before = size()
    clock.advance(5.05)
    middle = size()
    clock.advance(10)
    after = size()
    assert before < middle < after
    assert middle - before == pytest.approx(
        50 + 50 // 7 + 50 // 13 + 2, abs=2
    )  # + Scheduled/Running lines


def test_finished_jobs_leave_entrance_memory_after_the_eviction_time(
    client: TestClient, clock: ManualClock
) -> None:
    exec_id, task_id = _submit(client, "# linkis-sim: queue=0 duration=1\necho x")
    clock.advance(2)
    assert _status(client, exec_id) == "Succeed"
    clock.advance(29)
    assert _status(client, exec_id) == "Succeed"
    clock.advance(2)
    gone = client.get(f"{API}/entrance/{exec_id}/status")
    assert gone.status_code == 400
    assert gone.json()["message"].endswith("NumberFormatException: null")
    by_task = client.get(f"{API}/entrance/{exec_id}/status", params={"taskID": task_id})
    assert by_task.json()["data"]["status"] == "Succeed"


def test_a_kill_while_scheduled_cancels_at_once_and_logs_it(
    client: TestClient, clock: ManualClock
) -> None:
    exec_id, task_id = _submit(client, "# linkis-sim: queue=10 duration=10\necho x")
    clock.advance(1)
    assert _status(client, exec_id) == "Scheduled"
    assert client.get(f"{API}/entrance/{exec_id}/kill").json()["status"] == 0
    assert _status(client, exec_id) == "Cancelled"
    assert _progress(client, exec_id) == 1.0
    log = client.get(
        f"{API}/entrance/{exec_id}/log", params={"size": -1, "distinctLevel": "false"}
    ).json()
    lines = log["data"]["log"].split("\n")
    assert lines[-2].endswith("ERROR Job is killed by user!")
    assert lines[-1].endswith(
        "Sorry. Your job completed with a status Cancelled. You can view logs for the reason."
    )
    clock.advance(30)
    assert (
        client.get(f"{API}/jobhistory/{task_id}/get").json()["data"]["task"]["status"]
        == "Cancelled"
    )
