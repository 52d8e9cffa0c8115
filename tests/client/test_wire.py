"""What LinkisClient puts on the wire for each call, and how it reads odd answers (no server)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from linkis_harness import config
from linkis_harness.client import LinkisClient
from linkis_harness.errors import LoginFailed
from linkis_harness.safety import (
    DryRunStop,
    ReadOnlyRefused,
    RequestGuard,
    SafetyPolicy,
)

BASE = "http://gw:9001/api/rest_j/v1"
EXEC_ID = "exec_id018014linkis-cg-entrancelocalhost:9104IDE_alice_shell_0"
OK = {"method": "m", "status": 0, "message": "OK", "data": {}}


class Recorder:
    def __init__(
        self, answer: Callable[[httpx.Request], httpx.Response] | None = None
    ) -> None:
        self.requests: list[httpx.Request] = []
        self.answer = answer or (lambda request: httpx.Response(200, json=OK))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answer(request)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]


def _client(recorder: Recorder, *, guard: RequestGuard | None = None) -> LinkisClient:
    settings = config.load(
        {"target": "http://gw:9001", "token_code": "T0K", "token_user": "alice"},
        environ={},
    )
    return LinkisClient(
        settings,
        http=httpx.Client(transport=httpx.MockTransport(recorder)),
        guard=guard,
    )


@pytest.mark.parametrize(
    ("call", "method", "url", "body"),
    [
        (lambda c: c.status(EXEC_ID), "GET", f"/entrance/{EXEC_ID}/status", None),
        (
            lambda c: c.status(EXEC_ID, 7),
            "GET",
            f"/entrance/{EXEC_ID}/status?taskID=7",
            None,
        ),
        (lambda c: c.progress(EXEC_ID), "GET", f"/entrance/{EXEC_ID}/progress", None),
        (
            lambda c: c.progress_with_resource(EXEC_ID),
            "GET",
            f"/entrance/{EXEC_ID}/progressWithResource",
            None,
        ),
        (lambda c: c.log(EXEC_ID), "GET", f"/entrance/{EXEC_ID}/log", None),
        (
            lambda c: c.log(EXEC_ID, 0, -1, distinct_level=False),
            "GET",
            f"/entrance/{EXEC_ID}/log?fromLine=0&size=-1&distinctLevel=false",
            None,
        ),
        (
            lambda c: c.kill(EXEC_ID, 9),
            "GET",
            f"/entrance/{EXEC_ID}/kill?taskID=9",
            None,
        ),
        (
            lambda c: c.kill_jobs(EXEC_ID, [EXEC_ID], [9]),
            "POST",
            f"/entrance/{EXEC_ID}/killJobs",
            {"idList": [EXEC_ID], "taskIDList": [9]},
        ),
        (lambda c: c.pause(EXEC_ID), "GET", f"/entrance/{EXEC_ID}/pause", None),
        (
            lambda c: c.execute({"executionCode": "ls"}),
            "POST",
            "/entrance/execute",
            {"executionCode": "ls"},
        ),
        (
            lambda c: c.submit({"labels": {}}),
            "POST",
            "/entrance/submit",
            {"labels": {}},
        ),
        (lambda c: c.job_history(12), "GET", "/jobhistory/12/get", None),
        (
            lambda c: c.job_history_list(pageSize=1, status="Running"),
            "GET",
            "/jobhistory/list?pageSize=1&status=Running",
            None,
        ),
        (
            lambda c: c.dir_file_trees("hdfs:///tmp/x"),
            "GET",
            "/filesystem/getDirFileTrees?path=hdfs%3A%2F%2F%2Ftmp%2Fx",
            None,
        ),
        (
            lambda c: c.open_file("/r/_0.dolphin", page=2, page_size=5),
            "GET",
            "/filesystem/openFile?path=%2Fr%2F_0.dolphin&page=2&pageSize=5",
            None,
        ),
        (
            lambda c: c.open_log("/l/1.log"),
            "GET",
            "/filesystem/openLog?path=%2Fl%2F1.log",
            None,
        ),
        (lambda c: c.user_info(), "GET", "/user/userInfo", None),
    ],
)
def test_each_call_sends_the_linkis_request(
    call: Callable[[LinkisClient], Any], method: str, url: str, body: object
) -> None:
    recorder = Recorder()
    answer = call(_client(recorder))
    assert recorder.last.method == method
    assert str(recorder.last.url) == BASE + url
    assert recorder.last.headers["Token-Code"] == "T0K"
    assert recorder.last.headers["Token-User"] == "alice"
    if body is None:
        assert recorder.last.content == b""
    else:
        assert json.loads(recorder.last.content) == body
        assert recorder.last.headers["Content-Type"] == "application/json"
    assert answer.ok


def test_auth_false_sends_no_credentials() -> None:
    recorder = Recorder()
    _client(recorder).request("GET", "jobhistory/list", auth=False)
    assert "Token-Code" not in recorder.last.headers
    assert str(recorder.last.url) == BASE + "/jobhistory/list"


def test_non_envelope_answers_keep_the_raw_body() -> None:
    spring = {
        "timestamp": 1,
        "status": 500,
        "error": "Internal Server Error",
        "path": "/x",
    }
    for response in (
        httpx.Response(500, json=spring),
        httpx.Response(502, text="<html>Bad Gateway</html>"),
        httpx.Response(200, content=b""),
    ):
        answer = _client(Recorder(lambda request, r=response: r)).job_history_list()
        assert answer.envelope is None
        assert answer.status is None
        assert answer.data == {}
        assert answer.message == ""
        assert not answer.ok
        assert answer.body == response.content
    assert answer.json() is None


def test_a_body_that_lies_about_gzip_is_kept_raw() -> None:
    class Plain(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            yield json.dumps(OK).encode()

    lie = httpx.Response(200, stream=Plain(), headers={"Content-Encoding": "gzip"})
    answer = _client(Recorder(lambda request: lie)).job_history_list()
    assert answer.envelope is None
    assert answer.body == json.dumps(OK).encode()


def test_text_is_scrubbed_and_cut() -> None:
    echo = {
        "method": None,
        "status": -1,
        "message": "Token Authentication Failed, token: T0K" + "x" * 3000,
        "data": {},
    }
    answer = _client(
        Recorder(lambda request: httpx.Response(401, json=echo))
    ).user_info()
    text = answer.text(limit=100)
    assert "T0K" not in text
    assert text.endswith(f"... ({len(answer.text(limit=10**6))} chars)")
    assert "T0K" not in answer.evidence()


def test_a_refused_or_odd_login_is_login_failed() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/user/login"):
            return httpx.Response(502, text="upstream down")
        return httpx.Response(200, json=OK)

    settings = config.load(
        {"target": "http://gw:9001", "user": "alice", "password": "pw-secret"},
        environ={},
    )
    client = LinkisClient(
        settings, http=httpx.Client(transport=httpx.MockTransport(refuse))
    )
    with pytest.raises(LoginFailed, match="not a Linkis envelope: 'upstream down'"):
        client.login()

    def no_cookie(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=OK)

    client = LinkisClient(
        settings, http=httpx.Client(transport=httpx.MockTransport(no_cookie))
    )
    with pytest.raises(LoginFailed, match="set no session cookie"):
        client.login()
    assert client.login(raise_on_refusal=False).ok


def test_proxy_adopts_the_new_session_and_logout_forgets_it() -> None:
    def gateway(request: httpx.Request) -> httpx.Response:
        name = request.url.path.rsplit("/", 1)[-1]
        cookie = {"login": "t-alice", "proxy": "t-bob"}.get(name)
        headers = (
            {"Set-Cookie": f"linkis_user_session_ticket_id_v1={cookie}; Path=/"}
            if cookie
            else {}
        )
        return httpx.Response(200, json=OK, headers=headers)

    recorder = Recorder(gateway)
    settings = config.load(
        {"target": "http://gw:9001", "user": "alice", "password": "pw"}, environ={}
    )
    client = LinkisClient(
        settings, http=httpx.Client(transport=httpx.MockTransport(recorder))
    )
    client.login()
    proxied = client.proxy("bob", "ETL-PROXY")
    assert "validationCode=<validation-code>" in proxied.curl()
    assert "ETL-PROXY" not in proxied.curl()
    client.user_info()
    assert recorder.last.headers["Cookie"] == "linkis_user_session_ticket_id_v1=t-bob"
    client.logout()
    client.user_info()
    assert "Cookie" not in recorder.last.headers
    assert client.ticket_cookie is None


def test_the_guard_refuses_and_dry_run_describes() -> None:
    recorder = Recorder()
    read_only = RequestGuard(SafetyPolicy(read_only=True))
    client = _client(recorder, guard=read_only)
    with pytest.raises(ReadOnlyRefused):
        client.kill(EXEC_ID)
    assert client.status(EXEC_ID).ok
    described: list[str] = []
    dry = LinkisClient(
        client.settings,
        http=httpx.Client(transport=httpx.MockTransport(recorder)),
        guard=RequestGuard(SafetyPolicy(dry_run=True)),
        on_dry_run=described.append,
    )
    sent = len(recorder.requests)
    with pytest.raises(DryRunStop):
        dry.submit({"labels": {}})
    assert len(recorder.requests) == sent
    assert described[0].startswith(f"DRY-RUN POST {BASE}/entrance/submit")
    assert "T0K" not in described[0]
