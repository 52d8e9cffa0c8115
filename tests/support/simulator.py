"""A plain-httpx user of a running simulator, shared by the simulator's own tests."""

from __future__ import annotations

import time
from typing import Any

import httpx

API = "/api/rest_j/v1"
TERMINAL = {"Succeed", "Failed", "Cancelled", "Timeout"}
SPEED = 20.0
TOKENS = "ALICE-AUTH=alice\nANY-AUTH=*\nPAIR-AUTH=bob, alice\n"
PROXIES = "PROXY-CODE=alice,bob\nSTAR-CODE=*\nBOBBY-CODE=bobby\n"


class Session:
    """A logged-in user of a simulator (plain httpx)."""

    def __init__(
        self, url: str, user: str | None = "alice", password: str | None = None
    ) -> None:
        self.url = url
        self.http = httpx.Client(base_url=url + API, timeout=10)
        if user is not None:
            answer = self.http.post(
                "/user/login",
                json={"userName": user, "password": password or PASSWORDS[user]},
            )
            assert answer.status_code == 200, answer.text
            assert answer.json()["status"] == 0, answer.text

    def get(self, route: str, /, **params: Any) -> httpx.Response:
        return self.http.get(route, params=params)

    def submit(
        self,
        code: str,
        *,
        engine: str = "shell-1",
        run_type: str = "shell",
        user: str = "alice",
    ) -> tuple[str, int]:
        body = {
            "executionContent": {"code": code, "runType": run_type},
            "params": {"variable": {}, "configuration": {}},
            "labels": {"engineType": engine, "userCreator": f"{user}-IDE"},
        }
        answer = self.http.post("/entrance/submit", json=body)
        assert answer.status_code == 200, answer.text
        data = answer.json()["data"]
        return data["execID"], data["taskID"]

    def status(self, exec_id: str) -> str:
        return str(self.get(f"/entrance/{exec_id}/status").json()["data"]["status"])

    def wait_state(self, exec_id: str, wanted: set[str], timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.status(exec_id)
            if state in wanted:
                return state
            time.sleep(0.02)
        raise AssertionError(f"{exec_id} never reached {wanted}")

    def history(self, task_id: int | str) -> dict[str, Any]:
        answer = self.get(f"/jobhistory/{task_id}/get")
        assert answer.status_code == 200, answer.text
        return dict(answer.json()["data"]["task"])

    def wait_history(self, task_id: int | str, timeout: float = 10.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            task = self.history(task_id)
            if task["status"] in TERMINAL:
                return task
            time.sleep(0.02)
        raise AssertionError(f"task {task_id} never finished")


PASSWORDS = {
    "hadoop": "hadoop",
    "alice": "alice123",
    "bob": "bob123",
    "bobby": "bobby123",
}
