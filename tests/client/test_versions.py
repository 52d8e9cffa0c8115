"""Version detection against the simulator (1.x) and against gateways answering like 0.x / 1.0."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from linkis_harness import config
from linkis_harness.client import LinkisClient
from linkis_harness.client.versions import MISSING_TASK_ID, probe, resolve_version
from linkis_harness.core.execid import ExecIdLayout
from linkis_harness.core.versions import COOKIE_LEGACY, COOKIE_V1, TokenMatch, Version
from linkis_harness.simulator.launch import start_simulator


def _settings(target: str) -> config.Settings:
    return config.load({"target": target, "user": "alice", "password": "alice123"}, {})


def _envelope(method: str, status: int, message: str, data: dict[str, object]) -> bytes:
    body = {"method": method, "status": status, "message": message, "data": data}
    return json.dumps(body).encode()


def _old_gateway(
    cookie: str, *, again: int, history: tuple[int, bool]
) -> Callable[..., httpx.Response]:
    """A gateway answering the version questions like an older Linkis (Linkis 0.9.4 UserRestful.scala, QueryRestfulApi.java)."""

    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        http = {0: 200, 1: 400}
        if path.endswith("/user/login"):
            if cookie in request.headers.get("cookie", ""):
                data: dict[str, object] = (
                    {"redirectToIndex": True} if again == 1 else {}
                )
                return httpx.Response(
                    http[again],
                    content=_envelope(
                        "/api/user/login", again, "Already logged in", data
                    ),
                    headers={"content-type": "application/json"},
                )
            return httpx.Response(
                200,
                content=_envelope(
                    "/api/user/login", 0, "login successful", {"userName": "alice"}
                ),
                headers={
                    "content-type": "application/json",
                    "set-cookie": f"{cookie}=bfs_alice; Path=/",
                },
            )
        if path.endswith(f"/jobhistory/{MISSING_TASK_ID}/get"):
            status, task_null = history
            data = {"task": None} if task_null else {}
            return httpx.Response(
                http[status],
                content=_envelope(
                    f"/api/jobhistory/{MISSING_TASK_ID}/get", status, "", data
                ),
                headers={"content-type": "application/json"},
            )
        return httpx.Response(404)

    return handle


@pytest.mark.parametrize(
    ("cookie", "again", "history", "label", "layout", "match"),
    [
        (
            COOKIE_LEGACY,
            1,
            (0, True),
            "≤0.11",
            ExecIdLayout.LEGACY,
            TokenMatch.SUBSTRING,
        ),
        (
            COOKIE_LEGACY,
            1,
            (1, False),
            "1.0.0",
            ExecIdLayout.V1,
            TokenMatch.SUBSTRING,
        ),
        (
            COOKIE_LEGACY,
            0,
            (1, False),
            "1.0.1–1.1.0",
            ExecIdLayout.V1,
            TokenMatch.SUBSTRING,
        ),
        (COOKIE_V1, 0, (1, False), "1.1.1+", ExecIdLayout.V1, TokenMatch.EXACT),
    ],
)
def test_detects_the_version_from_old_answers(
    cookie: str,
    again: int,
    history: tuple[int, bool],
    label: str,
    layout: ExecIdLayout,
    match: TokenMatch,
) -> None:
    settings = _settings("http://gateway.test:9001")
    http = httpx.Client(
        transport=httpx.MockTransport(
            _old_gateway(cookie, again=again, history=history)
        )
    )
    with LinkisClient(settings, http=http) as client:
        found = probe(settings, client=client)
    assert found.detection is not None
    assert found.detection.label == label
    assert found.traits.execid_layout is layout
    assert found.traits.token_match is match
    assert found.traits.ticket_cookie == cookie
    assert label in found.describe()


def test_forced_version_sends_nothing() -> None:
    found = resolve_version(_settings("http://127.0.0.1:9"), "0.11")
    assert found.version == Version(0, 11)
    assert found.source == "--linkis-version"
    assert found.describe() == "Linkis 0.11 (--linkis-version)"


def test_unreachable_target_is_undetected_not_an_error() -> None:
    found = probe(_settings("http://127.0.0.1:9"))
    assert found.detection is not None
    assert not found.detection.known
    assert "not detectable" in found.describe()


@pytest.mark.slow
def test_simulator_is_detected_as_1x() -> None:
    with start_simulator() as sim:  # serves 1.8 by default
        found = probe(_settings(sim.url))
    assert found.detection is not None
    assert found.detection.label == "1.7+"
    assert len(found.detection.evidence) == 4
    assert found.traits.ticket_cookie == COOKIE_V1
    assert found.version == Version(1, 7)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("served", "label", "assumed"),
    [
        ("0.11", "≤0.11", Version(0, 11)),
        ("1.0", "1.0.0", Version(1, 0)),
        ("1.1", "1.0.1–1.1.0", Version(1, 1, 0)),
        ("1.2", "1.1.1–1.3.1", Version(1, 3, 1)),
        ("1.4", "1.3.2–1.4.x", Version(1, 4)),
        ("1.5", "1.5–1.6.x", Version(1, 5)),
        ("1.6", "1.5–1.6.x", Version(1, 5)),
        ("1.7", "1.7+", Version(1, 7)),
    ],
)
def test_simulator_pretending_an_older_version_is_detected(
    served: str, label: str, assumed: Version
) -> None:
    with start_simulator(extra_args=("--linkis-version", served)) as sim:
        found = probe(_settings(sim.url))
    assert found.detection is not None
    assert found.detection.label == label, found.describe()
    assert found.version == assumed


def test_a_1x_cookie_from_the_preflight_settles_it_without_a_request() -> None:
    # The target is unreachable: any request would make the detection unknown.
    found = resolve_version(
        _settings("http://127.0.0.1:9"), None, ticket_cookie=COOKIE_V1
    )
    assert found.detection is not None
    assert found.detection.label == "1.1.1+"
    assert found.version == Version(1, 4)
