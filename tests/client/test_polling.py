"""wait_for_terminal(): back-off like the Java client, deadline, every poll kept, failure limit."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from linkis_harness import config
from linkis_harness.client import LinkisClient
from linkis_harness.client.polling import (
    MAX_CONSECUTIVE_FAILURES,
    is_terminal,
    wait_for_terminal,
)

EXEC_ID = "exec_id018014linkis-cg-entrancelocalhost:9104IDE_alice_shell_0"


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _entrance(
    states: Iterator[str | None], progress: Callable[[], object]
) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/status"):
            state = next(states)
            if state is None:
                return httpx.Response(
                    400,
                    json={"method": None, "status": 1, "message": "boom", "data": {}},
                )
            return httpx.Response(
                200,
                json={
                    "method": "m",
                    "status": 0,
                    "message": "OK",
                    "data": {"status": state},
                },
            )
        body = {
            "method": "m",
            "status": 0,
            "message": "OK",
            "data": {"progress": progress()},
        }
        return httpx.Response(200, json=body)

    return httpx.MockTransport(handle)


def _client(transport: httpx.MockTransport) -> LinkisClient:
    settings = config.load(
        {"target": "http://gw:9001", "token_code": "T", "token_user": "alice"},
        environ={},
    )
    return LinkisClient(settings, http=httpx.Client(transport=transport))


def test_polls_until_terminal_with_linear_backoff() -> None:
    clock = FakeClock()
    states = iter(
        ["Inited", "Scheduled", "Running", "Running", "Running", "Running", "Succeed"]
    )
    readings = iter([0.0, 0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
    client = _client(_entrance(states, lambda: next(readings)))
    observations = wait_for_terminal(
        client,
        EXEC_ID,
        deadline=60,
        interval=0.5,
        max_interval=2.0,
        clock=clock,
        sleep=clock.sleep,
    )
    assert [o.state for o in observations] == [
        "Inited",
        "Scheduled",
        "Running",
        "Running",
        "Running",
        "Running",
        "Succeed",
    ]
    assert [o.progress for o in observations] == [0.0, 0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert clock.sleeps == [0.5, 1.0, 1.5, 2.0, 2.0, 2.0]
    assert [o.at for o in observations] == [0.0, 0.5, 1.5, 3.0, 5.0, 7.0, 9.0]
    assert is_terminal(observations[-1].state)


def test_stops_at_the_deadline_without_oversleeping() -> None:
    clock = FakeClock()
    client = _client(_entrance(iter(["Running"] * 100), lambda: 0.5))
    observations = wait_for_terminal(
        client, EXEC_ID, deadline=4, interval=1, clock=clock, sleep=clock.sleep
    )
    assert not is_terminal(observations[-1].state)
    assert clock.now == pytest.approx(4.0)
    assert clock.sleeps == [1.0, 2.0, 1.0]


def test_gives_up_after_consecutive_failed_polls() -> None:
    clock = FakeClock()
    client = _client(
        _entrance(
            iter(["Running", None, "Running", None, None, None, "Succeed"]), lambda: 0.1
        )
    )
    observations = wait_for_terminal(
        client, EXEC_ID, deadline=600, clock=clock, sleep=clock.sleep
    )
    assert [o.state for o in observations] == [
        "Running",
        None,
        "Running",
        None,
        None,
        None,
    ]
    assert (
        sum(o.state is None for o in observations[-MAX_CONSECUTIVE_FAILURES:])
        == MAX_CONSECUTIVE_FAILURES
    )
    assert observations[1].status_answer.http_status == 400


def test_without_progress_polls_only_status() -> None:
    seen: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path.rsplit("/", 1)[-1])
        return httpx.Response(
            200,
            json={
                "method": "m",
                "status": 0,
                "message": "OK",
                "data": {"status": "Failed"},
            },
        )

    observations = wait_for_terminal(
        _client(httpx.MockTransport(handle)), EXEC_ID, deadline=5, with_progress=False
    )
    assert seen == ["status"]
    assert observations[0].progress_answer is None
    assert observations[0].progress is None
