"""The client against a misbehaving gateway on loopback: it names what went wrong, never crashes.

Every answer that is not Linkis must come back as an `Answer` for the checks to judge (HTML,
empty, truncated, gzip lie, 502, 5xx) or as a one-line `TargetError` (nothing answers); never
as an httpx or JSON exception escaping to the runner.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest

from linkis_harness.client import LinkisClient
from linkis_harness.config import Settings
from linkis_harness.errors import HarnessError, LoginFailed, TargetUnreachable
from linkis_harness.safety import (
    DryRunStop,
    JobBudgetExhausted,
    ReadOnlyRefused,
    RequestGuard,
    SafetyPolicy,
)
from tests.support.badserver import BadServer, max_in_window, self_signed_context

pytestmark = pytest.mark.slow

PASSWORD = "alice123"
TOKEN = "TOK-h7-zq81-secret"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _settings(url: str, **kw: object) -> Settings:
    base: dict[str, object] = {
        "target": url,
        "user": "alice",
        "password": PASSWORD,
        "timeout": 1.0,
    }
    base.update(kw)
    return Settings(**base)  # type: ignore[arg-type]


@pytest.fixture
def bad(request: pytest.FixtureRequest) -> Iterator[BadServer]:
    mode, kwargs = request.param
    with BadServer(mode, **kwargs) as server:
        yield server


def _one_line(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text, text
    assert "Traceback" not in text
    return text


# -- nothing answers ---------------------------------------------------------------------------


def test_nothing_listening_is_unreachable_in_one_line() -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    with (
        LinkisClient(_settings(url)) as client,
        pytest.raises(TargetUnreachable) as info,
    ):
        client.login()
    assert "refused" in _one_line(info.value)
    assert url in str(info.value)


def test_unresolvable_name_is_unreachable_in_one_line() -> None:
    with (
        LinkisClient(_settings("http://linkis-gw.name.invalid:9001")) as client,
        pytest.raises(TargetUnreachable) as info,
    ):
        client.login()
    assert "DNS" in _one_line(info.value)


def test_tls_error_is_unreachable_and_insecure_gets_past_it() -> None:
    context = self_signed_context()
    if context is None:
        pytest.skip(
            "neither the cryptography package nor the openssl CLI can make a certificate"
        )
    with BadServer("ok", tls=context) as server:
        with (
            LinkisClient(_settings(server.url)) as client,
            pytest.raises(TargetUnreachable) as info,
        ):
            client.login()
        assert "TLS" in _one_line(info.value)
        assert "--insecure" in str(info.value)
        with LinkisClient(_settings(server.url, insecure=True)) as client:
            assert client.login().ok
            assert client.user_info().ok
        assert server.count == 2


@pytest.mark.parametrize("bad", [("hang", {})], indirect=True)
def test_an_answer_that_never_comes_times_out_per_request(bad: BadServer) -> None:
    with (
        LinkisClient(_settings(bad.url, timeout=0.3)) as client,
        pytest.raises(TargetUnreachable) as info,
    ):
        client.login()
    assert "no answer within 0.3s" in _one_line(info.value)


@pytest.mark.parametrize("bad", [("die", {"after": 3})], indirect=True)
def test_a_target_dying_mid_run_becomes_unreachable(bad: BadServer) -> None:
    with LinkisClient(_settings(bad.url)) as client:
        client.login()
        assert client.user_info().ok
        assert client.status("exec_id018011x_0").ok
        with pytest.raises(TargetUnreachable) as info:
            client.status("exec_id018011x_0")
        _one_line(info.value)
        with pytest.raises(TargetUnreachable) as info:
            client.status("exec_id018011x_0")
        assert "refused" in _one_line(info.value)


# -- login -------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [("login-refused", {})], indirect=True)
def test_refused_login_is_login_failed_without_the_password(bad: BadServer) -> None:
    with LinkisClient(_settings(bad.url)) as client, pytest.raises(LoginFailed) as info:
        client.login()
    text = _one_line(info.value)
    assert "wrong user name or password" in text
    assert PASSWORD not in text


@pytest.mark.parametrize("bad", [("no-cookie", {})], indirect=True)
def test_login_without_a_cookie_is_login_failed(bad: BadServer) -> None:
    with LinkisClient(_settings(bad.url)) as client, pytest.raises(LoginFailed) as info:
        client.authenticate()
    assert "cookie" in _one_line(info.value)


@pytest.mark.parametrize("bad", [("token-rejected", {})], indirect=True)
def test_rejected_token_is_login_failed_and_the_token_echo_is_scrubbed(
    bad: BadServer,
) -> None:
    settings = Settings(
        target=bad.url, token_code=TOKEN, token_user="alice", timeout=1.0
    )
    with LinkisClient(settings) as client, pytest.raises(LoginFailed) as info:
        client.authenticate()
    text = _one_line(info.value)
    assert "Token Authentication Failed" in text
    # Real Linkis echoes the token in its refusal: the harness must not repeat it.
    assert TOKEN not in text
    assert bad.seen[0].headers["token-code"] == TOKEN  # it really was sent and echoed


@pytest.mark.parametrize(
    "bad", [("session-expiry", {"expire_after": 4})], indirect=True
)
def test_an_expired_session_is_renewed_by_one_login_and_the_calls_go_on(
    bad: BadServer,
) -> None:
    with LinkisClient(_settings(bad.url)) as client:
        client.login()
        answers = [client.job_history_list(pageSize=1) for _ in range(10)]
    assert all(a.ok for a in answers), [a.http_status for a in answers]
    # 10 calls on tickets good for 4 each: two expiries, each healed by exactly one login.
    assert bad.expired == 2
    assert bad.logins == 3
    assert client.relogins == 2


# -- answers that are not Linkis ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "http_status", "body_has"),
    [
        (("html", {"after": 1}), 200, b"Welcome to nginx"),
        (("empty", {"after": 1}), 200, b""),
        (("truncated", {"after": 1}), 200, b'{"method": "/api/entrance/execute"'),
        (("proxy-502", {"after": 1}), 502, b"502 Bad Gateway"),
        (("storm", {"after": 1}), 500, b"Internal Server Error"),
    ],
    indirect=["bad"],
)
def test_non_linkis_answers_come_back_for_the_checks_to_judge(
    bad: BadServer, http_status: int, body_has: bytes
) -> None:
    with LinkisClient(_settings(bad.url)) as client:
        client.login()
        answer = client.job_history_list(pageSize=1)
    assert answer.http_status == http_status
    assert answer.envelope is None
    assert not answer.ok
    assert body_has in answer.body
    assert PASSWORD not in answer.evidence()


@pytest.mark.parametrize("bad", [("storm", {"after": 1})], indirect=True)
def test_a_5xx_storm_is_answered_every_time(bad: BadServer) -> None:
    with LinkisClient(_settings(bad.url)) as client:
        client.login()
        codes = [client.status("exec_id018011x_0").http_status for _ in range(8)]
    assert sorted(set(codes)) == [500, 502, 503, 504]


@pytest.mark.parametrize("bad", [("gzip-lie", {"after": 1})], indirect=True)
def test_a_gzip_lie_is_not_an_internal_error(bad: BadServer) -> None:
    """Content-Encoding: gzip over plain JSON: httpx raises DecodingError (not a TransportError)."""
    with LinkisClient(_settings(bad.url)) as client:
        client.login()
        try:
            answer = client.job_history_list(pageSize=1)
        except HarnessError as exc:  # acceptable: a named, one-line harness error
            _one_line(exc)
        else:
            assert not answer.ok


# -- the safety policy on the wire -------------------------------------------------------------


@pytest.mark.parametrize("bad", [("ok", {})], indirect=True)
def test_rate_limit_holds_on_the_wire(bad: BadServer) -> None:
    rate = 20.0
    guard = RequestGuard(SafetyPolicy(rate_limit=rate))
    with LinkisClient(_settings(bad.url), guard=guard) as client:
        client.login()
        for _ in range(24):
            client.status("exec_id018011x_0")
    times = [s.at for s in bad.seen]
    assert len(times) == 25
    # Count what the server received in any 0.5 s window: rate * window plus the one burst token.
    assert max_in_window(times, 0.5) <= rate * 0.5 + 1


@pytest.mark.parametrize("bad", [("ok", {})], indirect=True)
def test_max_jobs_and_read_only_stop_requests_before_the_wire(bad: BadServer) -> None:
    guard = RequestGuard(SafetyPolicy(max_jobs=2))
    with LinkisClient(_settings(bad.url), guard=guard) as client:
        client.login()
        client.submit({"executionContent": {"code": "echo 1"}})
        client.execute({"executionCode": "echo 1"})
        with pytest.raises(JobBudgetExhausted):
            client.submit({"executionContent": {"code": "echo 1"}})
        client.kill("exec_id018011x_0")  # cleanup is never blocked by the budget
    assert [s.path.rsplit("/", 1)[-1] for s in bad.seen] == [
        "login",
        "submit",
        "execute",
        "kill",
    ]

    guard = RequestGuard(SafetyPolicy(read_only=True))
    before = bad.count
    with LinkisClient(_settings(bad.url), guard=guard) as client:
        client.login()
        calls: list[Callable[[], object]] = [
            lambda: client.submit({}),
            lambda: client.execute({}),
            lambda: client.kill("exec_id018011x_0"),
            lambda: client.pause("exec_id018011x_0"),
        ]
        for call in calls:
            with pytest.raises(ReadOnlyRefused):
                call()
        assert client.status("exec_id018011x_0").ok
    assert bad.count - before == 2


@pytest.mark.parametrize("bad", [("ok", {})], indirect=True)
def test_dry_run_sends_nothing_and_prints_no_secret(bad: BadServer) -> None:
    printed: list[str] = []
    guard = RequestGuard(SafetyPolicy(dry_run=True))
    settings = Settings(
        target=bad.url, token_code=TOKEN, token_user="alice", timeout=1.0
    )
    with LinkisClient(settings, guard=guard, on_dry_run=printed.append) as client:
        calls: list[Callable[[], object]] = [
            lambda: client.submit({"executionContent": {"code": "echo 1"}}),
            lambda: client.job_history_list(pageSize=1),
        ]
        for call in calls:
            with pytest.raises(DryRunStop):
                call()
    with (
        LinkisClient(
            _settings(bad.url), guard=guard, on_dry_run=printed.append
        ) as client,
        pytest.raises(DryRunStop),
    ):
        client.login()
    assert bad.count == 0
    assert len(printed) == 3
    assert printed[0].startswith(
        f"DRY-RUN POST {bad.url}/api/rest_j/v1/entrance/submit"
    )
    joined = "\n".join(printed)
    assert TOKEN not in joined
    assert PASSWORD not in joined
    assert "Token-User: alice" in joined
