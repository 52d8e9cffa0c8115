"""The faithful simulator under abuse: fuzzing, random bytes, and a thousand racing kills.

It must never answer with a Python traceback or crash: bad input gets the answer real Linkis
gives (a Linkis envelope, or Spring's error body where Linkis code never runs), the process is
alive and answering afterwards, and its memory stays bounded. 1,000 concurrent kills and polls
of one job leave one consistent story: a single terminal state, and job history agrees.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import psutil
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable

from linkis_harness import resources
from linkis_harness.core.envelope import is_framework_error

launch = pytest.importorskip("linkis_harness.simulator.launch")

pytestmark = pytest.mark.slow

API = "/api/rest_j/v1"
TERMINAL = {"Succeed", "Failed", "Cancelled", "Timeout"}
RSS_GROWTH_BOUND = (
    150 * 1024 * 1024
)  # generous: a leak per request would blow far past it
_PY_CRASH = ("Traceback (most recent call last)", 'File "/', "Internal Server Error\n")


@pytest.fixture(scope="module")
def sim() -> Iterator[Any]:
    with launch.start_simulator(speed=50.0) as running:
        yield running


def _process(sim: Any) -> psutil.Process:
    """The simulator's own process (found by its listening port if the launcher hides it)."""
    for attr in ("pid", "process", "proc", "popen"):
        value = getattr(sim, attr, None)
        pid = value if isinstance(value, int) else getattr(value, "pid", None)
        if isinstance(pid, int):
            return psutil.Process(pid)
    port = int(sim.url.rsplit(":", 1)[1])
    for conn in psutil.net_connections(kind="tcp"):
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port:
            assert conn.pid is not None
            return psutil.Process(conn.pid)
    raise AssertionError(f"no process listens on {sim.url}")


def _login(url: str, user: str = "alice", password: str = "alice123") -> dict[str, str]:
    answer = httpx.post(
        url + API + "/user/login",
        json={"userName": user, "password": password},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == 0
    return dict(answer.cookies)


def _assert_alive(sim: Any, proc: psutil.Process) -> None:
    assert proc.is_running()
    assert proc.status() != psutil.STATUS_ZOMBIE
    assert _login(sim.url)  # and it still does its job
    _assert_no_traceback_logged(sim)


def _assert_no_traceback_logged(sim: Any) -> None:
    """A handler that raised shows up in the simulator's stderr even when the answer hides it."""
    log = sim.stderr
    if "Traceback (most recent call last)" in log:
        start = log.index("Traceback (most recent call last)")
        raise AssertionError(
            f"the simulator crashed in a handler:\n{log[start : start + 3000]}"
        )


def _assert_no_crash(status: int, body: bytes, what: str) -> None:
    text = body.decode("utf-8", "replace")
    for marker in _PY_CRASH:
        assert marker not in text, (
            f"{what}: Python crash in the answer (HTTP {status}): {text[:500]}"
        )
    if status >= 500:
        # Real Linkis' only 5xx is Spring's own error body (ledger: gateway.own-error.body).
        parsed: object = None
        with contextlib.suppress(ValueError):
            parsed = json.loads(text)
        assert isinstance(parsed, dict), (
            f"{what}: HTTP {status} with a non-JSON body: {text[:300]}"
        )
        assert is_framework_error(parsed), (
            f"{what}: HTTP {status} that is not Spring's body: {text[:300]}"
        )


def _rss(proc: psutil.Process) -> int:
    return int(proc.memory_info().rss)


# -- schemathesis, negative mode, every operation ------------------------------------------------


def _fuzz_operation(
    operation: Any, base: str, cookies: dict[str, str], seen: dict[str, int]
) -> None:
    strategy = operation.as_strategy(
        generation_mode=schemathesis.GenerationMode.NEGATIVE
    )
    label = operation.label

    @settings(
        max_examples=4,
        deadline=None,
        database=None,
        derandomize=True,  # the same cases every run: a finding reproduces, no flakiness
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def fuzz(case: Any) -> None:
        try:
            response = case.call(base_url=base, cookies=cookies, timeout=10)
        except (UnicodeError, ValueError):
            return  # the client library could not even encode this request
        seen[label] = seen.get(label, 0) + 1
        _assert_no_crash(
            response.status_code,
            response.content,
            f"{label} {case.path_parameters} {case.query}",
        )

    try:
        fuzz()
    except Unsatisfiable:
        return  # an operation with nothing to negate (no parameters, no body)


def test_schemathesis_negative_fuzzing_never_crashes_the_simulator(sim: Any) -> None:
    proc = _process(sim)
    before = _rss(proc)
    cookies = _login(sim.url)
    schema = schemathesis.openapi.from_path(
        resources.data_dir("specs") / "linkis.openapi.yaml"
    )
    base = sim.url + API
    # A spec error would be an Err here: .ok() raises it, which is the failure we want.
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 15, "the spec lost operations"
    seen: dict[str, int] = {}

    for operation in operations:
        _fuzz_operation(operation, base, cookies, seen)
    after = _rss(proc)
    print(  # noqa: T201 - issue 7 asks for the RSS figures to be printed
        f"\nfuzzed {sum(seen.values())} requests over {len(seen)} operations; simulator RSS {before / 2**20:.1f} -> {after / 2**20:.1f} MiB"
    )
    assert len(seen) >= len(operations) // 2
    _assert_alive(sim, proc)
    assert after - before < RSS_GROWTH_BOUND


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/jobhistory/10000000000000000001/get", {}),
        ("/jobhistory/-53296574025069125632/get", {}),
        ("/jobhistory/list", {"taskID": "1327591334017760850588397270282010624"}),
        ("/entrance/exec_id018011x_99999999999999999999999/status", {}),
        ("/entrance/99999999999999999999999/status", {}),
        ("/filesystem/openFile", {"path": "/tmp/x", "page": "99999999999999999999999"}),
        (
            "/entrance/exec_id018011x_0/log",
            {"fromLine": "99999999999999999999", "size": "-99999999999999999999"},
        ),
    ],
)
def test_numbers_beyond_java_long_get_an_answer_not_a_crash(
    sim: Any, path: str, params: dict[str, str]
) -> None:
    """Found by the fuzzer: ids beyond int64 reached SQLite and crashed the handler (HTTP 500)."""
    cookies = _login(sim.url)
    before = len(sim.stderr)
    answer = httpx.get(sim.url + API + path, params=params, cookies=cookies, timeout=10)
    assert answer.status_code < 500, f"HTTP {answer.status_code}: {answer.text[:300]}"
    tail = sim.stderr[before:]
    assert "Traceback" not in tail, tail[-2000:]


# -- random bytes on the socket ------------------------------------------------------------------


def _garbage(rng: random.Random) -> bytes:
    kind = rng.randrange(6)
    junk = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400)))
    if kind == 0:
        return junk
    if kind == 1:  # a request line, then garbage headers
        return (
            b"GET " + API.encode() + b"/user/userInfo HTTP/1.1\r\n" + junk + b"\r\n\r\n"
        )
    if kind == 2:  # a lying Content-Length
        return (
            b"POST " + API.encode() + b"/entrance/submit HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\nContent-Length: 99999\r\n\r\n" + junk
        )
    if kind == 3:  # invalid UTF-8 as a JSON body
        body = b'{"userName": "\xff\xfe' + junk + b'"}'
        return (
            b"POST "
            + API.encode()
            + b"/user/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
    if kind == 4:  # a huge header line
        return b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n"
    return (
        b"GET "
        + API.encode()
        + b"/entrance/"
        + junk.hex().encode()[:300]
        + b"/status HTTP/1.1\r\nHost: x\r\n\r\n"
    )


def _blast(port: int, payload: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        s.settimeout(0.5)
        try:
            s.sendall(payload)
            s.shutdown(socket.SHUT_WR)
            chunks = []
            while True:
                data = s.recv(65536)
                if not data:
                    break
                chunks.append(data)
        except OSError:  # reset or timed out: closing on garbage is a fine answer
            return b""
    return b"".join(chunks)


def test_random_bytes_on_the_socket_never_crash_the_simulator(sim: Any) -> None:
    proc = _process(sim)
    before = _rss(proc)
    port = int(sim.url.rsplit(":", 1)[1])
    rng = random.Random(20261128)
    answered = 0
    for i in range(150):
        reply = _blast(port, _garbage(rng))
        if not reply:
            continue
        answered += 1
        head, _, body = reply.partition(b"\r\n\r\n")
        status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        assert status_line.startswith("HTTP/1."), (
            f"payload {i}: not HTTP: {status_line!r}"
        )
        _assert_no_crash(int(status_line.split()[1]), body, f"payload {i}")
    after = _rss(proc)
    print(  # noqa: T201 - issue 7 asks for the RSS figures to be printed
        f"\n150 garbage connections, {answered} answered; simulator RSS {before / 2**20:.1f} -> {after / 2**20:.1f} MiB"
    )
    assert answered > 0
    _assert_alive(sim, proc)
    assert after - before < RSS_GROWTH_BOUND


# -- 1,000 concurrent kills and polls of the same job --------------------------------------------


def _submit_long_job(url: str, cookies: dict[str, str]) -> tuple[str, int]:
    body = {
        "executionContent": {
            "code": "# linkis-sim: duration=100000 lines=50\necho hi",
            "runType": "shell",
        },
        "labels": {"engineType": "shell-1", "userCreator": "alice-IDE"},
        "params": {},
    }
    answer = httpx.post(
        url + API + "/entrance/submit", json=body, cookies=cookies, timeout=10
    )
    data = answer.json()
    assert data["status"] == 0, data
    return str(data["data"]["execID"]), int(data["data"]["taskID"])


async def _raw_get(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str, cookie: str
) -> tuple[int, dict[str, Any]]:
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n\r\n".encode()
    )
    await writer.drain()
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    status = int(head.split(" ", 2)[1])
    length = next(
        int(line.split(":", 1)[1])
        for line in head.split("\r\n")
        if line.lower().startswith("content-length:")
    )
    return status, json.loads(await reader.readexactly(length))


async def _storm(
    url: str, cookies: dict[str, str], exec_id: str, n: int, connections: int = 50
) -> list[tuple[str, int, dict[str, Any]]]:
    """`n` requests, kill and status alternating, over `connections` keep-alive sockets at once.

    A bare asyncio HTTP/1.1 client: on 2 shared cores httpx's own overhead would dominate.
    """
    host, port = url.removeprefix("http://").split(":")
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    results: list[tuple[str, int, dict[str, Any]]] = []

    async def connection(k: int) -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            for i in range(k, n, connections):
                op = "kill" if i % 2 == 0 else "status"
                status, body = await _raw_get(
                    reader, writer, f"{API}/entrance/{exec_id}/{op}", cookie
                )
                results.append((op, status, body))
        finally:
            writer.close()

    await asyncio.gather(*(connection(k) for k in range(connections)))
    return results


def test_a_thousand_concurrent_kills_and_polls_leave_one_consistent_story(
    sim: Any,
) -> None:
    cookies = _login(sim.url)
    exec_id, task_id = _submit_long_job(sim.url, cookies)
    results = asyncio.run(_storm(sim.url, cookies, exec_id, 1000))
    assert len(results) == 1000
    for op, http_status, envelope in results:
        _assert_no_crash(http_status, json.dumps(envelope).encode(), op)
        assert set(envelope) >= {"method", "status", "message", "data"}, envelope
    kills = [e for op, _, e in results if op == "kill"]
    assert any(e["status"] == 0 for e in kills), "no kill succeeded"
    states = [
        e["data"].get("status")
        for op, _, e in results
        if op == "status" and e["status"] == 0
    ]
    terminal_seen = {s for s in states if s in TERMINAL}
    assert terminal_seen <= {"Cancelled"}, terminal_seen

    # After the storm: the entrance and job history tell the same single terminal story.
    final: set[str] = set()
    for _ in range(200):
        status = httpx.get(
            f"{sim.url}{API}/entrance/{exec_id}/status", cookies=cookies, timeout=10
        ).json()
        history = httpx.get(
            f"{sim.url}{API}/jobhistory/{task_id}/get", cookies=cookies, timeout=10
        ).json()
        entrance_state = status["data"].get("status") if status["status"] == 0 else None
        history_state = history["data"]["task"]["status"]
        if entrance_state in TERMINAL and history_state in TERMINAL:
            final = {entrance_state, history_state}
            break
    assert final == {"Cancelled"}, final
    for _ in range(5):  # and it stays there
        history = httpx.get(
            f"{sim.url}{API}/jobhistory/{task_id}/get", cookies=cookies, timeout=10
        ).json()
        assert history["data"]["task"]["status"] == "Cancelled"
    listed = httpx.get(
        f"{sim.url}{API}/jobhistory/list",
        params={"pageSize": 100},
        cookies=cookies,
        timeout=10,
    ).json()
    assert listed["status"] == 0, f"{listed}\nsimulator stderr:\n{sim.stderr[-3000:]}"
    mine = [t for t in listed["data"]["tasks"] if int(t["taskID"]) == task_id]
    assert len(mine) == 1, "the job appears once in job history"
    assert mine[0]["status"] == "Cancelled"
    _assert_no_traceback_logged(sim)
