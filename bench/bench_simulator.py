"""Simulator benchmarks, printed as ratios measured side by side (never asserted in tests).

    .venv/bin/python bench/bench_simulator.py            # everything (about a minute)
    .venv/bin/python bench/bench_simulator.py status     # one part: status | memory | logs | stacks

status  `GET /entrance/{execID}/status` requests/s vs a trivial JSON endpoint on the same
        uvicorn+Starlette process, alternating short rounds (target ratio >= 0.7).
memory  RSS for 10,000 live jobs and 100,000 job-history rows (in process).
logs    paging a whole 1,000,000-line log at size 1000 vs a 100,000-line one (target ~10x).
stacks  the trivial endpoint on starlette+uvicorn, granian (same ASGI app) and aiohttp.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
API = "/api/rest_j/v1"
CONNECTIONS = 16
ROUND_SECONDS = 1.5
ROUNDS = 3
TRIVIAL_BODY = {"method": "/api/trivial", "status": 0, "message": "OK", "data": {}}


# -- the apps under test ---------------------------------------------------------------------------


def build_app() -> Any:
    """Build the simulator app plus `/trivial` (a constant JSON answer) on the same Starlette stack."""
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from linkis_harness.simulator.app import create_app
    from linkis_harness.simulator.clock import SystemClock
    from linkis_harness.simulator.history import History
    from linkis_harness.simulator.jobs import JobStore

    async def trivial(request: Any) -> JSONResponse:
        return JSONResponse(TRIVIAL_BODY)

    clock = SystemClock()
    store = JobStore(
        history=History(),
        clock=clock,
        instance=os.environ.get("BENCH_INSTANCE", "127.0.0.1:1"),
    )
    sim = create_app(store, clock)
    plain = Starlette(routes=[Route("/trivial", trivial)])

    async def app(scope: Any, receive: Any, send: Any) -> None:
        target = plain if scope.get("path") == "/trivial" else sim
        await target(scope, receive, send)

    return app


def _aiohttp_main(port: int) -> None:
    from aiohttp import web

    async def trivial(request: web.Request) -> web.Response:
        return web.json_response(TRIVIAL_BODY)

    app = web.Application()
    app.router.add_get("/trivial", trivial)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def _uvicorn_main(port: int) -> None:
    import uvicorn

    from linkis_harness.simulator.server import RawHeaderProtocol

    os.environ["BENCH_INSTANCE"] = f"127.0.0.1:{port}"
    uvicorn.run(
        build_app(),
        host="127.0.0.1",
        port=port,
        http=RawHeaderProtocol,
        log_level="warning",
        access_log=False,
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(stack: str) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    env = {**os.environ, "BENCH_INSTANCE": f"127.0.0.1:{port}", "PYTHONPATH": str(ROOT)}
    if stack == "granian":
        command = [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "asgi",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-ws",
            "bench_simulator:build_app",
        ]
    else:
        command = [sys.executable, str(Path(__file__)), f"--serve-{stack}", str(port)]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"{stack} did not start on port {port}")


# -- a small keep-alive HTTP/1.1 load generator (fast enough not to be the bottleneck) -----------


async def _worker(port: int, request: bytes, stop: float, counter: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.monotonic() < stop:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            if not head.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(head.split(b"\r\n", 1)[0].decode())
            counter[0] += 1
    finally:
        writer.close()


def _rate(
    port: int, path: str, cookie: str = "", seconds: float = ROUND_SECONDS
) -> float:
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{cookie}\r\n".encode()
    counter = [0]

    async def run() -> None:
        stop = time.monotonic() + seconds
        await asyncio.gather(
            *(_worker(port, request, stop, counter) for _ in range(CONNECTIONS))
        )

    started = time.monotonic()
    asyncio.run(run())
    return counter[0] / (time.monotonic() - started)


def _running_job(port: int) -> tuple[str, str]:
    import httpx

    http = httpx.Client(base_url=f"http://127.0.0.1:{port}{API}", timeout=10)
    http.post(
        "/user/login", json={"userName": "alice", "password": "alice123"}
    ).raise_for_status()
    body = {
        "executionContent": {
            "code": "# linkis-sim: duration=100000\necho bench",
            "runType": "shell",
        },
        "labels": {"engineType": "shell-1", "userCreator": "alice-IDE"},
    }
    exec_id = http.post("/entrance/submit", json=body).json()["data"]["execID"]
    ticket = http.cookies["linkis_user_session_ticket_id_v1"]
    return exec_id, f"Cookie: linkis_user_session_ticket_id_v1={ticket}\r\n"


# -- the benchmarks -------------------------------------------------------------------------------


def _served(
    process: subprocess.Popen[bytes], port: int, path: str, cookie: str
) -> tuple[float, float]:
    """One round: (requests/s on the wall clock, requests per CPU-second of the server process)."""
    import psutil

    server = psutil.Process(process.pid)
    before = sum(server.cpu_times()[:2])
    started = time.monotonic()
    rate = _rate(port, path, cookie, seconds=ROUND_SECONDS / 2)
    count = rate * (time.monotonic() - started)
    cpu = sum(server.cpu_times()[:2]) - before
    return rate, count / cpu if cpu > 0 else float("nan")


def bench_status() -> None:
    process, port = _start("uvicorn")
    try:
        exec_id, cookie = _running_job(port)
        _rate(port, "/trivial", seconds=0.5)  # warm-up
        wall, cpu = [], []
        for _ in range(
            ROUNDS * 2
        ):  # back-to-back pairs; the same headers go to both endpoints
            trivial = _served(process, port, "/trivial", cookie)
            status = _served(process, port, f"{API}/entrance/{exec_id}/status", cookie)
            wall.append(status[0] / trivial[0])
            cpu.append(status[1] / trivial[1])
        wall.sort()
        cpu.sort()
        print(
            f"status: median ratio {wall[len(wall) // 2]:.2f} in requests/s (range {wall[0]:.2f}-{wall[-1]:.2f}), "
            f"{cpu[len(cpu) // 2]:.2f} in requests per server CPU-second (range {cpu[0]:.2f}-{cpu[-1]:.2f}); "
            f"{len(cpu)} back-to-back pairs; target >= 0.70"
        )
    finally:
        process.terminate()
        process.wait()


def _rss() -> int:
    import psutil

    return int(psutil.Process().memory_info().rss)


def bench_memory() -> None:
    from linkis_harness.core.directive import Directive
    from linkis_harness.simulator.clock import ManualClock
    from linkis_harness.simulator.history import History
    from linkis_harness.simulator.jobs import JobStore

    clock = ManualClock()
    store = JobStore(
        history=History(), clock=clock, instance="127.0.0.1:9001", evict_after=60.0
    )
    record = {
        "submit_user": "alice",
        "execute_user": "alice",
        "creator": "IDE",
        "engine_type": "shell-1",
        "run_type": "shell",
        "code": "# linkis-sim: duration=1\necho bench\n",
        "style": "submit",
        "labels": {"engineType": "shell-1", "userCreator": "alice-IDE"},
        "params": {},
        "source": {},
    }
    base = _rss()
    short = Directive(duration=1.0)
    for _ in range(90_000):  # history rows that end and leave entrance memory
        store.admit(store.create(record=dict(record), directive=short))
        clock.advance(0.01)
    clock.advance(3600)
    history_only = _rss()
    long = Directive(duration=1e9)
    for _ in range(10_000):  # jobs alive at once
        store.admit(store.create(record=dict(record), directive=long))
    live = _rss()
    rows = store.history.count()
    print(
        f"memory: {rows:,} history rows, {len(store):,} jobs in entrance memory; RSS +{(history_only - base) / 2**20:.0f} MiB "
        f"for 90,000 finished jobs ({(history_only - base) / 90_000:.0f} B/row), +{(live - history_only) / 2**20:.0f} MiB for 10,000 "
        f"live jobs ({(live - history_only) / 10_000:.0f} B/job); bound: {(live - base) / 2**20:.0f} MiB total"
    )


def _page_through(lines: int) -> tuple[float, int]:
    from linkis_harness.core.directive import Directive
    from linkis_harness.simulator.clock import ManualClock
    from linkis_harness.simulator.entrance_log import LogReader
    from linkis_harness.simulator.faults import Faults
    from linkis_harness.simulator.history import History
    from linkis_harness.simulator.jobs import JobStore
    from linkis_harness.simulator.responses import Responder

    clock = ManualClock()
    store = JobStore(history=History(), clock=clock, instance="127.0.0.1:9001")
    record = {
        "submit_user": "alice",
        "execute_user": "alice",
        "creator": "IDE",
        "engine_type": "shell-1",
        "run_type": "shell",
        "code": "echo",
        "style": "submit",
        "labels": {},
        "params": {},
        "source": {},
    }
    job = store.create(record=record, directive=Directive(duration=10, lines=lines))
    clock.advance(100)
    reader = LogReader(store, Faults(), Responder("entrance", Faults()))
    started = time.perf_counter()
    from_line, pages = 0, 0
    while True:
        _log, next_line = reader._read(job, from_line, 1000, distinct=True)
        if next_line == from_line:
            break
        from_line, pages = next_line, pages + 1
    return time.perf_counter() - started, pages


def bench_logs() -> None:
    small, small_pages = _page_through(100_000)
    big, big_pages = _page_through(1_000_000)
    print(
        f"logs: paging at size 1000: {small_pages} pages of a 100,000-line log in {small:.2f}s, "
        f"{big_pages} pages of a 1,000,000-line log in {big:.2f}s; ratio {big / small:.1f}x "
        f"(pages {big_pages / small_pages:.1f}x; per page {big / big_pages * 1e3:.2f} vs {small / small_pages * 1e3:.2f} ms)"
    )


def bench_stacks() -> None:
    stacks = ("uvicorn", "granian", "aiohttp")
    servers = {stack: _start(stack) for stack in stacks}
    try:
        targets: dict[str, tuple[int, str, str]] = {}
        for stack, (_, port) in servers.items():
            _rate(port, "/trivial", seconds=0.3)
            targets[stack] = (port, "/trivial", "")
            if (
                stack != "aiohttp"
            ):  # the simulator is an ASGI app: uvicorn and granian only
                exec_id, cookie = _running_job(port)
                targets[f"{stack} status"] = (
                    port,
                    f"{API}/entrance/{exec_id}/status",
                    cookie,
                )
        samples: dict[str, list[float]] = {name: [] for name in targets}
        for _ in range(
            ROUNDS * 2
        ):  # interleaved, so a load change on the machine hits all alike
            for name, (port, path, cookie) in targets.items():
                samples[name].append(
                    _rate(port, path, cookie, seconds=ROUND_SECONDS / 3)
                )
        rates = {
            name: sorted(values)[len(values) // 2] for name, values in samples.items()
        }
    finally:
        for process, _ in servers.values():
            process.terminate()
            process.wait()
    base = rates["uvicorn"]
    print(
        "stacks (median req/s): "
        + ", ".join(
            f"{name} {rate:,.0f} ({rate / base:.2f}x)" for name, rate in rates.items()
        )
    )


BENCHES = {
    "status": bench_status,
    "memory": bench_memory,
    "logs": bench_logs,
    "stacks": bench_stacks,
}


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] in ("--serve-uvicorn", "--serve-aiohttp"):
        (_uvicorn_main if argv[0] == "--serve-uvicorn" else _aiohttp_main)(int(argv[1]))
        return 0
    wanted = argv or list(BENCHES)
    for name in wanted:
        if name not in BENCHES:
            print(
                f"unknown benchmark {name!r}; choose from {', '.join(BENCHES)}",
                file=sys.stderr,
            )
            return 2
        BENCHES[name]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
