"""suite.kill_guard: generated kill/killJobs cases are sent only for the run's own jobs."""

from __future__ import annotations

import pytest

from linkis_harness.suite.kill_guard import foreign_kill

OWN = "exec_id018014linkis-cg-entrancelocalhost:9104IDE_alice_shell_0"
OTHER = "exec_id018014linkis-cg-entrancelocalhost:9104IDE_alice_shell_1"
JOBS = {OWN: 7}
KILL = "GET /entrance/{id}/kill"
KILL_JOBS = "POST /entrance/{id}/killJobs"


@pytest.mark.parametrize(
    ("path", "query"),
    [({"id": OWN}, None), ({"id": OWN}, {"taskID": 7}), ({"id": OWN}, {"taskID": "7"})],
)
def test_own_kills_are_sent(
    path: dict[str, str], query: dict[str, object] | None
) -> None:
    assert foreign_kill(KILL, path, query, None, JOBS) is None


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ({"id": OTHER}, None),
        ({"id": "0"}, {"taskID": 7}),
        ({"id": OWN}, {"taskID": 8}),
        ({"id": OWN}, {"taskID": "7 or 8"}),
        ({}, {"taskID": 7}),
    ],
)
def test_kills_naming_other_jobs_are_not_sent(
    path: dict[str, str], query: dict[str, object]
) -> None:
    assert foreign_kill(KILL, path, query, None, JOBS) is not None


@pytest.mark.parametrize(
    "body",
    [
        {"idList": [OWN], "taskIDList": [7]},
        {"idList": [], "taskIDList": []},
        {},
        "not an object",
    ],
)
def test_own_kill_jobs_are_sent(body: object) -> None:
    assert foreign_kill(KILL_JOBS, {"id": OWN}, None, body, JOBS) is None


@pytest.mark.parametrize(
    "body",
    [
        {"idList": [OTHER], "taskIDList": [7]},
        {"idList": [OWN], "taskIDList": [8]},
        {"idList": [OWN], "taskIDList": [7, 9]},
        {"idList": OWN, "taskIDList": [7]},
        {"idList": [OWN, 5], "taskIDList": [7, 5]},
        {"taskIDList": [7]},
    ],
)
def test_kill_jobs_naming_other_jobs_are_not_sent(body: object) -> None:
    assert foreign_kill(KILL_JOBS, {"id": OWN}, None, body, JOBS) is not None


def test_kill_jobs_on_a_foreign_path_id_is_not_sent() -> None:
    body = {"idList": [OWN], "taskIDList": [7]}
    assert foreign_kill(KILL_JOBS, {"id": OTHER}, None, body, JOBS) is not None


def test_other_operations_are_not_judged() -> None:
    assert (
        foreign_kill("GET /entrance/{id}/status", {"id": "x"}, None, None, JOBS) is None
    )
