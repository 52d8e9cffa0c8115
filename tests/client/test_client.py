"""LinkisClient against the simulator on a loopback port: login, token, re-login, errors, curl."""

from __future__ import annotations

import dataclasses
import shlex
import socket
import ssl
from collections.abc import Iterator

import httpx
import pytest

from linkis_harness import config
from linkis_harness.client import TICKET_COOKIES, LinkisClient
from linkis_harness.client.polling import is_terminal, wait_for_terminal
from linkis_harness.client.transport import tls_verify
from linkis_harness.errors import ConfigError, LoginFailed, TargetUnreachable
from linkis_harness.resources import data_dir
from linkis_harness.resources.workloads import load_workloads
from linkis_harness.simulator.launch import RunningSimulator, start_simulator

pytestmark = pytest.mark.slow

TOKEN_RULES = data_dir("fixtures") / "rules" / "tokens.properties"
TOKEN = "CLI-TOKEN-91ad2e07"  # allows alice and bob in the sample rules


@pytest.fixture(scope="module")
def sim() -> Iterator[RunningSimulator]:
    with start_simulator(speed=20.0, token_rules=TOKEN_RULES) as running:
        yield running


def _settings(sim: RunningSimulator, **values: object) -> config.Settings:
    return config.load({"target": sim.url, **values}, environ={})


@pytest.fixture
def alice(sim: RunningSimulator) -> Iterator[LinkisClient]:
    with LinkisClient(_settings(sim, user="alice", password="alice123")) as client:
        client.login()
        yield client


def _quick_body(user: str) -> dict[str, object]:
    quick = next(w for w in load_workloads() if w.name == "shell-quick")
    return quick.submit_body(user=user)


def test_login_keeps_the_session_cookie(alice: LinkisClient) -> None:
    assert alice.ticket_cookie in TICKET_COOKIES
    info = alice.user_info()
    assert info.ok
    assert info.data["userName"] == "alice"
    assert alice.job_history_list(pageSize=1).http_status == 200


def test_without_login_the_gateway_says_401(sim: RunningSimulator) -> None:
    with LinkisClient(_settings(sim)) as anon:
        answer = anon.job_history_list(pageSize=1)
    assert answer.http_status == 401
    assert answer.status == -1
    assert anon.relogins == 0


def test_wrong_password_is_login_failed(sim: RunningSimulator) -> None:
    with LinkisClient(
        _settings(sim, user="alice", password="not-her-password")
    ) as client:
        with pytest.raises(
            LoginFailed,
            match=r"login as 'alice' refused by http://127\.0\.0\.1:\d+: HTTP 400, status 1",
        ) as caught:
            client.login()
        refused = client.login(raise_on_refusal=False)
    assert "not-her-password" not in str(caught.value)
    assert refused.status == 1
    assert client.ticket_cookie is None


def test_login_without_credentials_is_a_config_error(sim: RunningSimulator) -> None:
    with (
        LinkisClient(_settings(sim)) as client,
        pytest.raises(ConfigError, match="--linkis-user"),
    ):
        client.login()


def test_relogs_once_after_the_session_is_dropped(alice: LinkisClient) -> None:
    old = alice._ticket
    # Log the ticket out on the server while the client keeps it (an expired session).
    assert alice.request("GET", "/user/logout").ok
    answer = alice.job_history_list(pageSize=1)
    assert answer.ok
    assert alice.relogins == 1
    assert alice._ticket != old


def test_token_mode_sends_both_headers_on_every_call(sim: RunningSimulator) -> None:
    settings = _settings(sim, token_code=TOKEN, token_user="bob")
    with LinkisClient(settings) as client:
        client.authenticate()
        answer = client.submit(_quick_body("bob"))
        assert answer.ok, answer.evidence()
        sent = dict(answer.sent_headers)
        assert sent["Token-Code"] == TOKEN
        assert sent["Token-User"] == "bob"
        assert "Cookie" not in sent
        assert client.ticket_cookie is None
        history = client.job_history(answer.data["taskID"])
        assert history.data["task"]["umUser"] == "bob"


def test_refused_token_is_login_failed(sim: RunningSimulator) -> None:
    settings = _settings(
        sim, token_code=TOKEN, token_user="hadoop"
    )  # not on the token's list
    with (
        LinkisClient(settings) as client,
        pytest.raises(LoginFailed, match="token 'hadoop' refused"),
    ):
        client.authenticate()


def test_closed_port_is_target_unreachable_in_one_line() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = config.load(
        {"target": f"http://127.0.0.1:{port}", "timeout": 2.0}, environ={}
    )
    with LinkisClient(settings) as client, pytest.raises(TargetUnreachable) as caught:
        client.user_info()
    text = str(caught.value)
    assert text.startswith(f"cannot reach http://127.0.0.1:{port}: connection refused")
    assert "\n" not in text


def test_unresolvable_host_is_target_unreachable() -> None:
    settings = config.load(
        {"target": "http://no-such-host.invalid:9001", "timeout": 2.0}, environ={}
    )
    with (
        LinkisClient(settings) as client,
        pytest.raises(TargetUnreachable, match="does not resolve"),
    ):
        client.user_info()


def test_curl_reproducer_hides_secrets(
    sim: RunningSimulator, alice: LinkisClient
) -> None:
    login = alice.login()
    ticket = alice._ticket
    assert ticket is not None
    curl = login.curl()
    assert "alice123" not in curl
    assert "<password>" in curl
    status = alice.job_history_list(pageSize=1)
    assert ticket[1] not in status.curl()
    assert f"{ticket[0]}=<session-ticket>" in status.curl()
    assert ticket[1] not in repr(status)
    token = LinkisClient(_settings(sim, token_code=TOKEN, token_user="alice"))
    with token:
        answer = token.user_info()
    assert TOKEN not in answer.curl()
    assert TOKEN not in answer.evidence()
    assert "Token-Code: <token-code>" in answer.curl()
    argv = shlex.split(status.curl())
    assert argv[:4] == ["curl", "-sS", "-X", "GET"]
    assert argv[4].startswith(sim.url + "/api/rest_j/v1/jobhistory/list?")


def test_custom_secret_headers_are_placeholders(alice: LinkisClient) -> None:
    answer = alice.request(
        "GET",
        "/user/userInfo",
        headers={"Validation-Code": "proxy-secret-7", "Proxy-User": "bob"},
    )
    assert "proxy-secret-7" not in answer.curl()
    assert "Validation-Code: <validation-code>" in answer.curl()
    assert "Proxy-User: bob" in answer.curl()


def test_curl_reproducer_replays_against_the_target(alice: LinkisClient) -> None:
    answer = alice.job_history_list(pageSize=1)
    # With the placeholder swapped back in, the reproducer is the same request.
    argv = shlex.split(answer.curl().replace("<session-ticket>", alice._ticket[1]))  # type: ignore[index]
    assert argv[argv.index("-H") + 1].startswith("Cookie: ")


def test_non_envelope_answers_keep_the_body(alice: LinkisClient) -> None:
    answer = alice.request("GET", "/no/such/path")
    assert answer.http_status == 404 or answer.envelope is not None
    if answer.envelope is None:
        assert answer.body
        assert answer.data == {}


def test_wait_for_terminal_records_every_poll(alice: LinkisClient) -> None:
    submitted = alice.submit(_quick_body("alice"))
    assert submitted.ok, submitted.evidence()
    observations = wait_for_terminal(
        alice, submitted.data["execID"], deadline=30, interval=0.05, max_interval=0.2
    )
    assert is_terminal(observations[-1].state)
    assert observations[-1].state == "Succeed"
    assert all(o.progress_answer is not None for o in observations)
    times = [o.at for o in observations]
    assert times == sorted(times)


def test_wait_for_terminal_stops_at_the_deadline(alice: LinkisClient) -> None:
    slow = next(w for w in load_workloads() if w.name == "shell-slow")
    submitted = alice.submit(slow.submit_body(user="alice"))
    exec_id = submitted.data["execID"]
    clock = iter(float(t) for t in range(100))
    observations = wait_for_terminal(
        alice,
        exec_id,
        deadline=3,
        interval=1,
        clock=lambda: next(clock),
        sleep=lambda _: None,
    )
    assert not is_terminal(observations[-1].state)
    assert 1 <= len(observations) <= 3
    alice.kill(exec_id, submitted.data["taskID"])


def test_settings_replace_keeps_secrets_out_of_repr(sim: RunningSimulator) -> None:
    settings = dataclasses.replace(_settings(sim, user="alice", password="alice123"))
    assert "alice123" not in repr(LinkisClient(settings).settings)


def test_older_cookie_name_and_timeout_settings_are_used() -> None:
    seen: list[httpx.Request] = []

    def gateway(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/user/login"):
            body = {
                "method": None,
                "status": 0,
                "message": "login successful",
                "data": {"userName": "alice"},
            }
            return httpx.Response(
                200,
                json=body,
                headers={"Set-Cookie": "bdp-user-ticket-id=t-0.9; Path=/"},
            )
        body = {
            "method": "/api/jobhistory/list",
            "status": 0,
            "message": "OK",
            "data": {"tasks": []},
        }
        return httpx.Response(200, json=body)

    settings = config.load(
        {"target": "http://gw:9001", "user": "alice", "password": "alice123"},
        environ={},
    )
    with httpx.Client(transport=httpx.MockTransport(gateway)) as http:
        client = LinkisClient(settings, http=http)
        client.login()
        assert client.ticket_cookie == "bdp-user-ticket-id"
        assert client.job_history_list(pageSize=1).ok
    assert seen[-1].headers["Cookie"] == "bdp-user-ticket-id=t-0.9"
    assert (
        str(seen[-1].url) == "http://gw:9001/api/rest_j/v1/jobhistory/list?pageSize=1"
    )


def test_timeout_reaches_httpx_and_insecure_shows_in_curl() -> None:
    settings = config.load(
        {"target": "https://gw:9443", "timeout": 3.5, "insecure": True}, environ={}
    )
    with LinkisClient(settings) as client:
        assert client._http.timeout.read == 3.5

    def gateway(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json={"method": None, "status": 0, "message": "OK", "data": {}}
        )

    with httpx.Client(transport=httpx.MockTransport(gateway)) as http:
        answer = LinkisClient(settings, http=http).user_info()
    assert shlex.split(answer.curl())[:3] == ["curl", "-sS", "-k"]


def test_clients_share_one_verifying_tls_context_and_insecure_verifies_nothing() -> (
    None
):
    """Building a verifying context loads the whole CA bundle: once per process, not per client."""
    first, second = tls_verify(False), tls_verify(False)
    assert isinstance(first, ssl.SSLContext)
    assert first is second
    assert first.verify_mode == ssl.CERT_REQUIRED
    assert tls_verify(True) is False
