"""`Simulator`: the embedded Linkis simulator for tests, in this process or as a subprocess.

    with Simulator(speed=20) as sim:           # in-process: uvicorn in a thread, port 0
        httpx.get(sim.url + "/api/rest_j/v1/user/userInfo")
        with sim.fault("log-lose-lines"):      # switched on for the block, off after it
            ...

The server binds port 0 itself and reports the port it got (no port is picked and passed on).
`subprocess=True` runs `linkis-harness serve` in a child process instead (faults then are
fixed at start: give them as `faults=`).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from linkis_harness.config import API_PREFIX
from linkis_harness.core.execid import ExecIdLayout
from linkis_harness.core.rules import RuleSet, parse_rules
from linkis_harness.core.versions import LATEST_VERSION, traits
from linkis_harness.errors import ConfigError, HarnessError
from linkis_harness.simulator.app import create_app
from linkis_harness.simulator.auth import ADMIN, DEFAULT_USERS, Auth
from linkis_harness.simulator.clock import SystemClock
from linkis_harness.simulator.faults import FAULTS, Faults, known
from linkis_harness.simulator.history import History
from linkis_harness.simulator.jobs import JobStore
from linkis_harness.simulator.launch import RunningSimulator, start_simulator
from linkis_harness.simulator.server import RawHeaderProtocol

__all__ = ["Simulator"]

_START_TIMEOUT = 20.0


class Simulator:
    """A running Linkis twin: `url` (gateway root), `users`, `fault(name)`, `jobs()`.

    Arguments are keyword-only: `speed` divides every job duration, `linkis_version` picks
    the release imitated (1.0 to 1.8, 0.11; default the newest, as `serve`), `users` the login accounts (user → password),
    `faults` the fault modes on from the start, `proxy_rules`/`token_rules` files, and
    `subprocess` runs it as a child process rather than in a thread of this one.
    In-process only: `tls=(certfile, keyfile)` serves HTTPS (a gateway behind a self-signed
    certificate), and `latency` delays answers whose path contains a key by that many seconds
    (to test a client's timeouts).
    """

    def __init__(
        self,
        *,
        speed: float = 1.0,
        linkis_version: str = str(LATEST_VERSION),
        users: Mapping[str, str] | None = None,
        faults: Sequence[str] = (),
        proxy_rules: Path | str | None = None,
        token_rules: Path | str | None = None,
        subprocess: bool = False,
        tls: tuple[Path | str, Path | str] | None = None,
        latency: Mapping[str, float] | None = None,
    ) -> None:
        if not speed > 0:
            raise ConfigError(f"speed {speed}: expected a number > 0")
        self._traits = traits(linkis_version)
        self.linkis_version = str(self._traits.version)
        self.users: dict[str, str] = dict(users if users is not None else DEFAULT_USERS)
        self.speed = speed
        self._faults = Faults(frozenset(known(name) for name in faults))
        self._rules = (proxy_rules, token_rules)
        self._subprocess = subprocess
        self._tls = tls
        self._latency = dict(latency or {})
        if subprocess and (tls or latency):
            raise ConfigError("tls and latency need the in-process simulator")
        self._url: str | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._child: contextlib.ExitStack | None = None

    # -- life ---------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The gateway root, `http://127.0.0.1:PORT` (the REST API is under `/api/rest_j/v1`)."""
        if self._url is None:
            raise HarnessError("the simulator is not running: call start() first")
        return self._url

    @property
    def api_base(self) -> str:
        """`url` + `/api/rest_j/v1`."""
        return self.url + API_PREFIX

    def start(self) -> Simulator:
        """Start serving (returns self); raise `HarnessError` when it cannot start."""
        if self._url is not None:
            return self
        if self._subprocess:
            self._start_child()
        else:
            self._start_thread()
        return self

    def stop(self) -> None:
        """Stop serving (idempotent)."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(10)
        if self._child is not None:
            self._child.close()
        self._server = self._thread = self._child = None
        self._url = None

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _start_child(self) -> None:
        stack = contextlib.ExitStack()
        proxy, token = self._rules
        extra = ["--linkis-version", self.linkis_version]
        running: RunningSimulator = stack.enter_context(
            start_simulator(
                fault=",".join(sorted(self._faults.names)) or None,
                proxy_rules=proxy,
                token_rules=token,
                speed=self.speed,
                extra_args=extra,
            )
        )
        self._child = stack
        self._url = running.url

    def _start_thread(self) -> None:
        proxy, token = self._rules
        auth = Auth(
            version=self._traits,
            users=self.users,
            token_rules=_rules(token, "token"),
            proxy_rules=_rules(proxy, "proxy"),
            faults=self._faults,
        )
        sock = socket.socket(socket.AF_INET)
        sock.bind(("127.0.0.1", 0))
        sock.listen(512)
        host, port = sock.getsockname()[:2]
        clock = SystemClock()
        store = JobStore(
            legacy=self._traits.execid_layout is ExecIdLayout.LEGACY,
            history=History(":memory:"),
            clock=clock,
            instance=f"{host}:{port}",
            speed=self.speed,
            evict_after=600.0,
        )
        app = create_app(store, clock, auth=auth, faults=self._faults)
        if self._latency:
            app = _Latency(app, self._latency)
        certfile, keyfile = self._tls if self._tls else (None, None)
        config = uvicorn.Config(
            app,
            http=RawHeaderProtocol,
            log_level="warning",
            access_log=False,
            ssl_certfile=str(certfile) if certfile else None,
            ssl_keyfile=str(keyfile) if keyfile else None,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run,
            kwargs={"sockets": [sock]},
            name=f"linkis-simulator-{port}",
            daemon=True,
        )
        thread.start()
        started = threading.Event()
        for _ in range(int(_START_TIMEOUT / 0.01)):
            if server.started or not thread.is_alive():
                started.set()
                break
            started.wait(0.01)
        if not server.started:
            server.should_exit = True
            thread.join(5)
            sock.close()
            raise HarnessError("the in-process simulator did not start")
        self._server, self._thread = server, thread
        scheme = "https" if self._tls else "http"
        self._url = f"{scheme}://{host}:{port}"

    # -- faults -------------------------------------------------------------------------------

    @property
    def faults(self) -> frozenset[str]:
        """The fault modes on now."""
        return self._faults.names

    @staticmethod
    def known_faults() -> list[str]:
        """Every fault mode's name (`linkis-harness serve --fault list` describes them)."""
        return list(FAULTS)

    @contextlib.contextmanager
    def _switched(self, name: str, on: bool) -> Iterator[None]:
        before = name in self._faults.names
        try:
            yield
        finally:
            self._faults.switch(name, before)

    def fault(
        self, name: str, on: bool = True
    ) -> contextlib.AbstractContextManager[None]:
        """Switch the fault `name` on (or off) now; as a context manager, switch back after.

        An unknown name raises `ConfigError` listing the known ones. In-process only: a
        subprocess simulator takes its faults at start (`faults=`).
        """
        known(name)
        if self._subprocess:
            raise ConfigError(
                "fault(): a subprocess simulator cannot switch faults while running; "
                "pass faults=[...] when starting it, or use the in-process simulator"
            )
        restore = self._switched(name, on)
        self._faults.switch(name, on)
        return restore

    # -- job history --------------------------------------------------------------------------

    def jobs(
        self, *, user: str | None = None, limit: int = 100
    ) -> list[dict[str, Any]]:
        """Job history rows (newest first), as `GET /jobhistory/list` answers them to the admin."""
        params: dict[str, Any] = {"pageSize": limit, "pageNow": 1}
        if user is not None:
            params["proxyUser"] = user
        with self._admin() as http:
            answer = http.get(self.api_base + "/jobhistory/list", params=params)
        data = answer.json().get("data") or {}
        tasks = data.get("tasks") or []
        return [t for t in tasks if isinstance(t, dict)]

    def job(self, task_id: int | str) -> dict[str, Any] | None:
        """One job's history row (`GET /jobhistory/{id}/get`), None when there is none."""
        with self._admin() as http:
            answer = http.get(self.api_base + f"/jobhistory/{task_id}/get")
        data = answer.json().get("data") or {}
        task = data.get("task")
        return task if isinstance(task, dict) else None

    @contextlib.contextmanager
    def _admin(self) -> Iterator[httpx.Client]:
        password = self.users.get(ADMIN) or DEFAULT_USERS[ADMIN]
        with httpx.Client(timeout=30.0, verify=False) as http:
            http.post(
                self.api_base + "/user/login",
                json={"userName": ADMIN, "password": password},
            )
            yield http

    def __repr__(self) -> str:
        where = self._url or "not running"
        return f"Simulator({where}, Linkis {self.linkis_version}, faults={sorted(self.faults)})"


class _Latency:
    """ASGI middleware: answers whose path contains a key wait that many seconds first."""

    def __init__(self, app: ASGIApp, latency: Mapping[str, float]) -> None:
        self.app = app
        self.latency = latency

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = str(scope.get("path", ""))
            delay = max((v for k, v in self.latency.items() if k in path), default=0.0)
            if delay > 0:
                await asyncio.sleep(delay)
        await self.app(scope, receive, send)


def _rules(path: Path | str | None, kind: str) -> RuleSet | None:
    if path is None:
        return None
    text = Path(path).read_text(encoding="utf-8")
    return parse_rules(text, source=str(path), kind=kind)  # type: ignore[arg-type]
